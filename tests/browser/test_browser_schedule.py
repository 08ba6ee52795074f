"""KPU Provinsi moves a stage window on the schedule page, in place, and sees it audited."""

import re

from playwright.sync_api import expect


def login(page, username):
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill(username)
    page.get_by_label(re.compile("Sandi|Password")).fill("demo-pilkada-2024")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text(username)


def test_kpu_provinsi_moves_the_coklit_window(page, demo_live):
    login(page, "kpu-prov")
    page.get_by_role("link", name="Tahapan").click()
    row = page.locator("tr[data-stage*='coklit']")
    row.get_by_role("button", name="Ubah").click()
    row = page.locator("tr[data-stage*='coklit']")
    # a window that ends before it starts is refused with the reason, nothing saved
    row.get_by_label("Mulai").fill("2024-07-30")
    row.get_by_role("button", name="Simpan").click()
    expect(page.get_by_test_id("errors")).to_be_visible()
    row = page.locator("tr[data-stage*='coklit']")
    row.get_by_label("Mulai").fill("2024-06-25")
    row.get_by_role("button", name="Simpan").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.locator("tr[data-stage*='coklit'] [data-testid=start]")).to_have_text("25 Jun 2024")
    page.get_by_role("link", name="Log audit").click()
    expect(page.get_by_test_id("audit-table")).to_contain_text("schedule.stage.update")
