"""The applicant's own page: number + access code (right, wrong, unknown, rate limit), what
it shows (masked NIK, check reasons once checked, result once ranked) and its scope (nothing
of another applicant)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pilkada.adhoc.models import Application
from pilkada.adhoc.selectors import apply as selectors

from .apply_support import *  # noqa: F403
from .apply_support import KELURAHAN_2, submit

pytestmark = pytest.mark.django_db

OPEN = "/rekrutmen/lamaran/masuk/"
OWN = "/rekrutmen/lamaran/"


def _open(client, number, code):
    return client.post(OPEN, {"number": number, "access_code": code})


@pytest.fixture
def two(election, openings):
    """Two applications (A and B) with their access codes."""
    a = submit(election, nama="Siti Aminah", phone="081111111111")
    b = submit(election, nama="Budi Hartono", region_code=KELURAHAN_2, phone="082222222222")
    return a, b


def test_right_code_opens_the_own_page(client, two, audit_log):
    a, _b = two
    response = _open(client, a.application.number, a.access_code)
    assert response.status_code == 302 and response["Location"] == OWN
    (entry,) = [e for e in audit_log() if e.action == "personal_data.unmasked"]
    assert entry.actor == f"applicant:{a.application.number}"
    assert entry.new["ids"] == [str(a.application.pk)]
    page = client.get(OWN)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="own-edit"' in text and 'data-testid="document-form-ktp"' in text
    assert a.application.number in text and "Siti Aminah" in text
    # The NIK and NKK are shown masked, never in full.
    assert a.application.nik not in text and a.application.nik[:6] + "********" in text
    assert a.application.nkk not in text


def test_code_and_number_as_typed_from_paper(client, two):
    a, _b = two
    number = a.application.number.lower().replace("-", " ")
    code = a.access_code.lower().replace("-", "")
    assert _open(client, number, code).status_code == 302


def test_crockford_reading_of_the_code(election, two):
    a, _b = two
    app = a.application
    # O typed for 0 and l for 1 still match (the alphabet has neither O nor L).
    typed = a.access_code.replace("0", "O").replace("1", "l")
    assert selectors.open_application(election=election, number=app.number, access_code=typed)


def test_wrong_code_and_unknown_number_answer_alike(client, two):
    a, b = two
    wrong = _open(client, a.application.number, b.access_code)
    unknown = _open(client, "PPS-ZZZZ-ZZZZ", a.access_code)
    empty = _open(client, a.application.number, "")
    for response in (wrong, unknown, empty):
        assert response.status_code == 400
        assert response.context["error"] == wrong.context["error"]
        assert "Nomor pendaftaran atau kode akses salah" in response.content.decode()
    assert client.get(OWN).status_code == 302  # still not signed in


def test_failed_attempts_leave_nothing_in_the_log(client, two, audit_log):
    a, b = two
    _open(client, a.application.number, b.access_code)
    assert audit_log() == []


def test_a_wrong_code_costs_one_password_check_like_a_right_one(election, two, monkeypatch):
    a, b = two
    calls = []
    real = selectors.check_password

    def counting(password, encoded):
        calls.append(encoded.split("$")[0])
        return real(password, encoded)

    monkeypatch.setattr(selectors, "check_password", counting)
    app = a.application
    assert selectors.open_application(
        election=election, number=app.number, access_code=a.access_code
    )
    assert (
        selectors.open_application(election=election, number=app.number, access_code=b.access_code)
        is None
    )
    assert (
        selectors.open_application(election=election, number="PPS-0000-0000", access_code="x")
        is None
    )
    assert selectors.open_application(election=election, number="", access_code="") is None
    # Four lookups, four checks, all with the same hasher.
    assert len(calls) == 4 and len(set(calls)) == 1
    # The wrong code against the real hash: the right one's cost.
    assert calls[1] == app.access_code_hash.split("$")[0]


def test_opening_is_rate_limited_per_client(client, two, settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["3/m"]
    a, _b = two
    for _ in range(3):
        assert _open(client, a.application.number, "WRONG-CODE").status_code == 400
    limited = _open(client, a.application.number, a.access_code)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert client.get(OWN).status_code == 302
    # Another client is counted apart.
    other = client.__class__(REMOTE_ADDR="203.0.113.9")
    assert _open(other, a.application.number, a.access_code).status_code == 302


def test_the_form_post_is_rate_limited_too(client, election, openings, settings):
    from .apply_support import apply_post

    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1/m"]
    client.post("/rekrutmen/daftar/", apply_post(phone="1"))  # refused, but counted
    response = client.post("/rekrutmen/daftar/", apply_post())
    assert response.status_code == 429
    assert not Application.objects.exists()


def test_the_page_shows_only_the_sessions_application(client, two):
    a, b = two
    _open(client, a.application.number, a.access_code)
    # No parameter chooses the application: the session's one is shown whatever is asked.
    for url in (OWN, f"{OWN}?id={b.application.pk}", f"{OWN}?number={b.application.number}"):
        page = client.get(url)
        assert page.context["a"].pk == a.application.pk
        text = page.content.decode()
        assert "Siti Aminah" in text and "081111111111" in text
        assert "Budi Hartono" not in text and "082222222222" not in text
    assert b.application.number not in client.get(OWN).content.decode()


def test_documents_are_the_sessions_own(client, two):
    a, _b = two
    _open(client, a.application.number, a.access_code)
    response = client.get(reverse("adhoc:apply_document", args=["ktp"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    got = b"".join(response.streaming_content)
    mine = a.application.documents.get(kind="ktp")
    from hashlib import sha256

    assert sha256(got).hexdigest() == mine.sha256
    # No document of the statement kind was uploaded: 404, whatever B has.
    assert client.get(reverse("adhoc:apply_document", args=["surat_pernyataan"])).status_code == 404
    assert client.get(reverse("adhoc:apply_document", args=["passport"])).status_code == 404


def test_without_a_session_every_page_sends_to_the_sign_in(client, two):
    a, _b = two
    for name in ("apply_own", "apply_edit"):
        response = client.get(reverse(f"adhoc:{name}"))
        assert response.status_code == 302 and response["Location"] == OPEN
    response = client.get(reverse("adhoc:apply_document", args=["ktp"]))
    assert response.status_code == 302
    response = client.post(reverse("adhoc:apply_withdraw"), {"confirm": "1"})
    assert response.status_code == 302
    assert Application.objects.get(pk=a.application.pk).state == Application.State.SUBMITTED


def test_the_session_expires_after_inactivity(client, two, monkeypatch):
    import pilkada.adhoc.views.apply as views

    a, _b = two
    _open(client, a.application.number, a.access_code)
    assert client.get(OWN).status_code == 200
    now = views.time.time()
    monkeypatch.setattr(views.time, "time", lambda: now + views.SESSION_SECONDS + 5)
    assert client.get(OWN).status_code == 302


def test_sign_out(client, two):
    a, _b = two
    _open(client, a.application.number, a.access_code)
    client.post(reverse("adhoc:apply_sign_out"))
    assert client.get(OWN).status_code == 302


def test_check_status_and_reasons_show_once_the_checks_ran(client, two):
    a, _b = two
    app = a.application
    _open(client, app.number, a.access_code)
    # Reasons on a pending application (left from an earlier run) are not shown.
    Application.objects.filter(pk=app.pk).update(eligibility_reasons="under_age")
    page = client.get(OWN)
    assert page.context["page"].reasons == []
    assert "Belum diperiksa" in page.content.decode()
    Application.objects.filter(pk=app.pk).update(
        eligibility=Application.Check.INELIGIBLE,
        eligibility_reasons="under_age,party_member",
        eligibility_warnings="not_in_register",
    )
    text = client.get(OWN).content.decode()
    assert "Tidak memenuhi syarat" in text
    assert "belum berusia minimal" in text
    assert "anggota partai politik dalam 5 tahun terakhir" in text
    assert "NIK tidak ditemukan dalam daftar pemilih" in text


def test_selection_result_shows_once_ranked(client, two):
    a, _b = two
    app = a.application
    _open(client, app.number, a.access_code)
    assert 'data-testid="own-result">Belum ada' in client.get(OWN).content.decode()
    Application.objects.filter(pk=app.pk).update(
        eligibility=Application.Check.ELIGIBLE, result=Application.Result.RESERVE, rank=4
    )
    text = client.get(OWN).content.decode()
    assert "Cadangan" in text and "peringkat" in text
    # Ranked: the data can no longer be corrected from here.
    assert 'data-testid="own-edit"' not in text and "document-form-" not in text


def test_a_fresh_session_key_on_sign_in(client, two):
    a, _b = two
    client.get(OPEN)
    before = client.session.session_key
    _open(client, a.application.number, a.access_code)
    assert client.session.session_key != before
