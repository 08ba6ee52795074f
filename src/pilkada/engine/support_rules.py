"""The rules of verifikasi administrasi of an independent pair's support, one function per
rule, named as the law names it. No Django.

Each rule is a Polars expression over the columns that
:func:`pilkada.engine.support_verify.verify_support` puts beside each supporter row (the
register row that decides for the NIK, the barred lists, the earlier listings); the
occupation rule also has a scalar form (:func:`pekerjaan_terlarang`) that the vectorised form
applies to each distinct text, so both always agree. The age rule is not repeated here:
:func:`pilkada.engine.eligibility.cukup_umur_expr` is used as it is.

Sources (article numbers I am sure of are given plainly; "as recalled" marks those I could
not check against the text while writing this):

- UU 1/2015 as amended by UU 8/2015 and UU 10/2016 (the Pilkada law), Pasal 41 ayat (1)
  and (2): an independent pair needs the support of *residents who have the right to vote and
  are on the DPT* of the last election in the region, in the numbers and spread the article
  sets; ayat (3): support is a signed statement with a copy of the KTP-el (or Dukcapil's
  certificate of domicile) -- as recalled; ayat (4): a resident supports *one* pair only -- as
  recalled.
- The same law, Pasal 48: KPU verifies support administratively and then factually (PPS
  meets each supporter); support given to more than one pair is clarified with the supporter
  -- as recalled.
- PKPU 8/2024 (pencalonan gubernur, bupati, wali kota): the procedure of verifikasi
  administrasi and the grounds on which a supporter is TMS -- NIK not valid or not found in
  the DPT/DP4, under age, deceased, TNI/Polri/ASN/village official/election organiser, and
  double support (the first listing of a pair stays; support for two pairs is held for
  verifikasi faktual) -- as recalled (article numbers not cited on purpose).
"""

from __future__ import annotations

import re
from enum import StrEnum

import polars as pl

__all__ = [
    "BARRED_PHRASES",
    "NOT_SERVING_WORDS",
    "BarredCategory",
    "dilarang_memberikan_dukungan",
    "dukungan_ganda_eksternal",
    "dukungan_ganda_internal",
    "meninggal_dunia",
    "nik_key",
    "nik_sah",
    "normalize_pekerjaan",
    "pekerjaan_terlarang",
    "pekerjaan_terlarang_expr",
    "termuat_dalam_daftar_pemilih",
]


class BarredCategory(StrEnum):
    """Who may not give support to an independent pair (the ``barred_occupation`` reason)."""

    TNI = "tni"
    POLRI = "polri"
    ASN = "asn"
    PERANGKAT_DESA = "perangkat_desa"  # kepala desa and perangkat desa
    PENYELENGGARA = "penyelenggara"  # KPU, Bawaslu, DKPP and their ad hoc bodies


# ---------------------------------------------------------------------------------------
# The occupation text (kolom pekerjaan of B.1.1-KWK)
# ---------------------------------------------------------------------------------------

#: Phrases (sequences of whole words after :func:`normalize_pekerjaan`) that name a barred
#: occupation, checked in this order (the first category found wins, so a civil servant of
#: the police, "PNS POLRI", is ASN). Words are matched whole: "LURAH" does not match
#: "KELURAHAN", "PNS" does not match "PNSX".
BARRED_PHRASES: tuple[tuple[BarredCategory, tuple[str, ...]], ...] = (
    # Election organisers and their ad hoc bodies (UU 7/2017; PKPU 8/2022 on ad hoc bodies).
    (
        BarredCategory.PENYELENGGARA,
        (
            "KPU",
            "KPUD",
            "KIP",
            "BAWASLU",
            "PANWASLU",
            "PANWASLIH",
            "PANWAS",
            "PANWASCAM",
            "DKPP",
            "PPK",
            "PPS",
            "KPPS",
            "PANTARLIH",
            "PPDP",
            "PKD",
            "PTPS",
            "PENGAWAS TPS",
            "PENGAWAS PEMILU",
            "PENGAWAS PEMILIHAN",
            "PENGAWAS KELURAHAN",
            "PENGAWAS DESA",
            "PENYELENGGARA PEMILU",
            "PENYELENGGARA PEMILIHAN",
            "PANITIA PEMILIHAN KECAMATAN",
            "PANITIA PEMUNGUTAN SUARA",
            "KELOMPOK PENYELENGGARA PEMUNGUTAN SUARA",
            "PETUGAS PEMUTAKHIRAN DATA PEMILIH",
        ),
    ),
    # Village heads and officials (UU 6/2014 on villages).
    (
        BarredCategory.PERANGKAT_DESA,
        (
            "KEPALA DESA",
            "KADES",
            "PERANGKAT DESA",
            "SEKRETARIS DESA",
            "SEKDES",
            "KEPALA DUSUN",
            "KADUS",
            "KEPALA URUSAN",
            "KUWU",
            "WALI NAGARI",
            "GEUCHIK",
            "KEUCHIK",
            "KEPALA KAMPUNG",
            "PERBEKEL",
        ),
    ),
    # Civil servants: PNS and PPPK are ASN (UU 20/2023 on ASN, as UU 5/2014 before it).
    # A lurah and a camat are civil servants by office (UU 23/2014 Pasal 229 ayat (3) and
    # Pasal 224 ayat (2) -- as recalled).
    (
        BarredCategory.ASN,
        (
            "PNS",
            "ASN",
            "PPPK",
            "P3K",
            "PEGAWAI NEGERI",
            "PEGAWAI NEGERI SIPIL",
            "APARATUR SIPIL NEGARA",
            "APARATUR NEGARA",
            "PEGAWAI PEMERINTAH DENGAN PERJANJIAN KERJA",
            "LURAH",
            "CAMAT",
            "SEKRETARIS KELURAHAN",
            "SEKRETARIS KECAMATAN",
            "SEKLUR",
            "SEKCAM",
        ),
    ),
    # The national police (UU 2/2002 Pasal 28).
    (
        BarredCategory.POLRI,
        (
            "POLRI",
            "POLISI",
            "KEPOLISIAN",
            "POLWAN",
            "BRIMOB",
        ),
    ),
    # The armed forces (UU 34/2004 Pasal 39).
    (
        BarredCategory.TNI,
        (
            "TNI",
            "TENTARA",
            "ABRI",
            "PRAJURIT",
            "MARINIR",
            "ANGKATAN DARAT",
            "ANGKATAN LAUT",
            "ANGKATAN UDARA",
        ),
    ),
)

