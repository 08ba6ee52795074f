"""dukcapil: Dukcapil marks KTP-el cards issued to voters who had none (issue 3 part 9).

Marking sets ``Voter.ktp_el = True`` and writes one :class:`KtpElIssuance` per voter (who,
when, what the voter's status was) and one audit entry for the whole mark, in the same
transaction. It is set-based: a few statements per thousand voters, whether one card is
marked from the page or thousands from an uploaded CSV of NIKs. A NIK that cannot be marked
(malformed, not on this election's list, outside the officer's region, already holding a
KTP-el, repeated in the file) goes to the rejects report with its line and reason; the others
are marked.

Not bound to a stage of the schedule: Dukcapil issues cards whenever it can before voting
day, and a card issued late still counts (a voter without KTP-el can vote with a suket).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from pilkada.accounts.permissions import can
from pilkada.audit.services import record_audit
from pilkada.core.masking import mask_nik
from pilkada.engine.nik import validate_nik

from ..models import KtpElIssuance, Voter
from ..selectors.dukcapil import list_q
from .common import actor_name as _actor_name

CHUNK = 1000
AUDIT_IDS = 1000
#: An uploaded NIK file larger than this is refused (a kelurahan list is a few hundred rows;
#: a whole province's is ~100,000 lines, about 2 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class MarkRefused(ValueError):
    """The request cannot be carried out at all (nothing was marked)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Reject:
    line: int  # 0 when the voter was chosen by id
    nik: str  # masked: a rejects report is a list of personal data too
    code: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "nik": self.nik, "code": self.code, "reason": self.reason}


REASONS = {
    "invalid_nik": "not a well-formed NIK",
    "duplicate_in_file": "the NIK is repeated in the file (marked once)",
    "not_in_list": "the NIK is not on this election's list (or is TMS)",
    "out_of_scope": "the voter lives outside your region",
    "already_has_ktp_el": "the voter already has a KTP-el",
}


@dataclass
class MarkResult:
    marked: int = 0
    voter_ids: list[int] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    read: int = 0  # NIKs read from the file (or ids asked for)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "marked": self.marked,
            "rejected": len(self.rejects),
            "rejects": [r.as_dict() for r in self.rejects],
        }


def _may_issue(actor, kelurahan_code: str) -> bool:
    if actor is None or isinstance(actor, str):
        return True
    return can(actor, "voters.ktp_el_issue", kelurahan_code)


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _apply(*, actor, election, voters: list[tuple[int, str, bool | None]], via: str) -> list[int]:
    """Mark ``voters`` [(id, kelurahan_code, ktp_el)] issued, inside the caller's
    transaction, re-reading them under a lock so that two officers marking the same voter
    mark it once. Returns the ids marked."""
    ids = [v[0] for v in voters]
    current: dict[int, tuple[str, bool | None]] = {}
    for part in _chunks(ids):
        for pk, kel, ktp in (
            Voter.objects.select_for_update()
            .filter(pk__in=part)
            .values_list("pk", "kelurahan_code", "ktp_el")
        ):
            current[pk] = (kel, ktp)
    todo = [pk for pk in ids if pk in current and current[pk][1] is not True]
    if not todo:
        return []
    for part in _chunks(todo):
        Voter.objects.filter(pk__in=part).update(ktp_el=True)
    now = timezone.now()
    user = actor if actor is not None and not isinstance(actor, str) else None
    KtpElIssuance.objects.bulk_create(
        [
            KtpElIssuance(
                election=election,
                voter_id=pk,
                kelurahan_code=current[pk][0],
                previous=current[pk][1],
                issued_by=user,
                issued_by_name=_actor_name(actor),
                issued_at=now,
                via=via,
            )
            for pk in todo
        ],
        batch_size=CHUNK,
    )
    record_audit(
        actor=actor,
        action="voters.ktp_el.issue",
        object_type="voters.Voter",
        object_id=election.slug,
        old={
            "ktp_el_false": sum(1 for pk in todo if current[pk][1] is False),
            "ktp_el_unknown": sum(1 for pk in todo if current[pk][1] is None),
        },
        new={
            "ktp_el": True,
            "count": len(todo),
            "via": via,
            # The issuance records hold every voter; the log keeps the first ids and a
            # digest of them all, so a later edit of the records is detectable.
            "voter_ids": todo[:AUDIT_IDS],
            "voter_ids_sha256": hashlib.sha256(
                ",".join(str(pk) for pk in sorted(todo)).encode()
            ).hexdigest(),
        },
    )
    return todo


