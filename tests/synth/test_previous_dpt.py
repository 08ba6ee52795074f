"""The synthetic previous DPT: deterministic, consistent with its truth on both sides."""

from __future__ import annotations

import polars as pl
import pytest

from pilkada.synth.population import PopulationParams, write_population
from pilkada.synth.previous_dpt import PreviousDptParams, write_previous_dpt


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    out = tmp_path_factory.mktemp("pop")
    write_population(PopulationParams(voters=4000, seed=11), out)
    return out


def read(path):
    return pl.read_csv(path, infer_schema=False)


def test_deterministic(population, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_previous_dpt(population, a, PreviousDptParams(seed=5))
    write_previous_dpt(population, b, PreviousDptParams(seed=5))
    for name in ("previous_dpt.csv", "previous_truth.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_truth_agrees_with_the_files(population, tmp_path):
    manifest = write_previous_dpt(population, tmp_path, PreviousDptParams(seed=5))
    dp4 = read(population / "dp4.csv").with_row_index("i").with_columns(
        (pl.col("i") + 2).cast(pl.String).alias("line")
    )
    prev = read(tmp_path / "previous_dpt.csv").with_row_index("i").with_columns(
        (pl.col("i") + 2).cast(pl.String).alias("line")
    )
    truth = read(tmp_path / "previous_truth.csv")
    assert truth.filter(side="dp4").height == dp4.height
    assert truth.filter(side="previous").height == prev.height == manifest["previous_rows"]
    outcomes = manifest["outcomes"]
    assert {k.split(":")[1] for k in outcomes} >= {"nik", "fuzzy", "new", "new_17", "gone"}
    # Found by NIK: the same NIK on both lines; found by fuzzy: another NIK, same name and date.
    pairs = (
        truth.filter(side="previous")
        .join(prev.select("line", "nik", "nama", "tanggal_lahir"), on="line")
        .join(
            dp4.select("line", "nik", "nama", "tanggal_lahir"),
            left_on="other_line",
            right_on="line",
            how="left",
            suffix="_dp4",
        )
    )
    nik = pairs.filter(outcome="found_nik")
    assert (nik["nik"] == nik["nik_dp4"]).all()
    fuzzy = pairs.filter(outcome="found_fuzzy")
    assert fuzzy.height > 0
    assert (fuzzy["nik"] != fuzzy["nik_dp4"]).all()
    assert (fuzzy["nama"] == fuzzy["nama_dp4"]).all()
    assert (fuzzy["tanggal_lahir"] == fuzzy["tanggal_lahir_dp4"]).all()
    # Changed and gone NIKs belong to nobody on the DP4.
    dp4_niks = set(dp4["nik"].to_list())
    gone = pairs.filter(outcome="gone")
    assert gone.height > 0 and gone["other_line"].is_null().all()
    assert not (set(gone["nik"].to_list()) | set(fuzzy["nik"].to_list())) & dp4_niks
