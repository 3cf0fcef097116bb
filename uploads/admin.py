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
from uploads.forms import MatchingForm, UploadFileForm
from uploads.models import Upload, UploadRowError
from uploads.services import (
    upload_create,
    upload_errors_csv,
    upload_matching_save,
    upload_queue,
    upload_resume,
    upload_summary,
)

STATE_COLOURS = {"done": "#1f7a33", "failed": "#ba2121", "blocked": "#ba2121",
                 "processing": "#8a6a00", "queued": "#8a6a00"}
SUMMARY_LABELS = [
    ("rows", gettext_lazy("Rows read")),
    ("created", gettext_lazy("Contacts created")),
    ("updated", gettext_lazy("Contacts updated")),
    ("optout", gettext_lazy("Created or kept as opt-out (missing or invalid İYS fields)")),
    ("rejected", gettext_lazy("Rows rejected")),
    ("not_recorded", gettext_lazy("Rows of existing contacts not recorded (invalid İYS fields; "
                                  "their consents are kept)")),
    ("duplicates", gettext_lazy("Rows for a contact that appears again (the last row wins)")),
    ("cell_errors", gettext_lazy("Cells not imported (wrong type)")),
    ("consents", gettext_lazy("Consents recorded")),
    ("queued_for_iys", gettext_lazy("Consents queued for İYS")),
    ("check_for_iys", gettext_lazy("RETs waiting for İYS to be asked whether it holds an ONAY")),
    ("superseded", gettext_lazy("Earlier waiting consents superseded (never sent to İYS)")),
    ("local_only", gettext_lazy("Consents stored locally only (older than 3 business days)")),
]


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
        if obj.rows_total is None:
            return "—"
        return f"{obj.rows_done} / {obj.rows_total}"

    @admin.display(description=gettext_lazy("queued for İYS"))
    def queued(self, obj: Upload) -> int:
        return obj.counts.get("queued_for_iys", 0)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/matching/", wrap(self.matching_view), name="uploads_upload_matching"),
            path("<int:pk>/progress/", wrap(self.progress_view), name="uploads_upload_progress"),
            path("<int:pk>/errors.csv", wrap(self.errors_view), name="uploads_upload_errors"),
            path("<int:pk>/resume/", wrap(self.resume_view), name="uploads_upload_resume"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "title": title, **extra}

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("File transfers"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # Steps 1 and 2: file and status.
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            file = form.cleaned_data["file"]
            try:
                upload = upload_create(name=form.cleaned_data["name"], file_name=file.name,
                                       chunks=file.chunks(), mode=form.cleaned_data["mode"],
                                       user=request.user)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(reverse("admin:uploads_upload_matching", args=[upload.pk]))
        return TemplateResponse(request, "uploads/upload_file.html", self._context(
            request, _("Contact upload"), form=form,
            iys_fields=[str(label) for key, label in matching.FIXED_TARGETS.items()
                        if key in matching.IYS_FIELDS]))

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
                return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))
        matches = (matching.columns_auto_match(upload.headers, has_header=upload.has_header)
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
            upload=upload, form=form, rows=rows,
            importing=sum(1 for row in rows if row["target"]), original=upload))

    # Steps 4 and 5: progress and result summary.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        upload = get_object_or_404(Upload, pk=object_id)
        if not self.has_view_permission(request, upload):
            raise PermissionDenied
        kinds = dict(UploadRowError.Kind.choices)
        kind = request.GET.get("kind") if request.GET.get("kind") in kinds else ""
        by_kind = dict(upload.row_errors.values_list("kind").annotate(n=Count("id")))
        rows = upload.row_errors.order_by("row_number", "id")
        errors = Paginator(rows.filter(kind=kind) if kind else rows, 50)
        page = errors.get_page(request.GET.get("page"))
        summary = upload_summary(upload)
        return TemplateResponse(request, "uploads/upload_detail.html", self._context(
            request, upload.name, upload=upload, original=upload, page=page, kind=kind,
            kinds=[(key, label, by_kind[key]) for key, label in kinds.items() if key in by_kind],
            errors_total=sum(by_kind.values()),
            summary=[(label, summary[key]) for key, label in SUMMARY_LABELS],
            may_rematch=self.has_add_permission(request)
            and upload.state in (Upload.State.DRAFT, Upload.State.BLOCKED),
            may_resume=self.has_change_permission(request, upload)
            and upload.state == Upload.State.FAILED))

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
        return redirect(reverse("admin:uploads_upload_change", args=[upload.pk]))

    def progress_view(self, request: HttpRequest, pk: int):
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_view_permission(request, upload):
            raise PermissionDenied
        return JsonResponse({"state": upload.state, "state_label": upload.get_state_display(),
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
