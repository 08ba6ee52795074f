"""Set-based loading of Arrow/Polars frames into SQLite or PostgreSQL (no Django).

PostgreSQL gets ``COPY ... FROM STDIN`` fed with CSV produced by Polars; SQLite gets one
``executemany`` per batch inside the caller's transaction. Both run on the caller's DB-API
connection, so the load commits or rolls back with the caller's transaction: a failed or
killed load leaves the database as it was.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import polars as pl

COPY_CHUNK_BYTES = 8 << 20


def _quote_ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe identifier {name!r}")
    return f'"{name}"'


def insert_frames(
    dbapi_connection,
    vendor: str,
    table: str,
    columns: Sequence[str],
    frames: Iterable[pl.DataFrame],
) -> int:
    """Insert every frame's ``columns`` into ``table``; returns the number of rows.

    ``vendor`` is Django's ``connection.vendor`` ("postgresql" or "sqlite"). Frames must
    hold the columns in a type the database accepts (dates as Date, booleans as Boolean).
    """
    cols = ", ".join(_quote_ident(c) for c in columns)
    total = 0
    if vendor == "postgresql":
        sql = f"COPY {_quote_ident(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for frame in frames:
                buffer = io.BytesIO()
                frame.select(columns).write_csv(
                    buffer, include_header=False, null_value="\\N", quote_style="necessary"
                )
                copy.write(buffer.getvalue())
                total += frame.height
        return total
    if vendor == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {_quote_ident(table)} ({cols}) VALUES ({placeholders})"
        cursor = dbapi_connection.cursor()
        try:
            for frame in frames:
                cursor.executemany(sql, _sqlite_ready(frame.select(columns)).iter_rows())
                total += frame.height
        finally:
            cursor.close()
        return total
    raise NotImplementedError(f"bulk load into {vendor} is not supported")


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1, the way Django stores them in SQLite."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(casts) if casts else frame
