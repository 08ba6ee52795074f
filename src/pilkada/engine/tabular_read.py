"""Streaming reader for tabular files as they really arrive: CSV, XLSX (and XLS/ODS), Parquet.

No Django. A reader turns a file into batches of *text* rows, one row per input record, with
the record's physical position and original text, so that a validator can account for every
row and point an operator at it:

* ``line`` -- the physical line where the record starts (1-based, the header line counts),
  the sheet row for spreadsheets, and row number + 1 for Parquet (the first row is "line 2",
  as in the equivalent CSV);
* ``raw`` -- the record as it was (CSV: the line text; spreadsheets and Parquet: the cells
  rendered as one CSV line);
* ``row_error``/``row_detail`` -- a structural problem (wrong number of fields, a quote that
  never closes), or null;
* one String column per column of the :class:`ColumnSpec` (null when the file lacks it).

Blank lines (nothing but whitespace and delimiters), lines before the header (a title) and
repeated header rows are *not* yielded: they are counted in :class:`ReadStats`.

Damage handled here: UTF-8 with or without BOM, UTF-16 with BOM, lines in Windows-1252
(each line that is not valid UTF-8 is decoded as cp1252, so a file mixing both survives),
CRLF line ends, the delimiter (``,`` ``;`` tab ``|``) sniffed from the header, header names in
any case or spacing and a few known aliases, quoted fields (RFC 4180, also across lines),
rows with extra empty trailing fields (Excel's ``a,b,,,``).

Spreadsheet cells are rendered to text so that every format is validated by the same rules:
a whole number below 2**53 as its digits (an Excel-number NIK ``3171014104900002``), a whole
number at or above 2**53 as ``<digits>.0`` (which :mod:`pilkada.engine.nik` flags as
``precision_lost``: a float there cannot hold 16 digits exactly), other numbers as Python
writes them, dates as ``YYYY-MM-DD``, booleans as ``1``/``0``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

__all__ = [
    "ColumnSpec",
    "FileProblem",
    "FileRejected",
    "ReadStats",
    "TabularSource",
    "normalize_header",
    "open_table",
]

CHUNK_BYTES = 32 << 20
SPREADSHEET_BATCH_ROWS = 100_000
PARQUET_BATCH_ROWS = 250_000
#: How many non-blank lines (rows) may precede the header (a title, an export note).
HEADER_SEARCH_LINES = 50
#: A quoted field may span at most this many physical lines; a quote left open longer is
#: a damaged line, not the start of a multi-line field.
MAX_RECORD_LINES = 50
DELIMITERS = (",", ";", "\t", "|")
FLOAT_EXACT_LIMIT = 2**53
# Characters stripped from cells beyond Unicode whitespace: BOM and zero-width spaces.
EXTRA_STRIP = "\ufeff\u200b\u200c\u200d\u2060"

LINE = "line"
RAW = "raw"
ROW_ERROR = "row_error"
ROW_DETAIL = "row_detail"
WRONG_COLUMN_COUNT = "wrong_column_count"
UNBALANCED_QUOTE = "unbalanced_quote"
_US = "\x1f"  # unit separator: joins parsed fields
# Unicode whitespace (as str.isspace() sees it) plus BOM and zero-width characters.
_STRIP_CELL = (
    "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\ufeff\u200b\u200c\u200d\u2060"
)


class FileProblem(StrEnum):
    """Why a whole file is refused (nothing is imported)."""

    message: str

    def __new__(cls, code: str, message: str) -> FileProblem:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member

    NOT_FOUND = ("not_found", "The file does not exist.")
    UNREADABLE = ("unreadable", "The file cannot be read.")
    EMPTY = ("empty", "The file is empty: it has no header line.")
    UNSUPPORTED_FORMAT = (
        "unsupported_format",
        "The file is not CSV, XLSX/XLS/ODS or Parquet (a compressed file must be unpacked).",
    )
    DAMAGED = ("damaged", "The file is damaged and cannot be read as its format.")
    NO_HEADER = (
        "no_header",
        "No header line naming the required columns was found at the top of the file.",
    )
    MISSING_COLUMNS = ("missing_columns", "Required columns are missing from the header.")
    DUPLICATE_COLUMNS = ("duplicate_columns", "A column appears twice in the header.")
    NOTHING_READABLE = (
        "nothing_readable",
        "No row of the file could be read as a person: nothing was imported.",
    )
    SEVERAL_SHEETS = (
        "several_sheets",
        "More than one sheet holds a table with the required columns; import one sheet per "
        "file (or a CSV) so that every row has one line number.",
    )


class FileRejected(Exception):
    """The whole file is refused; nothing was imported."""

    def __init__(self, problem: FileProblem, detail: str = "") -> None:
        self.problem = problem
        self.detail = detail
        super().__init__(problem.message + (f" {detail}" if detail else ""))

    @property
    def code(self) -> str:
        return self.problem.value


@dataclass(frozen=True)
class ColumnSpec:
    """The columns a reader looks for: canonical names, which are required, and aliases
    (normalised header text -> canonical name)."""

    names: tuple[str, ...]
    required: frozenset[str]
    aliases: dict[str, str] = field(default_factory=dict)

    def canonical(self, header: str) -> str | None:
        name = normalize_header(header)
        if name in self.names:
            return name
        return self.aliases.get(name)


def normalize_header(text: object) -> str:
    """``" Tanggal Lahir "`` -> ``tanggal_lahir``; BOM, quotes and dots dropped."""
    value = "" if text is None else str(text)
    value = value.strip().strip(EXTRA_STRIP).strip().strip('"').strip().lower()
    value = re.sub(r"[\s\-./]+", "_", value)
    return value.strip("_")


@dataclass
class ReadStats:
    """What the reader saw besides the records it yields."""

    records: int = 0  # records yielded (each becomes accepted, flagged or rejected)
    blank: int = 0  # blank lines / rows after the header (whitespace and delimiters only)
    repeated_headers: int = 0  # header rows repeated after the first
    preamble: int = 0  # non-blank lines before the header (titles)
    leading_blank: int = 0  # blank lines before the header
    continuation_lines: int = 0  # extra physical lines of records with a quoted line break
    cp1252_lines: int = 0  # lines that were not UTF-8 and were decoded as Windows-1252
    bytes_read: int = 0
    bytes_total: int = 0

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.bytes_read / self.bytes_total) if self.bytes_total else None


@dataclass
class TabularSource:
    """An opened file: what was detected, and :meth:`batches` to stream its records."""

    path: Path
    format: str  # csv, xlsx, parquet
    spec: ColumnSpec
    header: list[str]  # the header cells as written
    mapping: dict[str, int]  # canonical column -> position in the header
    header_line: int
    encoding: str = "utf-8"
    delimiter: str | None = None
    sheet: str | None = None
    ignored_sheets: list[str] = field(default_factory=list)
    stats: ReadStats = field(default_factory=ReadStats)
    sha256: str = ""
    estimated_rows: int | None = None  # a guess from the first chunk (CSV) or the metadata
    _batches: Callable[[], Iterator[pl.DataFrame]] | None = None

    @property
    def missing_columns(self) -> list[str]:
        return [c for c in self.spec.names if c not in self.mapping]

    @property
    def unknown_columns(self) -> list[str]:
        known = set(self.mapping.values())
        return [h for i, h in enumerate(self.header) if i not in known and str(h).strip()]

    def batches(self) -> Iterator[pl.DataFrame]:
        """Yield frames of records (see the module docstring); read the file once."""
        if self._batches is None:
            raise RuntimeError("batches() can be iterated once")
        produce, self._batches = self._batches, None
        yield from produce()


# ---------------------------------------------------------------------------------------
# Opening: format detection and the header
# ---------------------------------------------------------------------------------------

_SPREADSHEET_EXT = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def _detect_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xlsx"
    if head.startswith(b"\x1f\x8b") or head.startswith(b"7z\xbc\xaf") or head.startswith(b"Rar!"):
        raise FileRejected(FileProblem.UNSUPPORTED_FORMAT, "(compressed archive)")
    ext = path.suffix.lower()
    if ext in _SPREADSHEET_EXT:
        raise FileRejected(FileProblem.DAMAGED, f"({ext} file without a spreadsheet signature)")
    if ext == ".parquet":
        raise FileRejected(FileProblem.DAMAGED, "(.parquet file without the PAR1 signature)")
    return "csv"


def open_table(path: str | Path, spec: ColumnSpec) -> TabularSource:
    """Open ``path``, detect its format and header; raise :class:`FileRejected` if the file
    cannot be imported at all."""
    path = Path(path)
    if not path.exists():
        raise FileRejected(FileProblem.NOT_FOUND, str(path))
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise FileRejected(FileProblem.UNREADABLE, f"({exc.strerror or exc})") from None
    if path.is_dir():
        raise FileRejected(FileProblem.UNREADABLE, "(a directory)")
    if size == 0:
        raise FileRejected(FileProblem.EMPTY)
    fmt = _detect_format(path, head)
    if fmt == "parquet":
        source = _open_parquet(path, spec)
    elif fmt == "xlsx":
        source = _open_spreadsheet(path, spec)
    else:
        source = _open_csv(path, spec)
    source.stats.bytes_total = size
    return source


def _map_header(cells: list[str], spec: ColumnSpec) -> tuple[dict[str, int], list[str]]:
    """canonical -> position, and the canonical names seen more than once."""
    mapping: dict[str, int] = {}
    duplicates: list[str] = []
    for i, cell in enumerate(cells):
        name = spec.canonical(cell)
        if name is None:
            continue
        if name in mapping:
            duplicates.append(name)
        else:
            mapping[name] = i
    return mapping, duplicates


def _check_header(mapping: dict[str, int], duplicates: list[str], spec: ColumnSpec) -> None:
    if duplicates:
        raise FileRejected(FileProblem.DUPLICATE_COLUMNS, f"({', '.join(sorted(duplicates))})")
    missing = [c for c in spec.names if c in spec.required and c not in mapping]
    if missing:
        raise FileRejected(FileProblem.MISSING_COLUMNS, f"Missing: {', '.join(missing)}.")


def _best_header(candidates: Iterable[list[str]], spec: ColumnSpec):
    """Among header candidates (lists of cells), the first with every required column; else
    the one matching most columns (for the error message)."""
    best = None
    for index, cells in enumerate(candidates):
        mapping, duplicates = _map_header(cells, spec)
        if spec.required <= mapping.keys():
            return index, cells, mapping, duplicates
        if mapping and (best is None or len(mapping) > len(best[2])):
            best = (index, cells, mapping, duplicates)
    if best is None:
        raise FileRejected(
            FileProblem.NO_HEADER,
            f"Expected a header with: {', '.join(c for c in spec.names if c in spec.required)}.",
        )
    _check_header(best[2], best[3], spec)  # raises MISSING_COLUMNS
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def _decode_line(raw: bytes, stats: ReadStats) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        stats.cp1252_lines += 1
        # cp1252 leaves five bytes undefined; those fall back to Latin-1 (never fails).
        return raw.decode("cp1252", errors="strict") if _cp1252_ok(raw) else _cp1252_lax(raw)


def _cp1252_ok(raw: bytes) -> bool:
    return not any(b in raw for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


def _cp1252_lax(raw: bytes) -> str:
    return "".join(
        bytes([b]).decode("latin-1") if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else
        bytes([b]).decode("cp1252")
        for b in raw
    )  # fmt: skip


class _TextChunks:
    """The file as text chunks that end at a line break (except maybe the last), decoded
    line by line only where UTF-8 fails; hashes the bytes as it goes."""

    def __init__(self, path: Path, stats: ReadStats, chunk_bytes: int | None = None):
        self.path = path
        self.stats = stats
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES
        self.digest = hashlib.sha256()
        self.encoding = "utf-8"

    def __iter__(self) -> Iterator[str]:
        with open(self.path, "rb") as f:
            head = f.read(4)
            f.seek(0)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self.encoding = "utf-16"
                yield from self._utf16(f)
                return
            carry = b""
            first = True
            while True:
                block = f.read(self.chunk_bytes)
                self.digest.update(block)
                self.stats.bytes_read += len(block)
                if first:
                    first = False
                    if block.startswith(codecs.BOM_UTF8):
                        self.encoding = "utf-8-sig"
                        block = block[len(codecs.BOM_UTF8) :]
                if not block:
                    if carry:
                        yield self._decode(carry)
                    return
                buffer = carry + block
                cut = buffer.rfind(b"\n") + 1
                if cut == 0:
                    carry = buffer
                    continue
                carry = buffer[cut:]
                yield self._decode(buffer[:cut])

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pieces = data.split(b"\n")
            return "\n".join(_decode_line(p, self.stats) for p in pieces)

    def _utf16(self, f) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        carry = ""
        while True:
            block = f.read(self.chunk_bytes)
            self.digest.update(block)
            self.stats.bytes_read += len(block)
            text = carry + decoder.decode(block, final=not block)
            if not block:
                if text:
                    yield text
                return
            cut = text.rfind("\n") + 1
            carry = text[cut:]
            if cut:
                yield text[:cut]


def _parse_record(text: str, delimiter: str) -> list[str] | None:
    """The fields of one quoted record, or None when it cannot be parsed (a line break
    outside quotes after a stray quote)."""
    try:
        return next(csv.reader((text,), delimiter=delimiter, quotechar='"', strict=False), [])
    except csv.Error:
        return None


def _split_one(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, quotechar='"', strict=False), [])


def _sniff_header(lines: list[str], spec: ColumnSpec):
    """(index into lines, delimiter, cells, mapping) of the header among the first lines."""
    candidates: list[tuple[int, str, list[str]]] = []
    for i, line in enumerate(lines):
        text = line.rstrip("\r")
        if not text.strip(" \t" + "".join(DELIMITERS) + '"' + EXTRA_STRIP):
            continue
        # The delimiter that splits this line into the most known column names.
        best = max(
            ((d, _split_one(text, d)) for d in DELIMITERS),
            key=lambda item: (len(_map_header(item[1], spec)[0]), item[0] == ","),
        )
        candidates.append((i, best[0], best[1]))
        if len(candidates) >= HEADER_SEARCH_LINES:
            break
    if not candidates:
        raise FileRejected(FileProblem.EMPTY)
    index, cells, mapping, duplicates = _best_header((c[2] for c in candidates), spec)
    _check_header(mapping, duplicates, spec)
    line_index, delimiter, cells = candidates[index]
    preamble = index  # non-blank candidate lines before the header
    return line_index, delimiter, cells, mapping, preamble


def _open_csv(path: Path, spec: ColumnSpec) -> TabularSource:
    stats = ReadStats()
    chunks = _TextChunks(path, stats)
    iterator = iter(chunks)
    try:
        first = next(iterator, "")
    except OSError as exc:
        raise FileRejected(FileProblem.UNREADABLE, f"({exc})") from None
    if "\x00" in first[:4096] and chunks.encoding.startswith("utf-8"):
        raise FileRejected(FileProblem.UNSUPPORTED_FORMAT, "(binary data)")
    lines = first.split("\n", HEADER_SEARCH_LINES * 4)
    if not "".join(lines[: HEADER_SEARCH_LINES * 4]).strip():
        raise FileRejected(FileProblem.EMPTY)
    line_index, delimiter, cells, mapping, preamble = _sniff_header(
        lines[: HEADER_SEARCH_LINES * 4], spec
    )
    header_line = line_index + 1
    stats.preamble = preamble
    stats.leading_blank = line_index - preamble
    # The rest of the first chunk after the header line, then the following chunks.
    rest_start = sum(len(x) + 1 for x in lines[: line_index + 1])
    source = TabularSource(
        path=path,
        format="csv",
        spec=spec,
        header=[c.strip() for c in cells],
        mapping=mapping,
        header_line=header_line,
        encoding=chunks.encoding,
        delimiter=delimiter,
        stats=stats,
    )
    sample = first[: 4 << 20]
    sample_lines = sample.count("\n")
    if sample_lines:
        source.estimated_rows = int(
            path.stat().st_size / max(1, len(sample.encode("utf-8", "replace")) / sample_lines)
        )
    reader = _CsvRecords(source, cells)

    def produce() -> Iterator[pl.DataFrame]:
        def texts() -> Iterator[str]:
            yield first[rest_start:]
            yield from iterator

        yield from reader.run(texts(), header_line + 1)
        source.sha256 = chunks.digest.hexdigest()
        source.encoding = chunks.encoding

    source._batches = produce
    return source


class _CsvRecords:
    def __init__(self, source: TabularSource, header_cells: list[str]):
        self.source = source
        self.stats = source.stats
        self.delimiter = source.delimiter or ","
        self.width = len(header_cells)
        self.header_lower = [c.strip().strip(EXTRA_STRIP).lower() for c in header_cells]

    def run(self, texts: Iterator[str], first_line: int) -> Iterator[pl.DataFrame]:
        line_no = first_line
        pending = ""  # lines carried into the next chunk (an open quoted field)
        pending_lines = 0
        for text in texts:
            if pending:
                text = pending + text
                line_no -= pending_lines
                pending, pending_lines = "", 0
            if not text:
                continue
            lines = pl.Series("t", [text]).str.split("\n").explode()
            final_newline = text.endswith("\n")
            if final_newline:
                lines = lines.head(lines.len() - 1)
            frame = pl.DataFrame(
                {
                    LINE: pl.int_range(line_no, line_no + lines.len(), eager=True, dtype=pl.Int64),
                    RAW: lines.str.strip_suffix("\r"),
                }
            )
            n_lines = frame.height
            frame, carry_from = self._join_quoted(frame, is_last=False)
            if carry_from is not None:
                # Carry the open record to the next chunk.
                carried = frame.filter(pl.col(LINE) >= carry_from)
                pending = "\n".join(carried[RAW].to_list()) + "\n"
                pending_lines = int(n_lines - (carry_from - line_no))
                frame = frame.filter(pl.col(LINE) < carry_from)
            line_no += n_lines
            out = self._records(frame)
            if out is not None:
                yield out
        if pending:
            frame = pl.DataFrame(
                {
                    LINE: pl.int_range(
                        line_no - pending_lines, line_no, eager=True, dtype=pl.Int64
                    ),
                    RAW: pl.Series(pending[:-1].split("\n")),
                }
            )
            frame, _ = self._join_quoted(frame, is_last=True)
            out = self._records(frame)
            if out is not None:
                yield out

    def _join_quoted(self, frame: pl.DataFrame, *, is_last: bool):
        """Merge records whose quoted field spans lines. Returns (frame, carry_from_line)."""
        odd = frame.select(
            (pl.col(RAW).str.count_matches('"', literal=True) % 2 == 1).arg_true()
        ).to_series()
        if odd.len() == 0:
            return frame, None
        lines = frame[LINE].to_list()
        texts = frame[RAW].to_list()
        odd_idx = odd.to_list()
        keep_lines: list[int] = []
        keep_texts: list[str] = []
        consumed_until = -1
        carry_from = None
        odd_pos = 0
        merges: dict[int, tuple[int, str]] = {}
        while odd_pos < len(odd_idx):
            i = odd_idx[odd_pos]
            if i <= consumed_until:
                odd_pos += 1
                continue
            j = odd_idx[odd_pos + 1] if odd_pos + 1 < len(odd_idx) else None
            if j is not None and j - i < MAX_RECORD_LINES:
                merged = "\n".join(texts[i : j + 1])
                if self._fits(merged):
                    merges[i] = (j, merged)
                    consumed_until = j
                    odd_pos += 2
                    continue
            if j is None and not is_last and len(texts) - i < MAX_RECORD_LINES:
                carry_from = lines[i]
                break
            odd_pos += 1  # an unbalanced quote: left as it is, judged by the parser
        if not merges and carry_from is None:
            return frame, None
        i = 0
        limit = len(texts) if carry_from is None else lines.index(carry_from)
        while i < limit:
            if i in merges:
                j, merged = merges[i]
                keep_lines.append(lines[i])
                keep_texts.append(merged)
                self.stats.continuation_lines += j - i
                i = j + 1
            else:
                keep_lines.append(lines[i])
                keep_texts.append(texts[i])
                i += 1
        if carry_from is not None:
            keep_lines.extend(lines[limit:])
            keep_texts.extend(texts[limit:])
        joined = pl.DataFrame(
            {
                LINE: pl.Series(keep_lines, dtype=pl.Int64),
                RAW: pl.Series(keep_texts, dtype=pl.String),
            }
        )
        return joined, carry_from

    def _fits(self, record: str) -> bool:
        """Whether a record spanning lines parses into the header's number of fields."""
        fields = _parse_record(record, self.delimiter)
        if fields is None:
            return False
        return len(fields) == self.width or (
            len(fields) > self.width and all(not f.strip() for f in fields[self.width :])
        )

    def _records(self, frame: pl.DataFrame) -> pl.DataFrame | None:
        if frame.height == 0:
            return None
        d = self.delimiter
        blank = pl.col(RAW).str.strip_chars().str.strip_chars(d + '"' + " \t" + EXTRA_STRIP) == ""
        frame = frame.with_columns(blank.alias("_blank"))
        n_blank = int(frame["_blank"].sum())
        self.stats.blank += n_blank
        if n_blank:
            frame = frame.filter(~pl.col("_blank"))
        frame = frame.drop("_blank")
        if frame.height == 0:
            return None
        w = self.width
        quoted_idx = frame.select(pl.col(RAW).str.contains('"', literal=True).arg_true())
        quoted_idx = quoted_idx.to_series()
        fields = pl.col(RAW).str.splitn(d, w + 1)
        n = pl.col(RAW).str.count_matches(d, literal=True) + 1
        rest_blank = pl.col("_rest").str.strip_chars(d + _STRIP_CELL) == ""
        odd_quote = pl.lit(False)
        if quoted_idx.len():
            # Quoted records go through the csv module (RFC 4180 quoting); their fields are
            # joined with a unit separator and split again in Polars, which is much faster
            # than building columns from Python lists.
            joined: list[str | None] = []
            counts: list[int] = []
            for text in frame[RAW].gather(quoted_idx).to_list():
                parsed = _parse_record(text, d)
                if parsed is None:
                    joined.append(None)
                    counts.append(0)
                else:
                    joined.append(_US.join(f.replace(_US, " ") for f in parsed))
                    counts.append(len(parsed))
            frame = frame.with_columns(
                _scatter(frame.height, quoted_idx, pl.Series(joined, dtype=pl.String), "_q"),
                _scatter(frame.height, quoted_idx, pl.Series(counts, dtype=pl.Int64), "_qn"),
            )
            is_quoted = pl.col("_qn").is_not_null()
            fields = pl.when(is_quoted).then(pl.col("_q").str.splitn(_US, w + 1)).otherwise(fields)
            n = pl.when(is_quoted).then(pl.col("_qn")).otherwise(n)
            rest_blank = (
                pl.when(is_quoted)
                .then(pl.col("_rest").str.strip_chars(_US + _STRIP_CELL) == "")
                .otherwise(rest_blank)
            )
            odd_quote = is_quoted & (pl.col(RAW).str.count_matches('"', literal=True) % 2 == 1)
        names = {f"field_{i}": f"c{i}" for i in range(w)} | {f"field_{w}": "_rest"}
        frame = frame.with_columns(fields.alias("_s"), n.alias("_n")).unnest("_s").rename(names)
        ok = (pl.col("_n") == w) | ((pl.col("_n") > w) & rest_blank)
        frame = frame.with_columns(
            pl.when(ok)
            .then(None)
            .when(odd_quote)
            .then(pl.lit(UNBALANCED_QUOTE))
            .otherwise(pl.lit(WRONG_COLUMN_COUNT))
            .alias(ROW_ERROR),
            pl.when(ok)
            .then(None)
            .otherwise(pl.format("{} fields where the header has {}", pl.col("_n"), pl.lit(w)))
            .alias(ROW_DETAIL),
        )
        return _finish(frame, self.source, self.header_lower, self.stats)


