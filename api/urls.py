from django.urls import path

from api import views

app_name = "api"
urlpatterns = [
    path("v1/consents", views.consent_create, name="consent-create"),
    path("v1/contacts/<path:identifier>", views.contact_detail, name="contact-detail"),
    path("v1/audience/check", views.audience_check_view, name="audience-check"),
]
