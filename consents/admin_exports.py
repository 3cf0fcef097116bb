"""Exports in the panel: small ones answer at once, large ones become a job in the worker
(consents.export_jobs) and end in a download link with a progress bar."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.forms import SelectableFieldsExportForm

from consents.export_jobs import (
    ExportTooLarge,
    export_is_large,
    export_job_start,
    export_job_visible,
    export_jobs_for,
    export_path,
)
from consents.models import ExportJob


class ColumnExportForm(SelectableFieldsExportForm):
    """Each column's checkbox says the column's header, in the viewer's language (the
    library's label is the field's English name, title-cased)."""

    def _get_field_label(self, resource, field_name: str) -> str:
        columns = getattr(self, "_columns", {})
        if resource not in columns:
            columns[resource] = resource().fields  # built per export: translated, attributes
            self._columns = columns
        field = columns[resource].get(field_name)
        return str(field.column_name) if field else field_name


class LargeExportMixin(ExportMixin):
    """django-import-export's export form; past the threshold the worker writes the file."""

    export_job_resource = ""  # a key of consents.export_jobs.EXPORT_RESOURCES
    export_form_class = ColumnExportForm
    to_encoding = "utf-8-sig"  # a BOM, so that Excel reads the CSV as UTF-8

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        rows = queryset.count()
        if not export_is_large(rows):
            return super()._do_file_export(file_format, request, queryset,
                                           export_form=export_form)
        try:
            job = export_job_start(
                resource=self.export_job_resource, queryset=queryset,
                fields=self.get_export_resource_fields_from_form(export_form),
                file_format=file_format.get_extension(), user=request.user, rows=rows)
        except ExportTooLarge as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(request.get_full_path())
        self.message_user(request, _(
            "%(rows)s rows: the file is being written in the background. This page shows its "
            "progress and the download link.") % {"rows": f"{rows:,}".replace(",", ".")},
            messages.INFO)
        return redirect(reverse("admin:consents_exportjob_change", args=[job.pk]))


class ExportJobAdmin(admin.ModelAdmin):
    """Each user's large exports (admins see all); read-only, with progress and download."""

    list_display = ["created_at", "resource", "file_format", "state", "rows_total",
                    "requested_by"]
    list_filter = ["state", "resource"]
    change_form_template = "admin/consents/exportjob/detail.html"

    def get_queryset(self, request):
        return export_jobs_for(request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or export_job_visible(obj, request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", wrap(self.progress_view),
                 name="consents_exportjob_progress"),
            path("<int:pk>/download/", wrap(self.download_view),
                 name="consents_exportjob_download"),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, pk: int) -> ExportJob:
        job = get_object_or_404(ExportJob, pk=pk)
        if not export_job_visible(job, request.user):
            raise PermissionDenied
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, int(object_id))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "job": job,
                   "title": _("Export"), "subtitle": str(job)}
        return TemplateResponse(request, self.change_form_template, context)

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        job = self._job(request, pk)
        return JsonResponse({
            "state": job.state, "state_label": job.get_state_display(),
            "rows_done": job.rows_done, "rows_total": job.rows_total, "percent": job.percent,
            "finished": job.is_finished, "message": job.message,
            "download_url": (reverse("admin:consents_exportjob_download", args=[job.pk])
                             if job.state == ExportJob.State.DONE else "")})

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        if job.state != ExportJob.State.DONE or not export_path(job).exists():
            raise Http404
        return FileResponse(export_path(job).open("rb"), as_attachment=True,
                            filename=job.file_name)