def _scatter(height: int, index: pl.Series, values: pl.Series, name: str) -> pl.Series:
    return (
        pl.repeat(None, height, dtype=values.dtype, eager=True).scatter(index, values).alias(name)
    )


def _finish(
    frame: pl.DataFrame,
    source: TabularSource,
    header_lower: list[str],
    stats: ReadStats,
) -> pl.DataFrame | None:
    """From the positional cell columns ``c0..`` to the spec's columns; drop repeated
    headers."""
    columns = []
    for name in source.spec.names:
        pos = source.mapping.get(name)
        if pos is None:
            columns.append(pl.lit(None, dtype=pl.String).alias(name))
        else:
            columns.append(pl.col(f"c{pos}").alias(name))
    # A repeated header: every mapped required column holds its header text again.
    checks = [
        pl.col(f"c{source.mapping[name]}").str.strip_chars(_STRIP_CELL).str.to_lowercase()
        == header_lower[source.mapping[name]]
        for name in sorted(source.spec.required)
    ]
    frame = frame.select(
        pl.col(LINE),
        pl.col(RAW),
        pl.col(ROW_ERROR),
        pl.col(ROW_DETAIL),
        *columns,
        pl.all_horizontal(checks).fill_null(False).alias("_hdr"),
    )
    n_hdr = int(frame["_hdr"].sum())
    if n_hdr:
        stats.repeated_headers += n_hdr
        frame = frame.filter(~pl.col("_hdr"))
    frame = frame.drop("_hdr")
    stats.records += frame.height
    return frame if frame.height else None


