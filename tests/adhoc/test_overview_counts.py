"""The overview: seats, filled and open per body and area, women against the 30 % rule,
and the TPS still without a full KPPS or Pantarlih with the days left (selectors.overview)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from pilkada.accounts.permissions import ACTION_ROLES
from pilkada.adhoc.selectors.overview import body_deadlines, overview, urgent_tps

from .conftest import KELURAHAN
from .members_support import *  # noqa: F403
from .members_support import TPS1, TPS2

TPS3 = f"{KELURAHAN}003"
CIDENG = "3171011002"
CIDENG_TPS = f"{CIDENG}001"


@pytest.fixture
def filled(election, make_opening, ranked, seat_directly):
    """Gambir: KPPS TPS1 full (7, 2 women), KPPS TPS2 3 of 7 (3 women, plus one who left),
    Pantarlih TPS1 1 of 1 (a man), TPS2 0 of 2, TPS3 0 of 1; PPS 3 of 3 (1 woman).
    Cideng: KPPS 0 of 7."""
    for body, area, seats in [
        ("kpps", TPS1, 7), ("kpps", TPS2, 7), ("pantarlih", TPS1, 1), ("pantarlih", TPS2, 2),
        ("pantarlih", TPS3, 1), ("pps", KELURAHAN, 3), ("kpps", CIDENG_TPS, 7),
    ]:  # fmt: skip
        make_opening(body, area, seats)
    for i in range(7):
        seat_directly(ranked("kpps", TPS1, rank=i + 1, jenis_kelamin="P" if i < 2 else "L"))
    for i in range(3):
        seat_directly(ranked("kpps", TPS2, rank=i + 1, jenis_kelamin="P"))
    seat_directly(ranked("kpps", TPS2, rank=4, jenis_kelamin="P"), state="ended")
    seat_directly(ranked("pantarlih", TPS1, rank=1, jenis_kelamin="L"))
    for i in range(3):
        seat_directly(ranked("pps", KELURAHAN, rank=i + 1, jenis_kelamin="P" if i == 0 else "L"))


def _totals(data):
    return {
        r.body: (r.areas, r.seats, r.filled, r.open, r.women, r.women_met) for r in data["bodies"]
    }


def test_counts_per_body_with_women_against_the_rule(election, kpu_jakpus, filled):
    data = overview(user=kpu_jakpus, election=election, region_code=KELURAHAN, areas=True)
    assert data["region_code"] == KELURAHAN
    # KPPS TPS1: 2 women of 7 seats misses ceil(2.1) = 3; TPS2: 3 women meets it.
    # Pantarlih of 1 seat needs 1 woman: TPS1's man misses it; empty areas miss it too.
    assert _totals(data) == {
        "ppk": (0, 0, 0, 0, 0, 0),
        "pps": (1, 3, 3, 0, 1, 1),
        "kpps": (2, 14, 10, 4, 5, 1),
        "pantarlih": (3, 4, 1, 3, 0, 0),
    }
    rows = {(r.body, r.region_code): r for r in data["areas"]}
    assert (rows[("kpps", TPS2)].filled, rows[("kpps", TPS2)].open) == (3, 4)
    assert rows[("kpps", TPS1)].women_met == 0 and rows[("kpps", TPS1)].full == 1
    assert ("kpps", CIDENG_TPS) not in rows


def test_groups_drill_down_one_level(election, kpu_jakpus, filled):
    data = overview(user=kpu_jakpus, election=election, body="kpps")
    assert data["region_code"] == "3171"
    (kecamatan,) = data["groups"]["kpps"]
    assert (kecamatan.region_code, kecamatan.areas, kecamatan.seats, kecamatan.filled) == (
        "317101", 3, 21, 10,
    )  # fmt: skip
    down = overview(user=kpu_jakpus, election=election, body="kpps", region_code="317101")
    assert [(g.region_code, g.areas) for g in down["groups"]["kpps"]] == [
        (KELURAHAN, 2), (CIDENG, 1),
    ]  # fmt: skip
    tps = overview(user=kpu_jakpus, election=election, body="kpps", region_code=KELURAHAN)
    assert [(g.region_code, g.filled) for g in tps["groups"]["kpps"]] == [(TPS1, 7), (TPS2, 3)]


def test_urgent_tps_most_urgent_first_with_days_left(election, pps_gambir, filled):
    rows, total = urgent_tps(user=pps_gambir, election=election)
    # 15 May 2024: Pantarlih by coklit (24 June, 40 days), KPPS by 5 November (174 days);
    # within a deadline the most seats missing first.
    assert [(u.body, u.tps_code, u.missing, u.deadline, u.days_left) for u in rows] == [
        ("pantarlih", TPS2, 2, dt.date(2024, 6, 24), 40),
        ("pantarlih", TPS3, 1, dt.date(2024, 6, 24), 40),
        ("kpps", TPS2, 4, dt.date(2024, 11, 5), 174),
    ]
    assert total == 3
    limited, total = urgent_tps(user=pps_gambir, election=election, limit=1)
    assert len(limited) == 1 and total == 3


def test_past_deadlines_come_first_as_days_late(election, kpu_jakpus, filled, election_today):
    election_today("2024-07-01")  # coklit began a week ago
    rows, _ = urgent_tps(user=kpu_jakpus, election=election, region_code="317101")
    assert [(u.body, u.tps_code, u.days_left, u.days_late) for u in rows] == [
        ("pantarlih", TPS2, -7, 7),
        ("pantarlih", TPS3, -7, 7),
        ("kpps", CIDENG_TPS, 127, 0),
        ("kpps", TPS2, 127, 0),
    ]


def test_kpps_deadline_is_a_setting(election, settings):
    settings.PILKADA_ADHOC_KPPS_DEADLINE_DAYS = 30
    deadlines = body_deadlines(election=election)
    assert deadlines["kpps"] == election.voting_day - dt.timedelta(days=30)
    assert deadlines["pantarlih"] == dt.date(2024, 6, 24)


def test_pantarlih_without_a_coklit_stage_has_no_deadline_and_comes_last(
    election, pps_gambir, filled
):
    election.stages.filter(code="coklit").delete()
    rows, _ = urgent_tps(user=pps_gambir, election=election)
    assert [(u.body, u.days_left) for u in rows] == [
        ("kpps", 174), ("pantarlih", None), ("pantarlih", None),
    ]  # fmt: skip


def test_scope_a_pps_sees_its_kelurahan_only(election, pps_gambir, filled):
    data = overview(user=pps_gambir, election=election, body="kpps", areas=True)
    assert data["region_code"] == KELURAHAN
    assert {r.region_code for r in data["areas"]} == {TPS1, TPS2}
    with pytest.raises(PermissionDenied):
        overview(user=pps_gambir, election=election, region_code=CIDENG)
    with pytest.raises(PermissionDenied):
        urgent_tps(user=pps_gambir, election=election, region_code="3171")


def test_another_citys_kpu_cannot_read_jakarta_pusat(election, kpu_jaksel, filled):
    with pytest.raises(PermissionDenied):
        overview(user=kpu_jaksel, election=election, region_code="3171")
    data = overview(user=kpu_jaksel, election=election, areas=True)
    assert data["region_code"] == "3174" and data["areas"] == []


def test_bawaslu_reads_and_a_kpps_member_does_not(election, bawaslu_dki, filled):
    data = overview(user=bawaslu_dki, election=election, body="kpps")
    assert data["bodies"][0].filled == 10
    kpps = get_user_model().objects.create_user(username="k", role="kpps", region_code=TPS1)
    with pytest.raises(PermissionDenied):
        overview(user=kpps, election=election)


@pytest.mark.skipif(
    "adhoc.overview" not in ACTION_ROLES,
    reason="agencies read the overview once the lead adds the action adhoc.overview",
)
def test_an_agency_reads_the_overview(election, filled):
    polda = get_user_model().objects.create_user(username="polda", role="agency", region_code="31")
    _rows, total = urgent_tps(user=polda, election=election)
    assert total == 4
