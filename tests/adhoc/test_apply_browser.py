"""The application form in a real browser on a phone-sized screen (Playwright driving
Debian's chromium, as tests/browser does): the HTMX-dependent selects, the upload, the
number and code shown once, the own page, a correction and the withdrawal."""

from __future__ import annotations

import pytest

from pilkada.adhoc.models import Application

from .apply_support import *  # noqa: F403
from .apply_support import BORN, NKK, TPS, new_nik
from .conftest import KECAMATAN, KELURAHAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _file(name, mime, data):
    return {"name": name, "mimeType": mime, "buffer": data}


def test_an_applicant_applies_corrects_and_withdraws_on_a_phone(election, openings, page):
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(page.base_url + "/rekrutmen/daftar/")
    nik = new_nik()
    page.fill("#id_nik", nik)  # typed first: it must not travel with the area requests
    page.select_option("#id_body", "kpps")
    page.select_option("#id_kecamatan", KECAMATAN)
    page.select_option("#id_kelurahan", KELURAHAN)
    page.select_option("#id_tps", TPS)
    page.wait_for_selector('[data-testid="area-chosen"]')
    page.fill("#id_nkk", NKK)
    page.fill("#id_nama", "Siti Rahmawati")
    page.fill("#id_tempat_lahir", "Jakarta")
    page.fill("#id_tanggal_lahir", BORN.isoformat())
    page.check('input[name="jenis_kelamin"][value="P"]')
    page.select_option("#id_status_kawin", "B")
    page.fill("#id_alamat", "Jl. Tanah Abang II No. 5")
    page.fill("#id_rt", "3")
    page.fill("#id_rw", "7")
    page.select_option("#id_domicile_kecamatan", KECAMATAN)
    page.select_option("#id_domicile_code", KELURAHAN)
    page.fill("#id_phone", "081234567890")
    page.select_option("#id_education", "sma")
    page.check("#id_health_statement")
    page.check("#id_party_statement")
    page.set_input_files("#id_doc_ktp", _file("ktp.pdf", "application/pdf", PDF))
    page.set_input_files("#id_doc_ijazah", _file("ijazah.jpg", "image/jpeg", JPEG))
    page.set_input_files("#id_doc_surat_sehat", _file("sehat.png", "image/png", PNG))
    page.click('[data-testid="apply-submit"]')
    number = page.inner_text('[data-testid="number"]').strip()
    code = page.inner_text('[data-testid="access-code"]').strip()
    app = Application.objects.get()
    assert (app.number, app.body, app.region_code, app.nik) == (number, "kpps", TPS, nik)
    assert app.documents.count() == 3
    # The area and domicile selects were fetched without the NIK in any URL.
    area_requests = [u for u in urls if "/rekrutmen/daftar/wilayah/" in u]
    assert len(area_requests) >= 4 and all(nik not in u for u in urls)

    # Signed out, back in with the number and the code.
    page.goto(page.base_url + "/rekrutmen/lamaran/")
    page.click("text=Keluar")
    page.fill("#id_number", number)
    page.fill("#id_access_code", code)
    page.click("text=Buka lamaran")
    assert page.inner_text('[data-testid="own-number"]').strip() == number
    assert nik not in page.content()

    page.click('[data-testid="own-edit"]')
    page.select_option("#id_tps", f"{KELURAHAN}002")
    page.fill("#id_nama", "Siti Rahmawati Putri")
    page.click('[data-testid="edit-submit"]')
    page.wait_for_selector('[data-testid="own-area"]')
    assert "TPS 002" in page.inner_text('[data-testid="own-area"]')
    app.refresh_from_db()
    assert (app.region_code, app.nama) == (f"{KELURAHAN}002", "Siti Rahmawati Putri")

    old_sha = app.documents.get(kind="surat_sehat").sha256
    page.click('[data-testid="document-form-surat_sehat"] >> xpath=.. >> summary')
    form = '[data-testid="document-form-surat_sehat"]'
    page.set_input_files(f"{form} input[type=file]", _file("sehat.pdf", "application/pdf", PDF))
    page.click(f"{form} button")
    page.wait_for_selector("text=Surat keterangan sehat diganti")
    assert app.documents.get(kind="surat_sehat").sha256 != old_sha

    page.check('[data-testid="withdraw-form"] input[name="confirm"]')
    page.click('[data-testid="withdraw-form"] button')
    page.wait_for_selector('[data-testid="reinstate-form"]')
    app.refresh_from_db()
    assert app.state == Application.State.WITHDRAWN
