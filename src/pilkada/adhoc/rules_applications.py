"""The eligibility rules of the applications that look at other lists (the party-member list,
the supporter lists, the seated members), one function per rule, applied row by row.

The bulk checks run their vectorised form in :mod:`pilkada.engine.adhoc_eligibility` (no
Django there); the tests apply these functions row by row and compare. The rules on one
application alone (age, domicile, education, term limit) are in :mod:`pilkada.adhoc.rules`.

Sources: UU 7/2017 Pasal 72 (the requirements of PPK, PPS and KPPS members, which PKPU 8/2022
applies to the ad hoc bodies of the Pilkada and to Pantarlih) and PKPU 8/2022 on the
formation and work of the ad hoc bodies.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass

from .rules_members import ikatan_perkawinan

__all__ = [
    "SeatedMember",
    "bukan_anggota_partai",
    "bukan_pendukung_perseorangan",
    "tanpa_ikatan_perkawinan",
    "tidak_menjabat_di_badan_lain",
]

@dataclass(frozen=True)
class SeatedMember:
    """An active member, with the NKK and status kawin that speak for them (the form's, else
    the register's)."""

    application_id: int
    body: str
    region_code: str
    nik: str
    nkk: str
    status_kawin: str


def bukan_anggota_partai(nik: str, party_niks: Container[str]) -> bool:
    """UU 7/2017 Pasal 72: not a member of a political party, or not for at least five years --
    checked against the party-member NIK lists KPU uploads (e.g. from SIPOL; category
    ``party_member``), beside the applicant's own statement."""
    return nik.strip() not in party_niks


def bukan_pendukung_perseorangan(nik: str, supporter_niks: Container[str]) -> bool:
    """Not listed as a supporter of an independent pair (the impartiality of the ad hoc bodies
    in the Pilkada, issue 5). ``supporter_niks`` holds the listed supporters whose support was
    not denied (see ``pilkada.adhoc.selectors.applications.evidence_for_niks``)."""
    return nik.strip() not in supporter_niks


def tidak_menjabat_di_badan_lain(
    *, application_id: int, nik: str, members: Iterable[SeatedMember]
) -> bool:
    """One person, one seat (PKPU 8/2022): not an active member seated through another
    application -- another body, or the same body in another area."""
    return not any(m.nik == nik and m.application_id != application_id for m in members)


def tanpa_ikatan_perkawinan(
    *,
    application_id: int,
    nik: str,
    nkk: str,
    status_kawin: str,
    body: str,
    region_code: str,
    members: Iterable[SeatedMember],
) -> bool:
    """PKPU 8/2022: no marriage tie (:func:`~pilkada.adhoc.rules_members.ikatan_perkawinan`:
    the same NKK, both married; a parent and an unmarried adult child share the NKK but are
    not a tie) with a member of the same body in the same area. ``nkk`` and ``status_kawin``
    are the form's, else the register's."""
    return not any(
        ikatan_perkawinan(
            nkk_a=nkk, status_kawin_a=status_kawin, nkk_b=m.nkk, status_kawin_b=m.status_kawin
        )
        and m.body == body
        and m.region_code == region_code
        and m.nik != nik
        and m.application_id != application_id
        for m in members
    )
