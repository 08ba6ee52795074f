"""Eligibility: the automatic TMS marks that data alone can justify, applied set-based.

Coklit decides most TMS codes at the door (1 meninggal, 4 pindah domisili, 5 tidak dikenal,
8 salah penempatan TPS) and the duplicate review decides 2 (ganda). Three codes follow
from data KPU holds before coklit, and are applied here to rows still pending:

- 3 di bawah umur: born after :func:`~pilkada.engine.eligibility.latest_birth_date_cukup_umur`
  of the election's voting day and never married (:func:`~pilkada.engine.eligibility.cukup_umur`);
- 6 TNI and 7 Polri: the NIK is on the list of active members the TNI / Polri gave KPU
  (:func:`~pilkada.engine.eligibility.bukan_tni_polri`).

A row with an unknown birth date is left pending (coklit establishes it; it is flagged).
Each marked row carries its evidence note; a Pantarlih can still re-mark it during coklit.
One transaction, with one audit entry holding the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.engine.eligibility import MINIMUM_AGE, TmsCode, latest_birth_date_cukup_umur
from pilkada.engine.nik import validate_nik
from pilkada.schedule.gate import require_open

from ..models import Voter

ACTION = "voters.eligibility_check"
STAGE_ACTION = "voters.sync_dp4"
PERMISSION = "voters.sync"
AUTOMATIC = "Pemeriksaan otomatis"


class MemberListRejected(ValueError):
    """A TNI/Polri list file that cannot be used at all; nothing was marked."""


@dataclass
class MemberList:
    """A list of NIKs of active TNI or Polri members, as read from its file."""

    niks: list[str]
    rejected: list[dict] = field(default_factory=list)  # line, value, reason
    file_name: str = ""


@dataclass
class EligibilityResult:
    voting_day: str
    di_bawah_umur: int = 0
    tni: int = 0
    polri: int = 0
    lists: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "voting_day": self.voting_day,
            "marked": {"3": self.di_bawah_umur, "6": self.tni, "7": self.polri},
            "lists": self.lists,
        }


def read_member_list(path: str | Path) -> MemberList:
    """NIKs from a CSV with a ``nik`` column, or a plain file of one NIK per line. Lines that
    are not a valid NIK are rejected with their line number and reason (nothing is guessed)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MemberListRejected(f"cannot read {path.name}: {exc}") from None
    lines = text.splitlines()
    first = lines[0].strip().lower() if lines else ""
    column = 0
    start = 0
    if "nik" in first.split(",") or "nik" in first.split(";"):
        delimiter = ";" if ";" in first else ","
        column = first.split(delimiter).index("nik")
        start = 1
    else:
        delimiter = ","
    result = MemberList(niks=[], file_name=path.name)
    seen: set[str] = set()
    for number, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            continue
        cells = line.split(delimiter)
        value = cells[column].strip().strip('"') if column < len(cells) else ""
        parsed, errors = validate_nik(value)
        if parsed is None:
            reason = ", ".join(str(getattr(e, "value", e)) for e in errors)
            result.rejected.append({"line": number, "value": value[:32], "reason": reason})
        elif value not in seen:
            seen.add(value)
            result.niks.append(value)
    if not result.niks and not result.rejected:
        raise MemberListRejected(f"{path.name} holds no NIK")
    return result


def check_eligibility(
    *,
    election,
    actor,
    tni: MemberList | None = None,
    polri: MemberList | None = None,
    check_window: bool = True,
) -> EligibilityResult:
    """Mark pending rows of ``election``'s register TMS 3, 6 or 7 where the data says so
    (see the module docstring). Safe to re-run: rows already marked are not pending.
    ``check_window=False`` is for seeding demo and training data only."""
    if check_window:
        require_open(election=election, action=STAGE_ACTION)
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, PERMISSION, election.region_code)
    day = election.voting_day
    table = Voter._meta.db_table
    base = "election_id = %s AND source <> %s AND status = %s"
    params = [election.pk, Voter.Source.DPT_LAMA, Voter.Status.PENDING]
    result = EligibilityResult(voting_day=day.isoformat())
    with transaction.atomic(), connection.cursor() as cursor:
        for code, members, attr in ((TmsCode.TNI, tni, "tni"), (TmsCode.POLRI, polri, "polri")):
            if members is None:
                continue
            cursor.execute("CREATE TEMPORARY TABLE pilkada_member_nik (nik varchar(32))")
            try:
                cursor.executemany(
                    "INSERT INTO pilkada_member_nik (nik) VALUES (%s)",
                    [(n,) for n in members.niks],
                )
                note = (
                    f"{AUTOMATIC}: NIK ada dalam daftar anggota aktif "
                    f"{'TNI' if code == TmsCode.TNI else 'Polri'} ({members.file_name}); "
                    "UU 1/2015 jo. UU 10/2016 Pasal 57"
                )
                cursor.execute(
                    f"UPDATE {table} SET status = %s, tms_code = %s, tms_note = %s "
                    f"WHERE {base} AND nik IN (SELECT nik FROM pilkada_member_nik)",
                    [Voter.Status.TMS, int(code), note, *params],
                )
                setattr(result, attr, cursor.rowcount)
            finally:
                cursor.execute("DROP TABLE pilkada_member_nik")
            result.lists[attr] = {
                "file": members.file_name,
                "niks": len(members.niks),
                "rejected": len(members.rejected),
                "marked": getattr(result, attr),
            }
        cutoff = latest_birth_date_cukup_umur(day)
        note = (
            f"{AUTOMATIC}: lahir setelah {cutoff.isoformat()}, belum berumur {MINIMUM_AGE} "
            f"tahun pada {day.isoformat()} dan belum pernah kawin; UU 1/2015 jo. UU 10/2016 "
            "Pasal 1 angka 6"
        )
        cursor.execute(
            f"UPDATE {table} SET status = %s, tms_code = %s, tms_note = %s WHERE {base} "
            "AND tanggal_lahir IS NOT NULL AND tanggal_lahir > %s "
            "AND status_kawin NOT IN ('S', 'P')",
            [Voter.Status.TMS, int(TmsCode.DI_BAWAH_UMUR), note, *params, cutoff],
        )
        result.di_bawah_umur = cursor.rowcount
        record_audit(
            actor=actor,
            action=ACTION,
            object_type="schedule.Election",
            object_id=election.pk,
            new=result.as_dict(),
        )
    return result


def tms_counts(*, election) -> dict[int, int]:
    """TMS rows of the election's register per code (aggregates only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tms_code, count(*) FROM {Voter._meta.db_table} WHERE election_id = %s "
            "AND source <> %s AND status = %s GROUP BY tms_code",
            [election.pk, Voter.Source.DPT_LAMA, Voter.Status.TMS],
        )
        return {int(code): n for code, n in cursor.fetchall()}


__all__ = [
    "EligibilityResult",
    "MemberList",
    "MemberListRejected",
    "check_eligibility",
    "read_member_list",
    "tms_counts",
]
