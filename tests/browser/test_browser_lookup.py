"""cek DPT and Dukcapil's KTP-el page in a real browser (issue 3 parts 8 and 9)."""

import re

from django.core.cache import cache
from playwright.sync_api import expect

from pilkada.core.masking import mask_name
from pilkada.voters.models import KtpElIssuance, Voter


def test_a_citizen_checks_their_registration(page, demo_live, settings):
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.05
    cache.clear()
    voter = Voter.objects.filter(source="dp4", kelurahan_code="3171011001").first() or (
        Voter.objects.filter(source="dp4", kelurahan_code__startswith="3171").first()
    )
    Voter.objects.filter(pk=voter.pk).update(
        tps_code=voter.kelurahan_code + "007", status="ms", nik="3171014101900042"
    )
    page.goto(page.base_url + "/cek-dpt/")
    expect(page.get_by_role("heading", name="Cek DPT")).to_be_visible()

    # on the list: masked name and TPS, answered in place (HTMX)
    page.get_by_label("NIK").fill("3171014101900042")
    page.get_by_test_id("cek-submit").click()
    result = page.get_by_test_id("cek-result")
    expect(result).to_have_attribute("data-outcome", "listed")
    expect(page.get_by_test_id("cek-name")).to_have_text(mask_name(voter.nama))
    expect(page.get_by_test_id("cek-tps")).to_have_text("TPS 007")
    assert voter.nama not in page.content()
    assert "3171014101900042" not in page.content()  # never echoed by the server

    # not on the list: how to register
    page.get_by_label("NIK").fill("3171014101900043")
    page.get_by_test_id("cek-submit").click()
    expect(page.get_by_test_id("cek-not-found")).to_be_visible()
    expect(page.get_by_test_id("cek-howto")).to_contain_text("DPK")
    expect(page.get_by_test_id("cek-name")).to_have_count(0)

    # malformed
    page.get_by_label("NIK").fill("31710141019")
    page.get_by_test_id("cek-submit").click()
    expect(page.get_by_test_id("cek-error")).to_contain_text("16 angka")
    assert voter.nama not in page.content()
    page.screenshot(path=str(settings.DATA_DIR / "cek-dpt.png"), full_page=True)


def test_without_javascript_the_form_still_answers(chromium_browser, live_server, demo_live):
    cache.clear()
    context = chromium_browser.new_context(java_script_enabled=False, locale="id-ID")
    page = context.new_page()
    page.goto(live_server.url + "/cek-dpt/")
    page.get_by_label("NIK").fill("3171014101900043")
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_test_id("cek-not-found")).to_be_visible()
    context.close()


def test_dukcapil_marks_a_card_issued(page, demo_live):
    cache.clear()
    voter = Voter.objects.filter(source="dp4", kelurahan_code__startswith="3171").first()
    Voter.objects.filter(pk=voter.pk).update(ktp_el=False)
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill("dukcapil-prov")
    page.get_by_label(re.compile("Sandi|Password")).fill("demo-pilkada-2024")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text("dukcapil-prov")
    page.goto(page.base_url + f"/pemilih/ktp-el/{voter.kelurahan_code}/")
    before = int(page.get_by_test_id("total-without").inner_text().replace(".", ""))
    row = page.locator(f"tr[data-voter='{voter.pk}']")
    expect(row).to_contain_text(voter.nik)  # Dukcapil sees the NIK it needs
    row.get_by_role("checkbox").check()
    page.get_by_test_id("mark-submit").click()
    expect(page.get_by_text("1 KTP-el ditandai sudah terbit")).to_be_visible()
    expect(page.get_by_test_id("total-without")).to_have_text(str(before - 1))
    expect(page.locator(f"tr[data-voter='{voter.pk}']")).to_have_count(0)
    assert KtpElIssuance.objects.filter(voter_id=voter.pk).exists()


def test_a_client_over_the_limit_is_told_so_in_place(page, demo_live, settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["2/m"]
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.0
    cache.clear()
    page.goto(page.base_url + "/cek-dpt/")
    for _ in range(2):
        page.get_by_label("NIK").fill("3171014101900043")
        page.get_by_test_id("cek-submit").click()
        expect(page.get_by_test_id("cek-not-found")).to_be_visible()
    page.get_by_label("NIK").fill("3171014101900044")
    page.get_by_test_id("cek-submit").click()
    expect(page.get_by_test_id("rate-limited")).to_be_visible()
    expect(page.get_by_test_id("cek-not-found")).to_have_count(0)
    expect(page.get_by_test_id("cek-form")).to_be_visible()  # still on the page
