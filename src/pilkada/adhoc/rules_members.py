"""Rules of the law for seating and replacing ad hoc members, and for the deadlines the
overview counts down to (rules that :mod:`pilkada.adhoc.rules` does not have yet), one
function per rule. Numbers that regulations change are settings, read with a default here
(``PILKADA_ADHOC_KPPS_DEADLINE_DAYS``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

__all__ = [
    "KPPS_DEADLINE_DAYS_DEFAULT",
    "batas_pembentukan_kpps",
    "batas_pembentukan_pantarlih",
    "ikatan_perkawinan",
]

#: Days before voting day by which the KPPS must be complete. PKPU 2/2024 closes the stage
#: "pembentukan PPK, PPS dan KPPS" on 5 November 2024, 22 days before voting day
#: (27 November 2024); KPPS are sworn in after that and before the voting day's preparations.
KPPS_DEADLINE_DAYS_DEFAULT = 22


def batas_pembentukan_kpps(voting_day: dt.date) -> dt.date:
    """The day a TPS's KPPS must be complete: voting day minus
    ``PILKADA_ADHOC_KPPS_DEADLINE_DAYS`` (default 22: the end of the stage "pembentukan PPK,
    PPS dan KPPS" of PKPU 2/2024, 5 November 2024 for the 27 November 2024 voting day;
    UU 10/2016 Pasal 21: the KPPS is formed by the PPS on behalf of KPU kab/kota)."""
    days = int(getattr(settings, "PILKADA_ADHOC_KPPS_DEADLINE_DAYS", KPPS_DEADLINE_DAYS_DEFAULT))
    return voting_day - dt.timedelta(days=days)


def batas_pembentukan_pantarlih(coklit_start: dt.date | None) -> dt.date | None:
    """The day a TPS's Pantarlih must be complete: the first day of coklit (PKPU 7/2024:
    the Pantarlih does the pencocokan dan penelitian door to door; PKPU 2/2024 puts coklit
    on 24 June - 24 July 2024). None when the schedule has no coklit stage."""
    return coklit_start


def ikatan_perkawinan(*, nkk_a: str, status_kawin_a: str, nkk_b: str, status_kawin_b: str) -> bool:
    """PKPU 8/2022 (the requirements of ad hoc members; as UU 7/2017 Pasal 21 ayat (1) for
    the commissions): no marriage tie with another member of the same body. The data shows
    one as the same family card (NKK) with both people married ("S", kawin); an unknown NKK
    shows none."""
    return bool(nkk_a) and nkk_a == nkk_b and status_kawin_a == "S" and status_kawin_b == "S"
