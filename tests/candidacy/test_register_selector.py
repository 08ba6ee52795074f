"""The register rows verifikasi administrasi reads (selectors/register.py): exactly the rows
of the given NIKs in the election, every source, with text that needs quoting intact -- on
both databases (PostgreSQL: one array parameter and COPY; SQLite: json_each and one CSV
text per slice)."""

import datetime as dt

import polars as pl
import pytest

from pilkada.candidacy.selectors import register as selector
from pilkada.candidacy.selectors.register import REGISTER_SCHEMA, register_rows_for
from pilkada.schedule.models import Election
from pilkada.voters.models import Voter

from .support_support import voter


@pytest.fixture
def other_election(election):
    return Election.objects.create(
        slug="other-2024", name="Other", kind=election.kind, region_code=election.region_code,
        voting_day=election.voting_day, year=election.year, schedule=election.schedule,
    )  # fmt: skip


def _rows(frame: pl.DataFrame) -> list[dict]:
    return frame.sort("voter_id").to_dicts()


def test_rows_of_the_given_niks_only_with_every_source_and_awkward_text(election, other_election):
    plain = voter(election, 1)
    struck = voter(election, 2, status="tms", tms=1)
    coklit = voter(election, 2, source="coklit", kel="3171011002")  # same NIK, another row
    no_date = voter(election, 3)
    no_date.tanggal_lahir = None
    quoted = voter(election, 4)
    quoted.nik = 'NIK "1,2"\nO\'Neil'  # damaged text as a register may hold it
    quoted.status_kawin = ""
    elsewhere = voter(other_election, 1)  # the same NIK in another election: not read
    unasked = voter(election, 5)
    Voter.objects.bulk_create([plain, struck, coklit, no_date, quoted, elsewhere, unasked])
    niks = pl.Series(
        [plain.nik, struck.nik, no_date.nik, quoted.nik, plain.nik, None, "3171999999999999"]
    )

    got = register_rows_for(election=election, niks=niks)

    assert got.schema == pl.Schema(REGISTER_SCHEMA)
    ids = {v.pk for v in (plain, struck, coklit, no_date, quoted)}
    assert set(got["voter_id"].to_list()) == ids
    by_id = {r["voter_id"]: r for r in _rows(got)}
    assert by_id[struck.pk]["status"] == "tms" and by_id[struck.pk]["tms_code"] == 1
    assert by_id[coklit.pk]["source"] == "coklit"
    assert by_id[coklit.pk]["kelurahan_code"] == "3171011002"
    assert by_id[plain.pk]["tms_code"] is None
    assert by_id[plain.pk]["tanggal_lahir"] == dt.date(1990, 4, 1)
    assert by_id[plain.pk]["status_kawin"] == "B"
    assert by_id[no_date.pk]["tanggal_lahir"] is None
    assert by_id[quoted.pk]["nik"] == 'NIK "1,2"\nO\'Neil'
    assert by_id[quoted.pk]["status_kawin"] == ""


def test_slices_and_empty_inputs(election, monkeypatch):
    rows = [voter(election, i) for i in range(1, 8)]
    Voter.objects.bulk_create(rows)
    # Several SQLite statements (one per slice), some with no register row at all.
    monkeypatch.setattr(selector, "SQLITE_SLICE", 2)
    niks = pl.Series([v.nik for v in rows] + ["0000000000000001", "0000000000000002"])
    got = register_rows_for(election=election, niks=niks)
    assert sorted(got["voter_id"].to_list()) == sorted(v.pk for v in rows)

    empty = register_rows_for(election=election, niks=pl.Series([], dtype=pl.String))
    assert empty.schema == pl.Schema(REGISTER_SCHEMA) and empty.height == 0
    none_found = register_rows_for(election=election, niks=pl.Series(["1234"]))
    assert none_found.schema == pl.Schema(REGISTER_SCHEMA) and none_found.height == 0