# ---------------------------------------------------------------------------------------
# Cell rendering (spreadsheets and Parquet)
# ---------------------------------------------------------------------------------------


def render_cell(value: object) -> str:
    """A spreadsheet cell as text, by the rules in the module docstring."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer():
            whole = int(value)
            return str(whole) if abs(whole) < FLOAT_EXACT_LIMIT else f"{whole}.0"
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _render_expr(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.String:
        return col
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("1")).when(~col).then(pl.lit("0"))
    if dtype.is_integer():
        return col.cast(pl.String)
    if dtype.is_float():
        whole = col.is_finite() & (col == col.floor())
        big = col.abs() >= float(FLOAT_EXACT_LIMIT)
        as_int = pl.when(whole & (col.abs() < 9.2e18)).then(col).cast(pl.Int64, strict=False)
        return (
            pl.when(col.is_nan() | col.is_infinite())
            .then(pl.lit(""))
            .when(whole & ~big)
            .then(as_int.cast(pl.String))
            .when(whole & big)
            .then(as_int.cast(pl.String) + ".0")
            .otherwise(col.cast(pl.String))
        )
    if dtype == pl.Date:
        return col.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return col.dt.date().dt.strftime("%Y-%m-%d")
    return col.cast(pl.String, strict=False)


def _raw_expr(names: list[str]) -> pl.Expr:
    """The cells of a row as one CSV line (quoted where needed), for the rejects file."""
    parts = []
    for name in names:
        text = pl.col(name).fill_null("")
        parts.append(
            pl.when(text.str.contains(r'[,"\n\r]'))
            .then(pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"'))
            .otherwise(text)
        )
    return pl.concat_str(parts, separator=",")


def _table_records(
    frame: pl.DataFrame, source: TabularSource, header_lower: list[str], width: int
) -> pl.DataFrame | None:
    """Records of a frame of text cells ``c0..cN`` plus ``line`` (spreadsheet, Parquet)."""
    cells = [f"c{i}" for i in range(frame.width - 1)]
    stripped = [
        pl.col(c).fill_null("").str.strip_chars().str.strip_chars(EXTRA_STRIP) for c in cells
    ]
    blank = pl.all_horizontal([s == "" for s in stripped]) if cells else pl.lit(True)
    frame = frame.with_columns(blank.alias("_blank"))
    n_blank = int(frame["_blank"].sum())
    source.stats.blank += n_blank
    frame = frame.filter(~pl.col("_blank")).drop("_blank")
    if frame.height == 0:
        return None
    extra = cells[width:]
    ok = (
        pl.all_horizontal([pl.col(c).fill_null("").str.strip_chars() == "" for c in extra])
        if extra
        else pl.lit(True)
    )
    n_filled = (
        pl.sum_horizontal([(s != "").cast(pl.Int32) for s in stripped[width:]])
        if extra
        else pl.lit(0)
    )
    frame = frame.with_columns(
        _raw_expr(cells).alias(RAW),
        pl.when(ok).then(None).otherwise(pl.lit(WRONG_COLUMN_COUNT)).alias(ROW_ERROR),
        pl.when(ok)
        .then(None)
        .otherwise(
            pl.format("{} filled cells beyond the {} header columns", n_filled, pl.lit(width))
        )
        .alias(ROW_DETAIL),
    )
    return _finish(frame, source, header_lower, source.stats)


# ---------------------------------------------------------------------------------------
# Spreadsheets (python-calamine: XLSX, XLSM, XLSB, XLS, ODS)
# ---------------------------------------------------------------------------------------


def _sheet_header(sheet, spec: ColumnSpec):
    """(row index, cells, mapping, duplicates) of the sheet's header, or None."""
    candidates: list[tuple[int, list[str]]] = []
    for index, row in enumerate(sheet.iter_rows()):
        cells = [render_cell(v) for v in row]
        if any(c.strip() for c in cells):
            candidates.append((index, cells))
        if len(candidates) >= HEADER_SEARCH_LINES:
            break
    if not candidates:
        return None
    try:
        pos, cells, mapping, duplicates = _best_header((c[1] for c in candidates), spec)
    except FileRejected as exc:
        return exc
    return candidates[pos][0], cells, mapping, duplicates, pos


