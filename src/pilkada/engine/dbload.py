"""Set-based loading of Arrow/Polars frames into SQLite or PostgreSQL (no Django).

PostgreSQL gets ``COPY ... FROM STDIN`` fed with CSV produced by Polars (the next batch is
rendered in a worker thread while the server parses the current one); SQLite gets one
``executemany`` per batch inside the caller's transaction (columns with one value for every
row, ``constants``, are written into the statement instead of being bound row by row). Both
run on the caller's DB-API connection, so the load commits or rolls back with the caller's
transaction: a failed or killed load leaves the database as it was.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

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
    *,
    constants: Mapping[str, object] | None = None,
) -> int:
    """Insert every frame's ``columns`` into ``table``; returns the number of rows.

    ``vendor`` is Django's ``connection.vendor`` ("postgresql" or "sqlite"). Frames must
    hold the columns in a type the database accepts (dates as Date, booleans as Boolean).
    ``constants`` (column -> value: int, bool, str or None) are columns that hold the same
    value on every row; they need not be in the frames.
    """
    constants = dict(constants or {})
    clash = set(constants) & set(columns)
    if clash:
        raise ValueError(f"columns given both ways: {', '.join(sorted(clash))}")
    names = [*columns, *constants]
    cols = ", ".join(_quote_ident(c) for c in names)
    total = 0
    if vendor == "postgresql":
        sql = f"COPY {_quote_ident(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        fixed = [pl.lit(v).alias(k) for k, v in constants.items()]

        def render(frame: pl.DataFrame) -> tuple[bytes, int]:
            buffer = io.BytesIO()
            out = frame.select(*columns, *fixed) if fixed else frame.select(columns)
            out.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
            return buffer.getvalue(), frame.height

        with dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for data, rows in _ahead(render, frames):
                copy.write(data)
                total += rows
        return total
    if vendor == "sqlite":
        values = ["?"] * len(columns) + [_sql_literal(v) for v in constants.values()]
        sql = f"INSERT INTO {_quote_ident(table)} ({cols}) VALUES ({', '.join(values)})"
        cursor = dbapi_connection.cursor()
        try:
            for frame in frames:
                cursor.executemany(sql, _sqlite_ready(frame.select(columns)).iter_rows())
                total += frame.height
        finally:
            cursor.close()
        return total
    raise NotImplementedError(f"bulk load into {vendor} is not supported")


def _ahead(work, items: Iterable) -> Iterator:
    """``work(item)`` for each item, in order, the next one computed in a worker thread
    while the caller handles the current one (Polars releases the GIL while it writes)."""
    iterator = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pilkada-dbload") as pool:
        item = next(iterator, None)
        pending = pool.submit(work, item) if item is not None else None
        while pending is not None:
            done = pending.result()
            item = next(iterator, None)
            pending = pool.submit(work, item) if item is not None else None
            yield done


def _sql_literal(value: object) -> str:
    """A constant as an SQL literal (SQLite)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"unsupported constant {value!r}")


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1, the way Django stores them in SQLite."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(casts) if casts else frame
