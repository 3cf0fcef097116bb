from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from insights.api import segment_contacts

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("api/v1/segments/<int:pk>/contacts", segment_contacts, name="segment-contacts"),
    path("admin/", admin.site.urls),
]

# Error pages in the panel's frame, translated (config/views.py).
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
