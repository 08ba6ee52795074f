"""cek NIK dukungan in a real browser, on a phone-sized page (issue 4 part 7): a citizen
finds their NIK listed for a pair, objects, gets the receipt on the page and by mail (a
real SMTP server on loopback), and checks again; an unlisted and an invalid NIK."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from candidacy.cek_nik_support import *  # noqa: F403
from candidacy.cek_nik_support import list_supporter, nik_of
from pilkada.candidacy.models import Pair, SupportObjection

RECEIPT = re.compile(r"^KB-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    settings.PILKADA_TODAY = dt.date(2024, 5, 10)  # inside the support stage
    load_shipped_regions()
    election = ensure_demo_election()
    pair = Pair.objects.create(election=election, name="DHARMA - KUN", path="independent")
    supporter = list_supporter(election, pair, nik_of(1), vermin_status="ms")
    cache.clear()
    return supporter


def check(page, nik):
    page.get_by_label("NIK", exact=True).fill(nik)
    page.get_by_test_id("cek-submit").click()


def test_a_citizen_objects_to_support_they_did_not_give(page, world, settings, smtp_server):
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.05
    nik = world.nik
    page.goto(page.base_url + "/cek-nik-dukungan/")
    expect(page.get_by_role("heading", name="Cek NIK dukungan")).to_be_visible()

    # listed: the pair, the masked name and the status, in place (HTMX)
    check(page, nik)
    expect(page.get_by_test_id("cek-result")).to_have_attribute("data-outcome", "listed")
    expect(page.get_by_test_id("cek-pair")).to_have_text("DHARMA - KUN")
    expect(page.get_by_test_id("cek-name")).to_have_text("B**I S*****O")
    expect(page.get_by_test_id("cek-status")).to_have_text("Sedang diverifikasi")
    assert "BUDI SANTOSO" not in page.content() and "MAWAR" not in page.content()

    # "Saya tidak memberikan dukungan ini": the form opens with the NIK copied over
    page.get_by_test_id("objection-open").click()
    form = page.get_by_test_id("objection-form")
    expect(form.get_by_label("NIK Anda (ketik ulang untuk memastikan)")).to_have_value(nik)
    form.get_by_label("Nama Anda").fill("Budi Santoso")
    form.get_by_label("Nomor telepon").fill("0812 3456 7890")
    form.get_by_label("Email").fill("budi@example.org")
    form.get_by_label(re.compile("Saya menyatakan dengan sebenarnya")).check()
    form.get_by_label(re.compile("Saya setuju")).check()
    page.screenshot(path=str(settings.DATA_DIR / "cek-nik-objection.png"), full_page=True)
    page.get_by_test_id("objection-submit").click()

    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    number = receipt.inner_text().strip()
    assert RECEIPT.match(number)
    expect(page.get_by_test_id("receipt-mail")).to_have_attribute("data-mail", "sent")
    expect(page.get_by_test_id("cek-status")).to_have_text("Keberatan Anda sedang diproses")
    objection = SupportObjection.objects.get()
    assert objection.receipt == number and objection.contact_email == "budi@example.org"
    world.refresh_from_db()
    assert world.objected and world.status == "tms" and world.verfak_status == "pending"

    # the receipt arrived at the SMTP server
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "budi@example.org" and number in smtp_server.body(message)
    assert nik not in smtp_server.body(message)
    page.screenshot(path=str(settings.DATA_DIR / "cek-nik-receipt.png"), full_page=True)

    # checking again later: the objection is being processed, no second form
    page.goto(page.base_url + "/cek-nik-dukungan/")
    check(page, nik)
    expect(page.get_by_test_id("cek-status")).to_have_text("Keberatan Anda sedang diproses")
    expect(page.get_by_test_id("objection-form")).to_have_count(0)

    # an unlisted NIK
    check(page, nik_of(2))
    expect(page.get_by_test_id("cek-not-listed")).to_be_visible()
    expect(page.get_by_test_id("cek-pair")).to_have_count(0)

    # an invalid NIK
    check(page, "31710114078")
    expect(page.get_by_test_id("cek-error")).to_contain_text("16 angka")
    assert nik not in page.content()


def test_without_javascript_the_citizen_can_still_object(chromium_browser, live_server, world):
    context = chromium_browser.new_context(
        java_script_enabled=False, locale="id-ID", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/cek-nik-dukungan/")
    check(page, world.nik)
    expect(page.get_by_test_id("cek-status")).to_have_text("Sedang diverifikasi")
    page.get_by_test_id("objection-open").click()  # <details>: no script needed
    form = page.get_by_test_id("objection-form")
    form.get_by_label("NIK Anda (ketik ulang untuk memastikan)").fill(world.nik)
    form.get_by_label("Nama Anda").fill("Budi Santoso")
    form.get_by_label("Nomor telepon").fill("081234567890")
    form.get_by_label(re.compile("Saya menyatakan dengan sebenarnya")).check()
    form.get_by_label(re.compile("Saya setuju")).check()
    page.get_by_test_id("objection-submit").click()
    expect(page.get_by_test_id("receipt")).to_have_text(RECEIPT)
    expect(page.get_by_test_id("cek-status")).to_have_text("Keberatan Anda sedang diproses")
    assert SupportObjection.objects.count() == 1
    context.close()