#: Words that say the person does not (or not yet) hold the office: a retired soldier, a
#: former village head, a soldier's wife, a civil-servant candidate. Any of them makes the
#: text not barred: the rule would otherwise strike supporters the law does not bar, and the
#: NIK lists KPU uploads and the register's TMS 6/7 still catch serving members.
NOT_SERVING_WORDS = frozenset({
    "PENSIUNAN", "PENSIUN", "PURNAWIRAWAN", "PURN", "PURNA", "PURNATUGAS", "MANTAN", "EKS",
    "EX", "BEKAS", "ISTRI", "ISTERI", "SUAMI", "ANAK", "JANDA", "DUDA", "KELUARGA", "CALON",
    "CPNS", "HONORER", "HONOR", "NON", "BUKAN", "WARAKAWURI", "PERSIT", "BHAYANGKARI",
})  # fmt: skip

#: Texts that contain a barred word but name another occupation: Satpol PP ("polisi pamong
#: praja"; its civil servants are caught when "PNS" is written).
NOT_BARRED_PHRASES = ("PAMONG PRAJA", "SATPOL")

_WORD_SPLIT = re.compile(r"[^0-9A-Z]+")


def normalize_pekerjaan(text: str | None) -> str:
    """Upper case, every run of non-alphanumeric characters to one space, trimmed:
    ``"Pegawai Negeri Sipil (PNS)"`` -> ``"PEGAWAI NEGERI SIPIL PNS"``."""
    if not text:
        return ""
    return " ".join(w for w in _WORD_SPLIT.split(str(text).upper()) if w)


def _contains(words: str, phrase: str) -> bool:
    return f" {phrase} " in f" {words} "


def pekerjaan_terlarang(text: str | None) -> BarredCategory | None:
    """The barred category the occupation text names, or None.

    UU 10/2016 Pasal 41 (support from residents with the right to vote) read with the laws
    that bar each group from partisan acts: TNI (UU 34/2004 Pasal 39) and Polri (UU 2/2002
    Pasal 28) -- neither votes; ASN (UU 20/2023 on ASN, neutrality; PP 94/2021 on civil-
    servant discipline, which forbids giving a candidate for regional head a letter of support
    with a KTP copy -- as recalled); kepala desa and perangkat desa (UU 6/2014 Pasal 29 and
    Pasal 51: no part in a Pilkada campaign -- as recalled); election organisers and ad hoc
    members (UU 7/2017: independence and impartiality of KPU, Bawaslu and their bodies). PKPU
    8/2024 lists these groups among the grounds for TMS of a supporter (as recalled).

    The text is normalised (:func:`normalize_pekerjaan`) and matched word by word against
    :data:`BARRED_PHRASES`; a text naming someone who does not hold the office
    (:data:`NOT_SERVING_WORDS`: retired, former, wife of, candidate, honorary) or a Satpol PP
    officer is not barred. Dukcapil's own occupation labels ("PEGAWAI NEGERI SIPIL (PNS)",
    "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)", "KEPALA DESA", "PERANGKAT
    DESA") are all recognised; "KARYAWAN BUMN/BUMD", "GURU", "DOSEN" are not barred (they may
    or may not be ASN; the NIK lists decide).
    """
    words = normalize_pekerjaan(text)
    if not words:
        return None
    tokens = set(words.split(" "))
    if tokens & NOT_SERVING_WORDS:
        return None
    if any(_contains(words, p) for p in NOT_BARRED_PHRASES):
        return None
    for category, phrases in BARRED_PHRASES:
        if any(_contains(words, p) for p in phrases):
            return category
    return None


