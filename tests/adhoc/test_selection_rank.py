"""Ranking (services.selection.rank): the tie rule end to end, the interview shortlist and its
cut, bodies without a written test, determinism, the window and the scope."""

import datetime as dt
import random
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from pilkada.adhoc.models import Application
from pilkada.adhoc.rules import nilai_akhir, urutan_peringkat
from pilkada.adhoc.services.selection import rank, rank_frame
from pilkada.schedule.gate import StageClosed

from .selection_support import *  # noqa: F403
from .selection_support import BASE_TIME, KELURAHAN_2, opening, results


def test_final_score_decides_then_interview_then_written(election, kpu_jakpus, passed):
    opening(election, seats=2)
    # final: A 80, B 80 (interview 90 > 70), C 80 (interview 70, written 90), D 60
    passed(nama="D", written=60, interview=60)
    passed(nama="C", written=90, interview=70)
    passed(nama="B", written=70, interview=90)
    passed(nama="E", written=70, interview=90, sex="L", minute=-5)  # same as B, a man
    out = rank(election=election, actor=kpu_jakpus, body="pps")
    assert results(election) == [
        ("B", 1, "selected"),
        ("E", 2, "selected"),
        ("C", 3, "reserve"),
        ("D", 4, "reserve"),
    ]
    assert (out["selected"], out["reserve"], out["not_selected"]) == (2, 2, 0)
    b = Application.objects.get(nama="B")
    assert b.final_score == nilai_akhir(Decimal(70), Decimal(90)) == Decimal("80.000")


def test_equal_scores_a_woman_first_then_the_earlier_then_the_lower_number(
    election, kpu_jakpus, passed
):
    opening(election, seats=3)
    passed(nama="MAN-EARLY", written=80, interview=80, sex="L", minute=1)
    passed(nama="WOMAN-LATE", written=80, interview=80, sex="P", minute=9)
    passed(nama="WOMAN-EARLY", written=80, interview=80, sex="P", minute=2)
    a = passed(nama="SAME-TIME-1", written=80, interview=80, sex="L", minute=5)
    b = passed(nama="SAME-TIME-2", written=80, interview=80, sex="L", minute=5)
    assert a.number < b.number
    rank(election=election, actor=kpu_jakpus, body="pps")
    assert [r[0] for r in results(election)] == [
        "WOMAN-EARLY",
        "WOMAN-LATE",
        "MAN-EARLY",
        "SAME-TIME-1",
        "SAME-TIME-2",
    ]
    assert [r[2] for r in results(election)] == ["selected"] * 3 + ["reserve"] * 2


def test_failed_and_withdrawn_get_no_rank(election, kpu_jakpus, passed, make_application):
    opening(election, seats=3)
    passed(nama="OK", written=50, interview=50)
    passed(nama="DOCS", written=99, interview=99, documents_ok=False)
    passed(nama="INELIGIBLE", written=99, interview=99, eligibility="ineligible")
    passed(nama="PENDING", written=99, interview=99, eligibility="pending")
    passed(nama="GONE", written=99, interview=99, state="withdrawn")
    passed(nama="NO-INTERVIEW", written=70)  # the area held interviews: absent
    rank(election=election, actor=kpu_jakpus, body="pps")
    got = {n: (r, res) for n, r, res in results(election)}
    assert got["OK"] == (1, "selected")
    for name in ("DOCS", "INELIGIBLE", "PENDING", "NO-INTERVIEW"):
        assert got[name] == (None, "not_selected"), name
    assert got["GONE"] == (None, "")


def test_shortlist_cut_with_a_tie_at_the_cut_takes_all_tied(election, kpu_jakpus, passed):
    # PPS 2 seats -> peserta_wawancara(2) = 4 to the interview.
    opening(election, seats=2)
    for i, score in enumerate([90, 85, 80, 75, 75, 60]):
        passed(nama=f"W{i}", written=score)
    from pilkada.adhoc.services.selection import (
        _with_seats,
        applications_frame,
        seats_frame,
        shortlist,
    )

    frame = shortlist(
        _with_seats(applications_frame(election=election), seats_frame(election=election))
    )
    listed = dict(zip(frame["nama"].to_list(), frame["shortlisted"].to_list(), strict=True))
    assert listed == {"W0": True, "W1": True, "W2": True, "W3": True, "W4": True, "W5": False}
    # Without the tie the cut is exactly 4.
    Application.objects.filter(nama="W4").update(written_score=Decimal("74.99"))
    frame = shortlist(
        _with_seats(applications_frame(election=election), seats_frame(election=election))
    )
    assert frame.filter(pl.col("shortlisted")).height == 4


