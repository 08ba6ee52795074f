"""A small synthetic population, generated once per test session, and helpers to read it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pilkada.synth.population import PopulationParams, write_population

VOTING_DAY = dt.date(2024, 11, 27)

# Rates well above the defaults, so that 20,000 rows hold enough of every kind.
SMALL = PopulationParams.with_duplicate_rate(
    0.03,
    voters=20_000,
    seed=11,
    rate_deceased=0.01,
    rate_under_age=0.005,
    rate_moved_out=0.01,
    rate_tni=0.003,
    rate_polri=0.003,
    rate_invalid_nik=0.005,
    rate_twins=0.005,
    rate_married_minor=0.002,
)


def read_dp4(path: Path) -> pl.DataFrame:
    """dp4.csv as text columns, with ``line`` (1-based file line; the header is line 1)."""
    return (
        pl.read_csv(path, infer_schema=False)
        .with_row_index("line", offset=2)
        .with_columns(pl.col("line").cast(pl.Int64))
    )


def read_truth(path: Path) -> pl.DataFrame:
    return pl.read_csv(
        path,
        schema={
            "line": pl.Int64,
            "person_id": pl.Int64,
            "defect": pl.String,
            "of_line": pl.Int64,
            "detail": pl.String,
        },
    )


def with_age(frame: pl.DataFrame) -> pl.DataFrame:
    born = pl.col("tanggal_lahir").str.to_date("%Y-%m-%d")
    month_day = born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)
    later = month_day > VOTING_DAY.month * 100 + VOTING_DAY.day
    return frame.with_columns(
        (VOTING_DAY.year - born.dt.year() - later.cast(pl.Int32)).alias("age"),
        born.alias("born"),
    )


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth-small")
    write_population(SMALL, out)
    return out


@pytest.fixture(scope="session")
def small(small_dir) -> pl.DataFrame:
    """dp4 rows joined with their truth rows (by line), with ``age`` and ``born``."""
    dp4 = read_dp4(small_dir / "dp4.csv")
    truth = read_truth(small_dir / "truth.csv")
    return with_age(dp4.join(truth, on="line", how="left"))