def _open_spreadsheet(path: Path, spec: ColumnSpec) -> TabularSource:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a declared dependency
        raise FileRejected(
            FileProblem.UNSUPPORTED_FORMAT, "(python-calamine is not installed)"
        ) from None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = [
            m.name
            for m in workbook.sheets_metadata
            if str(getattr(m, "typ", "")).endswith("WorkSheet")
        ] or list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own error types
        raise FileRejected(FileProblem.DAMAGED, f"({exc})") from None
    found = []
    first_error: FileRejected | None = None
    ignored = []
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:
            raise FileRejected(FileProblem.DAMAGED, f"(sheet {name!r}: {exc})") from None
        header = _sheet_header(sheet, spec)
        if header is None:
            continue  # an empty sheet
        if isinstance(header, FileRejected):
            first_error = first_error or header
            ignored.append(name)
            continue
        found.append((name, sheet, header))
    if not found:
        if first_error is not None:
            raise first_error
        raise FileRejected(FileProblem.EMPTY)
    if len(found) > 1:
        raise FileRejected(
            FileProblem.SEVERAL_SHEETS, f"Sheets: {', '.join(repr(f[0]) for f in found)}."
        )
    name, sheet, (row_index, cells, mapping, duplicates, preamble) = found[0]
    _check_header(mapping, duplicates, spec)
    stats = ReadStats(preamble=preamble, leading_blank=row_index - preamble)
    source = TabularSource(
        path=path,
        format="xlsx",
        spec=spec,
        header=[c.strip() for c in cells],
        mapping=mapping,
        header_line=row_index + 1,
        encoding="",
        sheet=name,
        ignored_sheets=ignored,
        stats=stats,
    )
    source.estimated_rows = max(0, int(getattr(sheet, "total_height", sheet.height)) - row_index)
    header_lower = [c.strip().strip(EXTRA_STRIP).lower() for c in cells]
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1  # trailing empty header cells are not columns

    def produce() -> Iterator[pl.DataFrame]:
        buffer: list[list[str]] = []
        lines: list[int] = []
        ncols = width

        def flush():
            if not buffer:
                return None
            columns = {f"c{i}": [r[i] if i < len(r) else "" for r in buffer] for i in range(ncols)}
            frame = pl.DataFrame(
                {LINE: pl.Series(lines, dtype=pl.Int64), **columns},
                schema={LINE: pl.Int64, **dict.fromkeys(columns, pl.String)},
            )
            buffer.clear()
            lines.clear()
            return _table_records(frame, source, header_lower, width)

        for index, row in enumerate(sheet.iter_rows()):
            if index <= row_index:
                continue
            rendered = [render_cell(v) for v in row]
            # Cells beyond the header widen the frame (shorter rows get empty cells).
            ncols = max(ncols, len(rendered))
            buffer.append(rendered)
            lines.append(index + 1)
            if len(buffer) >= SPREADSHEET_BATCH_ROWS:
                out = flush()
                source.stats.bytes_read = int(
                    source.stats.bytes_total * min(1.0, (index + 1) / max(1, sheet.height))
                )
                if out is not None:
                    yield out
        out = flush()
        source.stats.bytes_read = source.stats.bytes_total
        if out is not None:
            yield out
        source.sha256 = file_sha256(path)

    source._batches = produce
    return source


