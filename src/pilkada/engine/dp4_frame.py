"""Read a DP4 file (the foundation's CSV format) into a typed Polars frame. No Django.

A plain reader without validation, for quick looks and experiments: it assumes a clean
file (line = row index + 2). Importing into the register goes through
:mod:`pilkada.engine.dp4_import`, which handles damaged files, flags and rejects.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

DP4_COLUMNS = [
    "nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
    "alamat", "rt", "rw", "kode_kelurahan", "disabilitas", "ktp_el",
]  # fmt: skip


def read_dp4_batches(path: str | Path, batch_rows: int = 250_000):
    """Yield typed frames of the DP4 file, with ``line`` (1-based line in the file)."""
    lazy = pl.scan_csv(
        path,
        schema=dict.fromkeys(DP4_COLUMNS, pl.Utf8),
        has_header=True,
        row_index_name="line",
        row_index_offset=2,
    )
    yield from _typed(lazy).collect_batches(chunk_size=batch_rows)


def _typed(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select(
        pl.col("line").cast(pl.Int64),
        pl.col("nkk").fill_null("").str.slice(0, 32),
        pl.col("nik").fill_null("").str.slice(0, 32),
        pl.col("nama").fill_null("").str.slice(0, 200),
        pl.col("tempat_lahir").fill_null("").str.slice(0, 100),
        pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False),
        pl.col("jenis_kelamin").fill_null("").str.slice(0, 1),
        pl.col("status_kawin").fill_null("").str.slice(0, 1),
        pl.col("alamat").fill_null("").str.slice(0, 255),
        pl.col("rt").fill_null("").str.slice(0, 3),
        pl.col("rw").fill_null("").str.slice(0, 3),
        pl.col("kode_kelurahan").fill_null("").str.replace_all(".", "", literal=True)
        .str.slice(0, 10).alias("kelurahan_code"),
        pl.col("disabilitas").cast(pl.Int16, strict=False).fill_null(0),
        (pl.col("ktp_el") != "0").fill_null(True).alias("ktp_el"),
    )
