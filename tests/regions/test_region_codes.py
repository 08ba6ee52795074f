"""Region and TPS codes: normalizing, parents, levels, TPS numbers. No database."""

import pytest

from pilkada.regions.codes import (
    ancestor_codes,
    dotted,
    is_special_tps,
    level_of,
    normalize_tps_code,
    region_kind,
    short_name,
)
from pilkada.regions.models import (
    InvalidRegionCode,
    Tps,
    normalize_region_code,
    parent_code,
    tps_code,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("31", "31"),
        ("31.71", "3171"),
        ("3171", "3171"),
        ("31.71.01", "317101"),
        ("31.71.01.1001", "3171011001"),
        ("3171011001", "3171011001"),
        ("  31.71.01.1001 ", "3171011001"),
        ("36.01.01.2001", "3601012001"),
    ],
)
def test_normalize_accepts_dotted_and_undotted(raw, expected):
    assert normalize_region_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "3",
        "317",  # 3 digits: no level
        "31711",
        "31710110010",  # 11 digits
        "3171011001001",  # a TPS code is not a region code ...
        "31.7",
        "31.711",
        "31.71.01.100",
        "31.71.01.10011",
        "31..71",
        "31.71.",
        ".31",
        "31.7A",
        "31-71",
        "31 71",
        "3l71",  # letter l
        "\uff13\uff11",  # full-width digits pass str.isdigit(), not here
        "٣١٧١",  # Arabic-Indic digits
        "00",
        "31.00",
        "31.71.00",
        "31.71.01.0000",
        "31.71.01.1001.001",  # dotted TPS, not a region
        None,
        3171,
    ],
)
def test_normalize_rejects_malformed(raw):
    with pytest.raises(InvalidRegionCode):
        normalize_region_code(raw)


def test_invalid_region_code_is_a_value_error_with_a_reason():
    with pytest.raises(ValueError, match="segment 2") as excinfo:
        normalize_region_code("31.711")
    assert excinfo.value.reason
    assert excinfo.value.raw == "31.711"


def test_tps_codes_only_when_allowed():
    assert normalize_region_code("3171011001001", allow_tps=True) == "3171011001001"
    assert normalize_region_code("31.71.01.1001.001", allow_tps=True) == "3171011001001"
    assert normalize_tps_code("3171011001901") == "3171011001901"
    with pytest.raises(InvalidRegionCode):
        normalize_tps_code("3171011001")
    with pytest.raises(InvalidRegionCode):
        normalize_tps_code("3171011001000")  # TPS 000 does not exist


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("31", None),
        ("3171", "31"),
        ("31.71", "31"),
        ("317101", "3171"),
        ("3171011001", "317101"),
        ("31.71.01.1001", "317101"),
        ("3171011001001", "3171011001"),
    ],
)
def test_parent_code_is_the_prefix(code, parent):
    assert parent_code(code) == parent


def test_parent_code_rejects_malformed():
    with pytest.raises(InvalidRegionCode):
        parent_code("31710110010")


def test_levels_dotted_and_ancestors():
    assert [level_of(c) for c in ("31", "3171", "317101", "3171011001", "3171011001001")] == [
        "provinsi", "kabkota", "kecamatan", "kelurahan", "tps",
    ]  # fmt: skip
    assert level_of("31710110010") is None
    assert level_of("\uff13\uff11") is None
    assert dotted("3171011001") == "31.71.01.1001"
    assert dotted("31") == "31"
    assert dotted("3171011001001") == "31.71.01.1001.001"
    assert ancestor_codes("3171011001001") == ["31", "3171", "317101", "3171011001"]
    assert ancestor_codes("31") == []


def test_tps_code_is_kelurahan_plus_three_digits():
    assert tps_code("3171011001", 1) == "3171011001001"
    assert tps_code("31.71.01.1001", 42) == "3171011001042"
    assert tps_code("3171011001", 999) == "3171011001999"
    assert Tps.build("3171011001042").number == 42


@pytest.mark.parametrize(
    ("kelurahan", "number"),
    [
        ("3171011001", 0),
        ("3171011001", 1000),
        ("3171011001", -1),
        ("3171011001", "1"),
        ("3171011001", True),
        ("3171011001", 1.0),
        ("317101", 1),  # a kecamatan has no TPS of its own
        ("3171", 1),
        ("31710110010", 1),
    ],
)
def test_tps_code_rejects_bad_input(kelurahan, number):
    with pytest.raises(InvalidRegionCode):
        tps_code(kelurahan, number)


def test_tps_9xx_are_special():
    assert not is_special_tps(1)
    assert not is_special_tps(899)
    assert is_special_tps(900)
    assert is_special_tps(901)
    tps = Tps.build("3171011001901")
    assert (tps.kelurahan_id, tps.number, tps.is_special) == ("3171011001", 901, True)
    tps = Tps.build("31.71.01.1001.007")
    assert (tps.code, tps.number, tps.is_special, tps.label) == (
        "3171011001007", 7, False, "TPS 007",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("3171", "Kota Administrasi Jakarta Pusat", "kota"),
        ("3101", "Kabupaten Administrasi Kepulauan Seribu", "kabupaten"),
        ("3601", "Kabupaten Pandeglang", "kabupaten"),
        ("3671", "Kota Tangerang", "kota"),
        ("3671", "Tangerang", "kota"),  # no prefix: Kemendagri numbering, 71-99 kota
        ("3603", "Tangerang", "kabupaten"),  # 01-69 kabupaten
        ("3171011001", "Gambir", "kelurahan"),
        ("3601012001", "Kertajaya", "desa"),
        ("3601013001", "Odd", ""),
        ("31", "Daerah Khusus Ibukota Jakarta", ""),
        ("317101", "Gambir", ""),
    ],
)
def test_region_kind(code, name, kind):
    assert region_kind(code, name) == kind


def test_short_name_drops_the_kind():
    assert short_name("kabkota", "Kota Administrasi Jakarta Pusat") == "Jakarta Pusat"
    assert short_name("kabkota", "Kabupaten Administrasi Kepulauan Seribu") == "Kepulauan Seribu"
    assert short_name("kabkota", "Kabupaten Pandeglang") == "Pandeglang"
    assert short_name("kabkota", "Kota") == "Kota"
    assert short_name("kecamatan", "Kota Bambu Utara") == "Kota Bambu Utara"