# ---------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------


def _open_parquet(path: Path, spec: ColumnSpec) -> TabularSource:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError
        raise FileRejected(FileProblem.DAMAGED, f"({exc})") from None
    names = list(parquet.schema_arrow.names)
    mapping, duplicates = _map_header(names, spec)
    if not mapping:
        raise FileRejected(
            FileProblem.NO_HEADER,
            f"Columns found: {', '.join(names)}; expected: {', '.join(spec.names)}.",
        )
    _check_header(mapping, duplicates, spec)
    source = TabularSource(
        path=path,
        format="parquet",
        spec=spec,
        header=names,
        mapping=mapping,
        header_line=1,
        encoding="",
        stats=ReadStats(),
    )
    header_lower = [n.strip().lower() for n in names]
    total_rows = parquet.metadata.num_rows
    source.estimated_rows = total_rows

    def produce() -> Iterator[pl.DataFrame]:
        next_line = 2
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            frame = pl.from_arrow(batch)
            if isinstance(frame, pl.Series):  # pragma: no cover - single column files
                frame = frame.to_frame()
            frame.columns = [f"c{i}" for i in range(frame.width)]
            frame = frame.select(
                pl.int_range(next_line, next_line + frame.height, dtype=pl.Int64).alias(LINE),
                *[_render_expr(c, frame.schema[c]).alias(c) for c in frame.columns],
            )
            next_line += frame.height
            source.stats.bytes_read = int(
                source.stats.bytes_total * min(1.0, (next_line - 2) / max(1, total_rows))
            )
            out = _table_records(frame, source, header_lower, len(names))
            if out is not None:
                yield out
        source.sha256 = file_sha256(path)

    source._batches = produce
    return source


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
