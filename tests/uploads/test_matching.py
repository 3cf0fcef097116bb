"""Columns match their attribute by exact name, alternative name, close spelling or memory."""

import pytest

from consents.models import ProfileAttribute
from tests.uploads.conftest import fixture_path
from uploads.matching import columns_auto_match, fold, mapping_remember
from uploads.models import Upload
from uploads.services import upload_create_from_path, upload_matching_save

pytestmark = pytest.mark.usefixtures("attributes")


def targets(headers: list[str]) -> list[tuple[str, str]]:
    return [(m.target, m.how) for m in columns_auto_match(headers)]


def test_turkish_aware_folding():
    assert fold("İYS Kaynak") == fold("iys kaynak") == fold("IYS KAYNAK") == "iyskaynak"
    assert fold("Telefon Numarası") == "telefonnumarasi"
    assert fold("E-Posta") == "eposta"


def test_the_guide_names_match_exactly_whatever_the_case():
    assert targets(["EMAIL", "PhoneNumber", "External_ID", "IYSSource", "iysstatus",
                    "IYSConsentDate"]) == [
        ("email", "exact"), ("phone", "exact"), ("external_id", "exact"),
        ("iys_source", "exact"), ("iys_status", "exact"), ("iys_consent_date", "exact")]


def test_alternative_names_including_the_guides_own_misspelling():
    assert targets(["E-Posta", "GSM", "extId", "IYSource", "İYS Durum", "İzin Tarihi"]) == [
        ("email", "alternative"), ("phone", "alternative"), ("external_id", "alternative"),
        ("iys_source", "alternative"), ("iys_status", "alternative"),
        ("iys_consent_date", "alternative")]


def test_profile_attributes_match_by_name_or_label():
    assert targets(["city", "Şehir", "Doğum Tarihi"]) == [
        ("attribute:city", "exact"), ("", ""), ("attribute:birth_date", "alternative")]


def test_close_spellings_match():
    assert targets(["emial", "IYSConsentDat", "phonenumbr"]) == [
        ("email", "close"), ("iys_consent_date", "close"), ("phone", "close")]


def test_a_column_that_matches_nothing_stays_unmatched():
    assert targets(["surname", "address"]) == [("", ""), ("", "")]


def test_a_matching_used_before_for_the_same_headers_is_offered_again():
    mapping_remember(headers=["Müşteri", "Posta"], mapping=["external_id", "email"])

    assert targets(["posta", "müşteri"]) == [("email", "remembered"),
                                             ("external_id", "remembered")]


def test_saving_remembers_the_matching_for_next_time():
    upload = upload_create_from_path(path=fixture_path("unknown_columns.csv"),
                                     mode=Upload.Mode.SUBSCRIBED)
    upload_matching_save(upload=upload, mapping=["email", "attribute:last_name", "",
                                                    "attribute:city"])

    again = upload_create_from_path(path=fixture_path("unknown_columns.csv"),
                                    mode=Upload.Mode.SUBSCRIBED)
    assert again.mapping == ["email", "attribute:last_name", "", "attribute:city"]


def test_a_matching_needs_an_identifier_and_each_target_once():
    from django.core.exceptions import ValidationError

    upload = upload_create_from_path(path=fixture_path("unknown_columns.csv"),
                                     mode=Upload.Mode.SUBSCRIBED)
    with pytest.raises(ValidationError) as caught:
        upload_matching_save(upload=upload, mapping=["", "attribute:city", "", "attribute:city"])
    messages = caught.value.messages
    assert "surname, city are all matched to city; match it once." in messages
    assert any("Match a column to email, phonenumber or external_id" in m for m in messages)


def test_turkish_name_and_phone_headers_are_detected_in_any_case():
    assert [target for target, _how in targets(["İSİM", "soyisim", "Cep"])] == [
        "attribute:first_name", "attribute:last_name", "phone"]
    assert [target for target, _how in targets(["isim", "SOYİSİM", "GSM"])] == [
        "attribute:first_name", "attribute:last_name", "phone"]
    assert targets(["Telefon No"]) == [("phone", "alternative")]


def test_ad_soyad_goes_to_full_name_when_the_panel_has_one(db):
    assert targets(["Ad Soyad"]) == [("attribute:first_name", "alternative")]
    ProfileAttribute.objects.create(name="full_name", label="Full name")
    assert targets(["Ad Soyad"]) == [("attribute:full_name", "alternative")]


@pytest.mark.parametrize(("text", "target"), [
    ("+905321234567\n+905321234568\n+905321234569\n", "phone"),
    ("0532 123 45 67\n(0535) 123 45 68\n", "phone"),
    ("ali@example.com\nveli@example.com.tr\n", "email"),
])
def test_a_headerless_column_of_phones_or_emails_is_detected(tmp_path, text, target):
    path = tmp_path / "list.txt"
    path.write_text(text)
    upload = upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED)

    assert not upload.has_header
    assert upload.mapping == [target]
    assert upload.rows_total == text.count("\n")


def test_a_headerless_mixed_column_is_left_for_the_user(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("ali@example.com\n+905321234567\n")

    assert upload_create_from_path(path=path, mode=Upload.Mode.SUBSCRIBED).mapping == [""]
