"""The synchronisation with the previous DPT as duplicate evidence: the service passes each
voter's SyncMatch outcome to the engine, and the detail page shows it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pilkada.voters.models import DuplicateGroup, DuplicateRun
from pilkada.voters.services.duplicates import detect_duplicates, sync_outcomes
from pilkada.voters.services.sync import synchronise

from .duplicates_support import REVIEW_DAY, base_rows, duplicate_rows, load, voter_by_line

pytestmark = pytest.mark.django_db

#: Line 23 is person 2 under another NIK (duplicates_support.duplicate_rows); the previous DPT
#: lists the 20 people once, so synchronisation finds line 3 and calls line 23 new although
#: person 2 is an adult.
COPY, ORIGINAL = 23, 3
NEW_ADULT = "Tidak ada di DPT sebelumnya, padahal sudah cukup umur"
FOUND = "Ada di DPT sebelumnya (NIK sama)"
PHRASE = "new on the list although an adult"


@pytest.fixture
def register(election, dp4_file, election_today):
    load(election, dp4_file, duplicate_rows())
    load(election, dp4_file, base_rows(), kind="dpt-lama", name="dpt.csv")
    election_today(REVIEW_DAY)
    return election


def probable_pair():
    group = DuplicateGroup.objects.get(members__voter_id=voter_by_line(COPY).pk)
    return group, group.pairs.get()


def test_no_outcomes_before_a_synchronisation(register, kpu_dki):
    assert sync_outcomes(election=register) is None
    run = detect_duplicates(election=register, actor=kpu_dki)
    assert run.stats["sync_outcomes"] == {"unknown": 24}
    _, pair = probable_pair()
    assert PHRASE not in pair.evidence_for


def test_outcomes_of_the_last_synchronisation(register, kpu_dki):
    synchronise(election=register, actor=kpu_dki)
    frame = sync_outcomes(election=register)
    assert frame.height == 24  # the DP4 rows only, not the previous DPT's
    copy = frame.filter(voter_id=voter_by_line(COPY).pk).row(0, named=True)
    assert copy["method"] == "new" and copy["turns_17"] is False
    original = frame.filter(voter_id=voter_by_line(ORIGINAL).pk).row(0, named=True)
    assert original["method"] == "nik"


def test_detection_uses_the_outcome_as_evidence(register, kpu_dki):
    synchronise(election=register, actor=kpu_dki)
    run = detect_duplicates(election=register, actor=kpu_dki)
    assert run.stats["sync_outcomes"] == {"found": 23, "new_adult": 1}
    stored = DuplicateRun.objects.get(pk=run.pk)
    assert stored.stats["sync_outcomes"]["new_adult"] == 1
    _, pair = probable_pair()
    assert PHRASE in pair.evidence_for
    assert "both found on the previous DPT" not in pair.evidence_against


def test_detail_page_shows_each_members_outcome(register, kpu_dki, client):
    synchronise(election=register, actor=kpu_dki)
    detect_duplicates(election=register, actor=kpu_dki)
    group, _ = probable_pair()
    client.force_login(kpu_dki)
    html = client.get(reverse("voters:duplicate_detail", args=[group.pk])).content.decode()
    assert 'data-testid="sync-row"' in html
    row = html.split('data-testid="sync-row"', 1)[1].split("</tr>", 1)[0]
    assert row.count('data-field="sync"') == 2
    assert row.index(FOUND) < row.index(NEW_ADULT)  # members ordered by voter id


def test_detail_page_without_a_synchronisation_has_no_sync_row(register, kpu_dki, client):
    detect_duplicates(election=register, actor=kpu_dki)
    group, _ = probable_pair()
    client.force_login(kpu_dki)
    html = client.get(reverse("voters:duplicate_detail", args=[group.pk])).content.decode()
    assert 'data-testid="sync-row"' not in html
    assert NEW_ADULT not in html
