"""The rules of the election law for the ad hoc bodies, one function per rule, named as the law
names it. Numbers that regulations change are settings (``PILKADA_ADHOC_*``).

Sources: UU 10/2016 (Pilkada) Pasal 16 (PPK), 19 (PPS), 21 (KPPS); UU 7/2017 (Pemilu) Pasal
72 (the requirements for PPK, PPS and KPPS members, which PKPU 8/2022 applies to Pantarlih
too); PKPU 8/2022 on the formation and work of the ad hoc bodies.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from .models.applications import Education
from .models.bodies import Body

__all__ = [
    "EDUCATION_ORDER",
    "RankingKey",
    "batas_masa_jabatan",
    "berdomisili_di_wilayah_kerja",
    "jumlah_anggota",
    "jumlah_pantarlih",
    "keterwakilan_perempuan_terpenuhi",
    "memenuhi_pendidikan_minimal",
    "memenuhi_syarat_usia",
    "nilai_akhir",
    "peserta_wawancara",
    "urutan_peringkat",
    "usia_pada",
]

EDUCATION_ORDER: tuple[str, ...] = tuple(e.value for e in Education)


def jumlah_anggota(body: str, *, tps_voters: int | None = None) -> int:
    """Seats of one body in one area: PPK 5 per kecamatan (UU 10/2016 Pasal 16), PPS 3 per
    kelurahan/desa (Pasal 19), KPPS 7 per TPS (Pasal 21), Pantarlih per TPS by
    :func:`jumlah_pantarlih`. Setting ``PILKADA_ADHOC_SEATS``."""
    if body == Body.PANTARLIH:
        return jumlah_pantarlih(tps_voters or 0)
    return int(settings.PILKADA_ADHOC_SEATS[str(body)])


def jumlah_pantarlih(tps_voters: int) -> int:
    """Pantarlih of one TPS: one, or two where the TPS has more voters than
    ``PILKADA_PANTARLIH_SECOND_ABOVE`` (400), PKPU 7/2024 on the voter list (Pantarlih per TPS;
    the threshold and the counts are settings)."""
    one, two = settings.PILKADA_PANTARLIH_SEATS
    return int(two if tps_voters > settings.PILKADA_PANTARLIH_SECOND_ABOVE else one)


def usia_pada(tanggal_lahir: dt.date, on: dt.date) -> int:
    """Age in whole years on ``on`` (a 29 February birthday counts on 1 March)."""
    years = on.year - tanggal_lahir.year
    if (on.month, on.day) < (tanggal_lahir.month, tanggal_lahir.day):
        years -= 1
    return years


def memenuhi_syarat_usia(body: str, tanggal_lahir: dt.date, on: dt.date) -> str | None:
    """UU 7/2017 Pasal 72: at least 17 years old (``PILKADA_ADHOC_MIN_AGE``) on the day
    of application; the KPPS technical guideline of 2024 also caps KPPS at 55
    (``PILKADA_ADHOC_MAX_AGE``, per body). Returns None when met, else ``under_age`` or
    ``over_age``."""
    age = usia_pada(tanggal_lahir, on)
    if age < int(settings.PILKADA_ADHOC_MIN_AGE):
        return "under_age"
    maximum = settings.PILKADA_ADHOC_MAX_AGE.get(str(body))
    if maximum is not None and age > int(maximum):
        return "over_age"
    return None


def memenuhi_pendidikan_minimal(body: str, education: str) -> bool:
    """UU 7/2017 Pasal 72: at least SMA or equivalent (``PILKADA_ADHOC_MIN_EDUCATION``
    per body; where no one with SMA applies, KPU may lower it by setting)."""
    minimum = settings.PILKADA_ADHOC_MIN_EDUCATION.get(str(body))
    if not minimum:
        return True
    if education not in EDUCATION_ORDER:
        return False
    return EDUCATION_ORDER.index(education) >= EDUCATION_ORDER.index(minimum)


def berdomisili_di_wilayah_kerja(body: str, area_code: str, domicile_code: str) -> bool:
    """UU 7/2017 Pasal 72: domiciled in the body's work area -- the kecamatan (PPK),
    the kelurahan/desa (PPS, and KPPS and Pantarlih: the kelurahan of their TPS). Region codes
    are prefixes of their children's codes (KPU style)."""
    domicile = domicile_code or ""
    if body in (Body.KPPS, Body.PANTARLIH):
        return len(area_code) >= 10 and domicile[:10] == area_code[:10]
    return bool(area_code) and domicile.startswith(area_code)


