"""The DPS announcement in a real browser: a citizen finds their kelurahan, sees the list
with masked names on a phone-sized screen, and sends a tanggapan on one row; the PPS of the
kelurahan sees it and resolves it."""

import re

from django.core.cache import cache
from playwright.sync_api import expect

from pilkada.voters.models import DpsResponse, Voter
from pilkada.voters.services.publication import publish_list

KEL = "3171011001"


def test_citizen_responds_to_the_dps_and_pps_resolves(page, demo_live, settings):
    settings.PILKADA_TODAY = "2024-08-01"
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0
    cache.clear()
    election = demo_live.election
    publish_list(election=election, kind="dps", actor="test")
    listed = Voter.objects.filter(kelurahan_code=KEL, source__in=["dp4", "coklit"]).exclude(
        status="tms"
    )
    assert listed.exists()

    page.goto(page.base_url + "/pengumuman-dps/")
    page.get_by_label("Kelurahan/desa").select_option(KEL)
    page.get_by_role("button", name="Lihat DPS").click()
    table = page.get_by_test_id("dps-table")
    expect(table.get_by_test_id("name")).to_have_count(min(listed.count(), 100))
    html = page.content()
    for voter in listed:
        assert voter.nama not in html and voter.nik not in html
    page.get_by_role("link", name="Tanggapi").first.click()
    page.get_by_label("Jenis tanggapan").select_option("pindah")
    page.get_by_label("Nama Anda").fill("Ketua RT")
    page.get_by_label(re.compile("Kontak")).fill("0812345678")
    page.get_by_label("Keterangan").fill("Sudah pindah ke Depok")
    page.get_by_role("button", name="Kirim tanggapan").click()
    expect(page.get_by_test_id("response-done")).to_be_visible()
    response = DpsResponse.objects.get()
    assert response.kind == "pindah" and response.voter_id in set(
        listed.values_list("pk", flat=True)
    )

    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill(f"pps-{KEL}")
    page.get_by_label(re.compile("Sandi|Password")).fill("demo-pilkada-2024")
    page.get_by_role("button", name="Masuk").click()
    page.goto(page.base_url + "/pemilih/tanggapan/")
    expect(
        page.get_by_test_id("response-counts").locator(f"tr[data-kelurahan='{KEL}']")
    ).to_be_visible()
    page.get_by_role("link", name="Tindak lanjuti").click()
    page.get_by_label("Diterima").check()
    page.get_by_label(re.compile("Apa yang diubah")).fill("Surat pindah diperiksa")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_test_id("response-counts").get_by_test_id("resolved")).to_have_text("1")
    voter = Voter.objects.get(pk=response.voter_id)
    assert (voter.status, voter.tms_code) == ("tms", 4)
