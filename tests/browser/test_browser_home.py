"""The home page in a real browser: the public opens the region tree in place (HTMX), an
officer logs in and sees only their scope, and the page switches to English."""

import re

from playwright.sync_api import expect


def test_public_opens_the_region_tree_in_place(page, demo_live, settings):
    settings.PILKADA_TODAY = "2024-07-01"
    page.goto(page.base_url + "/")
    expect(page.get_by_test_id("election-name")).to_contain_text("DKI Jakarta 2024")
    expect(page.get_by_test_id("clock-banner")).to_contain_text("1 Juli 2024")
    tree = page.get_by_test_id("region-tree")
    expect(tree.locator("tr[data-code='3171']")).to_be_visible()
    expect(tree.locator("tr[data-code='317101']")).to_have_count(0)
    page.get_by_role("button", name=re.compile("Buka .*Jakarta Pusat")).click()
    expect(tree.locator("tr[data-code='317101']")).to_be_visible()  # Gambir, loaded by HTMX
    page.get_by_role("button", name="Buka Gambir").click()
    expect(tree.locator("tr[data-code='3171011001']")).to_be_visible()
    # the coklit stage is open on 1 July 2024
    stages = page.get_by_test_id("stages")
    expect(stages.locator("tr.stage-open", has_text="coklit")).to_have_count(1)
    page.screenshot(path=str(settings.DATA_DIR / "home-public.png"), full_page=True)


def test_pps_logs_in_and_sees_only_their_kelurahan(page, demo_live):
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill("pps-3171011001")
    page.get_by_label(re.compile("Sandi|Password")).fill("demo-pilkada-2024")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text("pps-3171011001")
    tree = page.get_by_test_id("region-tree")
    codes = tree.locator("tr[data-code]").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes[0] == "3171011001"
    assert all(code.startswith("3171011001") for code in codes)
    expect(page.get_by_test_id("crumbs")).to_contain_text("Gambir")
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("link", name="Masuk")).to_be_visible()


def test_switch_to_english(page, demo_live):
    page.goto(page.base_url + "/")
    page.get_by_label("Bahasa").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Voting day")).to_be_visible()
