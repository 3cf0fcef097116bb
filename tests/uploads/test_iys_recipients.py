"""An IYS Synchronize upload with numbers İYS does not keep (foreign, +90 444 …): the contact
keeps its number, the phone channel stays opt-out, and the error file says why."""

import pytest

from consents.models import Consent, Contact
from tests.uploads.conftest import run_upload
from uploads.models import UploadRowError

pytestmark = pytest.mark.usefixtures("frozen_now", "attributes", "integrator")


def test_an_upload_keeps_the_number_opts_it_out_and_says_why():
    upload = run_upload("phone_not_for_iys.csv")

    notes = {(e.row_number, e.column, e.value): e.text for e in upload.row_errors.all()}
    assert set(notes) == {(2, "phonenumber", "+1 302 365 1234"),
                          (3, "phonenumber", "+90 444 1 444")}
    assert all("only for Turkish numbers" in m and "nothing sent to İYS" in m
               for m in notes.values())
    assert set(upload.row_errors.values_list("kind", flat=True)) == {UploadRowError.Kind.OPTOUT}
    assert Contact.objects.get(email="john@example.com").phone == "+13023651234"
    consents = Consent.objects.values_list("recipient", "type")
    assert set(consents) == {("john@example.com", "EPOSTA"), ("santral@example.com", "EPOSTA"),
                             ("ayse@example.com", "EPOSTA"), ("+905321234567", "MESAJ")}