def test_not_shortlisted_is_not_selected_even_with_an_interview_score(election, kpu_jakpus, passed):
    opening(election, seats=1)  # 2 to the interview
    passed(nama="A", written=90, interview=60)
    passed(nama="B", written=80, interview=70)
    passed(nama="C", written=70, interview=100)  # not shortlisted: its score does not count
    rank(election=election, actor=kpu_jakpus, body="pps")
    got = {n: (r, res) for n, r, res in results(election)}
    assert got == {"B": (1, "selected"), "A": (2, "reserve"), "C": (None, "not_selected")}


def test_bodies_without_a_written_test_go_straight_to_ranking(
    election, kpu_jakpus, passed, make_tps
):
    tps = make_tps(number=1)
    opening(election, body="kpps", region_code=tps.code, seats=2)
    passed("kpps", tps.code, nama="LATE-MAN", sex="L", minute=3)
    passed("kpps", tps.code, nama="EARLY-MAN", sex="L", minute=1)
    passed("kpps", tps.code, nama="WOMAN", sex="P", minute=9)
    out = rank(election=election, actor=kpu_jakpus, body="kpps")
    assert results(election, "kpps", tps.code) == [
        ("WOMAN", 1, "selected"),
        ("EARLY-MAN", 2, "selected"),
        ("LATE-MAN", 3, "reserve"),
    ]
    assert out["by_body"]["kpps"]["selected"] == 2
    assert Application.objects.filter(final_score__isnull=False).count() == 0


def test_ranking_is_per_area_and_repeatable(election, kpu_jakpus, passed):
    opening(election, seats=1)
    opening(election, region_code=KELURAHAN_2, seats=1)
    passed(nama="K1-A", written=50, interview=50)
    passed(nama="K1-B", written=40, interview=40)
    passed("pps", KELURAHAN_2, nama="K2-A", written=10, interview=10)
    first = rank(election=election, actor=kpu_jakpus, body="pps")
    snapshot = list(
        Application.objects.order_by("id").values_list("id", "rank", "result", "final_score")
    )
    second = rank(election=election, actor=kpu_jakpus, body="pps")
    assert snapshot == list(
        Application.objects.order_by("id").values_list("id", "rank", "result", "final_score")
    )
    assert {k: first[k] for k in ("selected", "reserve", "areas")} == {
        "selected": 2,
        "reserve": 1,
        "areas": 2,
    }
    assert first["selected"] == second["selected"]
    assert (first["updated"], second["updated"], second["unchanged"]) == (3, 0, 3)
    assert results(election, region_code=KELURAHAN_2) == [("K2-A", 1, "selected")]
    # A corrected score changes the outcome: only the rows whose outcome changes are written.
    Application.objects.filter(nama="K1-B").update(interview_score=Decimal("99"))
    third = rank(election=election, actor=kpu_jakpus, body="pps")
    assert third["updated"] == 2
    assert [r[:3] for r in results(election)] == [("K1-B", 1, "selected"), ("K1-A", 2, "reserve")]


def test_an_area_without_an_opening_gets_the_seats_of_the_rule(election, kpu_jakpus, passed):
    for i in range(5):
        passed(nama=f"P{i}", written=90 - i, interview=90 - i)
    rank(election=election, actor=kpu_jakpus, body="pps")  # PPS: 3 seats by the rule
    assert [r[2] for r in results(election)] == ["selected"] * 3 + ["reserve"] * 2


def test_rank_writes_one_audit_entry_with_the_counts(election, kpu_jakpus, passed, audit_log):
    passed(nama="A", written=50, interview=50)
    out = rank(election=election, actor=kpu_jakpus, body="pps")
    entries = [e for e in audit_log() if e.action == "adhoc.rank"]
    assert len(entries) == 1
    assert entries[0].new["selected"] == out["selected"] == 1
    assert entries[0].new["region"] == "3171"