def mark_ktp_el_issued(
    *, actor, election, voter_ids: Iterable[int], via: str = KtpElIssuance.Via.WEB
) -> MarkResult:
    """Mark the voters ``voter_ids`` (chosen on the page) as holding a KTP-el.

    Every voter must be on this election's list and inside the actor's region: one outside
    the region refuses the whole mark (PermissionDenied, nothing marked). Voters already
    holding a KTP-el, or not on the list, are reported as rejects.
    """
    wanted = list(dict.fromkeys(int(i) for i in voter_ids))
    if not wanted:
        raise MarkRefused("nothing_chosen", "no voter was chosen; nothing was marked")
    found: dict[int, tuple[str, bool | None]] = {}
    for part in _chunks(wanted):
        for pk, kel, ktp in Voter.objects.filter(list_q(election), pk__in=part).values_list(
            "pk", "kelurahan_code", "ktp_el"
        ):
            found[pk] = (kel, ktp)
    outside = sorted({kel for kel, _ in found.values() if not _may_issue(actor, kel)})
    if outside:
        raise PermissionDenied(
            f"voters.ktp_el_issue: voters of {', '.join(outside[:5])} are outside your region; "
            "nothing was marked"
        )
    result = MarkResult(read=len(wanted))
    todo = []
    for pk in wanted:
        if pk not in found:
            result.rejects.append(Reject(0, "", "not_in_list", REASONS["not_in_list"]))
        elif found[pk][1] is True:
            result.rejects.append(
                Reject(0, "", "already_has_ktp_el", REASONS["already_has_ktp_el"])
            )
        else:
            todo.append((pk, *found[pk]))
    with transaction.atomic():
        result.voter_ids = _apply(actor=actor, election=election, voters=todo, via=via)
    result.marked = len(result.voter_ids)
    return result


def read_nik_file(data: bytes) -> list[tuple[int, str]]:
    """(line, raw NIK) from a CSV or plain list of NIKs: a column named ``nik`` when the
    first line has one (any delimiter of , ; tab), else the first column; blank lines are
    skipped. Raises MarkRefused for a file that is not text."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise MarkRefused("too_large", f"the file is larger than {MAX_UPLOAD_BYTES} bytes")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise MarkRefused("not_text", "the file is not a text (CSV) file")
    if "\x00" in text:
        raise MarkRefused("not_text", "the file is not a text (CSV) file")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    out: list[tuple[int, str]] = []
    column = 0
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if line == 1:
            names = [c.lower() for c in cells]
            if "nik" in names:
                column = names.index("nik")
                continue
        out.append((line, cells[column] if column < len(cells) else ""))
    return out


def mark_ktp_el_issued_from_file(
    *, actor, election, data: bytes, via: str = KtpElIssuance.Via.CSV
) -> MarkResult:
    """Mark the voters whose NIKs ``data`` (a CSV file's bytes) lists, set-based; every
    line that cannot be marked is in ``result.rejects`` with its reason."""
    lines = read_nik_file(data)
    if not lines:
        raise MarkRefused("empty", "the file holds no NIK; nothing was marked")
    result = MarkResult(read=len(lines))
    first_line: dict[str, int] = {}
    for line, raw in lines:
        parsed, _errors = validate_nik(raw)
        if parsed is None:
            result.rejects.append(
                Reject(line, mask_nik(raw), "invalid_nik", REASONS["invalid_nik"])
            )
        elif parsed.nik in first_line:
            result.rejects.append(
                Reject(
                    line, mask_nik(parsed.nik), "duplicate_in_file", REASONS["duplicate_in_file"]
                )
            )
        else:
            first_line[parsed.nik] = line
    by_nik: dict[str, list[tuple[int, str, bool | None]]] = {}
    niks = list(first_line)
    for part in _chunks(niks):
        for pk, nik, kel, ktp in Voter.objects.filter(list_q(election), nik__in=part).values_list(
            "pk", "nik", "kelurahan_code", "ktp_el"
        ):
            by_nik.setdefault(nik, []).append((pk, kel, ktp))
    todo: list[tuple[int, str, bool | None]] = []
    for nik, line in first_line.items():
        rows = by_nik.get(nik)
        code = None
        if not rows:
            code = "not_in_list"
        elif not any(_may_issue(actor, kel) for _, kel, _ in rows):
            code = "out_of_scope"
        elif all(ktp is True for _, _, ktp in rows):
            code = "already_has_ktp_el"
        if code:
            result.rejects.append(Reject(line, mask_nik(nik), code, REASONS[code]))
            continue
        todo += [r for r in rows if r[2] is not True and _may_issue(actor, r[1])]
    result.rejects.sort(key=lambda r: r.line)
    with transaction.atomic():
        result.voter_ids = _apply(actor=actor, election=election, voters=todo, via=via)
    result.marked = len(result.voter_ids)
    return result


def mark_ktp_el_issued_from_path(*, actor, election, path: str | Path, via=KtpElIssuance.Via.CLI):
    return mark_ktp_el_issued_from_file(
        actor=actor, election=election, data=Path(path).read_bytes(), via=via
    )


__all__ = [
    "MarkRefused",
    "MarkResult",
    "Reject",
    "mark_ktp_el_issued",
    "mark_ktp_el_issued_from_file",
    "mark_ktp_el_issued_from_path",
    "read_nik_file",
]
