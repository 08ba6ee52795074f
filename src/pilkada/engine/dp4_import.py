"""DP4 (and previous DPT) import: read a file, validate every row, account for every row.

No Django. :func:`read_and_validate` streams a CSV, XLSX (XLS, ODS) or Parquet file through
:mod:`pilkada.engine.tabular_read` and the rules below, and puts every record in exactly one
of three places:

* **accepted** -- a clean person row;
* **flagged** -- a person with a damaged field (an invalid NIK, an impossible date, an unknown
  kelurahan code, a bad sex code, ...): *kept*, with its data-quality flags (the codes of
  :class:`Reason` with severity ``flag``, comma-separated in ``quality_flags``), so that
  coklit can correct it;
* **rejected** -- a row that cannot be read as a person, written to the rejects CSV
  (``line,column,reason_code,reason,raw``) with its physical line number.

Blank lines, title lines above the header and repeated header rows are counted apart from
those: ``read == accepted + flagged + rejected`` always holds, and :class:`ImportOutcome`
reports every count. Person rows are staged (Arrow IPC) for a set-based load by the caller;
nothing here touches a database. The rules are documented in ``docs/formats/dp4.md``.

NIK and NKK are judged by :mod:`pilkada.engine.nik` (``validate_nik_frame`` /
``validate_nkk_frame``): its rules are not repeated here. The NIK's province is *not*
compared with the election's (a NIK keeps the region of first issue after a move).
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from .nik import NikError, validate_nik_frame, validate_nkk_frame
from .tabular_read import (
    EXTRA_STRIP,
    LINE,
    RAW,
    ROW_DETAIL,
    ROW_ERROR,
    ColumnSpec,
    FileProblem,
    FileRejected,
    TabularSource,
    open_table,
)

__all__ = [
    "DP4_COLUMNS",
    "DP4_SPEC",
    "KINDS",
    "LOAD_SCHEMA",
    "MAX_LENGTHS",
    "REJECTS_HEADER",
    "DP4Stream",
    "FileProblem",
    "FileRejected",
    "ImportOutcome",
    "Progress",
    "Reason",
    "Severity",
    "read_and_validate",
    "threaded",
]

KINDS = ("dp4", "dpt-lama")

DP4_COLUMNS = (
    "nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
    "alamat", "rt", "rw", "kode_kelurahan", "disabilitas", "ktp_el",
)  # fmt: skip
REQUIRED_COLUMNS = frozenset(
    {"nkk", "nik", "nama", "tanggal_lahir", "jenis_kelamin", "kode_kelurahan"}
)
# Header spellings seen in exports, after normalize_header (lower case, "_" for spaces).
ALIASES = {
    "no_kk": "nkk", "nomor_kk": "nkk", "no_kartu_keluarga": "nkk",
    "no_nik": "nik", "nomor_nik": "nik", "nomor_induk_kependudukan": "nik",
    "nama_lengkap": "nama", "nama_pemilih": "nama",
    "tmp_lahir": "tempat_lahir", "tempat": "tempat_lahir",
    "tgl_lahir": "tanggal_lahir", "tanggal_lahir_yyyy_mm_dd": "tanggal_lahir",
    "jk": "jenis_kelamin", "l_p": "jenis_kelamin", "kelamin": "jenis_kelamin",
    "status_perkawinan": "status_kawin", "kawin": "status_kawin", "sts_kawin": "status_kawin",
    "kelurahan_code": "kode_kelurahan", "kode_kel": "kode_kelurahan",
    "kode_desa": "kode_kelurahan", "kode_wilayah": "kode_kelurahan",
    "difabel": "disabilitas", "jenis_disabilitas": "disabilitas",
    "ektp": "ktp_el", "e_ktp": "ktp_el", "ktpel": "ktp_el", "ktp": "ktp_el",
}  # fmt: skip
DP4_SPEC = ColumnSpec(names=DP4_COLUMNS, required=REQUIRED_COLUMNS, aliases=ALIASES)

#: Column widths of the voter table (voters.models.Voter); longer values are cut and flagged.
MAX_LENGTHS = {
    "nkk": 32, "nik": 32, "nama": 200, "tempat_lahir": 100, "alamat": 255, "rt": 8, "rw": 8,
    "kelurahan_code": 20,
}  # fmt: skip

#: The rows handed to the loader: one per person (accepted or flagged).
LOAD_SCHEMA = {
    "line": pl.Int64,
    "nkk": pl.String,
    "nik": pl.String,
    "nama": pl.String,
    "tempat_lahir": pl.String,
    "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.String,
    "status_kawin": pl.String,
    "alamat": pl.String,
    "rt": pl.String,
    "rw": pl.String,
    "kelurahan_code": pl.String,
    "disabilitas": pl.Int16,
    "ktp_el": pl.Boolean,
    "quality_flags": pl.String,
}
REJECTS_HEADER = ("line", "column", "reason_code", "reason", "raw")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class Severity(StrEnum):
    REJECT = "reject"  # the row is not imported; it goes to the rejects file
    FLAG = "flag"  # the row is imported with the flag, for coklit to correct


def _nik(error: NikError) -> str:
    return "NIK: " + error.message


def _nkk(error: NikError) -> str:
    return "NKK: " + error.message


R, F = Severity.REJECT, Severity.FLAG


class Reason(StrEnum):
    """Why a row was rejected or flagged: a stable code, its severity, the column it is
    about and an English message (the web and CLI layers may translate)."""

    severity: Severity
    column: str
    message: str

    def __new__(cls, code: str, severity: Severity, column: str, message: str) -> Reason:
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = severity
        member.column = column
        member.message = message
        return member

    # --- rejects: the row cannot be read as a person -------------------------------------
    WRONG_COLUMN_COUNT = (
        "wrong_column_count", R, "",
        "The row does not have the header's number of fields, so its values cannot be "
        "matched to columns.",
    )  # fmt: skip
    UNBALANCED_QUOTE = (
        "unbalanced_quote", R, "",
        "A quote opens a field that never closes, so the row cannot be split into fields.",
    )  # fmt: skip
    NO_IDENTITY = (
        "no_identity", R, "nama,nik",
        "Both the name (nama) and the NIK are empty: the row cannot be read as a person.",
    )  # fmt: skip
    OUTSIDE_REGION = (
        "outside_region", R, "kode_kelurahan",
        "The kelurahan code lies outside the election's region: the row belongs to another "
        "region's list.",
    )  # fmt: skip

    # --- flags: a person with a damaged field, kept for coklit ---------------------------
    NIK_EMPTY = ("nik_empty", F, "nik", _nik(NikError.EMPTY))
    NIK_SCIENTIFIC_NOTATION = (
        "nik_scientific_notation", F, "nik", _nik(NikError.SCIENTIFIC_NOTATION)
    )  # fmt: skip
    NIK_PRECISION_LOST = ("nik_precision_lost", F, "nik", _nik(NikError.PRECISION_LOST))
    NIK_NON_DIGIT = ("nik_non_digit", F, "nik", _nik(NikError.NON_DIGIT))
    NIK_WRONG_LENGTH = ("nik_wrong_length", F, "nik", _nik(NikError.WRONG_LENGTH))
    NIK_BAD_PROVINCE = ("nik_bad_province", F, "nik", _nik(NikError.BAD_PROVINCE))
    NIK_REGION_MISMATCH = ("nik_region_mismatch", F, "nik", _nik(NikError.REGION_MISMATCH))
    NIK_BAD_KABKOTA = ("nik_bad_kabkota", F, "nik", _nik(NikError.BAD_KABKOTA))
    NIK_BAD_KECAMATAN = ("nik_bad_kecamatan", F, "nik", _nik(NikError.BAD_KECAMATAN))
    NIK_BAD_DATE = ("nik_bad_date", F, "nik", _nik(NikError.BAD_DATE))
    NIK_ZERO_SERIAL = ("nik_zero_serial", F, "nik", _nik(NikError.ZERO_SERIAL))
    NKK_EMPTY = ("nkk_empty", F, "nkk", _nkk(NikError.EMPTY))
    NKK_SCIENTIFIC_NOTATION = (
        "nkk_scientific_notation", F, "nkk", _nkk(NikError.SCIENTIFIC_NOTATION)
    )  # fmt: skip
    NKK_PRECISION_LOST = ("nkk_precision_lost", F, "nkk", _nkk(NikError.PRECISION_LOST))
    NKK_NON_DIGIT = ("nkk_non_digit", F, "nkk", _nkk(NikError.NON_DIGIT))
    NKK_WRONG_LENGTH = ("nkk_wrong_length", F, "nkk", _nkk(NikError.WRONG_LENGTH))
    NKK_BAD_PROVINCE = ("nkk_bad_province", F, "nkk", _nkk(NikError.BAD_PROVINCE))
    NKK_REGION_MISMATCH = ("nkk_region_mismatch", F, "nkk", _nkk(NikError.REGION_MISMATCH))
    NKK_BAD_KABKOTA = ("nkk_bad_kabkota", F, "nkk", _nkk(NikError.BAD_KABKOTA))
    NKK_BAD_KECAMATAN = ("nkk_bad_kecamatan", F, "nkk", _nkk(NikError.BAD_KECAMATAN))
    NKK_BAD_DATE = ("nkk_bad_date", F, "nkk", _nkk(NikError.BAD_DATE))
    NKK_ZERO_SERIAL = ("nkk_zero_serial", F, "nkk", _nkk(NikError.ZERO_SERIAL))
    NAMA_EMPTY = ("nama_empty", F, "nama", "The name (nama) is empty.")
    TANGGAL_LAHIR_EMPTY = ("tanggal_lahir_empty", F, "tanggal_lahir", "The birth date is empty.")
    TANGGAL_LAHIR_INVALID = (
        "tanggal_lahir_invalid", F, "tanggal_lahir",
        "The birth date is not a real date in YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY (e.g. "
        "30 February, or month 13).",
    )  # fmt: skip
    TANGGAL_LAHIR_OUT_OF_RANGE = (
        "tanggal_lahir_out_of_range", F, "tanggal_lahir",
        "The birth date is after the reference date (voting day) or before 1900.",
    )  # fmt: skip
    NIK_BIRTH_MISMATCH = (
        "nik_birth_mismatch", F, "nik,tanggal_lahir",
        "The birth date in the NIK (digits 7-12) differs from tanggal_lahir.",
    )  # fmt: skip
    NIK_SEX_MISMATCH = (
        "nik_sex_mismatch", F, "nik,jenis_kelamin",
        "The sex in the NIK (day + 40 for women) differs from jenis_kelamin.",
    )  # fmt: skip
    JENIS_KELAMIN_INVALID = (
        "jenis_kelamin_invalid", F, "jenis_kelamin",
        "The sex is not L (laki-laki) or P (perempuan).",
    )  # fmt: skip
    STATUS_KAWIN_INVALID = (
        "status_kawin_invalid", F, "status_kawin",
        "The marital status is not B (belum kawin), S (kawin) or P (pernah kawin).",
    )  # fmt: skip
    KELURAHAN_INVALID = (
        "kelurahan_invalid", F, "kode_kelurahan",
        "The kelurahan code is empty or not a 10-digit Kemendagri code.",
    )  # fmt: skip
    KELURAHAN_UNKNOWN = (
        "kelurahan_unknown", F, "kode_kelurahan",
        "The kelurahan code lies in the election's region but is not in its reference list.",
    )  # fmt: skip
    RT_INVALID = ("rt_invalid", F, "rt", "The RT is not a number of at most 3 digits.")
    RW_INVALID = ("rw_invalid", F, "rw", "The RW is not a number of at most 3 digits.")
    DISABILITAS_INVALID = (
        "disabilitas_invalid", F, "disabilitas", "The disability code is not 0-6."
    )  # fmt: skip
    KTP_EL_INVALID = ("ktp_el_invalid", F, "ktp_el", "The KTP-el status is not 1 or 0.")
    VALUE_TOO_LONG = (
        "value_too_long", F, "",
        "A value is longer than the register holds and was cut (the file keeps it whole).",
    )  # fmt: skip


del R, F

FLAG_CODES = tuple(r.value for r in Reason if r.severity is Severity.FLAG)
REJECT_CODES = tuple(r.value for r in Reason if r.severity is Severity.REJECT)

SEX_CODES = {
    "L": "L", "LK": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "LAKI": "L", "PRIA": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P", "WANITA": "P",
}  # fmt: skip
MARITAL_CODES = {
    "B": "B", "BELUM KAWIN": "B", "BELUM MENIKAH": "B",
    "S": "S", "K": "S", "KAWIN": "S", "SUDAH KAWIN": "S", "MENIKAH": "S",
    "P": "P", "PERNAH KAWIN": "P", "CERAI HIDUP": "P", "CERAI MATI": "P", "CERAI": "P",
}  # fmt: skip
KTP_EL_CODES = {
    "1": True, "Y": True, "YA": True, "TRUE": True, "SUDAH": True, "ADA": True,
    "0": False, "T": False, "N": False, "TIDAK": False, "FALSE": False, "BELUM": False,
}  # fmt: skip
DATE_FORMATS = (
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
)
_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"


@dataclass(frozen=True)
class Progress:
    """What a running import has done: ``stage`` is "read" (reading and validating) or
    "load" (the caller's database load); ``rows`` records so far; ``fraction`` of the file
    read (None when unknown)."""

    stage: str
    rows: int
    fraction: float | None = None
    total: int | None = None


ProgressFn = Callable[[Progress], None]


@dataclass
class ImportOutcome:
    """The result of reading and validating one file. ``read`` records, each accepted,
    flagged or rejected; blank lines, title lines and repeated headers apart."""

    path: Path
    kind: str
    file_format: str
    encoding: str
    delimiter: str | None
    sheet: str | None
    sha256: str
    header_line: int
    columns: list[str]  # the header as written
    missing_columns: list[str]  # optional DP4 columns the file lacks
    unknown_columns: list[str]  # header cells that are not DP4 columns (ignored)
    read: int = 0
    accepted: int = 0
    flagged: int = 0
    rejected: int = 0
    blank: int = 0
    repeated_headers: int = 0
    preamble: int = 0
    continuation_lines: int = 0
    cp1252_lines: int = 0
    lines: int = 0  # physical lines (rows) of the file that were looked at
    flag_counts: dict[str, int] = field(default_factory=dict)
    reject_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejects_path: Path | None = None
    staging_path: Path | None = None
    seconds: float = 0.0
    _frames: list[pl.DataFrame] | None = None

    @property
    def persons(self) -> int:
        """Rows to load: accepted + flagged."""
        return self.accepted + self.flagged

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.flagged + self.rejected

    def frames(self) -> Iterator[pl.DataFrame]:
        """The person rows (columns of :data:`LOAD_SCHEMA`), batch by batch."""
        if self._frames is not None:
            yield from self._frames
            return
        if self.staging_path is None:
            return
        import pyarrow as pa

        with pa.memory_map(str(self.staging_path), "r") as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                frame = pl.from_arrow(reader.get_batch(i))
                assert isinstance(frame, pl.DataFrame)
                yield frame

    def discard(self) -> None:
        """Remove the staged rows (the rejects file stays)."""
        self._frames = None
        if self.staging_path is not None:
            self.staging_path.unlink(missing_ok=True)

    def summary(self) -> str:
        parts = [
            f"{self.read:,} rows read: {self.accepted:,} accepted, {self.flagged:,} flagged, "
            f"{self.rejected:,} rejected",
            f"{self.blank:,} blank lines and {self.repeated_headers:,} repeated headers skipped",
        ]
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {
            "file": str(self.path),
            "kind": self.kind,
            "format": self.file_format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "header_line": self.header_line,
            "columns": self.columns,
            "missing_columns": self.missing_columns,
            "unknown_columns": self.unknown_columns,
            "read": self.read,
            "accepted": self.accepted,
            "flagged": self.flagged,
            "rejected": self.rejected,
            "blank": self.blank,
            "repeated_headers": self.repeated_headers,
            "preamble": self.preamble,
            "continuation_lines": self.continuation_lines,
            "cp1252_lines": self.cp1252_lines,
            "lines": self.lines,
            "reconciles": self.reconciles,
            "flags": dict(sorted(self.flag_counts.items())),
            "rejects": dict(sorted(self.reject_counts.items())),
            "notes": self.notes,
            "rejects_file": str(self.rejects_path) if self.rejects_path else None,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------
# Validation rules (Polars expressions over one batch of text records)
# ---------------------------------------------------------------------------------------


# Unicode whitespace (as str.isspace() sees it) plus BOM and zero-width characters.
_STRIP = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + EXTRA_STRIP


def _clean(name: str) -> pl.Expr:
    """Trimmed text ('' for a missing value or column)."""
    return pl.col(name).fill_null("").str.strip_chars(_STRIP)


def _collapse(expr: pl.Expr) -> pl.Expr:
    """Runs of spaces (up to 8) to one; literal replacements are far cheaper than a regex."""
    return (
        expr.str.replace_all("\r\n", " ", literal=True)
        .str.replace_all("\n", " ", literal=True)
        .str.replace_all("\t", " ", literal=True)
        .str.replace_all("  ", " ", literal=True)
        .str.replace_all("  ", " ", literal=True)
        .str.replace_all("  ", " ", literal=True)
    )


def _birth_date(text: pl.Expr) -> pl.Expr:
    candidates = [
        pl.when(text.str.contains(pattern)).then(text.str.to_date(fmt, strict=False))
        for pattern, fmt in DATE_FORMATS
    ]
    return pl.coalesce(candidates)


def _flag(condition: pl.Expr, reason: Reason) -> pl.Expr:
    return pl.when(condition).then(pl.lit(reason.value))


@dataclass(frozen=True)
class _Context:
    region_code: str
    kelurahan_codes: frozenset[str] | None
    reference_date: dt.date


def _validate(frame: pl.DataFrame, ctx: _Context) -> pl.DataFrame:
    """Add the load columns, ``quality_flags`` and ``reject``/``reject_detail``."""
    ref = ctx.reference_date
    lazy = frame.lazy().with_columns(
        _clean("nik").alias("_nik"),
        _clean("nkk").alias("_nkk"),
        _collapse(_clean("nama")).alias("_nama"),
        _collapse(_clean("tempat_lahir")).alias("_tempat_lahir"),
        _clean("tanggal_lahir").str.replace(_TIME_SUFFIX, "").alias("_tl"),
        _clean("jenis_kelamin").str.to_uppercase().alias("_jk"),
        _collapse(_clean("status_kawin").str.to_uppercase()).alias("_sk"),
        _collapse(_clean("alamat")).alias("_alamat"),
        _clean("rt").alias("_rt"),
        _clean("rw").alias("_rw"),
        _clean("kode_kelurahan").alias("_kel_raw"),
        _clean("disabilitas").alias("_dis"),
        _clean("ktp_el").str.to_uppercase().alias("_ktp"),
    )
    lazy = validate_nik_frame(lazy, "_nik", reference_date=ref, prefix="nikv")
    lazy = validate_nkk_frame(lazy, "_nkk", prefix="nkkv")
    kel_digits = pl.col("_kel_raw").str.replace_all(r"[\s.\-]", "")
    lazy = lazy.with_columns(
        kel_digits.alias("_kel"),
        _birth_date(pl.col("_tl")).alias("_date"),
        pl.col("_jk").replace_strict(SEX_CODES, default=None, return_dtype=pl.String).alias("_sex"),
        pl.col("_sk")
        .replace_strict(MARITAL_CODES, default=None, return_dtype=pl.String)
        .alias("_marital"),
        pl.col("_ktp")
        .replace_strict(KTP_EL_CODES, default=None, return_dtype=pl.Boolean)
        .alias("_ktp_el"),
        pl.when(pl.col("_dis").str.contains(r"^[0-6]$"))
        .then(pl.col("_dis").cast(pl.Int16, strict=False))
        .alias("_disabilitas"),
    )
    kel = pl.col("_kel")
    kel_valid = kel.str.contains(r"^[0-9]{10}$")
    outside = kel_valid & ~kel.str.starts_with(ctx.region_code)
    if ctx.kelurahan_codes is not None:
        unknown = kel_valid & ~outside & ~kel.is_in(sorted(ctx.kelurahan_codes))
    else:
        unknown = pl.lit(False)
    date = pl.col("_date")
    nik_ok = pl.col("nikv_error").is_null()
    nik_birth = pl.col("nikv_birth_date")
    nik_error = pl.col("nikv_error").cast(pl.String)
    nkk_error = pl.col("nkkv_error").cast(pl.String)
    rt_ok = pl.col("_rt").str.contains(r"^[0-9]{1,3}$")
    rw_ok = pl.col("_rw").str.contains(r"^[0-9]{1,3}$")
    stored = {
        "nkk": pl.coalesce(pl.col("nkkv_clean"), pl.col("_nkk")),
        "nik": pl.coalesce(pl.col("nikv_clean"), pl.col("_nik")),
        "nama": pl.col("_nama"),
        "tempat_lahir": pl.col("_tempat_lahir"),
        "alamat": pl.col("_alamat"),
        "rt": pl.when(rt_ok).then(pl.col("_rt").str.zfill(3)).otherwise(pl.col("_rt")),
        "rw": pl.when(rw_ok).then(pl.col("_rw").str.zfill(3)).otherwise(pl.col("_rw")),
        "kelurahan_code": pl.when(kel_valid).then(kel).otherwise(pl.col("_kel_raw")),
    }
    lazy = lazy.with_columns(
        [expr.alias(f"_s_{name}") for name, expr in stored.items()]
        + [
            outside.alias("_outside"),
            unknown.alias("_unknown"),
            kel_valid.alias("_kel_valid"),
        ]
    )
    too_long = pl.any_horizontal(
        [pl.col(f"_s_{name}").str.len_chars() > width for name, width in MAX_LENGTHS.items()]
    )
    empty_nama = pl.col("_nama") == ""
    empty_nik = pl.col("_nik") == ""
    birth_mismatch = (
        nik_ok
        & date.is_not_null()
        & (
            (nik_birth.dt.day() != date.dt.day())
            | (nik_birth.dt.month() != date.dt.month())
            | (nik_birth.dt.year() % 100 != date.dt.year() % 100)
        )
    )
    flags = [
        pl.when(nik_error.is_not_null()).then(pl.lit("nik_") + nik_error),
        pl.when(nkk_error.is_not_null()).then(pl.lit("nkk_") + nkk_error),
        _flag(empty_nama, Reason.NAMA_EMPTY),
        _flag(pl.col("_tl") == "", Reason.TANGGAL_LAHIR_EMPTY),
        _flag((pl.col("_tl") != "") & date.is_null(), Reason.TANGGAL_LAHIR_INVALID),
        _flag(
            date.is_not_null() & ((date > pl.lit(ref)) | (date < pl.lit(EARLIEST_BIRTH))),
            Reason.TANGGAL_LAHIR_OUT_OF_RANGE,
        ),
        _flag(birth_mismatch, Reason.NIK_BIRTH_MISMATCH),
        _flag(
            nik_ok & pl.col("_sex").is_not_null() & (pl.col("nikv_sex") != pl.col("_sex")),
            Reason.NIK_SEX_MISMATCH,
        ),
        _flag(pl.col("_sex").is_null(), Reason.JENIS_KELAMIN_INVALID),
        _flag((pl.col("_sk") != "") & pl.col("_marital").is_null(), Reason.STATUS_KAWIN_INVALID),
        _flag(~pl.col("_kel_valid"), Reason.KELURAHAN_INVALID),
        _flag(pl.col("_unknown"), Reason.KELURAHAN_UNKNOWN),
        _flag((pl.col("_rt") != "") & ~rt_ok, Reason.RT_INVALID),
        _flag((pl.col("_rw") != "") & ~rw_ok, Reason.RW_INVALID),
        _flag(
            (pl.col("_dis") != "") & pl.col("_disabilitas").is_null(), Reason.DISABILITAS_INVALID
        ),
        _flag((pl.col("_ktp") != "") & pl.col("_ktp_el").is_null(), Reason.KTP_EL_INVALID),
        _flag(too_long, Reason.VALUE_TOO_LONG),
    ]
    reject = pl.coalesce(
        pl.col(ROW_ERROR),
        _flag(empty_nama & empty_nik, Reason.NO_IDENTITY),
        _flag(pl.col("_outside"), Reason.OUTSIDE_REGION),
    )
    reject_detail = (
        pl.when(pl.col(ROW_ERROR).is_not_null())
        .then(pl.col(ROW_DETAIL))
        .when(pl.col("_outside"))
        .then(pl.format("kode_kelurahan {}", pl.col("_kel_raw")))
        .otherwise(pl.lit(""))
    )
    lazy = lazy.with_columns(
        pl.concat_str(flags, separator=",", ignore_nulls=True).alias("quality_flags"),
        reject.alias("reject"),
        reject_detail.alias("reject_detail"),
    )
    out = {
        "line": pl.col(LINE),
        **{
            name: pl.col(f"_s_{name}").str.slice(0, MAX_LENGTHS[name])
            for name in ("nkk", "nik", "nama", "tempat_lahir")
        },
        "tanggal_lahir": date,
        "jenis_kelamin": pl.col("_sex").fill_null(""),
        "status_kawin": pl.col("_marital").fill_null(""),
        **{
            name: pl.col(f"_s_{name}").str.slice(0, MAX_LENGTHS[name])
            for name in ("alamat", "rt", "rw", "kelurahan_code")
        },
        "disabilitas": pl.col("_disabilitas"),
        "ktp_el": pl.col("_ktp_el"),
        "quality_flags": pl.col("quality_flags"),
    }
    return lazy.select(
        *[expr.cast(LOAD_SCHEMA[name]).alias(name) for name, expr in out.items()],
        pl.col(RAW),
        pl.col("reject"),
        pl.col("reject_detail"),
    ).collect()


# ---------------------------------------------------------------------------------------
# Rejects file and staging
# ---------------------------------------------------------------------------------------

_REJECT_MESSAGES = {r.value: r.message for r in Reason}
_REJECT_COLUMNS = {r.value: r.column for r in Reason}


def _rejects_frame(rows: pl.DataFrame) -> pl.DataFrame:
    message = pl.col("reject").replace_strict(_REJECT_MESSAGES, return_dtype=pl.String)
    return rows.select(
        pl.col("line"),
        pl.col("reject").replace_strict(_REJECT_COLUMNS, return_dtype=pl.String).alias("column"),
        pl.col("reject").alias("reason_code"),
        pl.when(pl.col("reject_detail") != "")
        .then(pl.format("{} ({})", message, pl.col("reject_detail")))
        .otherwise(message)
        .alias("reason"),
        pl.col(RAW).alias("raw"),
    )


class _Staging:
    """Person rows written to an Arrow IPC file (or kept in memory without a path)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.frames: list[pl.DataFrame] | None = None if path else []
        self._writer = None
        self._schema = None

    def write(self, frame: pl.DataFrame) -> None:
        if self.frames is not None:
            self.frames.append(frame)
            return
        import pyarrow as pa

        table = frame.to_arrow()
        if self._writer is None:
            self._schema = table.schema
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pa.ipc.new_file(str(self.path), self._schema)
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        elif self.path is not None and self.frames is None and not self.path.exists():
            # Nothing was written: leave an empty, readable file.
            import pyarrow as pa

            empty = pl.DataFrame(schema=LOAD_SCHEMA).to_arrow()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with pa.ipc.new_file(str(self.path), empty.schema):
                pass


# ---------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------


class DP4Stream:
    """Validate a file batch by batch, for a loader that consumes the rows as they come.

    Opening checks the file as a whole (format, header, required columns) and raises
    :class:`FileRejected` before anything is read further. :meth:`frames` then yields the
    person rows (columns of :data:`LOAD_SCHEMA`) in file order while writing rejected rows
    to ``rejects_path``; when it is exhausted, :attr:`outcome` holds the counts. It raises
    :class:`FileRejected` at the end when no data row or no person row was found, so a
    loader inside a transaction rolls back.

    :meth:`prefetched` runs the reading and validation in a background thread, so that
    they overlap with the caller's database load.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str,
        province_code: str,
        kelurahan_codes: Iterable[str] | None,
        reference_date: dt.date,
        rejects_path: str | Path,
        progress: ProgressFn | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
        region = str(province_code).replace(".", "").strip()
        if not region.isdigit() or len(region) not in (2, 4):
            raise ValueError(
                f"province_code must be a 2- or 4-digit region code: {province_code!r}"
            )
        self.kind = kind
        self.ctx = _Context(
            region_code=region,
            kelurahan_codes=None
            if kelurahan_codes is None
            else frozenset(str(c).replace(".", "") for c in kelurahan_codes),
            reference_date=reference_date,
        )
        self.rejects_path = Path(rejects_path)
        self.progress = progress
        self.started = time.perf_counter()
        self.source = open_table(path, DP4_SPEC)
        self.outcome: ImportOutcome | None = None

    @property
    def estimated_rows(self) -> int | None:
        return self.source.estimated_rows

    def frames(self) -> Iterator[pl.DataFrame]:
        source = self.source
        flag_counts: Counter[str] = Counter()
        reject_counts: Counter[str] = Counter()
        accepted = flagged = rejected = 0
        self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.rejects_path, "wb") as rejects_file:
            rejects_file.write((",".join(REJECTS_HEADER) + "\n").encode())
            for batch in source.batches():
                checked = _validate(batch, self.ctx)
                bad = checked.filter(pl.col("reject").is_not_null())
                if bad.height:
                    rejected += bad.height
                    reject_counts.update(_value_counts(bad["reject"]))
                    _rejects_frame(bad).write_csv(
                        rejects_file, include_header=False, quote_style="necessary"
                    )
                persons = checked.filter(pl.col("reject").is_null()).select(list(LOAD_SCHEMA))
                with_flags = persons.filter(pl.col("quality_flags") != "")
                flagged += with_flags.height
                accepted += persons.height - with_flags.height
                if with_flags.height:
                    flag_counts.update(
                        _value_counts(with_flags["quality_flags"].str.split(",").explode())
                    )
                if self.progress is not None:
                    self.progress(
                        Progress(
                            stage="read", rows=source.stats.records, fraction=source.stats.fraction
                        )
                    )
                if persons.height:
                    yield persons
        outcome = _outcome(
            source, self.kind, accepted, flagged, rejected, flag_counts, reject_counts
        )
        outcome.rejects_path = self.rejects_path
        outcome.seconds = time.perf_counter() - self.started
        if outcome.read == 0:
            raise FileRejected(FileProblem.EMPTY, "(a header but no data rows)")
        if outcome.persons == 0:
            raise FileRejected(
                FileProblem.NOTHING_READABLE,
                f"All {outcome.read:,} rows were rejected; see {self.rejects_path}.",
            )
        if not outcome.reconciles:  # pragma: no cover - a bug, never expected
            raise AssertionError(f"counts do not reconcile: {outcome.as_dict()}")
        self.outcome = outcome

    def prefetched(self, depth: int = 2) -> Iterator[pl.DataFrame]:
        """:meth:`frames`, produced ``depth`` batches ahead by a background thread."""
        return threaded(self.frames(), depth=depth)


def read_and_validate(
    path: str | Path,
    *,
    kind: str,
    province_code: str,
    kelurahan_codes: Iterable[str] | None,
    reference_date: dt.date,
    rejects_path: str | Path,
    progress: ProgressFn | None = None,
    staging_path: str | Path | None = None,
) -> ImportOutcome:
    """Read ``path`` (CSV, XLSX/XLS/ODS or Parquet, by signature and extension), validate
    every row and account for it.

    ``province_code`` is the election region's code prefix -- 2 digits for a province, 4
    for a kab/kota election: rows whose kelurahan code lies outside it are rejected.
    ``kelurahan_codes`` are the region's kelurahan (undotted); a code inside the region but
    not among them is flagged. ``None`` skips that check. ``reference_date`` (voting day)
    resolves the NIK's century and bounds birth dates.

    Writes the rejects CSV to ``rejects_path`` (always, with its header, even when empty)
    and the person rows to ``staging_path`` (Arrow IPC; in memory when None), read back with
    :meth:`ImportOutcome.frames`. Raises :class:`FileRejected` when the file as a whole
    cannot be imported (unreadable, empty, no header, required columns missing, or not one
    row readable as a person). A loader that wants to overlap validation with its own work
    uses :class:`DP4Stream` instead.
    """
    stream = DP4Stream(
        path,
        kind=kind,
        province_code=province_code,
        kelurahan_codes=kelurahan_codes,
        reference_date=reference_date,
        rejects_path=rejects_path,
        progress=progress,
    )
    staging = _Staging(Path(staging_path) if staging_path else None)
    try:
        for frame in stream.frames():
            staging.write(frame)
    except BaseException:
        staging.close()
        if staging.path is not None:
            staging.path.unlink(missing_ok=True)
        raise
    staging.close()
    outcome = stream.outcome
    assert outcome is not None
    outcome.staging_path = staging.path
    outcome._frames = staging.frames
    outcome.seconds = time.perf_counter() - stream.started
    return outcome


_DONE = object()


def threaded(iterable: Iterable, *, depth: int = 2) -> Iterator:
    """Iterate ``iterable`` in a background thread, ``depth`` items ahead.

    Exceptions of the producer are raised in the consumer. When the consumer stops early
    (an exception, or ``close()``), the producer stops after its current item and the
    source iterator is closed.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    iterator = iter(iterable)

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                items.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in iterator:
                if not put((True, item)):
                    return
            put((True, _DONE))
        except BaseException as exc:  # handed to the consumer
            put((False, exc))

    worker = threading.Thread(target=work, name="pilkada-dp4-read", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = items.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _value_counts(series: pl.Series) -> dict[str, int]:
    counts = series.value_counts()
    return dict(zip(counts[series.name].to_list(), counts["count"].to_list(), strict=True))


def _outcome(
    source: TabularSource,
    kind: str,
    accepted: int,
    flagged: int,
    rejected: int,
    flag_counts: Counter[str],
    reject_counts: Counter[str],
) -> ImportOutcome:
    stats = source.stats
    encoding = source.encoding
    if stats.cp1252_lines:
        encoding = f"{encoding or 'utf-8'} (+ {stats.cp1252_lines:,} lines in windows-1252)"
    notes = []
    if source.missing_columns:
        notes.append("optional columns missing (left empty): " + ", ".join(source.missing_columns))
    if source.unknown_columns:
        notes.append("columns ignored: " + ", ".join(source.unknown_columns))
    if stats.preamble:
        notes.append(f"{stats.preamble} title line(s) above the header skipped")
    if stats.cp1252_lines:
        notes.append(f"{stats.cp1252_lines:,} line(s) were not UTF-8: read as Windows-1252")
    if source.ignored_sheets:
        notes.append("sheets without the DP4 header ignored: " + ", ".join(source.ignored_sheets))
    if stats.continuation_lines:
        notes.append(f"{stats.continuation_lines} line break(s) inside quoted fields")
    lines = (
        stats.leading_blank
        + stats.preamble
        + 1
        + stats.records
        + stats.continuation_lines
        + stats.blank
        + stats.repeated_headers
    )
    return ImportOutcome(
        path=Path(source.path),
        kind=kind,
        file_format=source.format,
        encoding=encoding,
        delimiter=source.delimiter,
        sheet=source.sheet,
        sha256=source.sha256,
        header_line=source.header_line,
        columns=source.header,
        missing_columns=source.missing_columns,
        unknown_columns=source.unknown_columns,
        read=stats.records,
        accepted=accepted,
        flagged=flagged,
        rejected=rejected,
        blank=stats.blank,
        repeated_headers=stats.repeated_headers,
        preamble=stats.preamble,
        continuation_lines=stats.continuation_lines,
        cp1252_lines=stats.cp1252_lines,
        lines=lines,
        flag_counts=dict(flag_counts),
        reject_counts=dict(reject_counts),
        notes=notes,
    )


def default_staging_path(rejects_path: str | Path) -> Path:
    """Where the service stages rows: next to the rejects file, hidden."""
    rejects_path = Path(rejects_path)
    return rejects_path.with_name(f".{rejects_path.stem}.{os.getpid()}.staging.arrow")
