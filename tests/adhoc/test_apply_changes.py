"""The applicant's changes: correction (which resets the checks), document replacement,
withdrawal and reinstatement -- each audited with old and new values, each only while the
window is open and before the result."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilkada.adhoc.models import Application, ApplicationDocument, Member
from pilkada.adhoc.services import apply as services
from pilkada.schedule.gate import StageClosed

from .apply_support import *  # noqa: F403
from .apply_support import BORN, KELURAHAN_2, NKK, TPS, file_bytes, jpeg, new_nik, pdf, submit
from .conftest import KECAMATAN, KELURAHAN

pytestmark = pytest.mark.django_db

OWN = "/rekrutmen/lamaran/"
EDIT = "/rekrutmen/lamaran/ubah/"


def _checked(app: Application) -> Application:
    """As if the checks and the officers' document check had run."""
    Application.objects.filter(pk=app.pk).update(
        eligibility=Application.Check.INELIGIBLE,
        eligibility_reasons="education_below_minimum",
        eligibility_warnings="register_data_differs",
        eligibility_checked_at=dt.datetime(2024, 5, 15, 8, tzinfo=dt.UTC),
        register_voter_id=42,
        documents_ok=False,
    )
    app.refresh_from_db()
    return app


def _data(app: Application, **overrides) -> dict:
    data = {name: getattr(app, name) for name in services.EDITABLE_FIELDS}
    data.update(overrides)
    return data


def _assert_reset(app: Application):
    app.refresh_from_db()
    assert app.eligibility == Application.Check.PENDING
    assert (app.eligibility_reasons, app.eligibility_warnings) == ("", "")
    assert app.eligibility_checked_at is None and app.register_voter_id is None
    assert app.documents_ok is None


def test_correction_saves_resets_the_checks_and_is_audited(election, openings, audit_log):
    app = _checked(submit(election, education="smp").application)
    changed = services.correct_application(
        application=app, data=_data(app, education="sma", nama="Siti Rahmawati Putri")
    )
    assert sorted(changed) == ["education", "nama"]
    _assert_reset(app)
    assert (app.education, app.nama) == ("sma", "Siti Rahmawati Putri")
    (entry,) = [e for e in audit_log() if e.action == "adhoc.application.correct"]
    assert entry.actor == f"applicant:{app.number}"
    assert entry.old["education"] == "smp" and entry.new["education"] == "sma"
    assert entry.old["eligibility"] == "ineligible" and entry.new["eligibility"] == "pending"
    assert entry.old["nama"] == "S**i R*******i" and entry.new["nama"] == "S**i R*******i P***i"
    assert "Putri" not in json.dumps(entry.new)
    assert set(entry.new) == {
        "education",
        "nama",
        "eligibility",
        "eligibility_reasons",
        "documents_ok",
    }


def test_nothing_changed_records_nothing(election, openings, audit_log):
    app = _checked(submit(election).application)
    assert services.correct_application(application=app, data=_data(app)) == []
    app.refresh_from_db()
    assert app.eligibility == Application.Check.INELIGIBLE  # not reset
    assert not [e for e in audit_log() if e.action == "adhoc.application.correct"]


def test_correcting_the_nik_masks_it_in_the_log(election, openings, audit_log):
    app = submit(election).application
    old_nik = app.nik
    nik = new_nik()
    services.correct_application(application=app, data=_data(app, nik=nik))
    app.refresh_from_db()
    assert app.nik == nik
    (entry,) = [e for e in audit_log() if e.action == "adhoc.application.correct"]
    dumped = json.dumps([entry.old, entry.new])
    assert old_nik not in dumped and nik not in dumped
    assert entry.new["nik"] == nik[:6] + "********" + nik[-2:]


def test_an_empty_nik_or_nkk_keeps_the_one_on_file(election, openings):
    app = submit(election).application
    nik = app.nik
    services.correct_application(application=app, data=_data(app, nik="", nkk=" ", rt="9"))
    app.refresh_from_db()
    assert (app.nik, app.nkk, app.rt) == (nik, NKK, "009")


def test_correction_to_another_applicants_nik_is_a_duplicate(election, openings):
    first = submit(election).application
    second = submit(election, region_code=KELURAHAN_2).application
    with pytest.raises(services.ApplicationRefused) as caught:
        services.correct_application(application=second, data=_data(second, nik=first.nik))
    assert caught.value.codes == ["duplicate"]
    assert first.number not in caught.value.fields["nik"]


def test_correction_is_validated_like_the_form(election, openings):
    app = _checked(submit(election).application)
    with pytest.raises(services.ApplicationRefused) as caught:
        services.correct_application(
            application=app, data=_data(app, tanggal_lahir=dt.date(1992, 8, 18), phone="x")
        )
    assert set(caught.value.codes) == {"nik_birth_mismatch", "phone_invalid"}
    app.refresh_from_db()
    assert app.tanggal_lahir == BORN and app.eligibility == Application.Check.INELIGIBLE