def pekerjaan_terlarang_expr(pekerjaan: str = "pekerjaan") -> pl.Expr:
    """The vectorised :func:`pekerjaan_terlarang` (String: a :class:`BarredCategory` value
    or null). The scalar rule runs once per distinct text, so both forms always agree."""

    def classify(values: pl.Series) -> pl.Series:
        distinct = values.unique()
        mapping = {
            v: (c.value if (c := pekerjaan_terlarang(v)) is not None else None)
            for v in distinct.to_list()
        }
        return values.replace_strict(mapping, default=None, return_dtype=pl.String)

    return pl.col(pekerjaan).map_batches(classify, return_dtype=pl.String)


# ---------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------


def nik_key(nik: str = "nik") -> pl.Expr:
    """The NIK as an Int64 (16 digits fit), for fast joins; null unless the text is exactly
    16 digits (a 16-character text holding a sign or any other character either fails the
    cast or, with a sign, is below 10**15)."""
    text = pl.col(nik).cast(pl.String)
    value = text.cast(pl.Int64, strict=False)
    return pl.when((text.str.len_bytes() == 16) & (value >= 10**15)).then(value)


def nik_sah(nik_error: str = "nik_error", nik: str = "nik") -> pl.Expr:
    """The supporter's NIK is a valid NIK (16 digits, real region, date and serial parts;
    :mod:`pilkada.engine.nik`). UU 10/2016 Pasal 41 ayat (3): support is proven with the
    KTP-el (as recalled), whose number is the NIK of UU 24/2013 Pasal 13; without a valid NIK
    the supporter cannot be found in the register. Reason when false: ``nik_invalid``."""
    return (pl.col(nik_error).is_null() & nik_key(nik).is_not_null()).fill_null(False)


def termuat_dalam_daftar_pemilih(
    register_found: str = "register_found", register_tms_code: str = "register_tms_code"
) -> pl.Expr:
    """The supporter is on the region's voter list: the NIK is in the register (the last DPT
    and the DP4) on a row that is not struck for not living there (TMS 4 pindah domisili, 5
    tidak dikenal). UU 10/2016 Pasal 41 ayat (1)/(2): support counts from "penduduk yang
    mempunyai hak pilih dan termuat dalam daftar pemilih tetap" of the region. Reason when
    false: ``not_in_register``."""
    gone = pl.col(register_tms_code).is_in([4, 5]).fill_null(False)
    return pl.col(register_found).fill_null(False) & ~gone


def meninggal_dunia(register_tms_code: str = "register_tms_code") -> pl.Expr:
    """The supporter has died: the register row that decides for the NIK is TMS 1
    (meninggal, PKPU 7/2024). A deceased person has no right to vote, so cannot support
    (UU 10/2016 Pasal 41 ayat (1)). Reason: ``deceased``."""
    return (pl.col(register_tms_code) == 1).fill_null(False)


def dilarang_memberikan_dukungan(
    pekerjaan_category: str = "pekerjaan_category",
    list_category: str = "list_category",
    register_tms_code: str = "register_tms_code",
) -> pl.Expr:
    """The supporter belongs to a group barred from supporting a pair (see
    :func:`pekerjaan_terlarang` for the laws): by the occupation written in the list, by a
    NIK list KPU uploaded (TNI, Polri, ASN, village officials, organisers and ad hoc
    members), or by the register's TMS 6 (TNI) / 7 (Polri). Reason: ``barred_occupation``."""
    return (
        pl.col(pekerjaan_category).is_not_null()
        | pl.col(list_category).is_not_null()
        | pl.col(register_tms_code).is_in([6, 7]).fill_null(False)
    )


def dukungan_ganda_internal(
    prior_same_pair: str = "prior_same_pair", listed_before_in_file: str = "listed_before_in_file"
) -> pl.Expr:
    """Double support within one pair: the same NIK listed again by the same pair -- earlier
    (a previous upload or round: ``prior_same_pair``) or higher up in this file
    (``listed_before_in_file``). The first listing stays; every later one is TMS, so a person
    counts once (PKPU 8/2024, as recalled). Reason: ``double_same_pair``."""
    return pl.col(prior_same_pair).fill_null(False) | pl.col(listed_before_in_file).fill_null(False)


def dukungan_ganda_eksternal(prior_other_pair: str = "prior_other_pair") -> pl.Expr:
    """The NIK supports another pair too (listed there and not TMS there). UU 10/2016 Pasal
    41 ayat (4): a resident supports one pair only (as recalled); the supporter chooses at
    verifikasi faktual, so this row and the other pair's row(s) are *held* (PKPU 8/2024, as
    recalled). Reason: ``double_other_pair``, status ``held``."""
    return pl.col(prior_other_pair).fill_null(False)
