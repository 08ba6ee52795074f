"""Coklit results from a file: the marks of many voters at once, through the same services
as the coklit page (one row at a time, each with its scope check and audit entry), for a PPS
typing up the Pantarlih's paper forms or an export from a field app.

The file is a CSV (UTF-8, comma or semicolon) with the columns ``nik``, ``hasil`` (``MS`` or
``TMS``), ``kode_tms`` (1-8, for TMS) and ``catatan`` (the evidence note, required for TMS).
Each row is applied or rejected with its line and reason; ``rows = applied + rejected``.
The whole file runs in one transaction (each row in a savepoint), so an interrupted run
leaves the register as it was.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pilkada.schedule.gate import StageClosed, require_open

from ..models import Voter
from .coklit import ACTION, COKLIT_SOURCES, mark_ms, mark_tms

COLUMNS = ("nik", "hasil", "kode_tms", "catatan")
MAX_ROWS = 100_000


class CoklitFileRefused(Exception):
    def __init__(self, message: str, returncode: int = 2):
        super().__init__(message)
        self.returncode = returncode


@dataclass
class CoklitFileResult:
    rows: int = 0
    ms: int = 0
    tms: int = 0
    rejected: list[dict] = field(default_factory=list)

    @property
    def applied(self) -> int:
        return self.ms + self.tms

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "applied": self.applied,
            "ms": self.ms,
            "tms": self.tms,
            "rejected": len(self.rejected),
            "reconciles": self.rows == self.applied + len(self.rejected),
            "rejects": self.rejected,
        }

    def write_rejects(self, path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=["line", "reason"])
            writer.writeheader()
            writer.writerows(self.rejected)


def _read(path) -> tuple[list[str], list[tuple[int, dict]]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoklitFileRefused(f"cannot read {path}: {exc}.") from None
    lines = text.splitlines()
    if not lines:
        raise CoklitFileRefused(f"{path} is empty.")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("nik", "hasil") if c not in header]
    if missing:
        raise CoklitFileRefused(f"{path}: missing column(s) {', '.join(missing)}.")
    reader.fieldnames = header
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        rows.append((number, {k: (v or "").strip() for k, v in row.items() if k}))
        if len(rows) > MAX_ROWS:
            raise CoklitFileRefused(f"{path}: more than {MAX_ROWS:,} rows; split the file.")
    return header, rows


def apply_coklit_file(*, election, actor, path) -> CoklitFileResult:
    _header, rows = _read(path)
    try:
        require_open(election=election, action=ACTION)
    except StageClosed as exc:
        raise CoklitFileRefused(f"refused: {exc.decision.reason}", returncode=3) from None
    result = CoklitFileResult(rows=len(rows))
    niks = {r["nik"] for _, r in rows if r.get("nik")}
    voters: dict[str, list[int]] = {}
    for pk, nik in Voter.objects.filter(
        election=election, source__in=COKLIT_SOURCES, nik__in=niks
    ).values_list("pk", "nik"):
        voters.setdefault(nik, []).append(pk)
    with transaction.atomic():
        for line, row in rows:
            reason = _apply_row(row, voters, actor, result)
            if reason:
                result.rejected.append({"line": line, "reason": reason})
    return result


def _apply_row(row: dict, voters: dict, actor, result: CoklitFileResult) -> str:
    nik, hasil = row.get("nik", ""), row.get("hasil", "").upper()
    found = voters.get(nik, [])
    if not found:
        return "nik: not on this election's register"
    if len(found) > 1:
        return "nik: on the register more than once (resolve the duplicate first)"
    if hasil not in ("MS", "TMS"):
        return f"hasil: {row.get('hasil')!r} is not MS or TMS"
    try:
        with transaction.atomic():
            if hasil == "MS":
                mark_ms(voter=found[0], actor=actor)
                result.ms += 1
            else:
                mark_tms(
                    voter=found[0],
                    actor=actor,
                    tms_code=row.get("kode_tms", ""),
                    note=row.get("catatan", ""),
                )
                result.tms += 1
    except ValidationError as exc:
        return "; ".join(str(m) for m in exc.messages)
    except PermissionDenied as exc:
        return f"outside your area: {exc}"
    return ""