def test_the_area_can_be_corrected_within_the_body(election, openings):
    app = submit(election, "kpps", region_code=TPS).application
    services.correct_application(application=app, data=_data(app, region_code=f"{KELURAHAN}002"))
    app.refresh_from_db()
    assert app.region_code == f"{KELURAHAN}002"
    with pytest.raises(services.ApplicationRefused) as caught:
        services.correct_application(application=app, data=_data(app, region_code=KECAMATAN))
    assert caught.value.codes == ["area_not_open"]


def test_no_correction_after_the_window(election, openings, election_today):
    app = submit(election).application
    election_today("2024-11-06")
    with pytest.raises(StageClosed):
        services.correct_application(application=app, data=_data(app, nama="Lain"))
    with pytest.raises(StageClosed):
        services.replace_document(application=app, kind="ktp", upload=pdf())
    with pytest.raises(StageClosed):
        services.withdraw_application(application=app)
    app.refresh_from_db()
    assert app.nama == "Siti Rahmawati" and app.state == Application.State.SUBMITTED


def test_no_correction_once_ranked_or_seated(election, openings):
    app = submit(election).application
    Application.objects.filter(pk=app.pk).update(result=Application.Result.SELECTED, rank=1)
    app.refresh_from_db()
    with pytest.raises(services.ApplicationRefused) as caught:
        services.correct_application(application=app, data=_data(app, nama="Lain"))
    assert caught.value.codes == ["ranked"]
    # Withdrawing a selected application is still possible (before seating) ...
    assert services.withdraw_application(application=app) is True
    # ... but not once seated: that is a resignation, handled by the commission.
    other = submit(election, region_code=KELURAHAN_2).application
    Member.objects.create(
        election=election, body=other.body, region_code=other.region_code, application=other
    )
    with pytest.raises(services.ApplicationRefused) as caught:
        services.withdraw_application(application=other)
    assert caught.value.codes == ["seated"]
    with pytest.raises(services.ApplicationRefused):
        services.replace_document(application=other, kind="ktp", upload=pdf())


def test_replace_a_document(election, openings, audit_log, django_capture_on_commit_callbacks):
    app = _checked(submit(election).application)
    before = app.documents.get(kind="ijazah")
    old_name, old_sha = before.file.name, before.sha256
    new = pdf("ijazah-baru.pdf", size=10)
    with django_capture_on_commit_callbacks(execute=True):
        document = services.replace_document(application=app, kind="ijazah", upload=new)
    assert ApplicationDocument.objects.filter(application=app, kind="ijazah").count() == 1
    document.refresh_from_db()
    assert document.content_type == "application/pdf" and document.sha256 != old_sha
    assert file_bytes(document).startswith(b"%PDF-")
    from django.core.files.storage import default_storage

    assert not default_storage.exists(old_name)
    _assert_reset(app)
    (entry,) = [e for e in audit_log() if e.action == "adhoc.application.document_replace"]
    assert entry.old["document"]["sha256"] == old_sha
    assert entry.new["document"]["sha256"] == document.sha256
    assert entry.old["documents_ok"] is False and entry.new["documents_ok"] is None


def test_add_the_optional_document(election, openings):
    app = submit(election).application
    services.replace_document(application=app, kind="surat_pernyataan", upload=jpeg())
    assert app.documents.filter(kind="surat_pernyataan").exists()


def test_a_bad_replacement_changes_nothing(election, openings, settings):
    app = _checked(submit(election).application)
    sha = app.documents.get(kind="ktp").sha256
    fake = SimpleUploadedFile("ktp.pdf", b"GIF89a", content_type="application/pdf")
    settings.PILKADA_ADHOC_DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
    with pytest.raises(services.ApplicationRefused) as caught:
        services.replace_document(application=app, kind="ktp", upload=fake)
    assert caught.value.codes == ["document_type"]
    settings.PILKADA_ADHOC_DOCUMENT_MAX_BYTES = 50
    with pytest.raises(services.ApplicationRefused) as caught:
        services.replace_document(application=app, kind="ktp", upload=pdf(size=100))
    assert caught.value.codes == ["document_too_large"]
    app.refresh_from_db()
    assert app.documents.get(kind="ktp").sha256 == sha
    assert app.eligibility == Application.Check.INELIGIBLE


