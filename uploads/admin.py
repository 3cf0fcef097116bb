"""Targeting › Contact Upload: the wizard (file, status, matching), progress and summary.

Views stay thin: every step calls uploads.services. Who may do what comes from the model
permissions of the roles (accounts.roles): Admin and Marketer upload, Staff only reads.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from uploads import matching
from uploads.forms import MatchingForm, SheetForm, StatusForm, UploadFileForm
from uploads.models import Upload, UploadRowError
from uploads.services import (
    default_country_for,
    upload_cancel,
    upload_create,
    upload_errors_csv,
    upload_matching_save,
    upload_may_resume,
    upload_mode_change,
    upload_queue,
    upload_resume,
    upload_sheet_choose,
    upload_summary,
)
from uploads.summary import summary_sections
from uploads.templatetags.uploads_format import grouped

STATE_COLOURS = {"done": "#1f7a33", "failed": "#ba2121", "blocked": "#ba2121",
                 "processing": "#8a6a00", "queued": "#8a6a00", "cancelled": "#666666"}


def progress_text(upload: Upload) -> str:
    """“32.500 / 100.000 satır”, “32,500 of 100,000 rows”: in the request's language and its
    number format (the progress bar's text, served with each poll)."""
    return _("%(done)s of %(total)s rows") % {"done": grouped(upload.rows_done),
                                               "total": grouped(upload.rows_total)}


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["name", "mode", "state_badge", "progress", "queued", "created_by",
                    "created_at"]
    list_filter = ["state", "mode"]
    search_fields = ["name", "original_name"]
    list_display_links = ["name"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_badge(self, obj: Upload) -> str:
        colour = STATE_COLOURS.get(obj.state, "inherit")
        return format_html('<strong style="color:{}">{}</strong>', colour,
                           obj.get_state_display())

    @admin.display(description=gettext_lazy("rows processed"))
    def progress(self, obj: Upload) -> str:
        return "—" if obj.rows_total is None else progress_text(obj)

    @admin.display(description=gettext_lazy("queued for İYS"))
    def queued(self, obj: Upload) -> int:
        return obj.counts.get("queued_for_iys", 0)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/matching/", wrap(self.matching_view), name="uploads_upload_matching"),
            path("<int:pk>/status/", wrap(self.status_view), name="uploads_upload_status"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="uploads_upload_cancel"),
            path("<int:pk>/progress/", wrap(self.progress_view), name="uploads_upload_progress"),
            path("<int:pk>/errors.csv", wrap(self.errors_view), name="uploads_upload_errors"),
            path("<int:pk>/resume/", wrap(self.resume_view), name="uploads_upload_resume"),
            path("<int:pk>/sheet/", wrap(self.sheet_view), name="uploads_upload_sheet"),
            *super().get_urls(),
        ]

    def _say_if_waiting_for_the_worker(self, request: HttpRequest, upload: Upload) -> None:
        """The broker did not take the task (uploads_watch sends it again): say so."""
        upload.refresh_from_db(fields=["state", "dispatched_at"])
        if upload.state == Upload.State.QUEUED and upload.dispatched_at is None:
            self.message_user(request, _(
                "The upload is queued; it will start when the worker is reachable."),
                messages.WARNING)

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "title": title, **extra}

    def _steps(self, request: HttpRequest, upload: Upload | None, *current: int) -> list[dict]:
        """The wizard's step pills; the steps a user may go back to are links."""
        may_add = self.has_add_permission(request)
        editable = (upload is not None and may_add
                    and upload.state in (Upload.State.DRAFT, Upload.State.BLOCKED))
        started = upload is not None and upload.state not in (
            Upload.State.DRAFT, Upload.State.BLOCKED, Upload.State.CANCELLED)
        urls = {1: reverse("admin:uploads_upload_add") if may_add else None,
                2: editable and reverse("admin:uploads_upload_status", args=[upload.pk]),
                3: editable and reverse("admin:uploads_upload_matching", args=[upload.pk]),
                4: started and reverse("admin:uploads_upload_change", args=[upload.pk]),
                5: started and upload.is_finished
                and reverse("admin:uploads_upload_change", args=[upload.pk])}
        labels = [_("File"), _("Status"), _("Matching"), _("Processing"), _("Summary")]
        return [{"number": number, "label": label, "url": urls[number] or "",
                 "current": number in current}
                for number, label in enumerate(labels, start=1)]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("File transfers"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # Steps 1 and 2: file and status.
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadFileForm(request.POST or None, request.FILES or None, initial={
            "turkish_numbers": default_country_for(request.user) == "TR"})
        if request.method == "POST" and form.is_valid():
            file = form.cleaned_data["file"]
            try:
                upload = upload_create(name=form.cleaned_data["name"], file_name=file.name,
                                       chunks=file.chunks(), mode=form.cleaned_data["mode"],
                                       user=request.user,
                                       default_country="TR" if form.cleaned_data[
                                           "turkish_numbers"] else "")
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(reverse("admin:uploads_upload_matching", args=[upload.pk]))
        return TemplateResponse(request, "uploads/upload_file.html", self._context(
            request, _("Contact upload"), form=form, steps=self._steps(request, None, 1, 2),
            iys_fields=self._iys_fields()))

    @staticmethod
    def _iys_fields() -> list[str]:
        return [str(label) for key, label in matching.FIXED_TARGETS.items()
                if key in matching.IYS_FIELDS]

    # Step 3: matching.
    def matching_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if upload.state not in (Upload.State.DRAFT, Upload.State.BLOCKED):
            return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))
        choices = matching.target_choices()
        form = MatchingForm(request.POST or None, headers=upload.headers,
                            mapping=upload.mapping, choices=choices)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    upload = upload_matching_save(upload=upload, mapping=form.mapping())
                    if upload.state == Upload.State.DRAFT:
                        upload_queue(upload=upload)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self._say_if_waiting_for_the_worker(request, upload)
                return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))
        matches = (matching.columns_auto_match(upload.headers, has_header=upload.has_header,
                                               values=upload.samples)
                   if request.method == "GET" and upload.state == Upload.State.DRAFT else None)
        labels = dict(choices)
        rows = []
        for index, header in enumerate(upload.headers):
            field = form[f"column_{index}"]
            target = field.value() or ""
            rows.append({"header": header, "field": field,
                         "samples": upload.samples[index] if index < len(upload.samples) else [],
                         "target": target, "label": labels.get(target, ""),
                         "how": matches[index].how if matches else ""})
        return TemplateResponse(request, "uploads/upload_matching.html", self._context(
            request, _("Match the columns of “%(name)s”") % {"name": upload.name},
            upload=upload, form=form, rows=rows, steps=self._steps(request, upload, 3),
            sheet_form=SheetForm(initial={"sheet": upload.sheet}, sheets=upload.sheets)
            if len(upload.sheets) > 1 else None,
            importing=sum(1 for row in rows if row["target"]), original=upload))

    # Step 2 again: another status before processing.
    def status_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if upload.state not in (Upload.State.DRAFT, Upload.State.BLOCKED):
            return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))
        form = StatusForm(request.POST or None, initial={"mode": upload.mode})
        if request.method == "POST" and form.is_valid():
            try:
                upload_mode_change(upload=upload, mode=form.cleaned_data["mode"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                return redirect(reverse("admin:uploads_upload_matching", args=[upload.pk]))
        return TemplateResponse(request, "uploads/upload_status.html", self._context(
            request, _("Change the status of “%(name)s”") % {"name": upload.name},
            upload=upload, original=upload, form=form, steps=self._steps(request, upload, 2),
            iys_fields=self._iys_fields()))

    @method_decorator(require_POST)
    def cancel_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            upload_cancel(upload=upload)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _("The upload “%(name)s” was cancelled; its file was "
                                         "deleted and the record kept.") % {"name": upload.name},
                              messages.SUCCESS)
        return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))

    @method_decorator(require_POST)
    def sheet_view(self, request: HttpRequest, pk: int):
        """Read another sheet of the workbook; the matching starts again from its columns."""
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SheetForm(request.POST, sheets=upload.sheets)
        if not form.is_valid():
            self.message_user(request, _("Choose one of the workbook's sheets."), messages.ERROR)
        else:
            try:
                upload_sheet_choose(upload=upload, sheet=form.cleaned_data["sheet"])
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        return redirect(reverse("admin:uploads_upload_matching", args=[upload.pk]))

    # Steps 4 and 5: progress and result summary.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        upload = get_object_or_404(Upload, pk=object_id)
        if not self.has_view_permission(request, upload):
            raise PermissionDenied
        kinds = dict(UploadRowError.Kind.choices)
        kind = request.GET.get("kind") if request.GET.get("kind") in kinds else ""
        # Rows, not errors: a row with two problems is one row kept as opt-out.
        by_kind = dict(upload.row_errors.values_list("kind")
                       .annotate(n=Count("row_number", distinct=True)))
        rows = upload.row_errors.order_by("row_number", "id")
        errors = Paginator(rows.filter(kind=kind) if kind else rows, 50)
        page = errors.get_page(request.GET.get("page"))
        summary = upload_summary(upload)
        return TemplateResponse(request, "uploads/upload_detail.html", self._context(
            request, upload.name, upload=upload, original=upload, page=page, kind=kind,
            steps=self._steps(request, upload, 5 if upload.is_finished else 4),
            kinds=[(key, label, by_kind[key]) for key, label in kinds.items() if key in by_kind],
            errors_total=upload.row_errors.values("row_number").distinct().count(),
            summary=summary, sections=summary_sections(counts=summary, mode=upload.mode),
            progress_text=progress_text(upload),
            may_rematch=self.has_add_permission(request)
            and upload.state in (Upload.State.DRAFT, Upload.State.BLOCKED),
            may_resume=self.has_change_permission(request, upload)
            and upload_may_resume(upload)))

    @method_decorator(require_POST)
    def resume_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_change_permission(request, upload):
            raise PermissionDenied
        try:
            with transaction.atomic():
                upload_resume(upload=upload)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self._say_if_waiting_for_the_worker(request, upload)
        return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))

    def progress_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_view_permission(request, upload):
            raise PermissionDenied
        return JsonResponse({"state": upload.state, "state_label": upload.get_state_display(),
                             "text": progress_text(upload),
                             "rows_done": upload.rows_done, "rows_total": upload.rows_total,
                             "percent": upload.percent, "finished": upload.is_finished})

    def errors_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_view_permission(request, upload):
            raise PermissionDenied
        response = StreamingHttpResponse(upload_errors_csv(upload),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}-errors.csv"'
        return response
