"""The register rows that verifikasi administrasi needs, read set-based.

Only the rows whose NIK is on the supporter list are read -- about a million rows out of
eight, instead of the whole register -- and no Python object is built per row:

* PostgreSQL: the list's distinct NIKs go in as one ``text[]`` parameter (``nik = ANY``:
  the planner hashes the array and scans the register, in parallel when it can; no temporary
  table to fill, index and analyse) and the rows come back through ``COPY ... TO STDOUT``
  as CSV, parsed by Polars.
* SQLite: the NIKs go in as one JSON array per slice (``json_each``, parsed in C), each NIK
  is looked up through the register's NIK index, and the rows come back as *one* CSV text
  per slice built by ``group_concat(printf(...))`` -- Python handles a few strings instead of
  a million tuples (and no date converter runs per row).

Every source of the election's register is read (DP4, new voters found in coklit, the
previous DPT): the engine decides which row speaks for a NIK.
"""

from __future__ import annotations

import io
import json

import polars as pl
from django.db import connection

from pilkada.voters.models import Voter
from pilkada.voters.services.common import read_frame

REGISTER_SCHEMA = {
    "voter_id": pl.Int64,
    "nik": pl.String,
    "status": pl.String,
    "tms_code": pl.Int64,
    "tanggal_lahir": pl.Date,
    "status_kawin": pl.String,
    "kelurahan_code": pl.String,
    "source": pl.String,
}
#: NIKs per SQLite statement (each returns one CSV text of its rows).
SQLITE_SLICE = 200_000
_COLUMNS = ("id", "nik", "status", "tms_code", "tanggal_lahir", "status_kawin",
            "kelurahan_code", "source")  # fmt: skip


def register_rows_for(*, election, niks: pl.Series) -> pl.DataFrame:
    """The register rows of ``election`` whose NIK is in ``niks`` (REGISTER_SCHEMA).

    Runs inside the caller's transaction when there is one; creates nothing in the
    database."""
    distinct = niks.cast(pl.String).drop_nulls().unique().sort()
    if distinct.len() == 0:
        return pl.DataFrame(schema=REGISTER_SCHEMA)
    voter = Voter._meta.db_table
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        cols = ", ".join(f"v.{c}" for c in _COLUMNS)
        return read_frame(
            f"SELECT {cols} FROM {voter} v WHERE v.election_id = %s AND v.nik = ANY(%s::text[])",
            REGISTER_SCHEMA,
            [election.pk, distinct.to_list()],
        )
    return _sqlite_rows(voter, election.pk, distinct)


def _sqlite_line() -> str:
    """SQL for one CSV line of a register row: the id as a number, every other field as an
    SQL string literal (``printf('%Q')``: single quotes, quotes doubled -- CSV with ``'`` as
    the quote character; NULL as an empty string)."""
    fields = ",".join("%d" if c == "id" else "%Q" for c in _COLUMNS)
    args = ", ".join("v.id" if c == "id" else f"coalesce(v.{c}, '')" for c in _COLUMNS)
    return f"printf('{fields}', {args})"


def _sqlite_rows(voter: str, election_id: int, distinct: pl.Series) -> pl.DataFrame:
    line = _sqlite_line()
    # json_each drives the join (one probe of the register's NIK index per NIK, in NIK
    # order); a scan of the whole register probing the NIKs is several times slower.
    sql = (
        f"SELECT group_concat({line}, char(10)) FROM json_each(?) j "
        f"JOIN {voter} v ON v.nik = j.value WHERE v.election_id = ?"
    )
    texts = []
    # The DB-API cursor: the statement's printf format must not go through Django's
    # placeholder translation.
    cursor = connection.connection.cursor()
    try:
        with connection.wrap_database_errors:
            for start in range(0, distinct.len(), SQLITE_SLICE):
                chunk = distinct.slice(start, SQLITE_SLICE).to_list()
                cursor.execute(sql, [json.dumps(chunk, ensure_ascii=False), election_id])
                text = cursor.fetchone()[0]
                if text:
                    texts.append(text)
    finally:
        cursor.close()
    if not texts:
        return pl.DataFrame(schema=REGISTER_SCHEMA)
    frame = pl.read_csv(
        io.BytesIO("\n".join(texts).encode()),
        has_header=False,
        new_columns=list(REGISTER_SCHEMA),
        schema_overrides=dict.fromkeys(REGISTER_SCHEMA, pl.String),
        infer_schema=False,
        quote_char="'",
    )
    return frame.select(
        pl.col("voter_id").cast(pl.Int64),
        pl.col("nik").fill_null(""),
        pl.col("status").fill_null(""),
        pl.col("tms_code").cast(pl.Int64, strict=False),
        pl.col("tanggal_lahir").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        *[pl.col(c).fill_null("") for c in ("status_kawin", "kelurahan_code", "source")],
    )
