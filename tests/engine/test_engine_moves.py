"""The DPTb/DPK rules as pure functions: reasons, deadlines, ballot entitlement."""

import datetime as dt

import pytest

from pilkada.engine import moves as rules
from pilkada.engine.moves import (
    MoveReason,
    alamat_di_wilayah_tps,
    batas_waktu_pindah_memilih,
    hak_surat_suara_pindahan,
    keadaan_tertentu,
)

VOTING_DAY = dt.date(2024, 11, 27)
SUDDEN = {MoveReason.TUGAS, MoveReason.RAWAT_INAP, MoveReason.TAHANAN, MoveReason.BENCANA_ALAM}


def test_the_regulation_lists_nine_reasons_four_of_them_sudden():
    assert len(rules.REASONS) == 9 and set(rules.REASONS) == set(MoveReason)
    assert {r for r in MoveReason if keadaan_tertentu(r)} == SUDDEN
    assert all(rule.label for rule in rules.REASONS.values())


def test_unknown_reason_is_an_error():
    with pytest.raises(ValueError):
        keadaan_tertentu("liburan")


@pytest.mark.parametrize("reason", sorted(MoveReason))
def test_pilkada_2024_deadlines_are_28_october_and_20_november(reason):
    expected = dt.date(2024, 11, 20) if reason in SUDDEN else dt.date(2024, 10, 28)
    assert batas_waktu_pindah_memilih(voting_day=VOTING_DAY, reason=reason) == expected


def test_deadline_follows_the_voting_day_and_the_numbers_of_days():
    day = dt.date(2025, 3, 1)
    assert batas_waktu_pindah_memilih(voting_day=day, reason="pindah_domisili") == dt.date(
        2025, 1, 30
    )
    assert batas_waktu_pindah_memilih(
        voting_day=day, reason="tugas", deadline_days=45, sudden_deadline_days=3
    ) == dt.date(2025, 2, 26)
    with pytest.raises(ValueError):
        batas_waktu_pindah_memilih(voting_day=day, reason="tugas", sudden_deadline_days=-1)


@pytest.mark.parametrize(
    ("kind", "region", "origin", "dest", "entitled", "code"),
    [
        ("gubernur", "31", "3171011001", "3171011001", True, "same_kelurahan"),
        ("gubernur", "31", "3171011001", "3171021001", True, "same_kabkota"),
        ("gubernur", "31", "3171011001", "3172011001", True, "other_kabkota"),
        ("gubernur", "31", "3171011001", "3273011001", False, "other_province"),
        ("walikota", "3171", "3171011001", "3171021001", True, "same_kabkota"),
        ("walikota", "3171", "3171011001", "3172011001", False, "outside_region"),
        ("bupati", "3101", "3101011001", "3171011001", False, "outside_region"),
        ("bupati", "3101", "3101011001", "3273011001", False, "other_province"),
        ("walikota", "3171", "3172011001", "3171011001", False, "origin_outside"),
    ],
)
def test_ballot_entitlement(kind, region, origin, dest, entitled, code):
    result = hak_surat_suara_pindahan(
        election_kind=kind, election_region=region, origin_kelurahan=origin,
        destination_kelurahan=dest,
    )  # fmt: skip
    assert (result.entitled, result.code) == (entitled, code)
    assert result.ballot == (kind if entitled else None)


def test_unknown_election_kind_is_an_error():
    with pytest.raises(ValueError):
        hak_surat_suara_pindahan(
            election_kind="presiden", election_region="31", origin_kelurahan="3171011001",
            destination_kelurahan="3171011002",
        )  # fmt: skip


def test_dpk_address_must_be_in_the_tps_kelurahan():
    assert alamat_di_wilayah_tps(address_kelurahan="31.71.01.1001", tps_code="3171011001004")
    assert not alamat_di_wilayah_tps(address_kelurahan="3171011002", tps_code="3171011001004")
    assert not alamat_di_wilayah_tps(address_kelurahan="", tps_code="3171011001004")
    assert not alamat_di_wilayah_tps(address_kelurahan="317101100", tps_code="3171011001004")


def test_the_two_named_deadlines():
    assert rules.batas_pindah_memilih(voting_day=VOTING_DAY) == dt.date(2024, 10, 28)
    assert rules.batas_pindah_memilih_keadaan_tertentu(voting_day=VOTING_DAY) == dt.date(
        2024, 11, 20
    )
    with pytest.raises(ValueError):
        rules.batas_pindah_memilih(voting_day=VOTING_DAY, days=-3)
