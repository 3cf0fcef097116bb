"""Refused, missing and failed pages are the panel's own, translated; the API keeps JSON."""

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as panel_urlpatterns

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*panel_urlpatterns, path("boom/", _boom)]
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"


@pytest.mark.parametrize(("language", "title"), [("en", "You may not open this page"),
                                                 ("tr", "Bu sayfayı açamazsınız")])
def test_a_refused_page_is_styled_and_translated(marketer_client, language, title):
    response = marketer_client.get("/admin/connectors/iysconnector/",
                                   headers={"Accept-Language": language})
    page = response.content.decode()
    assert response.status_code == 403
    assert title in page and 'id="site-name"' in page and "language-select" in page
    assert f'lang="{language}"' in page


def test_a_missing_page_is_styled_and_translated(marketer_client):
    response = marketer_client.get("/admin/nowhere/", headers={"Accept-Language": "tr"})
    assert response.status_code == 404
    assert "Sayfa bulunamadı" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_failure_is_a_styled_translated_500(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", headers={"Accept-Language": "tr"})
    assert response.status_code == 500
    page = response.content.decode()
    assert "Bir şeyler ters gitti" in page and "admin/css/base.css" in page
    assert "RuntimeError" not in page


def test_the_api_answers_json_for_a_missing_address(client):
    response = client.get("/api/nowhere/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_the_login_page_has_the_language_switch_with_a_button(client):
    page = client.get("/admin/login/").content.decode()
    assert 'id="language-select"' in page and "this.form.submit" not in page
    assert 'type="submit">Change language</button>' in page
