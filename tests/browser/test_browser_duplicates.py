"""A KPU Provinsi officer works the duplicates review queue on a phone (390x844): filters the
queue, opens a probable pair, sees it side by side (masked), confirms it in place (HTMX),
undoes it, then rejects it; the register and the queue follow."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from pilkada.voters.models import DuplicateGroup, DuplicateRejection, Voter
from pilkada.voters.services.duplicates import detect_duplicates


def login(page, username):
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill(username)
    page.get_by_label(re.compile("Sandi|Password")).fill("demo-pilkada-2024")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text(username)


def test_officer_reviews_a_probable_pair(page, demo_live, settings):
    settings.PILKADA_TODAY = "2024-06-10"  # voters.review_duplicates is open
    election = demo_live.election
    detect_duplicates(election=election, actor="test")
    group = DuplicateGroup.objects.filter(kind="probable", size=2).order_by("group_key").first()
    assert group is not None
    ids = sorted(group.members.values_list("voter_id", flat=True))
    login(page, "kpu-prov")

    page.goto(page.base_url + "/pemilih/ganda/?jenis=probable")
    rows = page.get_by_test_id("dup-row")
    expect(rows.first).to_be_visible()
    page.get_by_role("link", name=group.group_key, exact=True).click()

    side = page.get_by_test_id("dup-side")
    expect(side).to_contain_text(Voter.objects.get(pk=ids[0]).nama)
    expect(side).not_to_contain_text(Voter.objects.get(pk=ids[0]).nik)  # masked
    expect(side.locator('td[data-field="nama"].agree')).to_have_count(1)

    page.get_by_test_id("confirm").click()  # keeps the first record by default
    expect(page.get_by_test_id("dup-saved")).to_be_visible()
    expect(page.get_by_test_id("group-status")).to_have_text(re.compile("Dikonfirmasi"))
    removed = Voter.objects.get(pk=ids[1])
    assert (removed.status, removed.tms_code) == ("tms", 2)
    assert f"pemilih id {ids[0]}" in removed.tms_note

    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("reject")).to_be_visible()
    assert Voter.objects.get(pk=ids[1]).status == "pending"

    page.get_by_test_id("reject").click()
    expect(page.get_by_test_id("group-status")).to_have_text(re.compile("Bukan orang yang sama"))
    assert DuplicateRejection.objects.filter(voter_a_id=ids[0], voter_b_id=ids[1]).exists()

    page.goto(page.base_url + "/pemilih/ganda/?jenis=probable")
    expect(page.get_by_role("link", name=group.group_key, exact=True)).to_have_count(0)
