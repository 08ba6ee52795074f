"""The 30 % women report (selectors.selection.women_report): per ranked area, from the rule
rules.keterwakilan_perempuan_terpenuhi."""

from pilkada.adhoc.rules import keterwakilan_perempuan_terpenuhi
from pilkada.adhoc.selectors.selection import women_report, women_required
from pilkada.adhoc.services.selection import rank

from .conftest import KELURAHAN
from .selection_support import *  # noqa: F403
from .selection_support import KELURAHAN_2, opening


def test_missed_areas_are_reported_and_met_ones_are_not(election, kpu_jakpus, passed):
    opening(election, seats=3)
    opening(election, region_code=KELURAHAN_2, seats=3)
    for i in range(3):  # Gambir: three men selected
        passed(nama=f"M{i}", sex="L", written=90 - i, interview=90)
    passed(nama="W", sex="P", written=10, interview=10)  # reserve
    passed("pps", KELURAHAN_2, nama="W2", sex="P", written=50, interview=50)
    passed("pps", KELURAHAN_2, nama="M2", sex="L", written=60, interview=60)
    rank(election=election, actor=kpu_jakpus, body="pps")
    missed = women_report(election=election, user=kpu_jakpus, missed_only=True)
    assert [(r["region_code"], r["women"], r["selected"], r["required"]) for r in missed] == [
        (KELURAHAN, 0, 3, 1)
    ]
    every = women_report(election=election, user=kpu_jakpus)
    assert {r["region_code"]: r["met"] for r in every} == {KELURAHAN: False, KELURAHAN_2: True}


def test_the_report_is_scoped(election, kpu_jakpus, kpu_jaksel, passed):
    passed(nama="M", sex="L", written=1, interview=1)
    rank(election=election, actor=kpu_jakpus, body="pps")
    assert women_report(election=election, user=kpu_jakpus)
    assert women_report(election=election, user=kpu_jaksel) == []


def test_required_women_come_from_the_rule():
    for seats in (1, 2, 3, 5, 7):
        need = women_required(seats)
        assert keterwakilan_perempuan_terpenuhi(need, seats)
        assert need == 0 or not keterwakilan_perempuan_terpenuhi(need - 1, seats)
    assert [women_required(s) for s in (3, 5, 7)] == [1, 2, 3]