def batas_masa_jabatan(previous_terms: int) -> bool:
    """Whether the term limit allows another term. PKPU 8/2022 dropped the two-term limit of
    the earlier PKPU 3/2018: ``PILKADA_ADHOC_TERM_LIMIT`` is None (no limit) by default."""
    limit = settings.PILKADA_ADHOC_TERM_LIMIT
    return limit is None or previous_terms < int(limit)


def keterwakilan_perempuan_terpenuhi(women: int, seats: int) -> bool:
    """PKPU 8/2022 (as UU 7/2017 Pasal 10 ayat (7) for the commissions): the composition of
    the bodies pays attention to at least 30 % women (``PILKADA_ADHOC_WOMEN_SHARE``): met when
    ``women`` reach ceil(30 % of the seats). Tracked and reported, not a quota that rejects
    anyone."""
    if seats <= 0:
        return True
    return women >= math.ceil(float(settings.PILKADA_ADHOC_WOMEN_SHARE) * seats - 1e-9)


def peserta_wawancara(seats: int) -> int:
    """How many of the best written-test scores of an area go on to the interview:
    ``PILKADA_ADHOC_INTERVIEW_MULTIPLIER`` (2) times the seats, as the technical guideline
    for PPK and PPS selection does."""
    return int(settings.PILKADA_ADHOC_INTERVIEW_MULTIPLIER) * seats


def nilai_akhir(written: Decimal | None, interview: Decimal | None) -> Decimal | None:
    """The final score: the weighted mean of the scores an applicant has
    (``PILKADA_ADHOC_SCORE_WEIGHTS``, written and interview; a body that holds no test has no
    score, and its ranking falls to the tie rule). None when there is no score."""
    weights = settings.PILKADA_ADHOC_SCORE_WEIGHTS
    parts = [
        (Decimal(str(weights[name])), Decimal(value))
        for name, value in (("written", written), ("interview", interview))
        if value is not None
    ]
    total = sum((w for w, _ in parts), Decimal(0))
    if not parts or total == 0:
        return None
    return (sum((w * v for w, v in parts), Decimal(0)) / total).quantize(Decimal("0.001"))


@dataclass(frozen=True, order=True)
class RankingKey:
    """Sort key of :func:`urutan_peringkat` (smaller ranks first)."""

    no_final: bool
    final: Decimal
    interview: Decimal
    written: Decimal
    man: bool
    submitted_at: dt.datetime
    number: str


def urutan_peringkat(
    *,
    final_score: Decimal | None,
    interview_score: Decimal | None,
    written_score: Decimal | None,
    jenis_kelamin: str,
    submitted_at: dt.datetime,
    number: str,
) -> RankingKey:
    """The ranking within one area, with the tie rule written down:

    1. the higher final score (:func:`nilai_akhir`); applicants without one after those with one;
    2. on an equal final score, the higher interview score, then the higher written score;
    3. still equal: a woman before a man (the affirmative intent of the 30 % rule, see
       :func:`keterwakilan_perempuan_terpenuhi`: it decides only between equal scores);
    4. still equal: the earlier complete application, then the lower application number
       (deterministic: the same inputs always give the same ranking).
    """
    zero = Decimal(0)
    return RankingKey(
        no_final=final_score is None,
        final=-(final_score if final_score is not None else zero),
        interview=-(interview_score if interview_score is not None else zero),
        written=-(written_score if written_score is not None else zero),
        man=jenis_kelamin != "P",
        submitted_at=submitted_at,
        number=number,
    )
