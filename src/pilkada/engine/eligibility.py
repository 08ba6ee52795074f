"""Who may vote: the eligibility rules of a Pilkada, as of voting day. No Django.

Each rule is one function named as the law names it, with a scalar form (for a page or a
form) and a Polars form (for millions of rows) that share the same definition. The voting
day is always a parameter: it is a setting of the election, never a constant here.

Sources:
- UU 1/2015 as amended by UU 8/2015 and UU 10/2016 (the Pilkada law), Pasal 1 angka 6 and
  Pasal 56 ayat (1): a voter is a citizen who on voting day is at least 17 years old or is
  or has been married.
- The same law, Pasal 57 and PKPU 7/2024 on voter lists: members of the TNI and Polri do not
  vote; a voter is registered where they are domiciled (the region of the election).
- PKPU 7/2024: the TMS (tidak memenuhi syarat) codes that coklit records, 1..8.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

import polars as pl

#: Minimum age on voting day (UU 10/2016 jo. UU 1/2015 Pasal 56 ayat (1)).
MINIMUM_AGE = 17


class TmsCode(IntEnum):
    """Reasons a person on the list does not meet the requirements (PKPU 7/2024)."""

    MENINGGAL = 1
    GANDA = 2
    DI_BAWAH_UMUR = 3
    PINDAH_DOMISILI = 4
    TIDAK_DIKENAL = 5
    TNI = 6
    POLRI = 7
    SALAH_PENEMPATAN_TPS = 8


#: What evidence an officer records with each TMS code (shown beside the choice).
TMS_EVIDENCE = {
    TmsCode.MENINGGAL: "akta kematian or a statement from the RT/RW or family",
    TmsCode.GANDA: "the other record of the same person (NIK and line)",
    TmsCode.DI_BAWAH_UMUR: "birth date: under 17 on voting day and never married",
    TmsCode.PINDAH_DOMISILI: "new address or the moving certificate (surat pindah)",
    TmsCode.TIDAK_DIKENAL: "statement of the RT/RW that the person is unknown at the address",
    TmsCode.TNI: "statement or identity card of active TNI service",
    TmsCode.POLRI: "statement or identity card of active Polri service",
    TmsCode.SALAH_PENEMPATAN_TPS: "the TPS the voter belongs to",
}


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday counts on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def cukup_umur(*, tanggal_lahir: dt.date | None, status_kawin: str, voting_day: dt.date) -> bool:
    """Old enough to vote: 17 on voting day, or is or has been married (status S or P).

    UU 1/2015 jo. UU 10/2016 Pasal 1 angka 6 and Pasal 56 ayat (1). An unknown birth date
    is not old enough unless married: coklit must establish it.
    """
    if (status_kawin or "").upper() in {"S", "P"}:
        return True
    if tanggal_lahir is None:
        return False
    return age_on(tanggal_lahir, voting_day) >= MINIMUM_AGE


def latest_birth_date_cukup_umur(voting_day: dt.date) -> dt.date:
    """The latest birth date that is 17 years old on ``voting_day`` (same rule as
    :func:`cukup_umur` for an unmarried person with a known birth date): a person born on or
    before it is old enough. Lets a database apply the age rule as one indexed comparison.

    A voting day of 29 February gives 28 February: a 29 February birthday counts on 1 March
    (:func:`age_on`), so the person born on 29 February is 17 only from 1 March.
    """
    year = voting_day.year - MINIMUM_AGE
    try:
        return voting_day.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return dt.date(year, 2, 28)


def cukup_umur_expr(
    *, tanggal_lahir: str = "tanggal_lahir", status_kawin: str = "status_kawin",
    voting_day: dt.date,
) -> pl.Expr:  # fmt: skip
    """The vectorised :func:`cukup_umur` (same rule, same edge cases)."""
    born = pl.col(tanggal_lahir)
    years = pl.lit(voting_day.year) - born.dt.year()
    before_birthday = (pl.lit(voting_day.month) < born.dt.month()) | (
        (pl.lit(voting_day.month) == born.dt.month()) & (pl.lit(voting_day.day) < born.dt.day())
    )
    age = years - before_birthday.cast(pl.Int32)
    married = pl.col(status_kawin).str.to_uppercase().is_in(["S", "P"]).fill_null(False)
    return (married | (age >= MINIMUM_AGE).fill_null(False)).alias("cukup_umur")


def turns_17_by_voting_day(*, tanggal_lahir: dt.date, voting_day: dt.date, on: dt.date) -> bool:
    """A new voter (pemilih pemula): under 17 on ``on`` but 17 by voting day. They are on
    the list already (PKPU 7/2024), and counted apart in the synchronisation."""
    return age_on(tanggal_lahir, on) < MINIMUM_AGE <= age_on(tanggal_lahir, voting_day)


def berdomisili_di_wilayah(*, kelurahan_code: str, region_code: str) -> bool:
    """Domiciled in the election's region: the kelurahan lies inside it (a code's parent is
    its prefix). PKPU 7/2024: a voter is listed where they are domiciled."""
    code = (kelurahan_code or "").replace(".", "")
    return len(code) == 10 and code.isdigit() and code.startswith(region_code.replace(".", ""))


def bukan_tni_polri(*, nik: str, tni_niks: set[str], polri_niks: set[str]) -> TmsCode | None:
    """UU 1/2015 jo. UU 10/2016 Pasal 57: active TNI and Polri members do not vote. Returns
    the TMS code when the NIK is on a list of active members KPU received, else None."""
    if nik in tni_niks:
        return TmsCode.TNI
    if nik in polri_niks:
        return TmsCode.POLRI
    return None


def eligibility_frame(
    voters: pl.DataFrame | pl.LazyFrame,
    *,
    voting_day: dt.date,
    region_code: str,
    tni_niks: pl.Series | None = None,
    polri_niks: pl.Series | None = None,
) -> pl.DataFrame | pl.LazyFrame:
    """Add the automatic TMS suggestion of every row: ``tms_code`` (null when none of the
    automatic rules applies) and ``tms_note`` (the evidence). Coklit confirms or overrules;
    only codes 3, 4, 6 and 7 can be suggested from data; 1, 2, 5 and 8 need the field or the
    duplicate review."""
    region = region_code.replace(".", "")
    tni = tni_niks if tni_niks is not None else pl.Series([], dtype=pl.String)
    polri = polri_niks if polri_niks is not None else pl.Series([], dtype=pl.String)
    kel = pl.col("kelurahan_code").str.replace_all(".", "", literal=True)
    outside = ~(kel.str.starts_with(region) & (kel.str.len_chars() == 10)).fill_null(False)
    young = ~cukup_umur_expr(voting_day=voting_day)
    in_tni = pl.col("nik").is_in(tni.implode())
    in_polri = pl.col("nik").is_in(polri.implode())
    code = (
        pl.when(in_tni).then(pl.lit(int(TmsCode.TNI)))
        .when(in_polri).then(pl.lit(int(TmsCode.POLRI)))
        .when(outside).then(pl.lit(int(TmsCode.PINDAH_DOMISILI)))
        .when(young).then(pl.lit(int(TmsCode.DI_BAWAH_UMUR)))
        .otherwise(None)
        .cast(pl.Int8)
    )  # fmt: skip
    note = (
        pl.when(in_tni).then(pl.lit("NIK on the list of active TNI members"))
        .when(in_polri).then(pl.lit("NIK on the list of active Polri members"))
        .when(outside).then(pl.lit(f"kelurahan outside region {region}"))
        .when(young).then(
            pl.lit(f"under {MINIMUM_AGE} on {voting_day.isoformat()} and never married")
        )
        .otherwise(None)
    )  # fmt: skip
    return voters.with_columns(code.alias("tms_code"), note.alias("tms_note"))
