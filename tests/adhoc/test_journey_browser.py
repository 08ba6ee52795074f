"""Issue 5's walk in a real browser (Playwright driving Debian's chromium): an applicant applies
for KPPS on a phone, the PPS of the kelurahan runs the system's checks, finds the documents
complete, ranks, seats the applicant with an SK and hands over the one-time link; the new
member sets a password and logs in with the KPPS role of their TPS."""

from __future__ import annotations

import pytest

from pilkada.adhoc.models import Application, Member

from .apply_support import *  # noqa: F403
from .apply_support import BORN, NKK, TPS, new_nik
from .conftest import KECAMATAN, KELURAHAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICER_PASSWORD = "Petugas-PPS-Gambir-2024"
MEMBER_PASSWORD = "Anggota-KPPS-Gambir-001"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _login(page, username, password):
    page.goto(page.base_url + "/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click('form.card button[type="submit"]')


def _logout(page):
    page.click('header.site form.inline button[type="submit"] >> text=Keluar')


def _apply(page) -> tuple[str, str]:
    page.goto(page.base_url + "/rekrutmen/daftar/")
    page.select_option("#id_body", "kpps")
    page.select_option("#id_kecamatan", KECAMATAN)
    page.select_option("#id_kelurahan", KELURAHAN)
    page.select_option("#id_tps", TPS)
    page.wait_for_selector('[data-testid="area-chosen"]')
    page.fill("#id_nik", new_nik())
    page.fill("#id_nkk", NKK)
    page.fill("#id_nama", "Siti Rahmawati")
    page.fill("#id_tempat_lahir", "Jakarta")
    page.fill("#id_tanggal_lahir", BORN.isoformat())
    page.check('input[name="jenis_kelamin"][value="P"]')
    page.select_option("#id_status_kawin", "B")
    page.fill("#id_alamat", "Jl. Tanah Abang II No. 5")
    page.select_option("#id_domicile_kecamatan", KECAMATAN)
    page.select_option("#id_domicile_code", KELURAHAN)
    page.fill("#id_phone", "081234567890")
    page.select_option("#id_education", "s1")
    page.check("#id_health_statement")
    page.check("#id_party_statement")
    for kind in ("ktp", "ijazah", "surat_sehat"):
        page.set_input_files(f"#id_doc_{kind}", _pdf(f"{kind}.pdf"))
    page.click('[data-testid="apply-submit"]')
    return (
        page.inner_text('[data-testid="number"]').strip(),
        page.inner_text('[data-testid="access-code"]').strip(),
    )


def test_an_applicant_goes_from_the_form_to_a_seat_and_an_account(
    election, openings, pps_gambir, page
):
    pps_gambir.set_password(OFFICER_PASSWORD)
    pps_gambir.save()
    number, code = _apply(page)
    application = Application.objects.get(number=number)
    assert application.eligibility == Application.Check.PENDING

    # The PPS runs the system's checks and finds the documents complete.
    _login(page, "pps-gambir", OFFICER_PASSWORD)
    page.goto(page.base_url + "/adhoc/pelamar/")
    page.click('[data-testid="run-checks"] button')
    page.wait_for_selector('[data-testid="check-result"]')
    page.click(f'[data-testid="application-row"][data-number="{number}"] a')
    assert "Memenuhi syarat" in page.inner_text('[data-testid="application-checks"]')
    page.check('[data-testid="documents-form"] input[name="documents_ok"][value="1"]')
    page.click('[data-testid="documents-form"] button[type="submit"]')
    application.refresh_from_db()
    assert (application.eligibility, application.documents_ok) == ("eligible", True)

    # KPPS holds no written test: the ranking falls to the tie rule; one applicant, 7 seats.
    page.goto(page.base_url + "/adhoc/seleksi/")
    page.click('[data-testid="rank"]')
    application.refresh_from_db()
    assert (application.result, application.rank) == ("selected", 1)

    # Seated under an SK; the officer hands over the one-time link (no mail configured).
    page.goto(page.base_url + "/adhoc/anggota/")
    page.select_option('[data-testid="seat-form"] select[name="body"]', "kpps")
    page.fill('[data-testid="seat-form"] input[name="sk_number"]', "SK/PPS-GAMBIR/KPPS/2024")
    page.click('[data-testid="seat"]')
    username = page.inner_text('[data-testid="username"]').strip()
    link = page.inner_text('[data-testid="link"]').strip()
    member = Member.objects.get(application=application)
    assert (member.user.username, member.user.role, member.user.region_code) == (
        username, "kpps", TPS,
    )  # fmt: skip
    _logout(page)

    # The applicant sees the result on their own page, then sets a password and logs in.
    page.goto(page.base_url + "/rekrutmen/lamaran/masuk/")
    page.fill("#id_number", number)
    page.fill("#id_access_code", code)
    page.click("text=Buka lamaran")
    assert "Terpilih" in page.content()
    page.goto(link)
    page.fill("#id_new_password1", MEMBER_PASSWORD)
    page.fill("#id_new_password2", MEMBER_PASSWORD)
    page.click('[data-testid="set-password"]')
    page.wait_for_selector('[data-testid="password-set"]')
    _login(page, username, MEMBER_PASSWORD)
    who = page.inner_text('[data-testid="who"]')
    assert username in who and "KPPS" in who and TPS in who
