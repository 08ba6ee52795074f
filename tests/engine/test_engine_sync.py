"""The DP4 / previous-DPT synchronisation engine: every class of the rule, and the counts."""

import datetime as dt

import polars as pl
import pytest

from pilkada.engine.sync import COUNT_COLUMNS, synchronise

VOTING_DAY = dt.date(2024, 11, 27)
PREVIOUS_DAY = dt.date(2024, 2, 14)


def row(voter_id, nik, nama, born, kel="3171011001"):
    return {
        "voter_id": voter_id,
        "nik": nik,
        "nama": nama,
        "tanggal_lahir": dt.date.fromisoformat(born),
        "kelurahan_code": kel,
    }


def frame(rows):
    return pl.DataFrame(rows, schema_overrides={"tanggal_lahir": pl.Date})


def result_inputs():
    dp4 = frame(
        [
            row(1, "3171014101900001", "SITI AMINAH", "1990-01-01"),  # same NIK
            row(2, "3171010202850002", "H. AHMAD DAHLAN", "1985-02-02"),  # NIK changed
            row(3, "3171010303070003", "BUDI SANTOSO", "2007-06-01"),  # turns 17 in 2024
            row(4, "3171010404700004", "DEWI LESTARI", "1970-04-04", kel="3171011002"),  # new
            row(5, "3171010505800005", "AGUS", "1980-05-05"),  # ambiguous on the DP4 side
            row(6, "3171010505800006", "AGUS", "1980-05-05"),
            row(7, "bad", "RINA", "1999-09-09"),  # unusable NIK; fuzzy-matched
        ]
    )
    previous = frame(
        [
            row(101, "3171014101900001", "SITI AMINAH", "1990-01-01"),
            row(102, "3171010202850099", "Achmad Dahlan", "1985-02-02"),
            row(103, "3171010909600009", "JOKO", "1960-09-09"),  # died: missing
            row(105, "3171010505800105", "AGUS", "1980-05-05"),
            row(107, "3171010909990107", "RINA", "1999-09-09", kel="3171011002"),
        ]
    )
    return dp4, previous


@pytest.fixture
def result():
    dp4, previous = result_inputs()
    return synchronise(dp4, previous, voting_day=VOTING_DAY, previous_voting_day=PREVIOUS_DAY)


def by_id(frame):
    return {r["voter_id"]: r for r in frame.iter_rows(named=True)}


def test_nik_match_first(result):
    d = by_id(result.dp4)
    assert d[1]["method"] == "nik" and d[1]["matched_voter_id"] == 101


def test_fuzzy_match_on_name_key_and_birth_date(result):
    d = by_id(result.dp4)
    assert d[2]["method"] == "fuzzy" and d[2]["matched_voter_id"] == 102
    assert d[7]["method"] == "fuzzy" and d[7]["matched_voter_id"] == 107
    p = by_id(result.previous)
    assert p[102]["method"] == "found" and p[102]["matched_voter_id"] == 2


def test_ambiguous_key_matches_nothing(result):
    d, p = by_id(result.dp4), by_id(result.previous)
    assert d[5]["method"] == d[6]["method"] == "new"
    assert p[105]["method"] == "missing"


def test_new_voter_turning_17(result):
    d = by_id(result.dp4)
    assert d[3]["method"] == "new" and d[3]["turns_17"]
    assert d[4]["method"] == "new" and not d[4]["turns_17"]


def test_missing_previous_voter(result):
    assert by_id(result.previous)[103]["method"] == "missing"


def test_counts_reconcile_per_kelurahan(result):
    assert result.reconciles
    for r in result.counts.iter_rows(named=True):
        assert r["dp4_rows"] == r["found_by_nik"] + r["found_by_fuzzy"] + r["new"]
        assert r["previous_rows"] == r["previous_found"] + r["missing"]
    totals = result.totals()
    assert totals == {
        "dp4_rows": 7, "found_by_nik": 1, "found_by_fuzzy": 2, "new": 4, "new_turning_17": 1,
        "previous_rows": 5, "previous_found": 3, "missing": 2,
    }  # fmt: skip
    kel2 = result.counts.filter(pl.col("kelurahan_code") == "3171011002").row(0, named=True)
    assert kel2["dp4_rows"] == 1 and kel2["new"] == 1 and kel2["previous_found"] == 1
    assert set(COUNT_COLUMNS) <= set(result.counts.columns)


def test_deterministic_whatever_the_row_order(result):
    again = synchronise(
        result_inputs()[0].reverse(),
        result_inputs()[1].reverse(),
        voting_day=VOTING_DAY,
        previous_voting_day=PREVIOUS_DAY,
    )
    assert again.dp4.equals(result.dp4)
    assert again.previous.equals(result.previous)
    assert again.counts.equals(result.counts)


def test_turns_17_uses_the_previous_voting_day():
    dp4 = frame([row(1, "3171010303070003", "BUDI", "2007-03-01")])
    prev = frame([row(9, "3171010909600009", "JOKO", "1960-09-09")])
    # 17 on 1 March 2024: already 17 on the previous voting day of 14 Feb? No (still 16).
    r = synchronise(dp4, prev, voting_day=VOTING_DAY, previous_voting_day=PREVIOUS_DAY)
    assert r.dp4["turns_17"].to_list() == [True]
    r = synchronise(dp4, prev, voting_day=VOTING_DAY, previous_voting_day=dt.date(2024, 3, 2))
    assert r.dp4["turns_17"].to_list() == [False]


def test_missing_columns_named():
    with pytest.raises(ValueError, match="tanggal_lahir"):
        synchronise(
            pl.DataFrame({"voter_id": [1], "nik": ["1"], "nama": ["A"], "kelurahan_code": ["1"]}),
            frame([row(9, "3171010909600009", "JOKO", "1960-09-09")]),
            voting_day=VOTING_DAY,
            previous_voting_day=PREVIOUS_DAY,
        )


def test_duplicate_ids_refused():
    rows = [
        row(1, "3171014101900001", "A", "1990-01-01"),
        row(1, "3171014101900002", "B", "1990-01-01"),
    ]
    with pytest.raises(ValueError, match="unique"):
        synchronise(
            frame(rows), frame(rows[:1]), voting_day=VOTING_DAY, previous_voting_day=PREVIOUS_DAY
        )


def test_fuzzy_needs_the_same_kabkota_or_a_near_nik():
    dp4 = frame(
        [
            row(1, "3171010101800001", "AGUS", "1980-01-01", kel="3171011001"),
            row(2, "3171010202800002", "BUDI", "1980-02-02", kel="3171011001"),
        ]
    )
    previous = frame(
        [
            # A namesake born the same day in another kab/kota, NIK far apart: not him.
            row(11, "3175080101800007", "AGUS", "1980-01-01", kel="3175081001"),
            # Another kab/kota but the NIK one digit apart: a typo, the same person.
            row(12, "3171010202800003", "BUDI", "1980-02-02", kel="3175081001"),
        ]
    )
    r = synchronise(dp4, previous, voting_day=VOTING_DAY, previous_voting_day=PREVIOUS_DAY)
    d = by_id(r.dp4)
    assert d[1]["method"] == "new"
    assert d[2]["method"] == "fuzzy" and d[2]["matched_voter_id"] == 12
    assert by_id(r.previous)[11]["method"] == "missing"
