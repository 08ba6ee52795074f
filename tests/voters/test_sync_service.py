"""The DP4 synchronised with the previous DPT: classification, counts, storage, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import SyncMatch, SyncRegionCount, SyncRun, Voter
from pilkada.voters.selectors import sync as selectors
from pilkada.voters.services.sync import SyncRefused, previous_voting_day, synchronise

from .conftest import make_nik_for, person
from .duplicates_support import AFTER_DAY, NAMES, REVIEW_DAY, kpu_kabkota, load

pytestmark = pytest.mark.django_db


def dp4_rows():
    rows = [person(i, nama=NAMES[i - 1]) for i in range(1, 11)]
    young = dt.date(2007, 6, 1)  # 16 on 14 Feb 2024, 17 on 27 Nov 2024
    rows.append(
        person(11, nama="PUTRI AYU", tanggal_lahir=young.isoformat(), status_kawin="B",
               nik=make_nik_for(11, "P", young), jenis_kelamin="P")
    )  # fmt: skip
    return rows


def previous_rows():
    rows = [person(i, nama=NAMES[i - 1]) for i in range(1, 8)]  # 1..7 same NIK
    p8 = person(8, nama=NAMES[7])
    born = dt.date.fromisoformat(p8["tanggal_lahir"])
    rows.append(dict(p8, nik=make_nik_for(88, p8["jenis_kelamin"], born), nama="Sri Mulyani"))
    rows.append(person(30, nama="SUPARMAN"))  # died or moved: missing (30 % 3 == 0: 1002)
    rows.append(person(31, nama="SUKARNI"))  # missing, in kelurahan 1001
    return rows


@pytest.fixture
def register(election, dp4_file, election_today):
    load(election, dp4_file, dp4_rows())
    load(election, dp4_file, previous_rows(), kind="dpt-lama", name="dpt.csv")
    election_today(REVIEW_DAY)
    return election


def method_of(line, source="dp4"):
    voter = Voter.objects.get(line=line, source=source)
    return SyncMatch.objects.get(voter_id=voter.pk)


def test_classification(register, kpu_dki, audit_log):
    run = synchronise(election=register, actor=kpu_dki)
    for line in range(2, 9):  # persons 1..7
        match = method_of(line)
        assert match.method == "nik"
        assert match.matched_voter_id == Voter.objects.get(line=line, source="dpt-lama").pk
    fuzzy = method_of(9)  # person 8: another NIK, same name (other case) and birth date
    assert fuzzy.method == "fuzzy"
    assert fuzzy.matched_voter_id == Voter.objects.get(line=9, source="dpt-lama").pk
    assert method_of(10).method == "new" and not method_of(10).turns_17
    assert method_of(11).method == "new"
    young = method_of(12)
    assert young.method == "new" and young.turns_17
    assert method_of(10, "dpt-lama").method == "missing"
    assert method_of(11, "dpt-lama").method == "missing"
    assert method_of(9, "dpt-lama").method == "found"
    assert (run.dp4_rows, run.found_by_nik, run.found_by_fuzzy, run.new) == (11, 7, 1, 3)
    assert (run.new_turning_17, run.previous_rows, run.previous_found, run.missing) == (
        1, 10, 8, 2,
    )  # fmt: skip
    assert run.reconciles
    entry = audit_log()[-1]
    assert entry.action == "voters.sync" and entry.new["missing"] == 2


def test_counts_reconcile_at_every_level(register, kpu_dki):
    run = synchronise(election=register, actor=kpu_dki)
    counts = SyncRegionCount.objects.filter(run=run)
    assert {c.region_code for c in counts} >= {
        "31", "3171", "317101", "3171011001", "3171011002",
    }  # fmt: skip
    for c in counts:
        assert c.dp4_rows == c.found_by_nik + c.found_by_fuzzy + c.new, c.region_code
        assert c.previous_rows == c.previous_found + c.missing, c.region_code
    province = counts.get(region_code="31")
    assert province.dp4_rows == Voter.objects.filter(source="dp4").count()
    assert province.previous_rows == Voter.objects.filter(source="dpt-lama").count()
    kel = [c for c in counts if len(c.region_code) == 10]
    assert sum(c.dp4_rows for c in kel) == province.dp4_rows
    assert sum(c.missing for c in kel) == province.missing == 2


def test_rerun_replaces_rows(register, kpu_dki):
    first = synchronise(election=register, actor=kpu_dki)
    second = synchronise(election=register, actor=kpu_dki)
    assert SyncMatch.objects.count() == Voter.objects.count()
    assert set(SyncMatch.objects.values_list("run", flat=True)) == {second.pk}
    assert not SyncRegionCount.objects.filter(run=first).exists()
    assert SyncRun.objects.count() == 2  # the history of runs stays


def test_missing_selector_scoped(register, kpu_dki):
    synchronise(election=register, actor=kpu_dki)
    missing = selectors.missing_voters(user=kpu_dki, election=register, region_code="31")
    assert {v.nama for v in missing} == {"SUPARMAN", "SUKARNI"}
    kel = selectors.missing_voters(user=kpu_dki, election=register, region_code="3171011002")
    assert [v.nama for v in kel] == ["SUPARMAN"]
    other = kpu_kabkota("3172", username="kpu-3172")
    with pytest.raises(PermissionDenied):
        selectors.missing_voters(user=other, election=register, region_code="3171")
    with pytest.raises(PermissionDenied):
        selectors.count_rows(user=other, election=register, parent="3171")
    rows = selectors.count_rows(user=other, election=register)  # its own city
    assert rows and all(r.code.startswith("3172") for r in rows)
    masked = selectors.masked_missing(next(iter(kel)))
    assert "*" in masked["nik"] and masked["tanggal_lahir"].startswith("**")


def test_refused_without_previous_dpt(election, dp4_file, election_today, kpu_dki):
    load(election, dp4_file, dp4_rows())
    election_today(REVIEW_DAY)
    with pytest.raises(SyncRefused) as exc:
        synchronise(election=election, actor=kpu_dki)
    assert exc.value.code == "no_previous"
    assert not SyncRun.objects.exists()


def test_refused_without_dp4(election, dp4_file, election_today, kpu_dki):
    load(election, dp4_file, previous_rows(), kind="dpt-lama")
    election_today(REVIEW_DAY)
    with pytest.raises(SyncRefused) as exc:
        synchronise(election=election, actor=kpu_dki)
    assert exc.value.code == "no_dp4"


def test_stage_closed_refused(register, kpu_dki, election_today):
    election_today(AFTER_DAY)
    with pytest.raises(StageClosed):
        synchronise(election=register, actor=kpu_dki)
    assert not SyncMatch.objects.exists()


def test_permission_refused(register, pps):
    with pytest.raises(PermissionDenied):
        synchronise(election=register, actor=pps)
    with pytest.raises(PermissionDenied):
        synchronise(election=register, actor=kpu_kabkota("3171"))  # the province's work
    assert not SyncRun.objects.exists()


def test_previous_voting_day_is_a_setting(register, kpu_dki, settings):
    assert previous_voting_day() == dt.date(2024, 2, 14)
    settings.PILKADA_PREVIOUS_VOTING_DAY = "2024-06-02"  # already 17 then: not "turning 17"
    run = synchronise(election=register, actor=kpu_dki)
    assert run.new_turning_17 == 0
    assert run.stats["previous_voting_day"] == "2024-06-02"
