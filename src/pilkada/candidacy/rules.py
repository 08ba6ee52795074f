"""The rules of candidacy with numbers: one function per rule, named as the law names it.

The numbers that regulations change are settings (``settings.py``, "Candidacy"): the bands
of the support minimum and of the party threshold, the minimum ages, the perbaikan
multiplier. Percentages are ``Decimal`` and every minimum is rounded *up*: 7.5 % of 8,252,897
is 618,967.275, so 618,968 supporters are needed (KPU DKI 2024).

No Django models here: the functions take numbers and dates, so the rules are tested alone.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_CEILING, Decimal

from django.conf import settings

from pilkada.engine.eligibility import age_on

__all__ = [
    "ambang_batas_pencalonan_partai",
    "jumlah_dukungan_perbaikan",
    "level_of_election",
    "memenuhi_ambang_batas_partai",
    "memenuhi_sebaran_dukungan",
    "memenuhi_syarat_usia_calon",
    "minimal_sebaran_dukungan",
    "persentase_dukungan_perseorangan",
    "status_dukungan",
    "syarat_minimal_dukungan",
    "usia_minimal_calon",
]

PROVINSI = "provinsi"
KABKOTA = "kabkota"

#: UU 10/2016 Pasal 41 ayat (1) (gubernur) and ayat (2) (bupati, wali kota), as amended by
#: MK 54/PUU-XIV/2016 (the base is the DPT of the last election): (DPT up to, percent).
DEFAULT_SUPPORT_BANDS = {
    PROVINSI: ((2_000_000, "10"), (6_000_000, "8.5"), (12_000_000, "7.5"), (None, "6.5")),
    KABKOTA: ((250_000, "10"), (500_000, "8.5"), (1_000_000, "7.5"), (None, "6.5")),
}
#: MK 60/PUU-XXII/2024 (20 Aug 2024) read into UU 10/2016 Pasal 40 ayat (1): a party or a
#: coalition nominates a pair with at least this share of the valid votes of the last DPRD
#: election, by the DPT of the region -- the same bands and percentages as independent support.
DEFAULT_PARTY_THRESHOLD_BANDS = DEFAULT_SUPPORT_BANDS
#: UU 10/2016 Pasal 7 ayat (2) huruf e: 30 years for governor and deputy, 25 for regent,
#: mayor and deputies.
DEFAULT_MINIMUM_AGE = {PROVINSI: 30, KABKOTA: 25}
#: PKPU 8/2024: replacements in perbaikan are twice the shortfall.
DEFAULT_PERBAIKAN_MULTIPLIER = 2


def level_of_election(kind: str) -> str:
    """``provinsi`` for a governor election, ``kabkota`` for a regent or mayor election."""
    if kind == "gubernur":
        return PROVINSI
    if kind in ("bupati", "walikota"):
        return KABKOTA
    raise ValueError(f"unknown election kind {kind!r}")


def _bands(name: str, default: dict, level: str):
    bands = getattr(settings, name, None) or default
    if level not in bands:
        raise ValueError(f"unknown level {level!r}: use {PROVINSI!r} or {KABKOTA!r}")
    return bands[level]


def _band_percent(bands, total: int) -> Decimal:
    if total < 0:
        raise ValueError("a DPT total cannot be negative")
    for up_to, percent in bands:
        if up_to is None or total <= up_to:
            return Decimal(str(percent))
    raise ValueError("the bands must end with an open band (None)")


def _ceil_share(percent: Decimal, total: int) -> int:
    return int((percent * total / 100).to_integral_value(rounding=ROUND_CEILING))


def persentase_dukungan_perseorangan(*, dpt_total: int, level: str) -> Decimal:
    """The percentage of the last DPT an independent pair must be supported by.

    UU 10/2016 Pasal 41 ayat (1) huruf a-d (provinsi: DPT up to 2 million 10 %, over 2 up to
    6 million 8.5 %, over 6 up to 12 million 7.5 %, over 12 million 6.5 %) and ayat (2) huruf
    a-d (kabupaten/kota: up to 250,000 10 %, up to 500,000 8.5 %, up to 1 million 7.5 %,
    above 6.5 %); the base is the DPT of the last election (MK 54/PUU-XIV/2016). Bands:
    setting ``PILKADA_SUPPORT_BANDS``."""
    return _band_percent(_bands("PILKADA_SUPPORT_BANDS", DEFAULT_SUPPORT_BANDS, level), dpt_total)


def syarat_minimal_dukungan(*, dpt_total: int, level: str) -> int:
    """The minimum number of supporters of an independent pair (UU 10/2016 Pasal 41 ayat (1)
    and (2)): the band's percentage of the last DPT, rounded up. DKI 2024: 7.5 % of
    8,252,897 = 618,968."""
    return _ceil_share(
        persentase_dukungan_perseorangan(dpt_total=dpt_total, level=level), dpt_total
    )


def minimal_sebaran_dukungan(*, areas_total: int) -> int:
    """How many areas must hold support: *more than 50 %* of the kab/kota (governor) or of the
    kecamatan (regent, mayor) -- UU 10/2016 Pasal 41 ayat (1) huruf e and ayat (2) huruf e.
    DKI: 6 kab/kota, so 4."""
    if areas_total <= 0:
        raise ValueError("an election region has at least one area")
    return areas_total // 2 + 1


def memenuhi_sebaran_dukungan(*, areas_with_support: int, areas_total: int) -> bool:
    """Whether the support is spread as UU 10/2016 Pasal 41 ayat (1)/(2) huruf e requires.

    An area counts when it holds at least ``PILKADA_SUPPORT_SPREAD_MIN_PER_AREA`` supporters
    who meet the requirements (default 1: the law asks for spread, not a quota per area)."""
    return areas_with_support >= minimal_sebaran_dukungan(areas_total=areas_total)


def ambang_batas_pencalonan_partai(*, dpt_total: int, level: str) -> Decimal:
    """The share of the valid votes of the last DPRD election a party or coalition needs to
    nominate a pair: UU 10/2016 Pasal 40 ayat (1) as read by MK 60/PUU-XXII/2024 -- provinsi
    10 / 8.5 / 7.5 / 6.5 % for DPT up to 2 / 6 / 12 million / above; kabupaten/kota 10 / 8.5
    / 7.5 / 6.5 % for up to 250,000 / 500,000 / 1 million / above. Bands: setting
    ``PILKADA_PARTY_THRESHOLD_BANDS``."""
    bands = _bands("PILKADA_PARTY_THRESHOLD_BANDS", DEFAULT_PARTY_THRESHOLD_BANDS, level)
    return _band_percent(bands, dpt_total)


def memenuhi_ambang_batas_partai(
    *, coalition_votes: int, total_valid_votes: int, dpt_total: int, level: str
) -> bool:
    """Whether a party or coalition with ``coalition_votes`` of ``total_valid_votes`` valid
    DPRD votes reaches :func:`ambang_batas_pencalonan_partai` (exact, no rounding)."""
    if total_valid_votes <= 0:
        raise ValueError("the valid votes of the last DPRD election are not set")
    percent = ambang_batas_pencalonan_partai(dpt_total=dpt_total, level=level)
    return Decimal(coalition_votes) * 100 >= percent * total_valid_votes


def usia_minimal_calon(*, level: str) -> int:
    """UU 10/2016 Pasal 7 ayat (2) huruf e: at least 30 years for governor and deputy
    governor, 25 for regent, mayor and their deputies (setting ``PILKADA_CANDIDATE_MIN_AGE``)."""
    ages = getattr(settings, "PILKADA_CANDIDATE_MIN_AGE", None) or DEFAULT_MINIMUM_AGE
    return int(ages[level])


def memenuhi_syarat_usia_calon(*, tanggal_lahir: dt.date, level: str, penetapan: dt.date) -> bool:
    """Whether a candidate has the minimum age (:func:`usia_minimal_calon`) on the day the
    pairs are set (penetapan pasangan calon): MK 70/PUU-XXII/2024 held the age is counted at
    penetapan, not at the inauguration (MA 23 P/HUM/2024)."""
    return age_on(tanggal_lahir, penetapan) >= usia_minimal_calon(level=level)


def jumlah_dukungan_perbaikan(*, shortfall: int) -> int:
    """How many replacement supporters a pair must submit in perbaikan: twice the shortfall
    (PKPU 8/2024; setting ``PILKADA_PERBAIKAN_MULTIPLIER``). No shortfall, no perbaikan."""
    multiplier = getattr(settings, "PILKADA_PERBAIKAN_MULTIPLIER", DEFAULT_PERBAIKAN_MULTIPLIER)
    return max(0, math.ceil(Decimal(str(multiplier)) * shortfall))


def status_dukungan(*, vermin_status: str, verfak_status: str, objected: bool = False) -> str:
    """A supporter's overall status from the two checks: ``tms`` when either says TMS (or a
    citizen objected and verfak has not yet confirmed); ``ms`` only after verifikasi
    administrasi *and* verifikasi faktual say MS (PKPU 8/2024: support counts when it passes
    both); else ``pending``. A supporter held because another pair also listed them
    (``held``) is pending until verfak records which pair they chose."""
    if vermin_status == "tms" or verfak_status == "tms":
        return "tms"
    if objected and verfak_status != "ms":
        return "tms"
    if vermin_status in ("ms", "held") and verfak_status == "ms":
        return "ms"
    return "pending"
