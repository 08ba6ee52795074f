"""Where the voters live: apportionment to kab/kota and kelurahan, and provinces other than
DKI (nothing in the generator is Jakarta-specific)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pilkada.synth.population import (
    PopulationParams,
    apportion,
    generate_population,
    kabkota_totals,
    load_kabkota_weights,
    load_regions,
)

DKI_DPT_2024 = {
    "31.01": 20_908,
    "31.71": 813_721,
    "31.72": 1_345_815,
    "31.73": 1_909_774,
    "31.74": 1_748_961,
    "31.75": 2_374_828,
}


def test_dki_region_file_and_weights():
    regions = load_regions("31")
    assert len(regions.kelurahan) == 267
    assert len(regions.kecamatan) == 44
    assert regions.kabkota == list(DKI_DPT_2024)
    weights = load_kabkota_weights(regions)
    assert weights.tolist() == list(DKI_DPT_2024.values())


def test_full_size_gives_the_real_kabkota_totals_exactly():
    regions = load_regions("31")
    totals = kabkota_totals(8_214_007, regions)
    assert dict(zip(regions.kabkota, totals.tolist(), strict=True)) == DKI_DPT_2024


@pytest.mark.parametrize("total", [0, 1, 7, 1_000, 999_999, 1_000_000, 8_214_006, 20_000_000])
def test_apportion_sums_and_stays_within_one_of_the_quota(total):
    weights = np.array(list(DKI_DPT_2024.values()))
    parts = apportion(total, weights)
    assert parts.sum() == total
    quota = total * weights / weights.sum()
    assert np.all(np.abs(parts - quota) < 1)


def test_apportion_largest_remainders_and_ties():
    assert apportion(10, np.array([1, 1, 1])).tolist() == [4, 3, 3]  # tie: earlier first
    assert apportion(5, np.array([6, 3, 1])).tolist() == [3, 2, 0]  # 3.0, 1.5, 0.5
    assert apportion(3, np.array([0, 5, 5])).tolist() == [0, 2, 1]
    assert apportion(4, np.array([0.5, 0.25, 0.25])).tolist() == [2, 1, 1]
    with pytest.raises(ValueError):
        apportion(5, np.array([0, 0]))


def test_small_population_is_proportional_to_the_real_dpt():
    population = generate_population(PopulationParams(voters=50_000, seed=2))
    counts = dict(
        population.dp4.group_by(pl.col("kode_kelurahan").cast(pl.String).str.slice(0, 5))
        .len()
        .rows()
    )
    expected = apportion(50_000, np.array(list(DKI_DPT_2024.values())))
    assert [counts[k] for k in DKI_DPT_2024] == expected.tolist()
    assert population.summary["kabkota_rows"] == dict(
        zip(DKI_DPT_2024, expected.tolist(), strict=True)
    )


REGION_FILE = """kode,nama
64,Kalimantan Timur
64.01,Kabupaten Paser
64.71,Kota Balikpapan
64.01.01,Batu Sopang
64.01.02,Tanjung Harapan
64.71.01,Balikpapan Timur
64.01.01.2001,Busui
64.01.01.2002,Kasungai
64.01.02.2001,Tanjung Aru
64.71.01.1001,Manggar
64.71.01.1002,Lamaru
64.71.01.1003,Teritip
"""


def test_another_province_without_weights_uses_kelurahan_counts(tmp_path):
    path = tmp_path / "64.csv"
    path.write_text(REGION_FILE)
    regions = load_regions("64", path)
    assert load_kabkota_weights(regions).tolist() == [3, 3]
    params = PopulationParams(voters=6_000, seed=9, province="64", regions_file=path)
    population = generate_population(params)
    dp4 = population.dp4.with_columns(pl.col("kode_kelurahan").cast(pl.String))
    per_kab = dict(dp4.group_by(pl.col("kode_kelurahan").str.slice(0, 5)).len().rows())
    assert per_kab == {"64.01": 3_000, "64.71": 3_000}
    assert set(dp4["kode_kelurahan"].unique()) == {c for c in regions.kelurahan}
    clean = dp4.with_columns(population.truth["defect"]).filter(pl.col("defect").is_null())
    assert clean["nik"].str.starts_with("64").all()
    assert clean["nkk"].str.starts_with("64").all()
    kecamatan = {c.replace(".", "") for c in regions.kecamatan}
    assert set(clean["nik"].str.slice(0, 6).unique()) <= kecamatan
    # No shipped birthplace for province 64: people born there get their kab/kota's name.
    assert {"PASER", "BALIKPAPAN"} <= set(dp4["tempat_lahir"].cast(pl.String).unique())


def test_undotted_region_codes_and_explicit_weights(tmp_path):
    path = tmp_path / "64.csv"
    path.write_text(REGION_FILE.replace(".", ""))
    weights = tmp_path / "w.csv"
    weights.write_text("kode,dpt\n6401,100\n6471,300\n")
    params = PopulationParams(
        voters=4_000, seed=1, province="64", regions_file=path, weights_file=weights
    )
    population = generate_population(params)
    assert population.summary["kabkota_rows"] == {"64.01": 1_000, "64.71": 3_000}


def test_unknown_province_is_refused():
    with pytest.raises(FileNotFoundError):
        generate_population(PopulationParams(voters=10, seed=1, province="99"))