def test_withdraw_and_reinstate(election, openings, audit_log):
    app = _checked(submit(election).application)
    assert services.withdraw_application(application=app) is True
    app.refresh_from_db()
    assert app.state == Application.State.WITHDRAWN
    assert services.withdraw_application(application=app) is False
    with pytest.raises(services.ApplicationRefused) as caught:
        services.correct_application(application=app, data=_data(app, nama="Lain"))
    assert caught.value.codes == ["withdrawn"]
    assert services.reinstate_application(application=app) is True
    _assert_reset(app)
    assert app.state == Application.State.SUBMITTED
    assert services.reinstate_application(application=app) is False
    actions = [e.action for e in audit_log() if e.object_id == str(app.pk)]
    assert actions == [
        "adhoc.application.submit",
        "adhoc.application.withdraw",
        "adhoc.application.reinstate",
    ]


# --- through the pages ----------------------------------------------------------------------


@pytest.fixture
def signed_in(client, election, openings):
    out = submit(election, "kpps", region_code=TPS)
    client.post("/rekrutmen/lamaran/masuk/", {"number": out.application.number,
                                              "access_code": out.access_code})  # fmt: skip
    return out.application


def _edit_post(app, **overrides) -> dict:
    data = {
        "body": app.body, "kecamatan": app.region_code[:6], "kelurahan": app.region_code[:10],
        "tps": app.region_code, "nik": "", "nkk": "", "nama": app.nama,
        "tempat_lahir": app.tempat_lahir, "tanggal_lahir": app.tanggal_lahir.isoformat(),
        "jenis_kelamin": app.jenis_kelamin, "status_kawin": app.status_kawin,
        "alamat": app.alamat, "rt": app.rt, "rw": app.rw,
        "domicile_kecamatan": app.domicile_code[:6], "domicile_code": app.domicile_code,
        "phone": app.phone, "email": app.email, "education": app.education,
        "health_statement": "on", "party_statement": "on",
        "previous_service": app.previous_service, "previous_terms": app.previous_terms,
    }  # fmt: skip
    data.update(overrides)
    return data


def test_edit_page_prefills_and_saves(client, signed_in):
    app = _checked(signed_in)
    page = client.get(EDIT)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="Siti Rahmawati"' in text
    assert f'value="{BORN.isoformat()}"' in text  # what a date input can show
    assert app.nik not in text  # the NIK field is left empty, the number shown masked
    assert f'value="{TPS}" selected' in text
    response = client.post(EDIT, _edit_post(app, tps=f"{KELURAHAN}002", nama="Siti R."))
    assert response.status_code == 302 and response["Location"] == OWN
    app.refresh_from_db()
    assert (app.region_code, app.nama) == (f"{KELURAHAN}002", "Siti R.")
    _assert_reset(app)
    assert "Perbaikan tersimpan" in client.get(OWN).content.decode()


def test_edit_page_shows_errors(client, signed_in):
    response = client.post(EDIT, _edit_post(signed_in, phone="12", nik="123"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "NIK harus terdiri dari 16 angka" in text and "8 sampai 15 angka" in text
    signed_in.refresh_from_db()
    assert signed_in.phone == "0812-3456-7890"


def test_edit_page_after_the_window(client, signed_in, election_today):
    election_today("2024-11-06")
    response = client.post(EDIT, _edit_post(signed_in, nama="Lain"))
    assert response.status_code == 403
    own = client.get(OWN).content.decode()
    assert 'data-testid="own-window-closed"' in own and 'data-testid="own-edit"' not in own


def test_replace_document_through_the_page(client, signed_in):
    url = reverse("adhoc:apply_document", args=["surat_sehat"])
    response = client.post(url, {"file": pdf("sehat.pdf")})
    assert response.status_code == 302
    assert signed_in.documents.get(kind="surat_sehat").content_type == "application/pdf"
    bad = SimpleUploadedFile("sehat.pdf", b"not a pdf", content_type="application/pdf")
    client.post(url, {"file": bad})
    assert "Jenis berkas tidak diterima" in client.get(OWN).content.decode()
    assert signed_in.documents.get(kind="surat_sehat").content_type == "application/pdf"


def test_withdraw_through_the_page_needs_the_confirmation(client, signed_in):
    client.post(reverse("adhoc:apply_withdraw"))
    signed_in.refresh_from_db()
    assert signed_in.state == Application.State.SUBMITTED
    client.post(reverse("adhoc:apply_withdraw"), {"confirm": "1"})
    signed_in.refresh_from_db()
    assert signed_in.state == Application.State.WITHDRAWN
    assert 'data-testid="reinstate-form"' in client.get(OWN).content.decode()
    client.post(reverse("adhoc:apply_reinstate"), {"confirm": "1"})
    signed_in.refresh_from_db()
    assert signed_in.state == Application.State.SUBMITTED


def test_the_edit_area_fragment_keeps_the_body(client, signed_in):
    response = client.get(
        reverse("adhoc:apply_area"),
        {"body": "kpps", "editing": "1", "kecamatan": KECAMATAN, "kelurahan": KELURAHAN},
    )
    text = response.content.decode()
    assert 'name="body" value="kpps"' in text and '<select id="id_body"' not in text
