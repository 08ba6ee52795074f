"""Synthetic applications to the ad hoc bodies: deterministic, exact counts, every defect row
really has its defect, and a truth that the eligibility engine reproduces row by row against
the population's register (and the CLI that writes them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from pilkada.engine.adhoc_eligibility import RuleParams, check_applications
from pilkada.synth.applicants import (
    APPLICATION_COLUMNS,
    PAIR_DEFECTS,
    SINGLE_DEFECTS,
    TRUTH_COLUMNS,
    ApplicantParams,
    write_applicants,
)
from pilkada.synth.supporters import REGISTER_TMS

# Rates high enough that 3,000 rows of the small population hold every kind several times.
PARAMS = ApplicantParams(
    rows=3000, seed=7, rate_nik_invalid=0.01, rate_under_age=0.01, rate_over_age=0.02,
    rate_domicile_outside_area=0.02, rate_education_below_minimum=0.02,
    rate_party_member=0.02, rate_supporter_listed=0.02, rate_health_statement_missing=0.01,
    rate_party_statement_missing=0.01, rate_seated_elsewhere=0.005, rate_marriage_tie=0.005,
)  # fmt: skip


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir()) if p.suffix == ".csv"}  # fmt: skip


@pytest.fixture(scope="module")
def generated(small_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("applicants")
    write_applicants(small_dir, out, PARAMS)
    return out


def _read(out: Path):
    apps = pl.read_csv(out / "applications.csv", infer_schema=False).with_columns(
        pl.col("nkk", "rt", "rw").fill_null("")
    )
    truth = pl.read_csv(out / "applicants_truth.csv", infer_schema=False).with_columns(
        pl.col("reasons", "warnings", "defect").fill_null("")
    )
    return apps, truth


def test_deterministic_and_seed_dependent(small_dir, generated, tmp_path):
    again = tmp_path / "again"
    write_applicants(small_dir, again, PARAMS)
    assert _digests(again) == _digests(generated)
    other = tmp_path / "other"
    write_applicants(small_dir, other, ApplicantParams(**{**PARAMS.__dict__, "seed": 8}))
    assert _digests(other)["applications.csv"] != _digests(generated)["applications.csv"]


def test_exact_counts_and_manifest(generated):
    apps, truth = _read(generated)
    manifest = json.loads((generated / "applicants_manifest.json").read_text())
    assert tuple(apps.columns) == APPLICATION_COLUMNS
    assert tuple(truth.columns) == TRUTH_COLUMNS
    assert apps.height == truth.height == PARAMS.rows == manifest["rows"]
    assert apps["number"].to_list() == truth["number"].to_list()
    counts = PARAMS.counts()
    for defect in (*SINGLE_DEFECTS, *PAIR_DEFECTS):
        assert (truth["defect"] == defect).sum() == counts[defect] == manifest["defects"][defect]
        assert counts[defect] > 0
    assert (apps["seated"] == "1").sum() == sum(counts[d] for d in PAIR_DEFECTS)
    # One application per person and body.
    assert apps.select("nik", "body").is_unique().all()


def _age(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    def md(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    return on.dt.year() - born.dt.year() - (md(on) < md(born)).cast(pl.Int32)


def test_every_defect_row_has_its_defect(generated):
    apps, truth = _read(generated)
    frame = apps.hstack(truth.select("defect", "expected")).with_columns(
        age=_age(pl.col("tanggal_lahir").str.to_date(), pl.col("submitted_on").str.to_date())
    )
    by = {d: frame.filter(pl.col("defect") == d) for d in (*SINGLE_DEFECTS, *PAIR_DEFECTS, "")}
    assert (by["under_age"]["age"] < 17).all()
    assert (by["over_age"]["age"] > 55).all() and (by["over_age"]["body"] == "kpps").all()
    valid = by[""]
    assert valid["age"].is_between(17, 55).all()
    assert by["register_data_differs"]["age"].is_between(17, 55).all()
    assert (by["register_data_differs"]["expected"] == "eligible").all()
    assert valid["education"].is_in(["sma", "d3", "s1", "s2", "s3"]).all()
    assert by["education_below_minimum"]["education"].is_in(["sd", "smp"]).all()
    outside = by["domicile_outside_area"]
    assert (
        outside["region_code"].str.slice(0, 6) != outside["domicile_code"].str.slice(0, 6)
    ).all()
    assert (valid["region_code"].str.slice(0, 6) == valid["domicile_code"].str.slice(0, 6)).all()
    party = set(pl.read_csv(generated / "party_members.csv", infer_schema=False)["nik"])
    supporters = set(pl.read_csv(generated / "supporters.csv", infer_schema=False)["nik"])
    assert set(by["party_member"]["nik"]) <= party
    assert set(by["supporter_listed"]["nik"]) == supporters
    assert not (set(valid["nik"]) & (party | supporters))
    assert len(party) > by["party_member"].height  # members who did not apply too
    # The seated: a PPS member applying for a KPPS; a spouse seated in the same KPPS.
    seated = frame.filter(pl.col("seated") == "1")
    for row in by["seated_elsewhere"].iter_rows(named=True):
        (member,) = seated.filter(pl.col("nik") == row["nik"]).iter_rows(named=True)
        assert member["body"] == "pps" and row["body"] == "kpps"
    for row in by["marriage_tie"].iter_rows(named=True):
        partner = seated.filter((pl.col("region_code") == row["region_code"])
                                & (pl.col("status_kawin") == "S"))  # fmt: skip
        assert partner.height >= 1 and row["status_kawin"] == "S"


def test_the_engine_reproduces_the_truth(small_dir, generated):
    """The generator's truth, checked by the engine against the population's register as
    coklit leaves it (the truth's TMS codes), row by row."""
    apps, truth = _read(generated)
    dp4 = pl.read_csv(small_dir / "dp4.csv", infer_schema=False)
    defects = pl.read_csv(small_dir / "truth.csv", infer_schema=False)["defect"].fill_null("")
    register = dp4.with_columns(
        voter_id=pl.int_range(1, dp4.height + 1, dtype=pl.Int64),
        tanggal_lahir=pl.col("tanggal_lahir").str.to_date(strict=False),
        kelurahan_code=pl.col("kode_kelurahan").str.replace_all(".", "", literal=True),
        tms_code=defects.replace_strict(REGISTER_TMS, default=None, return_dtype=pl.Int64),
        source=pl.lit("dp4"),
    ).with_columns(
        status=pl.when(pl.col("tms_code").is_not_null()).then(pl.lit("tms")).otherwise(pl.lit("ms"))
    )
    frame = apps.with_columns(
        id=pl.int_range(1, apps.height + 1, dtype=pl.Int64),
        tanggal_lahir=pl.col("tanggal_lahir").str.to_date(),
        applied_on=pl.col("submitted_on").str.to_date(),
        health_statement=pl.col("health_statement") == "1",
        party_statement=pl.col("party_statement") == "1",
        previous_terms=pl.col("previous_terms").cast(pl.Int64),
    )
    members = frame.filter(pl.col("seated") == "1").select(
        pl.col("id").alias("application_id"), "body", "region_code", "nik", "nkk", "status_kawin"
    )
    result = check_applications(
        frame,
        register=register,
        party_niks=pl.read_csv(generated / "party_members.csv", infer_schema=False),
        supporter_niks=pl.read_csv(generated / "supporters.csv", infer_schema=False),
        members=members,
        params=RuleParams(min_education={b: "sma" for b in ("ppk", "pps", "kpps", "pantarlih")}),
        reference_date=dt.date(2024, 5, 1),
    )
    cmp = truth.hstack(result.select("eligibility", "reasons", "warnings").rename(
        {"reasons": "got_reasons", "warnings": "got_warnings"}))  # fmt: skip
    wrong = cmp.filter(
        (pl.col("expected") != pl.col("eligibility"))
        | (pl.col("reasons") != pl.col("got_reasons"))
        | (pl.col("warnings") != pl.col("got_warnings"))
    )
    assert wrong.height == 0, wrong.head(5).to_dicts()


def test_the_cli_writes_the_files(small_dir, tmp_path):
    out = io.StringIO()
    call_command("synth", "applicants", "--population", str(small_dir), "--out",
                 str(tmp_path), "--rows", "500", "--seed", "3", "--json", stdout=out)  # fmt: skip
    manifest = json.loads(out.getvalue())
    assert manifest["rows"] == 500
    assert (tmp_path / "applications.csv").exists()
    assert (tmp_path / "applicants_truth.csv").exists()
    with pytest.raises(CommandError, match=r"manifest\.json"):
        call_command("synth", "applicants", "--population", str(tmp_path / "none"),
                     stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("synth", "applicants", "--population", str(small_dir), "--out",
                     str(tmp_path), "--rate-over-age", "2", stdout=io.StringIO())  # fmt: skip
