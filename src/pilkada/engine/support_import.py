"""Supporter lists (B.1.1-KWK rows) of an independent pair: read a file, validate every row,
account for every row. No Django.

:func:`read_supporters` streams a CSV, XLSX (XLS, ODS) or Parquet file through
:mod:`pilkada.engine.tabular_read` -- the reader of the DP4 import, so the same damage is
survived: a BOM, ``;`` or tab delimiters, lines in Windows-1252, NIKs that a spreadsheet
turned into numbers, dates as ``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY``, blank lines,
title lines above the header, repeated header rows -- and puts every record in exactly one of
three places:

* **accepted** -- a clean supporter row;
* **flagged** -- a person with a damaged field, kept with its flags (codes of :class:`Reason`
  with severity ``flag``, comma-separated in ``quality_flags``). A damaged NIK is *not* a
  reject here: the row is kept so that verification gives it TMS ``nik_invalid`` and the pair
  sees it in its results (a reject would hide it from the count the pair is judged on);
* **rejected** -- a record that cannot be read as a person at all (the wrong number of
  fields, a quote that never closes, neither NIK nor name), written to the rejects CSV
  (``line,column,reason_code,reason,raw``) with its physical line number.

``read == accepted + flagged + rejected`` always holds; blank lines, title lines and repeated
headers are counted apart. Person rows are staged (:data:`LOAD_SCHEMA`) to a Parquet file, or
kept in memory, for :func:`pilkada.engine.support_verify.verify_support` and a set-based load.
The format is described in ``docs/formats/supporters.md``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from .cell_cleaning import (
    SEX_CODES,
    TIME_SUFFIX,
    birth_date_expr,
    clean_text,
    collapse_spaces,
    flag_expr,
    value_counts,
)
from .dp4_import import REJECTS_HEADER, Progress, ProgressFn, threaded
from .nik import NikError, validate_nik_frame
from .tabular_read import (
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
    "LOAD_SCHEMA",
    "MAX_LENGTHS",
    "REJECTS_HEADER",
    "REQUIRED_COLUMNS",
    "SUPPORT_COLUMNS",
    "SUPPORT_SPEC",
    "FileProblem",
    "FileRejected",
    "Progress",
    "Reason",
    "Severity",
    "SupportImportOutcome",
    "read_supporters",
]

#: The columns of form B.1.1-KWK as the upload carries them.
SUPPORT_COLUMNS = (
    "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
    "kode_kelurahan", "pekerjaan",
)  # fmt: skip
#: A file without one of these is refused as a whole: ``pekerjaan`` is required because the
#: occupation check (``barred_occupation``) cannot be made without it.
REQUIRED_COLUMNS = frozenset(
    {"nik", "nama", "tanggal_lahir", "jenis_kelamin", "kode_kelurahan", "pekerjaan"}
)
# Header spellings seen in exports, after normalize_header (lower case, "_" for spaces).
ALIASES = {
    "no_nik": "nik", "nomor_nik": "nik", "nomor_induk_kependudukan": "nik", "no_ktp": "nik",
    "nama_lengkap": "nama", "nama_pendukung": "nama",
    "tmp_lahir": "tempat_lahir", "tempat": "tempat_lahir",
    "tgl_lahir": "tanggal_lahir", "tanggal_lahir_dd_mm_yyyy": "tanggal_lahir",
    "jk": "jenis_kelamin", "l_p": "jenis_kelamin", "kelamin": "jenis_kelamin",
    "alamat_lengkap": "alamat", "alamat_tempat_tinggal": "alamat",
    "kelurahan_code": "kode_kelurahan", "kode_kel": "kode_kelurahan",
    "kode_desa": "kode_kelurahan", "kode_wilayah": "kode_kelurahan",
    "kode_desa_kelurahan": "kode_kelurahan",
    "jenis_pekerjaan": "pekerjaan", "profesi": "pekerjaan", "pekerjaan_pendukung": "pekerjaan",
}  # fmt: skip
SUPPORT_SPEC = ColumnSpec(names=SUPPORT_COLUMNS, required=REQUIRED_COLUMNS, aliases=ALIASES)

#: Widths a supporter table should give its columns; longer values are cut and flagged.
MAX_LENGTHS = {
    "nik": 32, "nama": 200, "tempat_lahir": 100, "alamat": 255, "rt": 8, "rw": 8,
    "kode_kelurahan": 20, "pekerjaan": 100,
}  # fmt: skip

#: The staged rows: one per person (accepted or flagged), in file order.
LOAD_SCHEMA = {
    "line": pl.Int64,  # physical line of the record in the file (sheet row for XLSX)
    "nik": pl.String,  # 16 digits when the NIK could be cleaned; else the text as given
    "nik_error": pl.String,  # NikError code when the NIK is not a valid NIK; null when valid
    "nama": pl.String,
    "tempat_lahir": pl.String,
    "tanggal_lahir": pl.Date,  # null when empty or not a real date
    "jenis_kelamin": pl.String,  # 'L', 'P', or '' when not a sex code (flagged)
    "alamat": pl.String,
    "rt": pl.String,  # 3 digits when a number, else as given
    "rw": pl.String,
    "kode_kelurahan": pl.String,  # 10 digits (dots removed) when valid, else as given
    "pekerjaan": pl.String,  # as given, trimmed, spaces collapsed
    "quality_flags": pl.String,  # comma-separated Reason codes; '' when clean
}
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class Severity(StrEnum):
    REJECT = "reject"  # the row is not imported; it goes to the rejects file
    FLAG = "flag"  # the row is imported with the flag (and verified)


R, F = Severity.REJECT, Severity.FLAG


def _nik(error: NikError) -> str:
    return "NIK: " + error.message


class Reason(StrEnum):
    """Why a supporter row was rejected or flagged: a stable code, its severity, the column
    it is about and an English message (the web and CLI layers may translate)."""

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

    # --- rejects: the record cannot be read as a person ----------------------------------
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

    # --- flags: a person with a damaged field, kept and verified --------------------------
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
    NAMA_EMPTY = ("nama_empty", F, "nama", "The name (nama) is empty.")
    TANGGAL_LAHIR_EMPTY = ("tanggal_lahir_empty", F, "tanggal_lahir", "The birth date is empty.")
    TANGGAL_LAHIR_INVALID = (
        "tanggal_lahir_invalid", F, "tanggal_lahir",
        "The birth date is not a real date in YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY (e.g. "
        "30 February, or month 13).",
    )  # fmt: skip
    TANGGAL_LAHIR_OUT_OF_RANGE = (
        "tanggal_lahir_out_of_range", F, "tanggal_lahir",
        "The birth date is after the reference date or before 1900.",
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
    KELURAHAN_INVALID = (
        "kelurahan_invalid", F, "kode_kelurahan",
        "The kelurahan code is empty or not a 10-digit Kemendagri code.",
    )  # fmt: skip
    KELURAHAN_OUTSIDE_REGION = (
        "kelurahan_outside_region", F, "kode_kelurahan",
        "The kelurahan code lies outside the election's region (verification looks the "
        "supporter up in the register by NIK).",
    )  # fmt: skip
    KELURAHAN_UNKNOWN = (
        "kelurahan_unknown", F, "kode_kelurahan",
        "The kelurahan code lies in the election's region but is not in its reference list.",
    )  # fmt: skip
    RT_INVALID = ("rt_invalid", F, "rt", "The RT is not a number of at most 3 digits.")
    RW_INVALID = ("rw_invalid", F, "rw", "The RW is not a number of at most 3 digits.")
    PEKERJAAN_EMPTY = (
        "pekerjaan_empty", F, "pekerjaan",
        "The occupation (pekerjaan) is empty: it cannot be checked against the occupations "
        "barred from giving support.",
    )  # fmt: skip
    VALUE_TOO_LONG = (
        "value_too_long", F, "",
        "A value is longer than the supporter table holds and was cut (the file keeps it "
        "whole).",
    )  # fmt: skip


del R, F

FLAG_CODES = tuple(r.value for r in Reason if r.severity is Severity.FLAG)
REJECT_CODES = tuple(r.value for r in Reason if r.severity is Severity.REJECT)


@dataclass
class SupportImportOutcome:
    """The result of reading and validating one supporter file. ``read`` records, each
    accepted, flagged or rejected; blank lines, title lines and repeated headers apart."""

    path: Path
    file_format: str
    encoding: str
    delimiter: str | None
    sheet: str | None
    sha256: str
    header_line: int
    columns: list[str]  # the header as written
    missing_columns: list[str]  # optional columns the file lacks
    unknown_columns: list[str]  # header cells that are not B.1.1-KWK columns (ignored)
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
    #: The staged rows as read (kept in memory so that a caller need not read the staging
    #: file back); None when the outcome was built otherwise.
    staged: pl.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def persons(self) -> int:
        """Rows staged (and to verify): accepted + flagged."""
        return self.accepted + self.flagged

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.flagged + self.rejected

    def frame(self) -> pl.DataFrame:
        """The staged person rows (:data:`LOAD_SCHEMA`)."""
        if self.staged is not None:
            return self.staged
        if self.staging_path is None:
            return pl.DataFrame(schema=LOAD_SCHEMA)
        return pl.read_parquet(self.staging_path)

    def summary(self) -> str:
        return (
            f"{self.read:,} rows read: {self.accepted:,} accepted, {self.flagged:,} flagged, "
            f"{self.rejected:,} rejected; {self.blank:,} blank lines and "
            f"{self.repeated_headers:,} repeated headers skipped"
        )

    def as_dict(self) -> dict:
        return {
            "file": str(self.path),
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
            "staging_file": str(self.staging_path) if self.staging_path else None,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------
# Validation rules (Polars expressions over one batch of text records)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    region_code: str | None
    kelurahan_codes: frozenset[str] | None
    reference_date: dt.date


def _validate(frame: pl.DataFrame, ctx: _Context) -> pl.DataFrame:
    """The load columns, ``quality_flags`` and ``reject``/``reject_detail`` of one batch."""
    ref = ctx.reference_date
    lazy = frame.lazy().with_columns(
        clean_text("nik").alias("_nik"),
        collapse_spaces(clean_text("nama")).alias("_nama"),
        collapse_spaces(clean_text("tempat_lahir")).alias("_tempat_lahir"),
        clean_text("tanggal_lahir").str.replace(TIME_SUFFIX, "").alias("_tl"),
        clean_text("jenis_kelamin").str.to_uppercase().alias("_jk"),
        collapse_spaces(clean_text("alamat")).alias("_alamat"),
        clean_text("rt").alias("_rt"),
        clean_text("rw").alias("_rw"),
        clean_text("kode_kelurahan").alias("_kel_raw"),
        collapse_spaces(clean_text("pekerjaan")).alias("_pekerjaan"),
    )
    lazy = validate_nik_frame(lazy, "_nik", reference_date=ref, prefix="nikv")
    lazy = lazy.with_columns(
        pl.col("_kel_raw").str.replace_all(r"[\s.\-]", "").alias("_kel"),
        birth_date_expr(pl.col("_tl")).alias("_date"),
        pl.col("_jk").replace_strict(SEX_CODES, default=None, return_dtype=pl.String).alias("_sex"),
    )
    kel = pl.col("_kel")
    kel_valid = kel.str.contains(r"^[0-9]{10}$")
    if ctx.region_code:
        outside = kel_valid & ~kel.str.starts_with(ctx.region_code)
    else:
        outside = pl.lit(False)
    if ctx.kelurahan_codes is not None:
        unknown = kel_valid & ~outside & ~kel.is_in(sorted(ctx.kelurahan_codes))
    else:
        unknown = pl.lit(False)
    date = pl.col("_date")
    nik_ok = pl.col("nikv_error").is_null()
    nik_birth = pl.col("nikv_birth_date")
    nik_error = pl.col("nikv_error").cast(pl.String)
    rt_ok = pl.col("_rt").str.contains(r"^[0-9]{1,3}$")
    rw_ok = pl.col("_rw").str.contains(r"^[0-9]{1,3}$")
    stored = {
        "nik": pl.coalesce(pl.col("nikv_clean"), pl.col("_nik")),
        "nama": pl.col("_nama"),
        "tempat_lahir": pl.col("_tempat_lahir"),
        "alamat": pl.col("_alamat"),
        "rt": pl.when(rt_ok).then(pl.col("_rt").str.zfill(3)).otherwise(pl.col("_rt")),
        "rw": pl.when(rw_ok).then(pl.col("_rw").str.zfill(3)).otherwise(pl.col("_rw")),
        "kode_kelurahan": pl.when(kel_valid).then(kel).otherwise(pl.col("_kel_raw")),
        "pekerjaan": pl.col("_pekerjaan"),
    }
    lazy = lazy.with_columns(
        [expr.alias(f"_s_{name}") for name, expr in stored.items()]
        + [outside.alias("_outside"), unknown.alias("_unknown"), kel_valid.alias("_kel_valid")]
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
        flag_expr(empty_nama, Reason.NAMA_EMPTY),
        flag_expr(pl.col("_tl") == "", Reason.TANGGAL_LAHIR_EMPTY),
        flag_expr((pl.col("_tl") != "") & date.is_null(), Reason.TANGGAL_LAHIR_INVALID),
        flag_expr(
            date.is_not_null() & ((date > pl.lit(ref)) | (date < pl.lit(EARLIEST_BIRTH))),
            Reason.TANGGAL_LAHIR_OUT_OF_RANGE,
        ),
        flag_expr(birth_mismatch, Reason.NIK_BIRTH_MISMATCH),
        flag_expr(
            nik_ok & pl.col("_sex").is_not_null() & (pl.col("nikv_sex") != pl.col("_sex")),
            Reason.NIK_SEX_MISMATCH,
        ),
        flag_expr(pl.col("_sex").is_null(), Reason.JENIS_KELAMIN_INVALID),
        flag_expr(~pl.col("_kel_valid"), Reason.KELURAHAN_INVALID),
        flag_expr(pl.col("_outside"), Reason.KELURAHAN_OUTSIDE_REGION),
        flag_expr(pl.col("_unknown"), Reason.KELURAHAN_UNKNOWN),
        flag_expr((pl.col("_rt") != "") & ~rt_ok, Reason.RT_INVALID),
        flag_expr((pl.col("_rw") != "") & ~rw_ok, Reason.RW_INVALID),
        flag_expr(pl.col("_pekerjaan") == "", Reason.PEKERJAAN_EMPTY),
        flag_expr(too_long, Reason.VALUE_TOO_LONG),
    ]
    reject = pl.coalesce(pl.col(ROW_ERROR), flag_expr(empty_nama & empty_nik, Reason.NO_IDENTITY))
    reject_detail = pl.when(pl.col(ROW_ERROR).is_not_null()).then(pl.col(ROW_DETAIL))
    lazy = lazy.with_columns(
        pl.concat_str(flags, separator=",", ignore_nulls=True).alias("quality_flags"),
        reject.alias("reject"),
        reject_detail.fill_null("").alias("reject_detail"),
    )
    out = {
        "line": pl.col(LINE),
        "nik": pl.col("_s_nik").str.slice(0, MAX_LENGTHS["nik"]),
        "nik_error": nik_error,
        **{
            name: pl.col(f"_s_{name}").str.slice(0, MAX_LENGTHS[name])
            for name in ("nama", "tempat_lahir")
        },
        "tanggal_lahir": date,
        "jenis_kelamin": pl.col("_sex").fill_null(""),
        **{
            name: pl.col(f"_s_{name}").str.slice(0, MAX_LENGTHS[name])
            for name in ("alamat", "rt", "rw", "kode_kelurahan", "pekerjaan")
        },
        "quality_flags": pl.col("quality_flags"),
    }
    return lazy.select(
        *[expr.cast(LOAD_SCHEMA[name]).alias(name) for name, expr in out.items()],
        pl.col(RAW),
        pl.col("reject"),
        pl.col("reject_detail"),
    ).collect()


_MESSAGES = {r.value: r.message for r in Reason}
_COLUMNS = {r.value: r.column for r in Reason}


def _rejects_frame(rows: pl.DataFrame) -> pl.DataFrame:
    message = pl.col("reject").replace_strict(_MESSAGES, return_dtype=pl.String)
    return rows.select(
        pl.col("line"),
        pl.col("reject").replace_strict(_COLUMNS, return_dtype=pl.String).alias("column"),
        pl.col("reject").alias("reason_code"),
        pl.when(pl.col("reject_detail") != "")
        .then(pl.format("{} ({})", message, pl.col("reject_detail")))
        .otherwise(message)
        .alias("reason"),
        pl.col(RAW).alias("raw"),
    )


class _Staging:
    """Person rows kept batch by batch in memory and written to one Parquet file by
    :meth:`close` (under a temporary name, then renamed: a killed import never leaves a
    half-written file under the name; no path: memory only). One Polars write of the whole
    frame costs less than writing batch by batch through PyArrow, and the caller gets the
    frame without reading the file back. 1.2 M supporter rows take about 200 MB."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path is not None else None
        self._tmp = self.path.with_name(self.path.name + ".part") if self.path else None
        self._parts: list[pl.DataFrame] = []

    def write(self, frame: pl.DataFrame) -> None:
        self._parts.append(frame.select(list(LOAD_SCHEMA)))

    def close(self) -> pl.DataFrame:
        frame = (
            pl.concat(self._parts, how="vertical", rechunk=False)
            if self._parts
            else pl.DataFrame(schema=LOAD_SCHEMA)
        )
        self._parts = []
        frame = frame.cast(LOAD_SCHEMA)
        if self.path is None or self._tmp is None:
            return frame
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            frame.write_parquet(self._tmp, compression="lz4", statistics=False)
            self._tmp.replace(self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        return frame

    def abort(self) -> None:
        self._parts = []
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------


def read_supporters(
    path: str | Path,
    *,
    reference_date: dt.date,
    rejects_path: str | Path,
    staging_path: str | Path | None,
    region_code: str | None = None,
    kelurahan_codes: Iterable[str] | None = None,
    progress: ProgressFn | None = None,
) -> SupportImportOutcome:
    """Read ``path`` (CSV, XLSX/XLS/ODS or Parquet, by signature and extension), validate
    every row and account for it.

    ``reference_date`` (the voting day) resolves the NIK's century and bounds birth dates.
    ``region_code`` (2 digits for a province election, 4 for a kab/kota; optional) flags
    kelurahan codes outside the region -- flagged, not rejected: verification looks the
    supporter up in the register by NIK. ``kelurahan_codes`` (undotted; optional) flags a
    code inside the region but not in the reference list.

    Writes the rejects CSV to ``rejects_path`` (always, with its header, even when empty) and
    the person rows (:data:`LOAD_SCHEMA`, file order) to ``staging_path`` (Parquet; None
    keeps them in memory only, :meth:`SupportImportOutcome.frame`). Raises
    :class:`FileRejected` when the file as a whole cannot be imported (unreadable, empty, no
    header, required columns missing, or not one row readable as a person); nothing is left
    at ``staging_path`` then.
    """
    started = time.perf_counter()
    region = None
    if region_code is not None:
        region = str(region_code).replace(".", "").strip()
        if not region.isdigit() or len(region) not in (2, 4):
            raise ValueError(f"region_code must be a 2- or 4-digit region code: {region_code!r}")
    ctx = _Context(
        region_code=region,
        kelurahan_codes=None
        if kelurahan_codes is None
        else frozenset(str(c).replace(".", "") for c in kelurahan_codes),
        reference_date=reference_date,
    )
    source = open_table(path, SUPPORT_SPEC)
    rejects_path = Path(rejects_path)
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    staging = _Staging(staging_path)
    flag_counts: Counter[str] = Counter()
    reject_counts: Counter[str] = Counter()
    accepted = flagged = rejected = 0
    try:
        with open(rejects_path, "wb") as rejects_file:
            rejects_file.write((",".join(REJECTS_HEADER) + "\n").encode())
            # Reading (mostly Python) runs one batch ahead of validation (Polars).
            for batch in threaded(source.batches(), depth=1):
                checked = _validate(batch, ctx)
                bad = checked.filter(pl.col("reject").is_not_null())
                if bad.height:
                    rejected += bad.height
                    reject_counts.update(value_counts(bad["reject"]))
                    _rejects_frame(bad).write_csv(
                        rejects_file, include_header=False, quote_style="necessary"
                    )
                persons = checked.filter(pl.col("reject").is_null()).select(list(LOAD_SCHEMA))
                with_flags = persons.filter(pl.col("quality_flags") != "")
                flagged += with_flags.height
                accepted += persons.height - with_flags.height
                if with_flags.height:
                    flag_counts.update(
                        value_counts(with_flags["quality_flags"].str.split(",").explode())
                    )
                if persons.height:
                    staging.write(persons)
                if progress is not None:
                    stats = source.stats
                    progress(Progress(stage="read", rows=stats.records, fraction=stats.fraction))
        outcome = _outcome(source, accepted, flagged, rejected, flag_counts, reject_counts)
        if outcome.read == 0:
            raise FileRejected(FileProblem.EMPTY, "(a header but no data rows)")
        if outcome.persons == 0:
            raise FileRejected(
                FileProblem.NOTHING_READABLE,
                f"All {outcome.read:,} rows were rejected; see {rejects_path}.",
            )
        if not outcome.reconciles:  # pragma: no cover - a bug, never expected
            raise AssertionError(f"counts do not reconcile: {outcome.as_dict()}")
    except BaseException:
        staging.abort()
        raise
    outcome.staged = staging.close()
    outcome.rejects_path = rejects_path
    outcome.staging_path = staging.path
    outcome.seconds = time.perf_counter() - started
    return outcome


def _outcome(
    source: TabularSource,
    accepted: int,
    flagged: int,
    rejected: int,
    flag_counts: Counter[str],
    reject_counts: Counter[str],
) -> SupportImportOutcome:
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
        notes.append(
            "sheets without the B.1.1-KWK header ignored: " + ", ".join(source.ignored_sheets)
        )
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
    return SupportImportOutcome(
        path=Path(source.path),
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