def test_the_window_must_be_open(election, kpu_jakpus, passed, election_today):
    passed(nama="A", written=50, interview=50)
    election_today("2024-11-20")
    with pytest.raises(StageClosed):
        rank(election=election, actor=kpu_jakpus, body="pps")
    assert Application.objects.get().ranked_at is None


def test_scope_cannot_be_crossed(election, kpu_jaksel, pps_gambir, kpu_jakpus, passed, make_tps):
    passed(nama="A", written=50, interview=50)
    # Another kab/kota's KPU ranks its own region only: Gambir is untouched.
    rank(election=election, actor=kpu_jaksel)
    assert Application.objects.get().ranked_at is None
    with pytest.raises(PermissionDenied):
        rank(election=election, actor=kpu_jaksel, region_prefix="3171")
    # A PPS does not recruit PPS members.
    with pytest.raises(PermissionDenied):
        rank(election=election, actor=pps_gambir, body="pps")
    # ... but ranks KPPS and Pantarlih of its kelurahan.
    tps = make_tps(number=1)
    passed("kpps", tps.code, nama="K")
    out = rank(election=election, actor=pps_gambir)
    assert out["bodies"] == ["kpps", "pantarlih"] and out["selected"] == 1
    assert Application.objects.get(nama="A").ranked_at is None


def _random_frame(n: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    scores = [None, 5000, 7000, 7050, 8000]
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": i,
                "number": f"N{rnd.randrange(10**6):07d}-{i}",
                "body": "pps",
                "region_code": rnd.choice(["3171011001", "3171011002"]),
                "state": "submitted",
                "eligibility": "eligible",
                "documents_ok": True,
                "written": rnd.choice(scores),
                "interview": rnd.choice(scores),
                "jenis_kelamin": rnd.choice("LP"),
                "submitted_at": BASE_TIME + dt.timedelta(minutes=rnd.randrange(3)),
                "nama": f"X{i}",
                "seats": 3,
            }
        )
    frame = pl.DataFrame(rows)
    return frame.with_columns(pl.col("submitted_at").dt.replace_time_zone("UTC"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_polars_order_equals_sorting_by_urutan_peringkat(settings, seed):
    # Interviews for everyone shortlisted would drop those without one: give all a
    # written score's chance by making every area hold no test when written is null.
    frame = _random_frame(400, seed).with_columns(written=pl.lit(None, dtype=pl.Int64))
    settings.PILKADA_ADHOC_INTERVIEW_MULTIPLIER = 1000  # everyone to the interview
    ranked = rank_frame(frame).filter(pl.col("passed"))
    for region in ("3171011001", "3171011002"):
        part = ranked.filter(pl.col("region_code") == region).sort("rank")
        rows = part.to_dicts()

        def key(r):
            w = None if r["written"] is None else Decimal(r["written"]) / 100
            i = None if r["interview"] is None else Decimal(r["interview"]) / 100
            return urutan_peringkat(
                final_score=nilai_akhir(w, i),
                interview_score=i,
                written_score=w,
                jenis_kelamin=r["jenis_kelamin"],
                submitted_at=r["submitted_at"],
                number=r["number"],
            )

        assert [r["id"] for r in rows] == [r["id"] for r in sorted(rows, key=key)]
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


@pytest.mark.parametrize("seed", [4, 5])
def test_polars_order_with_written_tests_equals_urutan_peringkat(settings, seed):
    settings.PILKADA_ADHOC_INTERVIEW_MULTIPLIER = 1000
    frame = _random_frame(300, seed).with_columns(
        written=pl.col("written").fill_null(100), interview=pl.col("interview").fill_null(100)
    )
    ranked = rank_frame(frame).filter(pl.col("passed"))
    assert ranked.height == frame.height
    rows = ranked.sort("region_code", "rank").to_dicts()
    for region in ("3171011001", "3171011002"):
        part = [r for r in rows if r["region_code"] == region]
        expected = sorted(
            part,
            key=lambda r: urutan_peringkat(
                final_score=nilai_akhir(Decimal(r["written"]) / 100, Decimal(r["interview"]) / 100),
                interview_score=Decimal(r["interview"]) / 100,
                written_score=Decimal(r["written"]) / 100,
                jenis_kelamin=r["jenis_kelamin"],
                submitted_at=r["submitted_at"],
                number=r["number"],
            ),
        )
        assert [r["id"] for r in part] == [r["id"] for r in expected]
