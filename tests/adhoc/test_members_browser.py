"""Seating in a real browser on a phone-sized screen (Playwright driving Debian's chromium, as
tests/browser does): the PPS seats the selected KPPS applicant, hands over the one-time
link, the new member sets a password and logs in with the KPPS role of their TPS; then the
PPS replaces them from the reserve and the old account can no longer log in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pilkada.adhoc.models import Member

from .members_support import *  # noqa: F403
from .members_support import TPS1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICER_PASSWORD = "Petugas-PPS-Gambir-2024"
MEMBER_PASSWORD = "Anggota-KPPS-001-Baru"


def _login(page, username, password):
    page.goto(page.base_url + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click('form.card button[type="submit"]')


def _logout(page):
    page.click('header.site form.inline button[type="submit"] >> text=Keluar')


def test_a_pps_seats_a_kpps_member_who_sets_a_password_and_logs_in(
    election, pps_gambir, make_opening, ranked, page,
):  # fmt: skip
    pps_gambir.set_password(OFFICER_PASSWORD)
    pps_gambir.save()
    make_opening("kpps", TPS1, 7)
    selected = ranked("kpps", TPS1, rank=1, nama="SITI RAHMAWATI")
    reserve = ranked("kpps", TPS1, "reserve", rank=8, nama="DEWI LESTARI")

    _login(page, "pps-gambir", OFFICER_PASSWORD)
    page.goto(page.base_url + "/adhoc/anggota/")
    page.select_option('[data-testid="seat-form"] select[name="body"]', "kpps")
    page.fill('[data-testid="seat-form"] input[name="sk_number"]', "SK/PPS-GAMBIR/KPPS/2024")
    page.click('[data-testid="seat"]')
    username = page.inner_text('[data-testid="username"]').strip()
    link = page.inner_text('[data-testid="link"]').strip()
    assert username == f"kpps-{TPS1}-1"
    assert link.startswith(page.base_url + "/adhoc/anggota/sandi/")
    _logout(page)

    # The new member opens the link on their phone and sets a password.
    page.goto(link)
    page.fill("#id_new_password1", MEMBER_PASSWORD)
    page.fill("#id_new_password2", MEMBER_PASSWORD)
    page.click('[data-testid="set-password"]')
    page.wait_for_selector('[data-testid="password-set"]')
    page.goto(link)  # single use
    page.wait_for_selector('[data-testid="invalid-link"]')
    _login(page, username, MEMBER_PASSWORD)
    who = page.inner_text('[data-testid="who"]')
    assert username in who and "KPPS" in who and TPS1 in who
    _logout(page)

    # The PPS replaces the member (resigned) from the reserve.
    member = Member.objects.get(application=selected)
    _login(page, "pps-gambir", OFFICER_PASSWORD)
    page.goto(page.base_url + f"/adhoc/anggota/{member.pk}/")
    page.select_option('[data-testid="replace-form"] select[name="reason"]', "resigned")
    page.fill('[data-testid="replace-form"] textarea[name="note"]', "pindah domisili")
    page.click('[data-testid="replace"]')
    assert reserve.nama in page.inner_text('[data-testid="new"]')
    _logout(page)
    _login(page, username, MEMBER_PASSWORD)
    # Deactivated: the login form again, nobody logged in.
    assert page.locator("#id_username").count() == 1
    assert page.locator('[data-testid="who"]').count() == 0
