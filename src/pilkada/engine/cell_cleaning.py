"""Cleaning the text cells that :mod:`pilkada.engine.tabular_read` yields. No Django.

The pieces every importer of person rows needs, as Polars expressions over one batch of
text records: trimming (Unicode whitespace, BOM, zero-width characters), collapsing runs of
spaces, reading a birth date written in the formats Indonesian exports use, sex codes, and
the per-batch bookkeeping (flag expressions, value counts, staging person rows to Parquet).

The values are those of :mod:`pilkada.engine.dp4_import` (which keeps its own copies for
now; ``tests/engine/test_support_import.py`` checks that both agree), so that a DP4 row and a
supporter row are read by the same rules.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .tabular_read import EXTRA_STRIP

__all__ = [
    "DATE_FORMATS",
    "SEX_CODES",
    "STRIP_CHARS",
    "TIME_SUFFIX",
    "ParquetStaging",
    "birth_date_expr",
    "clean_text",
    "collapse_spaces",
    "flag_expr",
    "value_counts",
]

#: Unicode whitespace (as str.isspace() sees it) plus BOM and zero-width characters.
STRIP_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + EXTRA_STRIP

#: Birth-date spellings accepted, tried in turn (pattern, strptime format).
DATE_FORMATS = (
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
)
#: A time of day that spreadsheets append to a date ("1990-04-01 00:00:00"); dropped.
TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"

SEX_CODES = {
    "L": "L", "LK": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "LAKI": "L", "PRIA": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P", "WANITA": "P",
}  # fmt: skip


def clean_text(name: str) -> pl.Expr:
    """The column trimmed ('' for a missing value or column)."""
    return pl.col(name).fill_null("").str.strip_chars(STRIP_CHARS)


def collapse_spaces(expr: pl.Expr) -> pl.Expr:
    """Line breaks and tabs to a space, every run of whitespace to one space, in one regex
    pass (the DP4 import's chain of literal replacements, which collapses runs of up to eight
    spaces, gives the same text on every run it handles, at four times the cost)."""
    return expr.str.replace_all(r"\s{2,}|[\t\r\n]", " ")


def birth_date_expr(text: pl.Expr) -> pl.Expr:
    """A Date from trimmed text in one of :data:`DATE_FORMATS` (a time suffix already
    removed); null when empty or not a real date (30 February, month 13)."""
    candidates = [
        pl.when(text.str.contains(pattern)).then(text.str.to_date(fmt, strict=False))
        for pattern, fmt in DATE_FORMATS
    ]
    return pl.coalesce(candidates)


def flag_expr(condition: pl.Expr, code: str) -> pl.Expr:
    """``code`` where ``condition`` holds, else null (for ``concat_str(ignore_nulls)``)."""
    return pl.when(condition).then(pl.lit(str(code)))


def value_counts(series: pl.Series) -> dict[str, int]:
    counts = series.value_counts()
    return dict(zip(counts[series.name].to_list(), counts["count"].to_list(), strict=True))


class ParquetStaging:
    """Person rows written batch by batch to one Parquet file (always a readable file, with
    ``schema``, even when no row came). Written under a temporary name and renamed by
    :meth:`close`, so a killed import never leaves a half-written file under the name."""

    def __init__(self, path: str | Path, schema: dict[str, pl.DataType]):
        self.path = Path(path)
        self.schema = schema
        self._tmp = self.path.with_name(self.path.name + ".part")
        self._writer = None
        self._arrow_schema = None
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = frame.select(list(self.schema)).to_arrow()
        if self._writer is None:
            self._arrow_schema = pl.DataFrame(schema=self.schema).to_arrow().schema
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(str(self._tmp), self._arrow_schema)
        if table.schema != self._arrow_schema:
            table = table.cast(self._arrow_schema)
        self._writer.write_table(table)
        self.rows += frame.height

    def close(self) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pl.DataFrame(schema=self.schema).write_parquet(self._tmp)
        else:
            self._writer.close()
            self._writer = None
        self._tmp.replace(self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._tmp.unlink(missing_ok=True)
