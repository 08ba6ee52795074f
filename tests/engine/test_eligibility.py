"""Eligibility rules at their edges; the vectorised form agrees with the scalar one."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from pilkada.engine.eligibility import (
    TmsCode,
    age_on,
    berdomisili_di_wilayah,
    bukan_tni_polri,
    cukup_umur,
    cukup_umur_expr,
    eligibility_frame,
    turns_17_by_voting_day,
)

VOTING_DAY = dt.date(2024, 11, 27)


@pytest.mark.parametrize(
    ("born", "status", "expected"),
    [
        (dt.date(2007, 11, 27), "B", True),  # 17 exactly on voting day
        (dt.date(2007, 11, 28), "B", False),  # 17 the day after
        (dt.date(2007, 11, 28), "S", True),  # married: votes at any age
        (dt.date(2009, 1, 1), "P", True),  # was married
        (dt.date(1950, 1, 1), "B", True),
        (None, "B", False),  # unknown birth date: coklit establishes it
        (None, "S", True),
        (dt.date(2007, 11, 27), "b", True),
        (dt.date(2008, 2, 29), "B", False),  # leap-day birthday, 16 on voting day
    ],
)
def test_cukup_umur_edges(born, status, expected):
    assert cukup_umur(tanggal_lahir=born, status_kawin=status, voting_day=VOTING_DAY) is expected


def test_voting_day_is_a_parameter():
    born = dt.date(2007, 12, 9)
    assert not cukup_umur(tanggal_lahir=born, status_kawin="B", voting_day=VOTING_DAY)
    later = dt.date(2024, 12, 9)  # a postponed voting day (as some 2024 regions had)
    assert cukup_umur(tanggal_lahir=born, status_kawin="B", voting_day=later)


def test_leap_day_birthday_counts_on_first_march():
    assert age_on(dt.date(2008, 2, 29), dt.date(2025, 2, 28)) == 16
    assert age_on(dt.date(2008, 2, 29), dt.date(2025, 3, 1)) == 17


def test_vectorised_agrees_with_scalar():
    rng = np.random.default_rng(7)
    start = dt.date(2005, 1, 1)
    births = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 1500, 3000)]
    births += [None, dt.date(2007, 11, 27), dt.date(2007, 11, 28), dt.date(2008, 2, 29)]
    statuses = list(rng.choice(["B", "S", "P", "b", ""], len(births)))
    frame = pl.DataFrame({"tanggal_lahir": births, "status_kawin": statuses})
    vector = frame.select(cukup_umur_expr(voting_day=VOTING_DAY)).to_series().to_list()
    scalar = [
        cukup_umur(tanggal_lahir=b, status_kawin=s, voting_day=VOTING_DAY)
        for b, s in zip(births, statuses, strict=True)
    ]
    assert vector == scalar


def test_pemilih_pemula():
    on = dt.date(2024, 6, 24)
    assert turns_17_by_voting_day(tanggal_lahir=dt.date(2007, 8, 1), voting_day=VOTING_DAY, on=on)
    assert not turns_17_by_voting_day(
        tanggal_lahir=dt.date(2007, 1, 1), voting_day=VOTING_DAY, on=on
    )


@pytest.mark.parametrize(
    ("kelurahan", "region", "expected"),
    [
        ("3171011001", "31", True),
        ("31.71.01.1001", "31", True),
        ("3171011001", "3171", True),
        ("3172011001", "3171", False),
        ("3671011001", "31", False),
        ("317101100", "31", False),
        ("", "31", False),
    ],
)
def test_berdomisili_di_wilayah(kelurahan, region, expected):
    assert berdomisili_di_wilayah(kelurahan_code=kelurahan, region_code=region) is expected


def test_tni_polri_lists():
    assert bukan_tni_polri(nik="1", tni_niks={"1"}, polri_niks=set()) is TmsCode.TNI
    assert bukan_tni_polri(nik="2", tni_niks={"1"}, polri_niks={"2"}) is TmsCode.POLRI
    assert bukan_tni_polri(nik="3", tni_niks={"1"}, polri_niks={"2"}) is None


def test_eligibility_frame_suggests_codes_with_evidence():
    frame = pl.DataFrame(
        {
            "nik": ["a", "b", "c", "d", "e"],
            "tanggal_lahir": [dt.date(1990, 1, 1), dt.date(2010, 1, 1), dt.date(1990, 1, 1),
                              dt.date(1980, 5, 5), dt.date(1985, 5, 5)],
            "status_kawin": ["S", "B", "B", "S", "S"],
            "kelurahan_code": ["3171011001", "3171011001", "3671011001", "3171011001",
                               "3171011001"],
        }
    )  # fmt: skip
    out = eligibility_frame(
        frame, voting_day=VOTING_DAY, region_code="31",
        tni_niks=pl.Series(["d"]), polri_niks=pl.Series(["e"]),
    )  # fmt: skip
    assert out["tms_code"].to_list() == [None, 3, 4, 6, 7]
    assert out["tms_note"][1] == "under 17 on 2024-11-27 and never married"
    assert out["tms_note"][0] is None


@pytest.mark.parametrize(
    "voting_day",
    [dt.date(2024, 11, 27), dt.date(2028, 2, 29), dt.date(2025, 3, 1), dt.date(2024, 1, 1)],
)
def test_latest_birth_date_agrees_with_cukup_umur(voting_day):
    from pilkada.engine.eligibility import latest_birth_date_cukup_umur

    cutoff = latest_birth_date_cukup_umur(voting_day)
    for delta in range(-3, 4):
        born = cutoff + dt.timedelta(days=delta)
        old_enough = cukup_umur(tanggal_lahir=born, status_kawin="B", voting_day=voting_day)
        assert old_enough is (born <= cutoff), (voting_day, born)
