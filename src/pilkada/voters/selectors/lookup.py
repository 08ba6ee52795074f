"""lookup: cek DPT, the public check of one's registration (issue 3 part 8).

A citizen gives a NIK and learns whether they are on the list of the election and at which
TPS, with a masked name -- nothing more. The answer comes from ONE indexed query whatever it
is (listed, listed without a TPS yet, TMS, unknown), so the database work of a listed and an
unlisted NIK is the same; the view pads the answer time (``core.public.public_lookup``).

Which list: the register's voters of this election (source DP4 or coklit; the previous DPT
is a reference list, never this election's voters). When a published DPT snapshot exists
the lead may point :func:`cek_dpt` at it: it is the one function that decides.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from pilkada.core.masking import mask_name
from pilkada.engine.nik import NikError, validate_nik
from pilkada.regions.codes import short_name
from pilkada.regions.models import Region, Tps

from ..models import Voter

# Outcomes of a lookup (also the keys of the counts kept in the cache, see views/lookup).
LISTED = "listed"  # on the list, TPS assigned
NO_TPS = "no_tps"  # on the list, TPS not assigned yet
TMS = "tms"  # in the register but struck off (tidak memenuhi syarat)
NOT_FOUND = "not_found"  # no such NIK on this election's list
INVALID = "invalid"  # not a well-formed NIK (no query)
OUTCOMES = (LISTED, NO_TPS, TMS, NOT_FOUND, INVALID)

#: Sources whose rows are this election's voters.
VOTER_SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)


@dataclass(frozen=True)
class LookupAnswer:
    """What the public page may show: the outcome, and for a listed voter the masked name
    and where they vote. Never the NIK, birth date, address or NKK."""

    outcome: str
    masked_name: str = ""
    tps_code: str = ""
    tps_number: str = ""
    tps_address: str = ""
    kelurahan: str = ""
    kecamatan: str = ""
    kabkota: str = ""
    error: str = ""  # for INVALID: why the NIK is not well formed (English msgid)

    @property
    def found(self) -> bool:
        return self.outcome in (LISTED, NO_TPS)


def check_nik_format(raw: str, *, today: dt.date | None = None) -> tuple[str | None, str]:
    """(16-digit NIK, "") when ``raw`` is a well-formed NIK (spaces and dots removed),
    else (None, error code) with a code of :class:`pilkada.engine.nik.NikError`."""
    if len(raw or "") > 64:  # a form field, not a file: refuse junk before parsing it
        return None, NikError.WRONG_LENGTH.value
    parsed, errors = validate_nik(raw, reference_date=today)
    if parsed is None:
        return None, errors[0].value
    return parsed.nik, ""


def _lookup_sql() -> str:
    """The one statement of a lookup (SQLite and PostgreSQL alike), built once."""
    voter = Voter._meta.db_table
    tps = Tps._meta.db_table
    region = Region._meta.db_table
    kel = "COALESCE(SUBSTR(v.tps_code, 1, 10), v.kelurahan_code)"
    sources = ", ".join(f"'{s}'" for s in VOTER_SOURCES)
    return f"""
        SELECT CASE WHEN v.status = 'tms' THEN 2
                    WHEN v.tps_code IS NULL OR v.tps_code = '' THEN 1
                    ELSE 0 END AS rank,
               v.nama, v.tps_code,
               (SELECT t.address FROM {tps} t WHERE t.code = v.tps_code),
               (SELECT r.name FROM {region} r WHERE r.code = {kel}),
               (SELECT r.name FROM {region} r WHERE r.code = SUBSTR({kel}, 1, 6)),
               (SELECT r.name FROM {region} r WHERE r.code = SUBSTR({kel}, 1, 4))
          FROM {voter} v
         WHERE v.nik = %s AND v.election_id = %s AND v.source IN ({sources})
         ORDER BY rank, v.id
         LIMIT 1
    """


_SQL: list[str] = []


_CURSORS = threading.local()
#: A psycopg prepare_threshold that no statement reaches: only ``prepare=True`` prepares.
PREPARE_ONLY_WHEN_ASKED = sys.maxsize


def _pg_cursor(pg_connection, *, options: dict):
    """This thread's server-binding cursor on ``pg_connection`` (Django's psycopg
    connection), made once per connection (building one per lookup cost about a fifth of
    the psycopg call).

    Django opens its psycopg connections with prepared statements off
    (``prepare_threshold=None``, for connection poolers), and with that psycopg ignores
    ``prepare=True`` as well: the statement would be planned again on every lookup. On
    such a connection they are turned on for the statements that ask for it and no others
    (:data:`PREPARE_ONLY_WHEN_ASKED`): Django's own cursors bind client-side and never
    prepare. A ``prepare_threshold`` named in the database ``options`` is left as it is
    (``None`` there: never prepare, e.g. behind PgBouncer older than 1.21 in transaction
    mode).
    """
    import psycopg

    cursor = getattr(_CURSORS, "cursor", None)
    if cursor is None or cursor.connection is not pg_connection or cursor.closed:
        if pg_connection.prepare_threshold is None and "prepare_threshold" not in options:
            pg_connection.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
        cursor = _CURSORS.cursor = psycopg.Cursor(pg_connection)
    return cursor


def _fetch_one(sql: str, params: list):
    """Run the lookup statement and return its row (or None).

    On PostgreSQL the statement is prepared on the connection (planned once per connection,
    not per request: planning its four subqueries costs several times its execution). Django
    binds parameters client-side and never prepares, so this one statement runs on a
    server-binding psycopg cursor of Django's connection (kept for the next lookup on the
    same connection, :func:`_pg_cursor`) -- same connection and transaction,
    Django's database errors, and Django's query log (debug, CaptureQueriesContext) -- and
    everything else stays as it is. Elsewhere: Django's cursor.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the same object as django.db.connection, looked up once
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    if db.connection is None:
        db.ensure_connection()
    started = time.monotonic()
    with db.wrap_database_errors:
        cursor = _pg_cursor(db.connection, options=db.settings_dict["OPTIONS"])
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if db.queries_logged:
        db.queries_log.append(
            {"sql": f"{sql} -- {params!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return row


def cek_dpt(*, election, nik: str) -> LookupAnswer:
    """The cek DPT answer for a well-formed ``nik`` (16 digits) in ``election`` (an Election
    or its id).

    One query (the NIK index, then the election), whatever the answer: the best row of the
    NIK on this election's list -- on the list with a TPS, then without, then TMS -- with the
    TPS address and the kelurahan/kecamatan/kab-kota names fetched in the same statement.
    A NIK listed twice (an unresolved ganda) answers with its best row. Plain SQL, built
    once: the public page is the hottest page of the system, and compiling an ORM query
    with four subqueries costs more than running it.
    """
    if not _SQL:
        _SQL.append(_lookup_sql())
    row = _fetch_one(_SQL[0], [nik, getattr(election, "pk", election)])
    if row is None:
        return LookupAnswer(outcome=NOT_FOUND)
    rank, nama, tps, tps_address, kel_name, kec_name, kab_name = row
    if rank == 2:
        # Struck off: the reason (death, TNI/Polri, duplicate ...) is never shown publicly.
        return LookupAnswer(outcome=TMS)
    regions = {
        "kelurahan": kel_name or "",
        "kecamatan": kec_name or "",
        "kabkota": short_name("kabkota", kab_name) if kab_name else "",
    }
    if rank == 1:
        return LookupAnswer(outcome=NO_TPS, masked_name=mask_name(nama), **regions)
    return LookupAnswer(
        outcome=LISTED,
        masked_name=mask_name(nama),
        tps_code=tps,
        tps_number=tps[10:13],
        tps_address=tps_address or "",
        **regions,
    )
