"""Each rule of the ad hoc bodies, at its edges (pilkada.adhoc.rules)."""

import datetime as dt
from decimal import Decimal

import pytest

from pilkada.adhoc import rules
from pilkada.adhoc.models import Body


@pytest.mark.parametrize(
    ("body", "voters", "seats"),
    [("ppk", None, 5), ("pps", None, 3), ("kpps", None, 7), ("pantarlih", 0, 1),
     ("pantarlih", 400, 1), ("pantarlih", 401, 2), ("pantarlih", 600, 2)],
)  # fmt: skip
def test_jumlah_anggota(body, voters, seats):
    assert rules.jumlah_anggota(body, tps_voters=voters) == seats


def test_seats_follow_the_settings(settings):
    settings.PILKADA_ADHOC_SEATS = {"ppk": 3, "pps": 3, "kpps": 7}
    settings.PILKADA_PANTARLIH_SECOND_ABOVE = 300
    assert rules.jumlah_anggota(Body.PPK) == 3
    assert rules.jumlah_pantarlih(301) == 2 and rules.jumlah_pantarlih(300) == 1


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [(dt.date(2007, 5, 15), dt.date(2024, 5, 15), 17),
     (dt.date(2007, 5, 16), dt.date(2024, 5, 15), 16),
     (dt.date(2008, 2, 29), dt.date(2025, 2, 28), 16),
     (dt.date(2008, 2, 29), dt.date(2025, 3, 1), 17)],
)  # fmt: skip
def test_usia_pada(born, on, age):
    assert rules.usia_pada(born, on) == age


def test_syarat_usia_edges():
    on = dt.date(2024, 5, 15)
    assert rules.memenuhi_syarat_usia("pps", dt.date(2007, 5, 15), on) is None  # 17 today
    assert rules.memenuhi_syarat_usia("pps", dt.date(2007, 5, 16), on) == "under_age"
    # KPPS: at most 55 -- 55 years and 364 days is still 55.
    assert rules.memenuhi_syarat_usia("kpps", dt.date(1968, 5, 16), on) is None
    assert rules.memenuhi_syarat_usia("kpps", dt.date(1968, 5, 15), on) == "over_age"  # 56
    assert rules.memenuhi_syarat_usia("ppk", dt.date(1930, 1, 1), on) is None  # no maximum


def test_pendidikan_minimal(settings):
    assert rules.memenuhi_pendidikan_minimal("ppk", "sma")
    assert rules.memenuhi_pendidikan_minimal("ppk", "s2")
    assert not rules.memenuhi_pendidikan_minimal("ppk", "smp")
    assert not rules.memenuhi_pendidikan_minimal("ppk", "unknown")
    settings.PILKADA_ADHOC_MIN_EDUCATION = {"pantarlih": "smp"}
    assert rules.memenuhi_pendidikan_minimal("pantarlih", "smp")
    assert rules.memenuhi_pendidikan_minimal("kpps", "sd")  # no minimum set for the body


def test_domisili_di_wilayah_kerja():
    assert rules.berdomisili_di_wilayah_kerja("ppk", "317101", "3171011001")
    assert not rules.berdomisili_di_wilayah_kerja("ppk", "317101", "3171021001")
    assert rules.berdomisili_di_wilayah_kerja("pps", "3171011001", "3171011001")
    assert not rules.berdomisili_di_wilayah_kerja("pps", "3171011001", "3171011002")
    # KPPS and Pantarlih: the kelurahan of their TPS.
    assert rules.berdomisili_di_wilayah_kerja("kpps", "3171011001003", "3171011001")
    assert not rules.berdomisili_di_wilayah_kerja("pantarlih", "3171011001003", "3171011002")
    assert not rules.berdomisili_di_wilayah_kerja("pps", "3171011001", "")


def test_batas_masa_jabatan(settings):
    assert rules.batas_masa_jabatan(5)  # no limit since PKPU 8/2022
    settings.PILKADA_ADHOC_TERM_LIMIT = 2
    assert rules.batas_masa_jabatan(1) and not rules.batas_masa_jabatan(2)


@pytest.mark.parametrize(
    ("women", "seats", "met"),
    [(2, 5, True), (1, 5, False), (1, 3, True), (0, 3, False), (3, 7, True), (2, 7, False),
     (1, 1, True), (0, 1, False), (1, 2, True), (0, 0, True)],
)  # fmt: skip
def test_keterwakilan_perempuan(women, seats, met):
    # ceil(30 %): 5 -> 2, 3 -> 1, 7 -> 3, 1 -> 1, 2 -> 1.
    assert rules.keterwakilan_perempuan_terpenuhi(women, seats) is met


def test_peserta_wawancara(settings):
    assert rules.peserta_wawancara(5) == 10
    settings.PILKADA_ADHOC_INTERVIEW_MULTIPLIER = 3
    assert rules.peserta_wawancara(3) == 9


def test_nilai_akhir(settings):
    assert rules.nilai_akhir(Decimal("80"), Decimal("70")) == Decimal("75.000")
    assert rules.nilai_akhir(None, Decimal("70")) == Decimal("70.000")
    assert rules.nilai_akhir(None, None) is None
    settings.PILKADA_ADHOC_SCORE_WEIGHTS = {"written": 0.6, "interview": 0.4}
    assert rules.nilai_akhir(Decimal("80"), Decimal("70")) == Decimal("76.000")


def _key(final, interview=None, written=None, sex="L", minute=0, number="A1"):
    return rules.urutan_peringkat(
        final_score=None if final is None else Decimal(final),
        interview_score=None if interview is None else Decimal(interview),
        written_score=None if written is None else Decimal(written),
        jenis_kelamin=sex,
        submitted_at=dt.datetime(2024, 5, 1, 8, minute, tzinfo=dt.UTC),
        number=number,
    )


def test_tie_rule_in_order():
    assert _key("80") < _key("79.999")  # 1. the final score
    assert _key("79") < _key(None)  # no score after any score
    assert _key("80", interview="90", written="70") < _key("80", interview="85", written="75")
    assert _key("80", "85", "75") < _key("80", "85", "74")  # 2. interview, then written
    assert _key("80", "85", "75", sex="P") < _key("80", "85", "75", sex="L")  # 3. a woman
    assert _key("80", sex="L", minute=1) < _key("80", sex="L", minute=2)  # 4. earlier
    assert _key("80", number="A1") < _key("80", number="A2")  # then the number
    # A woman does not pass a man with a higher score.
    assert _key("80", sex="L") < _key("79", sex="P")
