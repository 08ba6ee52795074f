"""What the register's services (and the other apps' bulk services) share: the name an actor
is recorded under, reading a query's rows into a Polars frame and updating a table's rows
from a frame, set-based (no ORM object per row)."""

from __future__ import annotations

import io

import polars as pl
from django.db import connection

from pilkada.engine.dbload import insert_frames

__all__ = ["actor_name", "read_frame", "update_from_frame"]

#: Rows per chunk loaded into the temporary table of :func:`update_from_frame`.
UPDATE_BATCH_ROWS = 200_000


def actor_name(actor) -> str:
    """The name recorded for ``actor``: a User's username, a component's name (str), or
    "system" for None."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def read_frame(
    sql: str,
    schema: dict[str, pl.DataType],
    params: list | None = None,
    *,
    text_nulls_as_empty: bool = True,
) -> pl.DataFrame:
    """Run ``sql`` (with ``params`` as ``%s`` placeholders) and return its rows as a Polars
    frame with ``schema`` (column order = SELECT order).

    PostgreSQL streams the result with ``COPY (...) TO STDOUT`` as CSV; SQLite fetches in
    batches. Either way no ORM object is built. Text columns come back with "" for NULL
    unless ``text_nulls_as_empty`` is False (then NULL stays null).
    """
    names = list(schema)
    params = list(params or [])
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        buffer = io.BytesIO()
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with (
            connection.wrap_database_errors,
            connection.connection.cursor() as cursor,
            cursor.copy(statement, params or None) as copy,
        ):
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return _empty(schema)
        buffer.seek(0)
        frame = pl.read_csv(
            buffer,
            has_header=False,
            new_columns=names,
            schema_overrides=dict.fromkeys(names, pl.String),
            infer_schema=False,
        )
    else:
        # Django's SQLite connection converts declared types (dates, booleans): build the
        # frame with the final types directly, text for everything else.
        raw = {n: (t if t in (pl.Int64, pl.Date, pl.Boolean) else pl.String)
               for n, t in schema.items()}  # fmt: skip
        parts = []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(200_000):
                parts.append(pl.DataFrame(rows, schema=raw, orient="row"))
        if not parts:
            return _empty(schema)
        frame = pl.concat(parts)
    return frame.select(
        _cast(name, dtype, frame.schema[name], text_nulls_as_empty)
        for name, dtype in schema.items()
    )


def _empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def _cast(name: str, dtype, source, text_nulls_as_empty: bool) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Date:
        if source == pl.Date:
            return col
        return col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if dtype == pl.String:
        return col.fill_null("") if text_nulls_as_empty else col
    if dtype == pl.Boolean:
        if source == pl.String:
            return col.is_in(["t", "true", "1", "True"])
        return col.cast(pl.Boolean)
    return col.cast(dtype, strict=False)


def update_from_frame(
    table: str,
    frame: pl.DataFrame,
    columns: dict[str, str],
    *,
    temp: str,
    extra_sets: str = "",
    params: tuple | list = (),
) -> int:
    """UPDATE ``table``'s rows whose ``id`` is in ``frame`` with ``frame``'s ``columns``
    (name -> SQL type of the temporary column), in one statement joined to a temporary table
    ``temp`` that ``insert_frames`` fills (COPY on PostgreSQL, ``executemany`` on SQLite), in
    the caller's transaction. ``extra_sets``: more SET clauses, with ``params``. Returns the
    rows updated."""
    if frame.height == 0:
        return 0
    vendor = connection.vendor
    connection.ensure_connection()
    defs = ", ".join(f"{name} {sqltype}" for name, sqltype in columns.items())
    names = ["id", *columns]
    # A failed statement leaves nothing behind: on PostgreSQL the table goes with the
    # transaction (ON COMMIT DROP, or the rollback); on SQLite the next call drops it first.
    suffix = " ON COMMIT DROP" if vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} (id bigint PRIMARY KEY, {defs}){suffix}")
    with connection.wrap_database_errors:
        insert_frames(
            connection.connection, vendor, temp, names,
            (frame.select(names).slice(i, UPDATE_BATCH_ROWS)
             for i in range(0, frame.height, UPDATE_BATCH_ROWS)),
        )  # fmt: skip
    sets = ", ".join(f"{name} = t.{name}" for name in columns)
    if extra_sets:
        sets += f", {extra_sets}"
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"ANALYZE {temp}")
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM {temp} AS t WHERE {table}.id = t.id", params
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {temp}")
    return updated
