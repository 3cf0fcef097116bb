"""An upload's result as named buckets: every row, and every consent (or channel permission)
a row gives, falls into exactly one, and each section's buckets add up to its total.

A new outcome is one line in a section below (and, for a consent's delivery state, one line
in CONSENT_STATE_BUCKETS); the pipeline counts under the bucket's key.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consents.choices import IysState


@dataclass(frozen=True)
class Bucket:
    key: str  # the count key in Upload.counts
    label: Promise


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise  # the total's label
    buckets: tuple[Bucket, ...]
    total_key: str | None = None  # a count the buckets must add up to; None: their sum
    modes: tuple[str, ...] = ("iys", "subscribed", "unsubscribed")


ROWS = Section("rows", _("Rows read"), (
    Bucket("created", _("Contacts created")),
    Bucket("updated", _("Contacts updated")),
    Bucket("unchanged", _("Rows that changed nothing (already stored as in the file)")),
    Bucket("duplicates", _("Rows for a contact on another row of the file (the last row "
                           "wins)")),
    Bucket("rejected", _("Rows rejected")),
), total_key="rows")

CONSENTS = Section("consents", _("Consents in the rows applied"), (
    Bucket("queued_for_iys", _("Recorded and queued for İYS")),
    Bucket("check_for_iys", _("Recorded, a RET waiting for İYS to be asked whether it holds an "
                              "ONAY")),
    Bucket("local_only", _("Recorded, kept here: older than 3 business days")),
    Bucket("local_not_for_iys", _("Recorded, kept here: not for İYS (connector mode, partner "
                                  "permission, or a first RET)")),
    Bucket("consents_already", _("Already held: the same status, nothing new to record")),
    Bucket("consents_older", _("Not recorded: older than the stored consent")),
    Bucket("consents_optout", _("Kept as opt-out: missing or invalid İYS fields (new contacts)")),
    Bucket("consents_kept", _("Not recorded: missing or invalid İYS fields; the existing "
                              "contact keeps its consents")),
), modes=("iys",))

PERMISSIONS = Section("permissions", _("Channel permissions in the rows applied"), (
    Bucket("permissions_set", _("Permissions set")),
    Bucket("permissions_same", _("Already so")),
), modes=("subscribed", "unsubscribed"))

SECTIONS = (ROWS, CONSENTS, PERMISSIONS)

# The bucket of a recorded consent, by its delivery state (late consents: "local_only").
CONSENT_STATE_BUCKETS = {
    str(IysState.PENDING): "queued_for_iys",
    str(IysState.CHECK): "check_for_iys",
    str(IysState.LOCAL): "local_not_for_iys",
}
LATE_BUCKET = "local_only"

# Counts shown beside the sections, not in them: cells not imported (their rows were
# applied) and earlier waiting consents this upload's consents superseded (never sent).
NOTES = ("cell_errors", "superseded")
# Every count an upload keeps; besides the buckets and notes: "consents" (recorded), "optout"
# and "not_recorded" (rows with a consent kept as opt-out / not recorded).
COUNT_KEYS = tuple(dict.fromkeys(
    ["rows", *(b.key for s in SECTIONS for b in s.buckets), "consents", "optout",
     "not_recorded", *NOTES]))


def consent_bucket(state: str, *, late: bool) -> str:
    """The bucket of a consent an upload records (an unknown state counts under its own
    name, so that the summary-arithmetic test notices it)."""
    return LATE_BUCKET if late else CONSENT_STATE_BUCKETS.get(state, state)


def summary_sections(*, counts: dict, mode: str) -> list[dict]:
    """The sections of this upload's mode: label, total and (label, count) per bucket."""
    shown = []
    for section in SECTIONS:
        if mode not in section.modes:
            continue
        buckets = [(bucket.key, bucket.label, counts.get(bucket.key, 0))
                   for bucket in section.buckets]
        total = (counts.get(section.total_key, 0) if section.total_key
                 else sum(count for _key, _label, count in buckets))
        shown.append({"key": section.key, "label": section.label, "total": total,
                      "buckets": buckets})
    return shown
