import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin_site import ReadOnlyAdmin
from consents.choices import Channel, ConsentSource, IysHeld, Permission
from consents.models import ProfileAttribute
from insights.exports import export_path, segment_export_request
from insights.forms import SegmentForm
from insights.models import Segment, SegmentExport
from insights.segments import OPS_BY_TYPE, segment_count


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["name", "sendable_channel", "updated_at"]
    search_fields = ["name"]
    actions = ["export_csv", "export_xlsx"]
    change_form_template = "admin/insights/segment/change_form.html"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [path("count/", self.admin_site.admin_view(self.count_view),
                     name="insights_segment_count"), *super().get_urls()]

    def count_view(self, request: HttpRequest) -> JsonResponse:
        """The live count while editing: POST {"rules": [...], "sendable_channel": ""}."""
        if request.method != "POST" or not self.has_view_permission(request):
            return JsonResponse({"errors": [str(_("Not allowed."))]}, status=403)
        try:
            body = json.loads(request.body or b"{}")
            count = segment_count(rules=body.get("rules") or [],
                                  sendable_channel=body.get("sendable_channel") or "")
        except (ValueError, AttributeError):
            return JsonResponse({"errors": [str(_("The conditions could not be read."))]},
                                status=400)
        except ValidationError as error:
            return JsonResponse({"errors": error.messages}, status=400)
        return JsonResponse({"count": count})

    def render_change_form(self, request, context, *args, **kwargs):
        attributes = [{"name": a.name, "label": a.label or a.name, "type": a.type,
                       "ops": list(OPS_BY_TYPE[a.type])}
                      for a in ProfileAttribute.objects.order_by("name")]
        context["builder"] = {
            "attributes": attributes,
            "channels": [[c.value, str(c.label)] for c in Channel],
            "permissions": [[p.value, str(p.label)] for p in Permission],
            "sources": [[s.value, str(s.label)] for s in ConsentSource],
            "iys_statuses": [[h.value, str(h.label)] for h in IysHeld],
            "count_url": reverse("admin:insights_segment_count"),
            "labels": {str(k): str(v) for k, v in _BUILDER_LABELS.items()},
        }
        return super().render_change_form(request, context, *args, **kwargs)

    def _export(self, request, queryset, format_: str) -> None:
        if not request.user.has_perm("insights.add_segmentexport"):
            self.message_user(request, _("You may not export segments."), messages.ERROR)
            return
        for segment in queryset:
            segment_export_request(segment=segment, format=format_, user=request.user)
        self.message_user(request, _("The export runs in the background; download it under "
                                     "Targeting › Segment exports."))

    @admin.action(description=_("Export the selected segments to CSV"))
    def export_csv(self, request, queryset):
        self._export(request, queryset, SegmentExport.Format.CSV)

    @admin.action(description=_("Export the selected segments to XLSX"))
    def export_xlsx(self, request, queryset):
        self._export(request, queryset, SegmentExport.Format.XLSX)


_BUILDER_LABELS = {
    "add": _("Add a condition"), "remove": _("Remove"), "count": _("Contacts in the segment"),
    "counting": _("Counting…"), "permission": _("Channel permission"),
    "sendable": _("Sendable on"), "iys_status": _("What İYS holds"),
    "source": _("Consent source"), "created_at": _("Created"), "updated_at": _("Changed"),
    "attribute": _("Profile attribute"), "from": _("from"), "to": _("to"),
    "equals": _("equals"), "contains": _("contains"), "empty": _("is empty"),
    "not_empty": _("is not empty"), "between": _("between"), "is": _("is"),
    "yes": _("yes"), "no": _("no"), "value": _("value"),
}


@admin.register(SegmentExport)
class SegmentExportAdmin(ReadOnlyAdmin):
    list_display = ["segment", "format", "state", "rows", "created_by", "created_at",
                    "download"]
    list_filter = ["state", "format"]

    @admin.display(description=_("File"))
    def download(self, obj: SegmentExport) -> str:
        if obj.state != SegmentExport.State.DONE:
            return obj.message or "—"
        return format_html('<a class="export-download" href="{}">{}</a>',
                           reverse("admin:insights_segmentexport_download", args=[obj.pk]),
                           _("Download"))

    def get_urls(self):
        return [path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                     name="insights_segmentexport_download"), *super().get_urls()]

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        export = SegmentExport.objects.filter(pk=pk, state=SegmentExport.State.DONE).first()
        if export is None or not self.has_view_permission(request, export):
            raise Http404
        path = export_path(export)
        if not path.exists():
            raise Http404
        return FileResponse(path.open("rb"), as_attachment=True,
                            filename=f"{export.segment.name}.{export.format}")
