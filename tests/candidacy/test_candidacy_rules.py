"""The candidacy rules with numbers (pilkada.candidacy.rules), at every band edge."""

import datetime as dt
from decimal import Decimal

import pytest

from pilkada.candidacy import rules

P, K = rules.PROVINSI, rules.KABKOTA


@pytest.mark.parametrize(
    ("dpt", "percent"),
    [
        (0, "10"),
        (2_000_000, "10"),
        (2_000_001, "8.5"),
        (6_000_000, "8.5"),
        (6_000_001, "7.5"),
        (12_000_000, "7.5"),
        (12_000_001, "6.5"),
        (40_000_000, "6.5"),
    ],
)
def test_province_support_band_edges(dpt, percent):
    assert rules.persentase_dukungan_perseorangan(dpt_total=dpt, level=P) == Decimal(percent)


@pytest.mark.parametrize(
    ("dpt", "percent"),
    [
        (1, "10"),
        (250_000, "10"),
        (250_001, "8.5"),
        (500_000, "8.5"),
        (500_001, "7.5"),
        (1_000_000, "7.5"),
        (1_000_001, "6.5"),
    ],
)
def test_kabkota_support_band_edges(dpt, percent):
    assert rules.persentase_dukungan_perseorangan(dpt_total=dpt, level=K) == Decimal(percent)


def test_dki_2024_minimum_is_618968():
    # KPU DKI 2024: 7.5 % of the DPT of Pemilu 2024 (8,252,897) = 618,967.275, rounded up.
    assert rules.syarat_minimal_dukungan(dpt_total=8_252_897, level=P) == 618_968


@pytest.mark.parametrize(
    ("dpt", "level", "minimum"),
    [
        (2_000_000, P, 200_000),  # 10 % exactly
        (2_000_001, P, 170_001),  # 8.5 % of 2,000,001 = 170,000.085 -> up
        (6_000_000, P, 510_000),
        (6_000_001, P, 450_001),  # 450,000.075 -> up
        (12_000_000, P, 900_000),
        (12_000_001, P, 780_001),  # 780,000.065 -> up
        (250_000, K, 25_000),
        (250_001, K, 21_251),  # 21,250.085 -> up
        (500_000, K, 42_500),
        (500_001, K, 37_501),  # 37,500.075 -> up
        (1_000_000, K, 75_000),
        (1_000_001, K, 65_001),  # 65,000.065 -> up
        (0, P, 0),
    ],
)
def test_minimum_rounds_up_at_every_edge(dpt, level, minimum):
    assert rules.syarat_minimal_dukungan(dpt_total=dpt, level=level) == minimum


def test_bands_are_a_setting(settings):
    settings.PILKADA_SUPPORT_BANDS = {P: ((100, "50"), (None, "1")), K: ((None, "3"),)}
    assert rules.syarat_minimal_dukungan(dpt_total=100, level=P) == 50
    assert rules.syarat_minimal_dukungan(dpt_total=101, level=P) == 2


def test_unknown_level_and_negative_dpt_are_refused():
    with pytest.raises(ValueError, match="unknown level"):
        rules.syarat_minimal_dukungan(dpt_total=1, level="kecamatan")
    with pytest.raises(ValueError, match="negative"):
        rules.syarat_minimal_dukungan(dpt_total=-1, level=P)


@pytest.mark.parametrize(("areas", "needed"), [(1, 1), (2, 2), (5, 3), (6, 4), (7, 4), (44, 23)])
def test_spread_is_more_than_half(areas, needed):
    assert rules.minimal_sebaran_dukungan(areas_total=areas) == needed
    assert rules.memenuhi_sebaran_dukungan(areas_with_support=needed, areas_total=areas)
    assert not rules.memenuhi_sebaran_dukungan(areas_with_support=needed - 1, areas_total=areas)


def test_dki_spread_is_4_of_6():
    assert not rules.memenuhi_sebaran_dukungan(areas_with_support=3, areas_total=6)
    assert rules.memenuhi_sebaran_dukungan(areas_with_support=4, areas_total=6)


@pytest.mark.parametrize(
    ("dpt", "level", "percent"),
    [
        (2_000_000, P, "10"),
        (2_000_001, P, "8.5"),
        (6_000_001, P, "7.5"),
        (8_252_897, P, "7.5"),
        (12_000_001, P, "6.5"),
        (250_000, K, "10"),
        (250_001, K, "8.5"),
        (1_000_001, K, "6.5"),
    ],
)
def test_party_threshold_bands_mk_60_2024(dpt, level, percent):
    assert rules.ambang_batas_pencalonan_partai(dpt_total=dpt, level=level) == Decimal(percent)


def test_party_threshold_is_exact_at_the_edge():
    # 7.5 % of 1,000 valid votes is 75: 75 passes, 74 does not.
    kwargs = {"total_valid_votes": 1_000, "dpt_total": 8_252_897, "level": P}
    assert rules.memenuhi_ambang_batas_partai(coalition_votes=75, **kwargs)
    assert not rules.memenuhi_ambang_batas_partai(coalition_votes=74, **kwargs)
    with pytest.raises(ValueError, match="not set"):
        rules.memenuhi_ambang_batas_partai(
            coalition_votes=1, total_valid_votes=0, dpt_total=1, level=P
        )


def test_candidate_age_is_counted_at_penetapan():
    penetapan = dt.date(2024, 9, 22)
    # Turns 30 on penetapan day: eligible for governor; one day later: not.
    assert rules.memenuhi_syarat_usia_calon(
        tanggal_lahir=dt.date(1994, 9, 22), level=P, penetapan=penetapan
    )
    assert not rules.memenuhi_syarat_usia_calon(
        tanggal_lahir=dt.date(1994, 9, 23), level=P, penetapan=penetapan
    )
    # 25 for regent and mayor.
    assert rules.memenuhi_syarat_usia_calon(
        tanggal_lahir=dt.date(1999, 9, 22), level=K, penetapan=penetapan
    )
    assert not rules.memenuhi_syarat_usia_calon(
        tanggal_lahir=dt.date(1999, 9, 23), level=K, penetapan=penetapan
    )


def test_level_of_election():
    assert rules.level_of_election("gubernur") == P
    assert rules.level_of_election("bupati") == K
    assert rules.level_of_election("walikota") == K
    with pytest.raises(ValueError):
        rules.level_of_election("presiden")


def test_perbaikan_is_twice_the_shortfall(settings):
    assert rules.jumlah_dukungan_perbaikan(shortfall=1_000) == 2_000
    assert rules.jumlah_dukungan_perbaikan(shortfall=0) == 0
    assert rules.jumlah_dukungan_perbaikan(shortfall=-5) == 0
    settings.PILKADA_PERBAIKAN_MULTIPLIER = 3
    assert rules.jumlah_dukungan_perbaikan(shortfall=1_000) == 3_000


@pytest.mark.parametrize(
    ("vermin", "verfak", "objected", "status"),
    [
        ("pending", "na", False, "pending"),
        ("tms", "na", False, "tms"),
        ("ms", "pending", False, "pending"),
        ("ms", "ms", False, "ms"),
        ("ms", "tms", False, "tms"),
        ("held", "pending", False, "pending"),
        ("held", "ms", False, "ms"),
        ("ms", "pending", True, "tms"),  # an objection holds the support as denied ...
        ("ms", "ms", True, "ms"),  # ... until the supporter confirms at verfak
    ],
)
def test_status_dukungan(vermin, verfak, objected, status):
    assert (
        rules.status_dukungan(vermin_status=vermin, verfak_status=verfak, objected=objected)
        == status
    )
