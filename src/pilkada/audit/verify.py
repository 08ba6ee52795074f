"""Checking the hash chain: ``pilkada audit verify``.

The verifier streams the log in seq order (constant memory, whatever its length),
recomputes every hash, follows every link and compares the end with the head row. It
stops at the first problem and names its seq:

* ``gap``            — an entry is missing (deleted) in the middle: seq names the missing one;
* ``hash_mismatch``  — an entry's content no longer matches its hash (edited);
* ``broken_link``    — an entry's prev_hash is not the previous entry's hash (the previous
                       entry was rewritten and re-hashed, or this link was edited);
* ``head_mismatch``  — the log ends before the head says it does (the last entries were
                       deleted: seq names the first missing one), or the last entry's hash is
                       not the head's (the last entry was rewritten and re-hashed);
* ``head_missing``   — entries exist but the head row does not;
* ``beyond_head``    — entries after the head (written around record_audit).

Entries committed while the verifier runs are not a problem: it checks the chain up to
the head it read first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import connections, router
from django.db.models import Max

from . import guards
from .chain import GENESIS_HASH, HASHED_FIELDS, compute_hash
from .models import AuditEntry, AuditHead
from .services import HEAD_PK

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    kind: str
    detail: str


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int  # entries whose hash and link were checked
    head_seq: int | None
    head_hash: str | None
    problem: ChainProblem | None = None
    guards_missing: list[str] = field(default_factory=list)

    @property
    def first_broken_seq(self) -> int | None:
        return self.problem.seq if self.problem else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["first_broken_seq"] = self.first_broken_seq
        return data


def verify_chain(*, using: str | None = None, chunk_size: int = CHUNK_SIZE) -> ChainReport:
    using = using or router.db_for_read(AuditEntry)
    connection = connections[using]
    guards_missing = guards.missing(connection)
    head = (
        AuditHead.objects.using(using)
        .filter(pk=HEAD_PK)
        .values_list("last_seq", "last_hash")
        .first()
    )
    head_seq, head_hash = head if head else (None, None)

    def report(problem: ChainProblem | None, checked: int) -> ChainReport:
        return ChainReport(
            ok=problem is None,
            checked=checked,
            head_seq=head_seq,
            head_hash=head_hash,
            problem=problem,
            guards_missing=guards_missing,
        )

    entries = AuditEntry.objects.using(using).order_by("seq")
    if head_seq is not None:
        entries = entries.filter(seq__lte=head_seq)
    names = (*HASHED_FIELDS, "hash")
    rows = entries.values_list(*names).iterator(chunk_size=chunk_size)

    expected, prev_hash, checked = 1, GENESIS_HASH, 0
    for row in rows:
        entry = dict(zip(names, row, strict=True))
        seq = entry["seq"]
        if seq != expected:
            missing_to = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            return report(
                ChainProblem(
                    expected,
                    "gap",
                    f"entry {missing_to} is missing (deleted); the next entry is {seq}",
                ),
                checked,
            )
        if compute_hash(entry) != entry["hash"]:
            return report(
                ChainProblem(
                    seq,
                    "hash_mismatch",
                    f"entry {seq} does not match its hash: its content was changed",
                ),
                checked,
            )
        if entry["prev_hash"] != prev_hash:
            before = f"entry {seq - 1}" if seq > 1 else "the start of the chain"
            return report(
                ChainProblem(
                    seq,
                    "broken_link",
                    f"entry {seq} does not link to the hash of {before}: {before} was "
                    f"rewritten and re-hashed, or entry {seq}'s link was changed",
                ),
                checked,
            )
        prev_hash = entry["hash"]
        expected += 1
        checked += 1

    last_seq = expected - 1
    if head_seq is None:
        if checked:
            return report(
                ChainProblem(
                    None,
                    "head_missing",
                    f"the head row is missing; the log has {checked} entries up to "
                    f"{last_seq}, and whether later ones were deleted cannot be told",
                ),
                checked,
            )
        return report(None, checked)
    if last_seq < head_seq:
        return report(
            ChainProblem(
                expected,
                "head_mismatch",
                f"the head says the log ends at entry {head_seq} but it ends at "
                f"{last_seq}: entry {expected} onwards was deleted",
            ),
            checked,
        )
    if prev_hash != head_hash:
        return report(
            ChainProblem(
                head_seq,
                "head_mismatch",
                f"the hash of entry {head_seq} is not the head's: the last entry was "
                "rewritten and re-hashed (or the head was changed)",
            ),
            checked,
        )
    # Entries past the head are fine only if they were committed while we read (the head
    # has moved on since). Read the largest seq first, then the head again.
    max_seq = AuditEntry.objects.using(using).aggregate(m=Max("seq"))["m"] or 0
    head_now = (
        AuditHead.objects.using(using).filter(pk=HEAD_PK).values_list("last_seq", flat=True)
    ).first()
    if head_now is not None and max_seq > head_now:
        return report(
            ChainProblem(
                head_now + 1,
                "beyond_head",
                f"entries {head_now + 1}..{max_seq} lie beyond the head: they were not "
                "written by record_audit",
            ),
            checked,
        )
    return report(None, checked)
