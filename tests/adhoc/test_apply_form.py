"""The public application form: submission, every validation, the window, the duplicate,
the documents (type by magic bytes, size) and the receipt mail (real loopback SMTP)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.contrib.auth.hashers import check_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilkada.adhoc.models import Application, ApplicationDocument
from pilkada.adhoc.services.apply import (
    ApplicationRefused,
    normalise_access_code,
    sniff_content_type,
)
from pilkada.schedule.gate import StageClosed

from .apply_support import *  # noqa: F403
from .apply_support import (
    BORN,
    KELURAHAN_2,
    TPS,
    apply_post,
    documents,
    file_bytes,
    jpeg,
    new_nik,
    pdf,
    png,
    service_data,
    submit,
)
from .conftest import KECAMATAN, KELURAHAN

pytestmark = pytest.mark.django_db

URL = "/rekrutmen/daftar/"


def test_submit_through_the_page_shows_number_and_code_once(client, election, openings):
    post = apply_post("kpps")
    response = client.post(URL, post)
    assert response.status_code == 302
    assert response["Location"] == reverse("adhoc:apply_done")
    app = Application.objects.get()
    assert (app.body, app.region_code, app.nik) == ("kpps", TPS, post["nik"])
    assert (app.tanggal_lahir, app.jenis_kelamin, app.rt, app.education) == (BORN, "P", "003", "s1")
    assert app.eligibility == Application.Check.PENDING
    # The day on the election's clock (the age rule counts on it), not the real date.
    assert app.submitted_on == dt.date(2024, 5, 15)
    page = client.get(reverse("adhoc:apply_done"))
    text = page.content.decode()
    assert app.number in text
    code = page.context["receipt"]["code"]
    assert code in text
    # Stored hashed only; the hash checks the code as shown.
    assert code not in app.access_code_hash
    assert check_password(normalise_access_code(code), app.access_code_hash)
    # Shown once: a second visit does not show it again.
    again = client.get(reverse("adhoc:apply_done"))
    assert code not in again.content.decode()


def test_documents_are_stored_with_type_from_their_bytes_and_sha256(election, openings):
    # A PDF named .jpg and sent as image/jpeg is a PDF; a JPEG sent as octet-stream a JPEG.
    misnamed = SimpleUploadedFile("foto.jpg", pdf().read(), content_type="image/jpeg")
    raw = jpeg().read()
    octet = SimpleUploadedFile("ijazah", raw, content_type="application/octet-stream")
    out = submit(election, docs=documents(ktp=misnamed, ijazah=octet))
    docs = {d.kind: d for d in ApplicationDocument.objects.filter(application=out.application)}
    assert set(docs) == {"ktp", "ijazah", "surat_sehat"}
    assert docs["ktp"].content_type == "application/pdf"
    assert docs["ijazah"].content_type == "image/jpeg"
    assert docs["surat_sehat"].content_type == "image/png"
    assert docs["ijazah"].sha256 == hashlib.sha256(raw).hexdigest()
    assert docs["ijazah"].size == len(raw)
    assert file_bytes(docs["ijazah"]) == raw
    # The stored name is random: never the applicant's file name.
    assert "foto" not in docs["ktp"].file.name and docs["ktp"].file.name.endswith(".pdf")
    assert docs["ktp"].original_name == "foto.jpg"


def test_audit_entry_is_the_applicants_with_personal_data_masked(election, openings, audit_log):
    data = service_data(email="siti@example.org")
    out = submit(election, data=data)
    (entry,) = [e for e in audit_log() if e.action == "adhoc.application.submit"]
    app = out.application
    assert entry.actor == f"applicant:{app.number}"
    assert entry.object_id == str(app.pk)
    dumped = json.dumps(entry.new)
    for secret in (data["nik"], data["nkk"], "Rahmawati", "Tanah Abang", "3456", "siti@"):
        assert secret not in dumped
    assert entry.new["nik"] == data["nik"][:6] + "********" + data["nik"][-2:]
    assert entry.new["tanggal_lahir"] == "**-**-1992"
    assert entry.new["region_code"] == KELURAHAN
    assert set(entry.new["documents"]) == {"ktp", "ijazah", "surat_sehat"}
    assert out.access_code not in dumped


def _refused(election, body="pps", **overrides) -> ApplicationRefused:
    with pytest.raises(ApplicationRefused) as caught:
        submit(election, body, **overrides)
    assert not Application.objects.exists()
    return caught.value


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"nik": ""}, "nik", "nik_invalid"),
        ({"nik": "317101571292"}, "nik", "nik_invalid"),
        ({"nik": "31710157129A0001"}, "nik", "nik_invalid"),
        ({"nik": "3171019913920001"}, "nik", "nik_invalid"),  # day 99: no date
        ({"nkk": ""}, "nkk", "nkk_invalid"),
        ({"nkk": "3171012308150000"}, "nkk", "nkk_invalid"),  # serial 0000
        ({"nama": "  "}, "nama", "name_missing"),
        ({"nama": "12345"}, "nama", "name_missing"),
        ({"nama": "A" * 201}, "nama", "name_too_long"),
        ({"tempat_lahir": ""}, "tempat_lahir", "place_missing"),
        ({"tanggal_lahir": None}, "tanggal_lahir", "birth_missing"),
        ({"tanggal_lahir": dt.date(2025, 1, 1)}, "tanggal_lahir", "birth_future"),
        ({"tanggal_lahir": dt.date(1992, 8, 18)}, "tanggal_lahir", "nik_birth_mismatch"),
        ({"jenis_kelamin": "L"}, "jenis_kelamin", "nik_sex_mismatch"),
        ({"jenis_kelamin": ""}, "jenis_kelamin", "sex_missing"),
        ({"status_kawin": "X"}, "status_kawin", "marital_missing"),
        ({"alamat": ""}, "alamat", "address_missing"),
        ({"rt": "1a"}, "rt", "rt_rw_invalid"),
        ({"rw": "0071"}, "rw", "rt_rw_invalid"),
        ({"domicile_code": ""}, "domicile_code", "domicile_missing"),
        ({"domicile_code": "3271011001"}, "domicile_code", "domicile_invalid"),  # not DKI
        ({"domicile_code": KECAMATAN}, "domicile_code", "domicile_invalid"),  # not a kelurahan
        ({"phone": ""}, "phone", "phone_missing"),
        ({"phone": "0812"}, "phone", "phone_invalid"),
        ({"phone": "0812-abc-7890"}, "phone", "phone_invalid"),
        ({"email": "siti@"}, "email", "email_invalid"),
        ({"education": "x"}, "education", "education_missing"),
        ({"previous_service": "x" * 2001}, "previous_service", "service_too_long"),
        ({"previous_terms": -1}, "previous_terms", "terms_invalid"),
        ({"previous_terms": 21}, "previous_terms", "terms_invalid"),
        ({"region_code": ""}, "region_code", "area_missing"),
        ({"region_code": "3171021001"}, "region_code", "area_not_open"),  # no opening
    ],
)
def test_every_field_is_validated_with_its_message(election, openings, overrides, field, code):
    error = _refused(election, **overrides)
    assert code in error.codes
    assert error.fields[field]


def test_nik_birth_date_and_sex_agree_for_a_man(election, openings):
    born = dt.date(1970, 1, 2)
    nik = new_nik(sex="L", born=born)
    out = submit(election, nik=nik, jenis_kelamin="L", tanggal_lahir=born)
    assert out.application.jenis_kelamin == "L"
    error = _refused_again(election, nik=new_nik(sex="L", born=born), jenis_kelamin="P")
    assert "nik_sex_mismatch" in error.codes


def _refused_again(election, **overrides):
    with pytest.raises(ApplicationRefused) as caught:
        submit(election, **overrides)
    return caught.value


def test_all_bad_fields_are_named_at_once(election, openings):
    error = _refused(election, nama="", phone="1", docs={})
    assert {"nama", "phone", "doc_ktp", "doc_ijazah", "doc_surat_sehat"} <= set(error.fields)


def test_unknown_body_is_refused(election, openings):
    error = _refused(election, body="panwas")
    assert error.codes == ["body_invalid"]


def test_the_area_must_be_of_the_body(election, openings):
    # A TPS has KPPS openings, not PPS ones; a kecamatan has PPK openings only.
    assert "area_not_open" in _refused(election, "pps", region_code=TPS).codes
    assert "area_not_open" in _refused(election, "kpps", region_code=KELURAHAN).codes
    assert "area_not_open" in _refused(election, "pantarlih", region_code=f"{KELURAHAN}002").codes
    assert submit(election, "ppk", region_code=KECAMATAN).application.region_code == KECAMATAN


def test_duplicate_nik_same_body_is_refused_without_revealing_the_other(election, openings):
    nik = new_nik()
    first = submit(election, "pps", nik=nik, nama="Siti Pertama", region_code=KELURAHAN_2)
    error = _refused_again(election, nik=nik, nama="Orang Lain")
    assert error.codes == ["duplicate"]
    message = error.fields["nik"]
    for leak in (first.application.number, "Pertama", KELURAHAN_2, "Cideng"):
        assert leak not in message
    assert Application.objects.count() == 1
    # Another body is another application.
    assert submit(election, "ppk", nik=nik, region_code=KECAMATAN).application.body == "ppk"


def test_duplicate_through_the_page(client, election, openings):
    post = apply_post("pps")
    assert client.post(URL, post).status_code == 302
    client.cookies.clear()
    again = apply_post("pps", nik=post["nik"], nama="Nama Lain")
    response = client.post(URL, again)
    assert response.status_code == 400
    text = response.content.decode()
    assert "sudah terdaftar sebagai pelamar badan ini" in text
    assert Application.objects.get().number not in text
    assert Application.objects.count() == 1


def test_a_withdrawn_application_still_blocks_a_second_one(election, openings):
    from pilkada.adhoc.services.apply import withdraw_application

    first = submit(election)
    withdraw_application(application=first.application)
    error = _refused_again(election, nik=first.application.nik)
    assert error.codes == ["duplicate"]


def test_outside_the_window_nothing_is_taken(client, election, openings, election_today):
    election_today("2024-11-06")  # the day after the stage closed
    with pytest.raises(StageClosed):
        submit(election)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="apply-closed"' in page.content.decode()
    assert 'data-testid="apply-form"' not in page.content.decode()
    response = client.post(URL, apply_post())
    assert response.status_code == 403
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()
    election_today("2024-04-16")  # the day before it opened
    with pytest.raises(StageClosed):
        submit(election)


def test_documents_type_is_checked_by_magic_bytes_not_name(election, openings):
    fake = SimpleUploadedFile("ktp.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    error = _refused(election, docs=documents(ktp=fake))
    assert error.fields["doc_ktp"] and "document_type" in error.codes
    html = SimpleUploadedFile("ktp.png", b"<html><script>", content_type="image/png")
    assert "document_type" in _refused(election, docs=documents(ktp=html)).codes


def test_document_types_follow_the_setting(election, openings, settings):
    settings.PILKADA_ADHOC_DOCUMENT_TYPES = ("application/pdf",)
    error = _refused(election, docs=documents(ijazah=jpeg()))
    assert "document_type" in error.codes and "doc_ijazah" in error.fields
    assert "PDF" in error.fields["doc_ijazah"]


def test_document_size_is_bounded(election, openings, settings):
    settings.PILKADA_ADHOC_DOCUMENT_MAX_BYTES = 1000
    error = _refused(election, docs=documents(ktp=pdf(size=2000)))
    assert "document_too_large" in error.codes
    exactly = pdf(size=0)
    assert exactly.size < 1000
    assert submit(election, docs=documents(ktp=exactly)).application


def test_required_and_empty_documents(election, openings):
    error = _refused(election, docs=documents(surat_sehat=None))
    assert error.codes == ["document_missing"] and "doc_surat_sehat" in error.fields
    empty = SimpleUploadedFile("kosong.pdf", b"", content_type="application/pdf")
    assert "document_empty" in _refused(election, docs=documents(ktp=empty)).codes


def test_the_optional_statement_letter_is_kept(election, openings):
    out = submit(election, docs=documents(surat_pernyataan=pdf("pernyataan.pdf")))
    kinds = set(out.application.documents.values_list("kind", flat=True))
    assert kinds == {"ktp", "ijazah", "surat_sehat", "surat_pernyataan"}


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xdb", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"PK\x03\x04", None),
        (b"", None),
    ],
)
def test_sniff_content_type(head, expected):
    assert sniff_content_type(head) == expected


def test_form_errors_are_shown_beside_the_fields(client, election, openings):
    post = apply_post("pps", phone="12", tanggal_lahir="1992-08-18")
    post.pop("doc_ktp")
    response = client.post(URL, post)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="apply-errors"' in text
    assert "Tanggal lahir tidak sesuai dengan NIK" in text
    assert "8 sampai 15 angka" in text
    assert "Unggah KTP-el" in text
    assert not Application.objects.exists()


def test_an_unreadable_date_is_shown_with_every_other_error(client, election, openings):
    response = client.post(URL, apply_post("pps", tanggal_lahir="17/13/1992", phone="1"))
    assert response.status_code == 400
    assert not Application.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["tanggal_lahir", "phone"]
    assert len(form.errors["tanggal_lahir"]) == 1  # the form's message, not also "required"
    assert "8 sampai 15 angka" in response.content.decode()


def test_area_selects_list_only_areas_with_openings(client, election, openings):
    base = reverse("adhoc:apply_area")
    ppk = client.get(base, {"body": "ppk"}).context["area"]
    assert [c for c, _ in ppk.kecamatan] == [KECAMATAN]
    assert "(5)" in ppk.kecamatan[0][1]
    kpps = client.get(base, {"body": "kpps", "kecamatan": KECAMATAN}).context["area"]
    assert [c for c, _ in kpps.kelurahan] == [KELURAHAN]  # Cideng has no TPS opening
    chosen = client.get(
        base, {"body": "kpps", "kecamatan": KECAMATAN, "kelurahan": KELURAHAN, "tps": TPS}
    ).context["area"]
    assert [c for c, _ in chosen.tps] == [TPS, f"{KELURAHAN}002"]
    assert chosen.region_code == TPS
    pantarlih = client.get(
        base, {"body": "pantarlih", "kecamatan": KECAMATAN, "kelurahan": KELURAHAN}
    ).context["area"]
    assert [c for c, _ in pantarlih.tps] == [TPS]
    pps = client.get(base, {"body": "pps", "kecamatan": KECAMATAN}).context["area"]
    assert sorted(c for c, _ in pps.kelurahan) == [KELURAHAN, KELURAHAN_2]
    # A choice outside the options is dropped, with everything below it.
    other = client.get(
        base, {"body": "kpps", "kecamatan": "317102", "kelurahan": KELURAHAN, "tps": TPS}
    ).context["area"]
    assert other.chosen == {} and other.region_code == ""


def test_area_fragment_is_html_for_htmx(client, election, openings):
    response = client.get(
        reverse("adhoc:apply_area"),
        {"body": "kpps", "kecamatan": KECAMATAN, "kelurahan": KELURAHAN},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert text.startswith('<div id="area"') and "<html" not in text
    assert f'value="{TPS}"' in text and 'name="tps"' in text


def test_domicile_selects(client, election):
    response = client.get(reverse("adhoc:apply_domicile"), {"domicile_kecamatan": KECAMATAN})
    domicile = response.context["domicile"]
    assert KELURAHAN in [c for c, _ in domicile["kelurahan"]]
    assert all(c.startswith(KECAMATAN) for c, _ in domicile["kelurahan"])


def test_the_form_without_javascript_shows_the_next_select(client, election, openings):
    post = {"body": "kpps", "kecamatan": KECAMATAN, "_area": "1", "nama": "Siti"}
    response = client.post(URL, post)
    assert response.status_code == 200
    assert 'name="kelurahan"' in response.content.decode()
    assert not Application.objects.exists()


def test_the_form_page_is_public_and_listed_on_the_hub(client, election, openings):
    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="apply-form"' in page.content.decode()
    hub = client.get(reverse("adhoc:hub")).content.decode()
    assert URL in hub and reverse("adhoc:apply_open") in hub


# --- the receipt by mail ---------------------------------------------------------------------


def test_receipt_mail_carries_number_and_code_to_a_real_smtp_server(
    transactional_db, client, election, openings, smtp_server
):
    # Committed for real: the mail goes out when the submission commits, before the page.
    response = client.post(URL, apply_post("pps", email="siti@example.org"))
    assert response.status_code == 302
    (message,) = smtp_server.wait_for(1)
    app = Application.objects.get()
    assert smtp_server.envelopes[0][1] == ["siti@example.org"]
    assert app.number in message["Subject"]
    body = smtp_server.body(message)
    done = client.get(reverse("adhoc:apply_done"))
    code = done.context["receipt"]["code"]
    assert app.number in body and code in body
    assert app.nik not in body
    assert 'data-testid="mail-sent"' in done.content.decode()
    # The mailed code opens the application.
    client.post(reverse("adhoc:apply_sign_out"))
    opened = client.post(reverse("adhoc:apply_open"), {"number": app.number, "access_code": code})
    assert opened.status_code == 302


def test_no_email_no_mail(election, openings, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = submit(election)
    assert out.mail == "none"
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_a_failed_mail_keeps_the_application(
    election, openings, settings, django_capture_on_commit_callbacks
):
    from candidacy.cek_nik_support import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = False
    with django_capture_on_commit_callbacks(execute=True):
        out = submit(election, email="siti@example.org")
    assert out.mail == "failed"
    assert Application.objects.filter(pk=out.application.pk).exists()


def test_png_helper_is_a_png():
    assert sniff_content_type(png().read()[:16]) == "image/png"


def _stored_files():
    from django.conf import settings

    return sorted(p for p in (settings.MEDIA_ROOT / "adhoc").rglob("*") if p.is_file())


def test_submission_rolls_back_files_on_a_database_error(election, openings, monkeypatch):
    import pilkada.adhoc.services.apply as service

    submit(election)
    kept = _stored_files()
    assert len(kept) == 3  # where the files go, so that the check below can fail

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(service, "record_audit", broken)
    with pytest.raises(RuntimeError):
        submit(election)
    assert Application.objects.count() == 1
    assert ApplicationDocument.objects.count() == 3
    assert _stored_files() == kept


def test_form_and_area_pages_take_few_queries(
    client, election, openings, django_assert_max_num_queries
):
    # Bounded whatever the number of openings: the selects are built from a few queries.
    with django_assert_max_num_queries(5):
        assert client.get(URL).status_code == 200
    params = {"body": "kpps", "kecamatan": KECAMATAN, "kelurahan": KELURAHAN, "tps": TPS}
    with django_assert_max_num_queries(7):
        assert client.get(reverse("adhoc:apply_area"), params).status_code == 200


def test_two_submissions_of_one_nik_at_once_end_in_one(election, openings, monkeypatch):
    """The other submission commits between this one's duplicate check and its insert: the
    database's constraint decides, and this one is refused as a duplicate, files removed."""
    import pilkada.adhoc.services.apply as service

    data = service_data()
    real = service.new_access_code

    def racing():
        from django.contrib.auth.hashers import make_password

        values = {k: v for k, v in data.items()}
        Application.objects.create(
            election=election, body="pps", number="PPS-RACE-0001",
            access_code_hash=make_password("x"), **values,
        )  # fmt: skip
        return real()

    monkeypatch.setattr(service, "new_access_code", racing)
    with pytest.raises(ApplicationRefused) as caught:
        submit(election, data=data)
    assert caught.value.codes == ["duplicate"]
    assert list(Application.objects.values_list("number", flat=True)) == ["PPS-RACE-0001"]
    assert not ApplicationDocument.objects.exists()
    assert _stored_files() == []
