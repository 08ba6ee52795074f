"""Synthetic supporter lists: deterministic, exact counts, and a truth that the verification
engine reproduces row by row on the damaged files (and the CLI that writes them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from pilkada.engine.nik import validate_nik
from pilkada.engine.support_import import read_supporters
from pilkada.engine.support_verify import verify_support
from pilkada.synth.supporters import (
    REASONS,
    TRUTH_COLUMNS,
    SupporterParams,
    write_register,
    write_supporters,
)

VOTING_DAY = dt.date(2024, 11, 27)
TWO_PAIRS = SupporterParams(rows=(2000, 600), seed=5, damage=True, rate_unreadable=0.002)


def _digests(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_pairs(small_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("supporters")
    write_supporters(small_dir, out, TWO_PAIRS)
    write_register(small_dir, out / "register.parquet")
    return out


def _truth(directory: Path) -> pl.DataFrame:
    return pl.read_csv(directory / "supporters_truth.csv", infer_schema=False).with_columns(
        pl.col("pair").cast(pl.Int64), pl.col("line").cast(pl.Int64)
    )


def test_same_seed_same_bytes_other_seed_other_lists(small_dir, two_pairs, tmp_path):
    again = tmp_path / "again"
    write_supporters(small_dir, again, TWO_PAIRS)
    first = _digests(two_pairs)
    second = _digests(again)
    assert {k: v for k, v in first.items() if k in second} == second
    other = tmp_path / "other"
    write_supporters(small_dir, other, SupporterParams(rows=(2000, 600), seed=6, damage=True))
    assert _digests(other)["supporters_1.csv"] != second["supporters_1.csv"]


def test_counts_are_exact(two_pairs):
    manifest = json.loads((two_pairs / "supporters_manifest.json").read_text())
    truth = _truth(two_pairs)
    assert tuple(truth.columns) == TRUTH_COLUMNS
    for pair, rows in ((1, 2000), (2, 600)):
        info = manifest["pairs"][str(pair)]
        counts = TWO_PAIRS.defect_counts(rows)
        mine = truth.filter(pl.col("pair") == pair)
        assert mine.height == rows == info["rows"]
        reasons = info["reasons"]
        for reason in ("nik_invalid", "not_in_register", "deceased", "under_age"):
            assert reasons[reason] == counts[reason]
        barred = counts["barred_pekerjaan"] + counts["barred_list"] + counts["barred_register"]
        assert reasons["barred_occupation"] == barred
        assert reasons["double_same_pair"] == counts["double_same_pair"]
        other = TWO_PAIRS.defect_counts(600 if pair == 1 else 2000)
        own = counts["double_other_pair"]
        assert reasons["double_other_pair"] == own + other["double_other_pair"]
        assert set(mine["reason"].unique().to_list()) <= {"", *REASONS, "wrong_column_count",
                                                          "no_identity"}  # fmt: skip
        expected = info["expected"]
        assert sum(expected.values()) == rows
        assert expected["held"] == reasons["double_other_pair"]
    assert manifest["objections"] == pl.read_csv(two_pairs / "objections.csv").height
    assert manifest["pairs"]["1"]["no_consent"] == round(0.02 * TWO_PAIRS.valid_rows(2000))
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((two_pairs / name).read_bytes()).hexdigest()


def test_injected_niks_are_what_the_truth_says(small_dir, two_pairs):
    truth = _truth(two_pairs)
    register = set(pl.read_csv(small_dir / "dp4.csv", columns=["nik"], infer_schema=False)["nik"])
    invalid = truth.filter(pl.col("reason") == "nik_invalid")["nik"].to_list()
    assert invalid and all(not validate_nik(n, reference_date=VOTING_DAY)[0] for n in invalid)
    unknown = truth.filter(
        (pl.col("reason") == "not_in_register") & ~pl.col("detail").str.ends_with("moved_out")
    )["nik"].to_list()
    assert unknown and not set(unknown) & register
    barred = pl.read_csv(two_pairs / "barred.csv", infer_schema=False)
    listed = truth.filter(pl.col("detail").str.starts_with("barred:list:"))["nik"].to_list()
    assert set(listed) <= set(barred["nik"])
    assert barred.height > len(listed)  # people who support nobody are on the list too


def _verify(directory: Path, pair: int, prior: Path | None, work: Path):
    work.mkdir(exist_ok=True)
    pl.read_csv(directory / "barred.csv", infer_schema=False).write_parquet(work / "barred.parquet")
    ext = "xlsx" if (directory / f"supporters_{pair}.xlsx").exists() else "csv"
    imported = read_supporters(
        directory / f"supporters_{pair}.{ext}",
        reference_date=VOTING_DAY,
        rejects_path=work / f"rejects_{pair}.csv",
        staging_path=work / f"staged_{pair}.parquet",
        region_code="31",
    )
    outcome = verify_support(
        work / f"staged_{pair}.parquet",
        pair_id=pair,
        register=directory / "register.parquet",
        prior=prior,
        barred=work / "barred.parquet",
        reference_date=VOTING_DAY,
        out_path=work / f"result_{pair}.parquet",
    )
    result = pl.read_parquet(outcome.out_path)
    rejects = pl.read_csv(work / f"rejects_{pair}.csv", infer_schema=False)
    got = pl.concat(
        [
            result.select("line", "status", pl.col("reason").fill_null("")),
            rejects.select(
                pl.col("line").cast(pl.Int64),
                pl.lit("rejected").alias("status"),
                pl.col("reason_code").alias("reason"),
            ),
        ]
    )
    return imported, outcome, result, got


def _disagreements(truth: pl.DataFrame, got: pl.DataFrame) -> pl.DataFrame:
    both = truth.join(got, on="line", how="full", suffix="_got")
    return both.filter(
        pl.col("line").is_null()
        | pl.col("line_got").is_null()
        | (pl.col("expected") != pl.col("status"))
        | (pl.col("reason") != pl.col("reason_got"))
    )


def test_the_engine_finds_what_the_truth_says_on_damaged_files(two_pairs, tmp_path):
    truth = _truth(two_pairs)
    # Pair 2 is verified first; its rows are on record when pair 1 is verified.
    imported, outcome, result, got = _verify(two_pairs, 2, None, tmp_path)
    assert imported.blank and imported.repeated_headers and imported.preamble == 2
    assert imported.delimiter == ";" and imported.encoding.startswith("utf-8-sig")
    mine = truth.filter(pl.col("pair") == 2).with_columns(
        # Nothing is on record yet: the rows another pair lists too are MS for now.
        pl.when(pl.col("reason") == "double_other_pair")
        .then(pl.lit("ms"))
        .otherwise(pl.col("expected"))
        .alias("expected"),
        pl.when(pl.col("reason") == "double_other_pair")
        .then(pl.lit(""))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    assert _disagreements(mine, got).height == 0
    prior = tmp_path / "prior.parquet"
    result.select(
        "nik",
        pl.lit(2, dtype=pl.Int64).alias("pair_id"),
        (pl.col("line") + 10_000).alias("supporter_id"),
        "status",
    ).write_parquet(prior)

    imported, outcome, result, got = _verify(two_pairs, 1, prior, tmp_path)
    assert (
        imported.rejected
        == truth.filter((pl.col("pair") == 1) & (pl.col("expected") == "rejected")).height
        > 0
    )
    assert _disagreements(truth.filter(pl.col("pair") == 1), got).height == 0
    held_there = truth.filter((pl.col("pair") == 2) & (pl.col("reason") == "double_other_pair"))
    assert outcome.hold_supporter_ids == sorted((held_there["line"] + 10_000).to_list())


def test_xlsx_with_excel_number_niks(small_dir, two_pairs, tmp_path):
    out = tmp_path / "xlsx"
    params = SupporterParams(rows=(400,), seed=2, file_format="xlsx", damage=True,
                             rate_unreadable=0.01)  # fmt: skip
    manifest = write_supporters(small_dir, out, params)
    assert manifest["pairs"]["1"]["reasons"]["double_other_pair"] == 0  # a single pair
    (out / "register.parquet").symlink_to(two_pairs / "register.parquet")
    imported, _, _, got = _verify(out, 1, None, tmp_path)
    assert imported.file_format == "xlsx" and imported.repeated_headers
    assert _disagreements(_truth(out), got).height == 0


def test_the_register_is_struck_as_the_truth_assumes(two_pairs, small_dir):
    register = pl.read_parquet(two_pairs / "register.parquet")
    manifest = json.loads((small_dir / "manifest.json").read_text())
    assert register.height == manifest["rows"]
    codes = dict(register.group_by("tms_code").len().drop_nulls("tms_code").rows())
    defects = manifest["defect_rows"]
    assert codes[1] == defects["deceased"]
    assert codes[3] == defects["under_age"]
    assert codes[6] == defects["tni"] and codes[7] == defects["polri"]
    copies = sum(v for k, v in defects.items() if k.startswith("duplicate_"))
    assert codes[2] == copies
    assert set(register["status"].unique()) == {"pending", "tms"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (SupporterParams(rows=(100,), rate_not_in_register=0.9, rate_nik_invalid=0.2), "add up"),
        (SupporterParams(rows=()), "one positive integer per pair"),
        (SupporterParams(rows=(10,), file_format="ods"), "csv or xlsx"),
        (SupporterParams(rows=(10,), share_objects=1.5), "between 0 and 1"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        params.validate()


def test_a_population_too_small_for_the_lists(small_dir, tmp_path):
    with pytest.raises(ValueError, match="too few deceased"):
        write_supporters(small_dir, tmp_path, SupporterParams(rows=(1000,), rate_deceased=0.5))


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("synth", *args, stdout=out)
    return out.getvalue()


def test_cli_writes_the_files_and_prints_the_manifest(small_dir, tmp_path):
    out = tmp_path / "cli"
    printed = _run(
        "supporters", "--population", str(small_dir), "--out", str(out), "--seed", "5",
        "--rows", "2000", "600", "--damage", "--rate-unreadable", "0.002", "--json",
    )  # fmt: skip
    manifest = json.loads(printed)
    assert manifest == json.loads((out / "supporters_manifest.json").read_text())
    assert manifest["parameters"] == TWO_PAIRS.to_dict()
    direct = tmp_path / "direct"
    write_supporters(small_dir, direct, TWO_PAIRS)
    assert (direct / "supporters_1.csv").read_bytes() == (out / "supporters_1.csv").read_bytes()
    text = _run(
        "supporters", "--population", str(small_dir), "--out", str(tmp_path / "t"), "--seed",
        "1", "--rows", "300", "--rate-deceased", "0.01", "--register",
    )  # fmt: skip
    assert "pair 1: 300 rows" in text and "register.parquet:" in text
    assert (tmp_path / "t" / "register.parquet").exists()


def test_cli_refuses_what_it_cannot_make(small_dir, tmp_path):
    with pytest.raises(CommandError, match=r"manifest\.json"):
        _run("supporters", "--population", str(tmp_path), "--seed", "1")
    with pytest.raises(CommandError, match="add up"):
        _run("supporters", "--population", str(small_dir), "--out", str(tmp_path), "--seed",
             "1", "--rows", "100", "--rate-not-in-register", "0.99")  # fmt: skip
