"""The panel works under its Content-Security-Policy (issue 19, part 9): in a real browser no
page reports a violation, and the scripts the pages need (the language menu, the matching
page's edit buttons, the export page's "select all") still run."""

import pytest

from accounts.roles import ADMIN
from accounts.services import user_with_role
from tests.conftest import panel_login, screenshot
from tests.uploads.test_unchanged_rows import FIRST, upload_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the page reports, kept where the test can read it.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


@pytest.fixture
def admin_page(page):
    page.add_init_script(LISTEN)
    _user, password = user_with_role(username="admin", role=ADMIN)
    panel_login(page, "admin", password)
    return page


def test_the_policy_is_sent_and_strict_for_scripts(admin_page):
    response = admin_page.goto("/admin/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_an_injected_inline_script_does_not_run(admin_page):
    admin_page.goto("/admin/")
    admin_page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    }""")
    assert admin_page.evaluate("window.injected === undefined")
    assert any(v.startswith("script-src") for v in violations(admin_page))


@pytest.mark.parametrize("url", [
    "/admin/", "/admin/consents/contact/", "/admin/consents/consent/",
    "/admin/consents/consentevent/", "/admin/connectors/iysconnector/",
    "/admin/uploads/upload/", "/admin/uploads/upload/add/", "/admin/api/apikey/",
    "/admin/consents/profileattribute/add/", "/admin/django_celery_beat/periodictask/",
])
def test_pages_report_no_violation(admin_page, url):
    admin_page.goto(url)
    admin_page.wait_for_load_state("networkidle")
    assert violations(admin_page) == []


def test_the_language_menu_still_submits_the_chosen_language(admin_page):
    """Choosing a language and pressing its button posts the form under the CSP (choosing
    alone does not leave the page). (The post is answered here, not by the server: the
    language switch itself is Django's.)"""
    admin_page.route("**/i18n/setlang/", lambda route: route.fulfill(status=204))
    admin_page.goto("/admin/")
    admin_page.select_option("#language-select", "tr")
    with admin_page.expect_request("**/i18n/setlang/") as request:
        admin_page.click(".language-switch button[type=submit]")
    assert "language=tr" in request.value.post_data
    assert violations(admin_page) == []


def test_the_matching_page_edit_buttons_still_work(admin_page, tmp_path):
    upload = upload_file(tmp_path, "first.csv", FIRST)
    admin_page.goto(f"/admin/uploads/upload/{upload.pk}/matching/")
    chooser = admin_page.locator(".chooser").first
    assert chooser.is_hidden()
    admin_page.locator("button.edit").first.click()
    assert chooser.is_visible()
    assert violations(admin_page) == []
    screenshot(admin_page, "csp-matching")


def test_the_export_page_select_all_still_works(admin_page):
    admin_page.goto("/admin/consents/contact/export/")
    toggle = admin_page.locator("input.select-toggle").first
    assert toggle.count() == 1  # django-import-export's "select all" on the export page
    toggle.uncheck()
    assert admin_page.locator("input[type=checkbox]:checked").count() == 0
    assert violations(admin_page) == []
