"""cek NIK dukungan: is this NIK listed as a supporter of an independent pair (issue 4 part 7).

Anyone may ask, without a login, so the answer is what the owner of the NIK needs and
nothing anyone else could misuse: per pair, the pair's name, a masked name as it was
uploaded (so the owner can tell the row is theirs) and the support's public status --
never the address, birth date, full name, the TMS reason or another person's data.

The answer comes from ONE statement whatever it is (listed for one pair, several, none):
the index ``candidacy_supporter_nik`` (election, nik), the pair's name and the latest
objection of each row in the same statement, so the database work of a listed and an
unlisted NIK is the same (the view pads the answer time and size, ``core.public``).

A NIK may be listed more than once for a pair (a double listing, a perbaikan row): the
pair's rows are grouped into one :class:`ListedSupport`. Rows of a withdrawn batch are not
listed support.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from pilkada.core.masking import mask_name
from pilkada.engine.nik import NikError, validate_nik

from ..models import Pair, SupportBatch, Supporter, SupportObjection

# Outcomes of a lookup (the keys of the counts the page keeps; no NIK is ever counted).
LISTED = "listed"  # listed as supporting at least one pair
NOT_LISTED = "not_listed"  # listed for no pair of this election
INVALID = "invalid"  # not a well-formed NIK (no query)
OUTCOMES = (LISTED, NOT_LISTED, INVALID)

# The public status of a pair's support, in the order the page explains them.
PENDING = "pending"  # sedang diverifikasi
MS = "ms"  # memenuhi syarat (both checks passed)
TMS = "tms"  # tidak memenuhi syarat
OBJECTION_OPEN = "objection_open"  # keberatan Anda sedang diproses
OBJECTION_UPHELD = "objection_upheld"  # keberatan dibenarkan: dukungan tidak sah
PUBLIC_STATUSES = (PENDING, MS, TMS, OBJECTION_OPEN, OBJECTION_UPHELD)

#: Objection statuses that stop a new objection for the same support: one is being
#: handled, or was decided (a dismissed one means the supporter confirmed; a citizen who
#: still disagrees goes to KPU or Bawaslu in person).
ACTIVE_OBJECTIONS = (
    SupportObjection.Status.OPEN,
    SupportObjection.Status.UPHELD,
    SupportObjection.Status.DISMISSED,
)


@dataclass(frozen=True)
class SupportRow:
    """One supporter row as the lookup reads it (internal: holds the full name)."""

    supporter_id: int
    pair_id: int
    pair_name: str
    ballot_number: int | None
    nama: str
    status: str
    vermin_status: str
    verfak_status: str
    objected: bool
    objection: str  # the row's latest objection status, "" when none


@dataclass(frozen=True)
class ListedSupport:
    """What the public may see of one pair's support for a NIK."""

    pair_id: int
    pair_name: str
    ballot_number: int | None
    masked_name: str
    status: str  # one of PUBLIC_STATUSES
    objection: str  # the pair's objection status for this NIK, "" when none
    objectable: bool  # a citizen may object to it (no objection open or decided)
    # Internal (the services and the CLI); the public templates never show them.
    supporter_ids: tuple[int, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class CekNikAnswer:
    outcome: str
    supports: tuple[ListedSupport, ...] = ()

    @property
    def found(self) -> bool:
        return self.outcome == LISTED

    @property
    def objectable(self) -> tuple[ListedSupport, ...]:
        return tuple(s for s in self.supports if s.objectable)


def check_nik_format(raw: str, *, today: dt.date | None = None) -> tuple[str | None, str]:
    """(16-digit NIK, "") when ``raw`` is a well-formed NIK (spaces and dots removed), else
    (None, error code) with a code of :class:`pilkada.engine.nik.NikError`."""
    if len(raw or "") > 64:  # a form field, not a file: refuse junk before parsing it
        return None, NikError.WRONG_LENGTH.value
    parsed, errors = validate_nik(raw, reference_date=today)
    if parsed is None:
        return None, errors[0].value
    return parsed.nik, ""


def _lookup_sql() -> str:
    """The one statement of a lookup (SQLite and PostgreSQL alike), built once."""
    supporter = Supporter._meta.db_table
    pair = Pair._meta.db_table
    batch = SupportBatch._meta.db_table
    objection = SupportObjection._meta.db_table
    return f"""
        SELECT s.id, s.pair_id, p.name, p.ballot_number, s.nama, s.status,
               s.vermin_status, s.verfak_status, s.objected,
               (SELECT o.status FROM {objection} o WHERE o.supporter_id = s.id
                 ORDER BY o.created_at DESC, o.id DESC LIMIT 1)
          FROM {supporter} s
          JOIN {pair} p ON p.id = s.pair_id
          JOIN {batch} b ON b.id = s.batch_id
         WHERE s.nik = %s AND s.election_id = %s AND b.state <> '{SupportBatch.State.WITHDRAWN}'
         ORDER BY s.pair_id, s.round, s.id
    """


_SQL: list[str] = []


def support_rows(*, election, nik: str) -> list[SupportRow]:
    """Every listed supporter row of ``nik`` in ``election`` (an Election or its id), with
    its latest objection: one statement."""
    if not _SQL:
        _SQL.append(_lookup_sql())
    with connection.cursor() as cursor:
        cursor.execute(_SQL[0], [nik, getattr(election, "pk", election)])
        rows = cursor.fetchall()
    return [
        SupportRow(
            supporter_id=r[0],
            pair_id=r[1],
            pair_name=r[2],
            ballot_number=r[3],
            nama=r[4],
            status=r[5],
            vermin_status=r[6],
            verfak_status=r[7],
            objected=bool(r[8]),
            objection=r[9] or "",
        )
        for r in rows
    ]


def _pair_objection(statuses: list[str]) -> str:
    for status in ("open", "upheld", "dismissed", "withdrawn"):
        if status in statuses:
            return status
    return ""


def _pair_status(rows: list[SupportRow], objection: str) -> str:
    if objection == SupportObjection.Status.OPEN:
        return OBJECTION_OPEN
    if objection == SupportObjection.Status.UPHELD:
        return OBJECTION_UPHELD
    statuses = {r.status for r in rows}
    if Supporter.Status.MS in statuses:
        return MS  # the listing that counts
    if Supporter.Status.PENDING in statuses:
        return PENDING
    return TMS


def group_supports(rows: list[SupportRow]) -> tuple[ListedSupport, ...]:
    """One :class:`ListedSupport` per pair (rows in pair, round, id order), in ballot order."""
    by_pair: dict[int, list[SupportRow]] = {}
    for row in rows:
        by_pair.setdefault(row.pair_id, []).append(row)
    supports = []
    for pair_rows in by_pair.values():
        first = pair_rows[0]
        objection = _pair_objection([r.objection for r in pair_rows])
        supports.append(
            ListedSupport(
                pair_id=first.pair_id,
                pair_name=first.pair_name,
                ballot_number=first.ballot_number,
                masked_name=mask_name(first.nama),
                status=_pair_status(pair_rows, objection),
                objection=objection,
                objectable=objection not in ACTIVE_OBJECTIONS,
                supporter_ids=tuple(r.supporter_id for r in pair_rows),
            )
        )
    supports.sort(key=lambda s: (s.ballot_number is None, s.ballot_number or 0, s.pair_id))
    return tuple(supports)


def cek_nik(*, election, nik: str) -> CekNikAnswer:
    """The cek NIK dukungan answer for a well-formed ``nik`` (16 digits) in ``election``."""
    supports = group_supports(support_rows(election=election, nik=nik))
    return CekNikAnswer(outcome=LISTED if supports else NOT_LISTED, supports=supports)
