"""Run the contact upload pipeline on a file, synchronously, for operators and scripts."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from config.cli import command_language
from uploads import matching
from uploads.models import Upload, UploadRowError
from uploads.services import (
    upload_create_from_path,
    upload_errors_csv,
    upload_matching_save,
    upload_run,
    upload_summary,
)
from uploads.summary import summary_sections

EXIT_BLOCKED = 2


class Command(BaseCommand):
    help = ("Import contacts from a CSV, TXT or XLSX file through the upload pipeline. "
            "Exit 0 when processed (row errors included), 2 when blocked.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--status", required=True, choices=Upload.Mode.values,
                            help="iys (IYS Synchronize), subscribed or unsubscribed")
        parser.add_argument("--map", action="append", default=[], dest="maps",
                            metavar="Header=attribute",
                            help="Match a column: email, phone, external_id, iys_source, "
                                 "iys_status, iys_consent_date, a profile attribute name, or "
                                 "nothing to skip it. Repeatable.")
        parser.add_argument("--name", default="")
        parser.add_argument("--sheet", default="", metavar="NAME",
                            help="The sheet of an XLSX workbook (default: the first).")
        parser.add_argument("--default-country", default="", choices=["TR"],
                            dest="default_country",
                            help="TR: phone numbers without a country code (0532 …, 90532 …, "
                                 "5321234567) are Turkish. Default: they are refused.")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="Print one JSON object.")
        parser.add_argument("--errors-csv", type=Path, dest="errors_csv", metavar="PATH",
                            help="Write the rows with errors to PATH: the file the wizard "
                                 "offers for download, to fix and import again.")

    def handle(self, *args, **options):
        with translation.override(command_language()):
            return self._import(**options)

    def _import(self, *, file: Path, status: str, maps: list[str], name: str, as_json: bool,
                sheet: str | None = None, default_country: str | None = None,
                errors_csv: Path | None = None, **options):
        if not file.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": file})
        try:
            upload = upload_create_from_path(path=file, mode=status, name=name, sheet=sheet,
                                             default_country=default_country)
            for notice in upload.notices:
                self.stderr.write(notice)
            mapping = self._mapping(upload, maps)
            upload = upload_matching_save(upload=upload, mapping=mapping, remember=False)
        except ValidationError as error:
            return self._blocked(" ".join(error.messages), as_json)
        if upload.state == Upload.State.BLOCKED:
            return self._blocked(upload.message, as_json, upload)
        upload = upload_run(upload_id=upload.pk)
        if upload.state == Upload.State.BLOCKED:
            return self._blocked(upload.message, as_json, upload)
        if upload.state == Upload.State.FAILED:
            raise CommandError(upload.message)
        if errors_csv is not None:
            with open(errors_csv, "w", encoding="utf-8", newline="") as out:
                out.writelines(upload_errors_csv(upload))
        self._report(upload, as_json)
        return None

    def _mapping(self, upload: Upload, overrides: list[str]) -> list[str]:
        mapping = list(upload.mapping)
        folded = [matching.fold(h) for h in upload.headers]
        attributes = {target.removeprefix(matching.ATTRIBUTE_PREFIX)
                      for target, _label in matching.target_choices()
                      if target.startswith(matching.ATTRIBUTE_PREFIX)}
        for item in overrides:
            header, sep, target = item.partition("=")
            if not sep:
                raise ValidationError(_("--map “%(item)s”: write it as Header=attribute")
                                      % {"item": item})
            key = matching.fold(header)
            if key not in folded:
                raise ValidationError(_("--map “%(item)s”: the file has no column “%(header)s”")
                                      % {"item": item, "header": header})
            target = target.strip()
            if target in attributes:
                target = matching.attribute_target(target)
            elif target and target not in matching.FIXED_TARGETS:
                raise ValidationError(
                    _("--map “%(item)s”: “%(target)s” is not a profile attribute")
                    % {"item": item, "target": target})
            mapping[folded.index(key)] = target
        return mapping

    def _blocked(self, reason: str, as_json: bool, upload: Upload | None = None) -> None:
        self.stderr.write(reason)
        if as_json:
            self.stdout.write(json.dumps({"blocked": True, "reason": reason}))
        raise SystemExit(EXIT_BLOCKED)

    def _report(self, upload: Upload, as_json: bool) -> None:
        summary = upload_summary(upload)
        if not as_json:
            for section in summary_sections(counts=summary, mode=upload.mode):
                self.stdout.write(f"{section['label']}: {section['total']}")
                for _key, label, count in section["buckets"]:
                    self.stdout.write(f"  {label}: {count}")
            for column in summary["ignored_columns"]:
                self.stdout.write(_("ignored column %(column)s: %(reason)s") % column)
            return
        errors = [{"row": e.row_number, "column": e.column, "message": e.text,
                   "code": e.code, "kind": e.kind}
                  for e in UploadRowError.objects.filter(upload=upload).iterator()]
        self.stdout.write(json.dumps({**summary, "upload_id": upload.pk, "errors": errors},
                                     ensure_ascii=False))
