"""Published voter lists (DPS, DPSHP, DPT): the snapshot files and their A-Rekap recap.
No Django.

* :class:`SnapshotWriter` streams chunks of rows (tuples in :data:`SNAPSHOT_COLUMNS` order,
  as a database cursor yields them) into a Parquet file and a CSV file with the same rows,
  without ever holding the whole list in memory, and returns the row count and the SHA-256
  of each file.
* :func:`recap_frame` reads a snapshot's Parquet file in one grouped pass (per kelurahan and
  TPS) and rolls the groups up by code prefix (KPU region codes: a parent's code is its
  children's prefix) into one row per region: TPS, kelurahan, kecamatan, kab/kota and
  province. Each row counts voters by sex, disability, age group (as of voting day) and
  KTP-el status, the TPS in the region, and KawalPemilu-style problem counters with a
  pointer to the first problem.

The age groups follow KPU's generational breakdown (see :func:`kelompok_umur`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

#: Columns of a snapshot file, in order. ``nomor`` is the voter's number within their TPS
#: (within the kelurahan for voters without a TPS yet), as printed on the list.
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "voter_id", "nomor", "kelurahan_code", "tps_code", "nkk", "nik", "nama", "tempat_lahir",
    "tanggal_lahir", "jenis_kelamin", "status_kawin", "alamat", "rt", "rw", "disabilitas",
    "ktp_el", "status", "source", "quality_flags",
)  # fmt: skip

#: The types the database gives (dates as ISO text, booleans as 0/1) ...
_RAW_SCHEMA: dict[str, pl.DataType] = {
    "voter_id": pl.Int64, "nomor": pl.Int32, "kelurahan_code": pl.String,
    "tps_code": pl.String, "nkk": pl.String, "nik": pl.String, "nama": pl.String,
    "tempat_lahir": pl.String, "tanggal_lahir": pl.String, "jenis_kelamin": pl.String,
    "status_kawin": pl.String, "alamat": pl.String, "rt": pl.String, "rw": pl.String,
    "disabilitas": pl.Int16, "ktp_el": pl.Int8, "status": pl.String, "source": pl.String,
    "quality_flags": pl.String,
}  # fmt: skip
#: ... and the types the snapshot file stores.
SNAPSHOT_SCHEMA: dict[str, pl.DataType] = {
    **_RAW_SCHEMA,
    "tanggal_lahir": pl.Date,
    "ktp_el": pl.Boolean,
}

#: Rows per Parquet row group. The file is sorted by kelurahan and TPS, so a reader that
#: wants one kelurahan (the DPS announcement page) touches one or two row groups.
ROW_GROUP_ROWS = 65_536

#: Region code length per level (KPU style, no dots).
LEVEL_LENGTHS: dict[str, int] = {
    "provinsi": 2, "kabkota": 4, "kecamatan": 6, "kelurahan": 10, "tps": 13,
}  # fmt: skip

#: Disability codes of the DP4 format (0 none): 1 fisik, 2 intelektual, 3 mental,
#: 4 wicara, 5 rungu, 6 netra.
DISABILITY_CODES = (1, 2, 3, 4, 5, 6)

#: Age groups of the recap: (column suffix, first age, last age or None).
AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("17_27", 17, 27),
    ("28_43", 28, 43),
    ("44_59", 44, 59),
    ("60p", 60, None),
)
#: Young voters ("pemilih muda") counted apart, as KPU reports them.
YOUNG_VOTER_AGES = (17, 40)

#: Count columns of a recap row, in the order pages and exports show them.
RECAP_COUNT_COLUMNS: tuple[str, ...] = (
    "total", "laki_laki", "perempuan", "sex_unknown",
    *(f"dis_{c}" for c in DISABILITY_CODES), "dis_total",
    "age_lt17", *(f"age_{name}" for name, _a, _b in AGE_GROUPS), "age_unknown", "age_17_40",
    "ktp_el_yes", "ktp_el_no", "ktp_el_unknown",
    "tps_count", "pending", "flagged", "no_tps", "tps_over_cap",
)  # fmt: skip
#: Every column of the recap frame.
RECAP_COLUMNS: tuple[str, ...] = (
    "region_code", "level", "parent_code", *RECAP_COUNT_COLUMNS, "first_problem",
)  # fmt: skip


def kelompok_umur(age: int | None) -> str:
    """The recap's age group of a voter ``age`` years old on voting day.

    Groups 17-27, 28-43, 44-59 and 60+ follow KPU's generational breakdown of the voter
    list (Gen Z, milenial, Gen X, baby boomer and older), as KPU RI presented the DPT of
    Pemilu 2024 (rekapitulasi DPT, 2 July 2023) and as the ages stand on the 2024 voting
    day. A married voter under 17 (eligible under UU 10/2016 jo. UU 1/2015 Pasal 1 angka 6)
    is ``"lt17"``; an unknown birth date is ``"unknown"``. The Polars form
    (:func:`age_group_exprs`) uses the same table :data:`AGE_GROUPS`.
    """
    if age is None:
        return "unknown"
    for name, first, last in AGE_GROUPS:
        if age >= first and (last is None or age <= last):
            return name
    return "lt17"


def pemilih_muda(age: int | None) -> bool:
    """A young voter: 17 to 40 years old on voting day (:data:`YOUNG_VOTER_AGES`), the
    band KPU reports as "pemilih muda" beside the generational groups."""
    first, last = YOUNG_VOTER_AGES
    return age is not None and first <= age <= last


def age_on_expr(birth: pl.Expr, voting_day: dt.date) -> pl.Expr:
    """Whole years of age on ``voting_day`` (same rule as ``eligibility.age_on``: a
    29 February birthday counts on 1 March)."""
    before_birthday = (birth.dt.month() > voting_day.month) | (
        (birth.dt.month() == voting_day.month) & (birth.dt.day() > voting_day.day)
    )
    return (
        pl.lit(voting_day.year, pl.Int32)
        - birth.dt.year().cast(pl.Int32)
        - before_birthday.cast(pl.Int32)
    )


def age_group_exprs(age: pl.Expr) -> list[pl.Expr]:
    """Sums per age group (the vectorised :func:`kelompok_umur` and :func:`pemilih_muda`)."""
    exprs = [(age < AGE_GROUPS[0][1]).sum().alias("age_lt17")]
    for name, first, last in AGE_GROUPS:
        cond = age >= first if last is None else age.is_between(first, last)
        exprs.append(cond.sum().alias(f"age_{name}"))
    exprs.append(age.is_null().sum().alias("age_unknown"))
    first, last = YOUNG_VOTER_AGES
    exprs.append(age.is_between(first, last).sum().alias("age_17_40"))
    return exprs


# --- snapshot files -------------------------------------------------------------------


def rows_frame(rows: Sequence[Sequence]) -> pl.DataFrame:
    """A chunk of database rows (in :data:`SNAPSHOT_COLUMNS` order) as a snapshot frame."""
    frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row")
    return frame.with_columns(
        pl.col("tanggal_lahir").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        pl.col("ktp_el").cast(pl.Boolean),
    )


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SnapshotFiles:
    parquet: Path
    csv: Path
    rows: int
    parquet_sha256: str
    csv_sha256: str


class SnapshotWriter:
    """Write a snapshot chunk by chunk; :meth:`close` makes both files read-only and
    returns their hashes. Refuses to overwrite an existing file (a published version is
    never rewritten). On failure call :meth:`abort` to remove what was written."""

    def __init__(self, parquet: Path, csv_path: Path):
        self.parquet = Path(parquet)
        self.csv = Path(csv_path)
        for path in (self.parquet, self.csv):
            if path.exists():
                raise FileExistsError(f"{path} exists: a published snapshot is never rewritten")
        self.parquet.parent.mkdir(parents=True, exist_ok=True)
        schema = pl.DataFrame(schema=SNAPSHOT_SCHEMA).to_arrow().schema
        self._writer = pq.ParquetWriter(self.parquet, schema, compression="zstd")
        self._csv = open(self.csv, "wb")  # noqa: SIM115 - closed in close()/abort()
        self._csv.write((",".join(SNAPSHOT_COLUMNS) + "\n").encode())
        self.rows = 0

    def write_rows(self, rows: Sequence[Sequence]) -> None:
        if rows:
            self.write_frame(rows_frame(rows))

    def write_frame(self, frame: pl.DataFrame) -> None:
        frame = frame.select(SNAPSHOT_COLUMNS)
        self._writer.write_table(frame.to_arrow(), row_group_size=ROW_GROUP_ROWS)
        frame.write_csv(self._csv, include_header=False, date_format="%Y-%m-%d")
        self.rows += frame.height

    def close(self) -> SnapshotFiles:
        self._writer.close()
        self._csv.close()
        for path in (self.parquet, self.csv):
            make_read_only(path)
        return SnapshotFiles(
            parquet=self.parquet,
            csv=self.csv,
            rows=self.rows,
            parquet_sha256=file_sha256(self.parquet),
            csv_sha256=file_sha256(self.csv),
        )

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # best effort: the file is removed below
            self._writer.close()
        self._csv.close()
        for path in (self.parquet, self.csv):
            path.unlink(missing_ok=True)


def make_read_only(path: Path) -> None:
    mode = os.stat(path).st_mode
    os.chmod(path, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def read_snapshot_rows(
    parquet: str | Path, *, kelurahan_code: str, columns: Iterable[str] | None = None
) -> pl.DataFrame:
    """The rows of one kelurahan of a snapshot, in list order (TPS, nomor). Row-group
    statistics skip the rest of the file."""
    frame = (
        pl.scan_parquet(parquet)
        .filter(pl.col("kelurahan_code") == kelurahan_code)
        .select(list(columns) if columns else list(SNAPSHOT_COLUMNS))
        .collect()
    )
    order = [c for c in ("tps_code", "nomor") if c in frame.columns]
    return frame.sort(order, nulls_last=True) if order else frame


# --- recap ----------------------------------------------------------------------------


def _group_pass(parquet: str | Path, *, voting_day: dt.date) -> pl.DataFrame:
    """One pass over the file: counts per (kelurahan_code, tps_code)."""
    lf = pl.scan_parquet(parquet)
    sex = pl.col("jenis_kelamin")
    dis = pl.col("disabilitas")
    ktp = pl.col("ktp_el")
    age = age_on_expr(pl.col("tanggal_lahir"), voting_day)
    return (
        lf.group_by("kelurahan_code", "tps_code")
        .agg(
            pl.len().cast(pl.Int64).alias("total"),
            (sex == "L").sum().alias("laki_laki"),
            (sex == "P").sum().alias("perempuan"),
            (~sex.is_in(["L", "P"]) | sex.is_null()).sum().alias("sex_unknown"),
            *[(dis == c).sum().alias(f"dis_{c}") for c in DISABILITY_CODES],
            dis.is_in(list(DISABILITY_CODES)).sum().alias("dis_total"),
            *age_group_exprs(age),
            (ktp == True).sum().alias("ktp_el_yes"),  # noqa: E712 - a Polars expression
            (ktp == False).sum().alias("ktp_el_no"),  # noqa: E712
            ktp.is_null().sum().alias("ktp_el_unknown"),
            (pl.col("status") == "pending").sum().alias("pending"),
            (pl.col("quality_flags").fill_null("") != "").sum().alias("flagged"),
        )
        .collect(engine="streaming")
    )


def recap_frame(
    parquet: str | Path, *, voting_day: dt.date, root_code: str, tps_cap: int
) -> pl.DataFrame:
    """The recap of one snapshot: one row per region (and TPS) under ``root_code``.

    ``root_code`` is the snapshot's region (a province or kab/kota code): levels from it
    down to the TPS get a row each. A voter whose kelurahan code is not a 10-digit code
    below the root counts towards the root only; a voter without a TPS counts towards the
    kelurahan and up (``no_tps``). ``tps_over_cap`` counts TPS with more than ``tps_cap``
    voters. ``first_problem`` is the smallest code (TPS, or kelurahan for voters without a
    TPS) where something is still open: pending rows, flagged rows, no TPS, over the cap.

    Every count column of a parent equals the sum over its children (for the kelurahan:
    its TPS plus its voters without a TPS in ``no_tps``), and the root's ``total`` equals
    the snapshot's row count.
    """
    groups = _group_pass(parquet, voting_day=voting_day)
    count_cols = [
        c for c in RECAP_COUNT_COLUMNS if c not in ("tps_count", "no_tps", "tps_over_cap")
    ]
    kel = pl.col("kelurahan_code").fill_null("")
    valid_kel = kel.str.contains(r"^\d{10}$") & kel.str.starts_with(root_code)
    has_tps = pl.col("tps_code").is_not_null() & pl.col("tps_code").str.starts_with(kel)
    groups = groups.with_columns(
        valid_kel.alias("_valid"),
        (has_tps & valid_kel).alias("_tps"),
    ).with_columns(
        pl.col("_tps").cast(pl.Int64).alias("tps_count"),
        pl.when(pl.col("_tps")).then(0).otherwise(pl.col("total")).alias("no_tps"),
        (pl.col("_tps") & (pl.col("total") > tps_cap)).cast(pl.Int64).alias("tps_over_cap"),
    )
    problem = (pl.col("pending") > 0) | (pl.col("flagged") > 0) | (pl.col("tps_over_cap") > 0)
    groups = groups.with_columns(
        pl.when(pl.col("_tps") & problem)
        .then(pl.col("tps_code"))
        .when(~pl.col("_tps") & pl.col("_valid"))
        .then(kel)
        .when(~pl.col("_valid"))
        .then(pl.lit(root_code))
        .otherwise(None)
        .alias("first_problem")
    )
    sums = [
        pl.col(c).sum().cast(pl.Int64) for c in (*count_cols, "tps_count", "no_tps", "tps_over_cap")
    ]
    frames = []
    tps_rows = groups.filter(pl.col("_tps")).select(
        pl.col("tps_code").alias("region_code"),
        pl.lit("tps").alias("level"),
        pl.col("kelurahan_code").alias("parent_code"),
        *[pl.col(c).cast(pl.Int64) for c in RECAP_COUNT_COLUMNS],
        pl.col("first_problem"),
    )
    frames.append(tps_rows)
    root_len = len(root_code)
    for level, length in LEVEL_LENGTHS.items():
        if level == "tps" or length < root_len:
            continue
        if length == root_len:
            scoped = groups.with_columns(pl.lit(root_code).alias("_code"))
        else:
            scoped = groups.filter(pl.col("_valid")).with_columns(
                kel.str.slice(0, length).alias("_code")
            )
        parent = _parent_expr(length, root_len)
        agg = scoped.group_by("_code").agg(*sums, pl.col("first_problem").min())
        frames.append(
            agg.select(
                pl.col("_code").alias("region_code"),
                pl.lit(level).alias("level"),
                parent.alias("parent_code"),
                *[pl.col(c) for c in RECAP_COUNT_COLUMNS],
                pl.col("first_problem"),
            )
        )
    if not frames[0].height and len(frames) == 1:  # pragma: no cover - no levels at all
        return frames[0]
    out = pl.concat(frames, how="vertical_relaxed")
    if out.filter(pl.col("region_code") == root_code).height == 0:
        # An empty snapshot still has its root row (all zero).
        empty = {c: [0] for c in RECAP_COUNT_COLUMNS}
        out = pl.concat(
            [
                out,
                pl.DataFrame(
                    {
                        "region_code": [root_code],
                        "level": [_level_of_length(root_len)],
                        "parent_code": [None],
                        **empty,
                        "first_problem": [None],
                    },
                    schema_overrides={c: pl.Int64 for c in RECAP_COUNT_COLUMNS}
                    | {"parent_code": pl.String, "first_problem": pl.String},
                ),
            ],
            how="vertical_relaxed",
        )
    return out.select(RECAP_COLUMNS).sort("region_code")


def _parent_expr(length: int, root_len: int) -> pl.Expr:
    if length == root_len:
        return pl.lit(None, pl.String)
    lengths = [v for v in LEVEL_LENGTHS.values() if v < length]
    return pl.col("_code").str.slice(0, max(lengths))


def _level_of_length(length: int) -> str:
    for level, value in LEVEL_LENGTHS.items():
        if value == length:
            return level
    raise ValueError(f"no region level has codes of {length} digits")


def write_recap_csv(rows: Iterable[dict], path_or_buffer, *, columns: Sequence[str]) -> None:
    """Write recap rows (dicts) as CSV with ``columns`` (used by the export)."""
    writer = csv.DictWriter(path_or_buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
