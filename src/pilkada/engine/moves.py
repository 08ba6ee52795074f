"""Pemilih pindahan (DPTb) and pemilih khusus (DPK): the rules, as pure functions. No Django.

Sources (article numbers marked "unverified" were not checked against the official text):

- PKPU 7/2024 on the voter lists of the Pilkada (Penyusunan Daftar Pemilih dalam
  Penyelenggaraan Pemilihan Gubernur dan Wakil Gubernur, Bupati dan Wakil Bupati, serta Wali
  Kota dan Wakil Wali Kota), the part on pemilih pindahan: the reasons a voter on the DPT may
  move (Pasal 51 ayat (1)? unverified), the deadline of 30 days before voting day for every
  reason (Pasal 51 ayat (2)? unverified) and of 7 days before voting day for the sudden
  reasons (keadaan tertentu: duty, rawat inap, detention, natural disaster; Pasal 51 ayat (3),
  as KPU Provinsi DKI Jakarta cited it for Pilkada 2024). The H-7 exception follows Putusan
  MK 20/PUU-XVII/2019.
- PKPU 17/2024 on voting and counting (unverified article numbers): a voter moving to another
  kab/kota in the province gets only the governor's ballot; a voter moving within the kab/kota
  gets the governor's and the bupati/walikota's ballots; the DPK (voters not on the DPT or
  DPTb) vote with their KTP-el at the TPS of the RT/RW or kelurahan on their KTP-el address,
  in the last hour of voting.

The numbers of days are parameters (the Django layer reads them from settings
``PILKADA_DPTB_DEADLINE_DAYS`` and ``PILKADA_DPTB_SUDDEN_DEADLINE_DAYS``); the voting day is
the election's, never a constant here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "DEFAULT_SUDDEN_DEADLINE_DAYS",
    "REASONS",
    "Entitlement",
    "MoveReason",
    "alamat_di_wilayah_tps",
    "batas_pindah_memilih",
    "batas_pindah_memilih_keadaan_tertentu",
    "batas_waktu_pindah_memilih",
    "hak_surat_suara_pindahan",
    "keadaan_tertentu",
]

#: Days before voting day: the last day to register a move for any reason (H-30), and for
#: the sudden reasons (H-7). Defaults; the regulation's numbers are settings.
DEFAULT_DEADLINE_DAYS = 30
DEFAULT_SUDDEN_DEADLINE_DAYS = 7


def gettext_noop(message: str) -> str:
    """Marks a msgid for Django's makemessages (which extracts by this name) without
    importing Django; the pages translate the label with ``gettext`` when they show it."""
    return message


class MoveReason(StrEnum):
    """Why a voter on the DPT votes elsewhere (alasan pindah memilih), PKPU 7/2024."""

    TUGAS = "tugas"
    RAWAT_INAP = "rawat_inap"
    DISABILITAS_PANTI = "disabilitas_panti"
    REHABILITASI_NARKOBA = "rehabilitasi_narkoba"
    TAHANAN = "tahanan"
    TUGAS_BELAJAR = "tugas_belajar"
    PINDAH_DOMISILI = "pindah_domisili"
    BENCANA_ALAM = "bencana_alam"
    KERJA_LUAR_DOMISILI = "kerja_luar_domisili"


@dataclass(frozen=True)
class ReasonRule:
    code: MoveReason
    label: str  # Indonesian msgid
    sudden: bool  # keadaan tertentu: may register until H-7


#: The one list of reasons and which of them are sudden (keadaan tertentu, H-7).
REASONS: dict[MoveReason, ReasonRule] = {
    r.code: r
    for r in (
        ReasonRule(
            MoveReason.TUGAS,
            gettext_noop("Menjalankan tugas di tempat lain pada hari pemungutan suara"),
            True,
        ),
        ReasonRule(
            MoveReason.RAWAT_INAP,
            gettext_noop("Menjalani rawat inap di fasilitas kesehatan (dan keluarga pendamping)"),
            True,
        ),
        ReasonRule(
            MoveReason.DISABILITAS_PANTI,
            gettext_noop(
                "Penyandang disabilitas yang menjalani perawatan di panti sosial/rehabilitasi"
            ),
            False,
        ),
        ReasonRule(
            MoveReason.REHABILITASI_NARKOBA,
            gettext_noop("Menjalani rehabilitasi narkoba"),
            False,
        ),
        ReasonRule(
            MoveReason.TAHANAN,
            gettext_noop("Menjadi tahanan di rutan/lapas atau terpidana yang menjalani hukuman"),
            True,
        ),
        ReasonRule(
            MoveReason.TUGAS_BELAJAR,
            gettext_noop("Tugas belajar atau menempuh pendidikan menengah/tinggi"),
            False,
        ),
        ReasonRule(MoveReason.PINDAH_DOMISILI, gettext_noop("Pindah domisili"), False),
        ReasonRule(MoveReason.BENCANA_ALAM, gettext_noop("Tertimpa bencana alam"), True),
        ReasonRule(MoveReason.KERJA_LUAR_DOMISILI, gettext_noop("Bekerja di luar domisili"), False),
    )
}


def keadaan_tertentu(reason: str) -> bool:
    """Whether ``reason`` is a sudden case (keadaan tertentu) that may register until H-7:
    duty elsewhere, rawat inap, detention, natural disaster (PKPU 7/2024 Pasal 51 ayat (3),
    after Putusan MK 20/PUU-XVII/2019). Raises ValueError for an unknown reason."""
    return REASONS[MoveReason(reason)].sudden


def batas_pindah_memilih(*, voting_day: dt.date, days: int = DEFAULT_DEADLINE_DAYS) -> dt.date:
    """The last day (inclusive) to register a move for any reason: H-30.

    PKPU 7/2024 Pasal 51 (ayat (2)? unverified): a voter on the DPT reports a move at the
    latest 30 days before voting day. For Pilkada 2024 (voting day 27 November): 28 October.
    """
    if days < 0:
        raise ValueError(f"deadline days must not be negative: {days}")
    return voting_day - dt.timedelta(days=days)


def batas_pindah_memilih_keadaan_tertentu(
    *, voting_day: dt.date, days: int = DEFAULT_SUDDEN_DEADLINE_DAYS
) -> dt.date:
    """The last day (inclusive) to register a move for a sudden reason (keadaan tertentu:
    duty, rawat inap, detention, natural disaster): H-7.

    PKPU 7/2024 Pasal 51 ayat (3) (as KPU Provinsi DKI Jakarta cited it for Pilkada 2024),
    after Putusan MK 20/PUU-XVII/2019. For Pilkada 2024: 20 November.
    """
    if days < 0:
        raise ValueError(f"deadline days must not be negative: {days}")
    return voting_day - dt.timedelta(days=days)


def batas_waktu_pindah_memilih(
    *,
    voting_day: dt.date,
    reason: str,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
    sudden_deadline_days: int = DEFAULT_SUDDEN_DEADLINE_DAYS,
) -> dt.date:
    """The deadline that applies to ``reason``: :func:`batas_pindah_memilih_keadaan_tertentu`
    for the sudden reasons (:func:`keadaan_tertentu`), else :func:`batas_pindah_memilih`."""
    if keadaan_tertentu(reason):
        return batas_pindah_memilih_keadaan_tertentu(
            voting_day=voting_day, days=sudden_deadline_days
        )
    return batas_pindah_memilih(voting_day=voting_day, days=deadline_days)


@dataclass(frozen=True)
class Entitlement:
    """Whether a moved voter keeps a ballot of this election at the destination.

    ``code``: same_kelurahan, same_kabkota, other_kabkota (in the province), other_province,
    outside_region (outside the kab/kota of a bupati/walikota election), origin_outside
    (the voter is not registered in the election's region at all).
    """

    entitled: bool
    code: str
    ballot: str | None  # the election kind whose ballot the voter gets, None when not entitled


def hak_surat_suara_pindahan(
    *,
    election_kind: str,
    election_region: str,
    origin_kelurahan: str,
    destination_kelurahan: str,
) -> Entitlement:
    """The ballot a pemilih pindahan gets at the destination, for this election.

    PKPU 17/2024 (article unverified) and KPU's Pilkada 2024 practice: a voter moving to
    another kab/kota in the province gets only the governor's ballot; within the kab/kota,
    every ballot of the region. So, for one election:

    * gubernur (region = province): destination in the province -> entitled (governor ballot);
      outside the province -> not entitled;
    * bupati / walikota (region = kab/kota): destination in the kab/kota -> entitled;
      elsewhere (another kab/kota or province) -> not entitled.
    """
    region = election_region.replace(".", "")
    origin = origin_kelurahan.replace(".", "")
    dest = destination_kelurahan.replace(".", "")
    if not origin.startswith(region):
        return Entitlement(False, "origin_outside", None)
    if dest == origin:
        code = "same_kelurahan"
    elif dest[:4] == origin[:4]:
        code = "same_kabkota"
    elif dest[:2] == origin[:2]:
        code = "other_kabkota"
    else:
        code = "other_province"
    if election_kind == "gubernur":
        entitled = dest.startswith(region)
    elif election_kind in ("bupati", "walikota"):
        entitled = dest.startswith(region)
        if not entitled and code == "other_kabkota":
            code = "outside_region"
    else:
        raise ValueError(f"unknown election kind {election_kind!r}")
    return Entitlement(entitled, code, election_kind if entitled else None)


def alamat_di_wilayah_tps(*, address_kelurahan: str, tps_code: str) -> bool:
    """A DPK voter votes at a TPS of the kelurahan on their KTP-el address (PKPU 17/2024,
    unverified article: the TPS of the RT/RW or kelurahan of the address). The kelurahan is
    the first ten digits of the TPS code."""
    address = (address_kelurahan or "").replace(".", "")
    tps = (tps_code or "").replace(".", "")
    return len(address) == 10 and address.isdigit() and tps[:10] == address
