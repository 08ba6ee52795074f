"""Parse and validate a province's region file. Django-free: no database, no settings.

The format is described in docs/formats/regions.md: CSV, UTF-8 (a byte-order mark is
tolerated), header ``kode,nama``, one row per region of ONE province, codes dotted
(Kemendagri) or undotted (KPU). The whole file is validated before anything is written, and
every problem is reported with its line number and a typed :class:`LoadErrorCode`, up to
:data:`MAX_ERRORS` of them.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .codes import (
    InvalidRegionCode,
    dotted,
    level_of,
    normalize_region_code,
    parent_code,
    region_kind,
)

HEADER = ("kode", "nama")
MAX_ERRORS = 50
MAX_FILE_BYTES = 10 * 1024 * 1024  # the biggest province (Jawa Tengah, ~9,000 rows) is ~0.5 MB
MAX_NAME_LENGTH = 100


class LoadErrorCode(enum.StrEnum):
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    NOT_UTF8 = "NOT_UTF8"
    EMPTY_FILE = "EMPTY_FILE"
    BAD_HEADER = "BAD_HEADER"
    BAD_CSV = "BAD_CSV"
    WRONG_COLUMN_COUNT = "WRONG_COLUMN_COUNT"
    MALFORMED_CODE = "MALFORMED_CODE"
    DUPLICATE_CODE = "DUPLICATE_CODE"
    EMPTY_NAME = "EMPTY_NAME"
    BAD_NAME = "BAD_NAME"
    NO_PROVINCE = "NO_PROVINCE"
    MULTIPLE_PROVINCES = "MULTIPLE_PROVINCES"
    OUTSIDE_PROVINCE = "OUTSIDE_PROVINCE"
    ORPHAN = "ORPHAN"


@dataclass(frozen=True)
class LoadError:
    """One problem in a region file. ``line`` is 1-based (the header is line 1); None means
    the file as a whole."""

    line: int | None
    code: LoadErrorCode
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        return f"{where}: {self.message} [{self.code}]"

    def as_dict(self) -> dict:
        return {"line": self.line, "code": str(self.code), "message": self.message}


class RegionFileError(Exception):
    """The file was rejected; nothing was written. ``errors`` holds at most MAX_ERRORS of
    the ``total`` problems found."""

    def __init__(self, source: str, errors: list[LoadError], total: int | None = None):
        self.source = source
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(self.summary())

    def summary(self) -> str:
        noun = "error" if self.total == 1 else "errors"
        return f"{self.source}: rejected, {self.total} {noun}; nothing was written"

    def lines(self) -> list[str]:
        """The summary, then one line per error, then how many were left out."""
        out = [self.summary(), *(f"  {e}" for e in self.errors)]
        if self.total > len(self.errors):
            out.append(f"  ... and {self.total - len(self.errors)} more")
        return out

    def as_dict(self) -> dict:
        return {
            "ok": False,
            "source": self.source,
            "total_errors": self.total,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass(frozen=True)
class RegionRow:
    line: int
    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    raw_code: str = ""  # as written in the file (dotted or not), for messages

    def show(self, code: str | None) -> str:
        """``code`` written the way this row writes its own (dotted or not)."""
        if code is None:
            return "-"
        return dotted(code) if "." in self.raw_code else code


@dataclass
class RegionFile:
    """A validated province file, ready to load."""

    source: str
    sha256: str
    province_code: str
    province_name: str
    rows: list[RegionRow] = field(default_factory=list)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[LoadError] = []
        self.total = 0

    def add(self, line: int | None, code: LoadErrorCode, message: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LoadError(line, code, message))


def clean_name(raw: str) -> str:
    """Unicode NFC, surrounding whitespace removed, inner runs of whitespace made one space."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"} for c in value)


def parse_region_file(path: str | Path) -> RegionFile:
    """Read and validate the file at ``path``; raise :class:`RegionFileError` if broken."""
    path = Path(path)
    source = path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RegionFileError(
            source,
            [
                LoadError(
                    None,
                    LoadErrorCode.FILE_TOO_LARGE,
                    f"{size} bytes; a province file is at most {MAX_FILE_BYTES} bytes",
                )
            ],
        )
    return parse_region_bytes(path.read_bytes(), source=source)


def parse_region_bytes(data: bytes, *, source: str) -> RegionFile:
    """Validate a whole province file given as bytes; raise :class:`RegionFileError`."""
    sha256 = hashlib.sha256(data).hexdigest()
    errors = _Collector()

    def reject() -> RegionFileError:
        return RegionFileError(source, errors.errors, errors.total)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.add(line, LoadErrorCode.NOT_UTF8, f"not UTF-8 (byte {data[exc.start]:#04x})")
        raise reject() from None
    if "\x00" in text:  # valid UTF-8, but a UTF-16 or binary file
        line = text[: text.index("\x00")].count("\n") + 1
        errors.add(line, LoadErrorCode.NOT_UTF8, "NUL bytes: UTF-16 or binary, not UTF-8 text")
        raise reject()
    if not text.strip():
        errors.add(None, LoadErrorCode.EMPTY_FILE, "the file is empty")
        raise reject()

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        errors.add(1, LoadErrorCode.BAD_CSV, f"not valid CSV: {exc}")
        raise reject() from None
    if tuple(h.strip().lower() for h in header) != HEADER:
        errors.add(
            1,
            LoadErrorCode.BAD_HEADER,
            f"header must be {','.join(HEADER)!r}, found {','.join(header)!r}",
        )
        raise reject()

    # Pass 1: each line on its own.
    rows: list[RegionRow] = []
    first_line: dict[str, int] = {}
    known_codes: set[str] = set()  # codes of well-formed lines, even if the name is bad
    previous_end = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.add(previous_end + 1, LoadErrorCode.BAD_CSV, f"not valid CSV: {exc}")
            raise reject() from None
        line = previous_end + 1  # where the record starts (a quoted field may span lines)
        previous_end = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue  # blank lines are allowed
        if len(record) != len(HEADER):
            errors.add(
                line,
                LoadErrorCode.WRONG_COLUMN_COUNT,
                f"{len(record)} columns; a row has {len(HEADER)}: kode,nama",
            )
            continue
        raw_code, raw_name = record
        try:
            code = normalize_region_code(raw_code)
        except InvalidRegionCode as exc:
            errors.add(line, LoadErrorCode.MALFORMED_CODE, f"code {raw_code!r}: {exc.reason}")
            continue
        if code in first_line:
            errors.add(
                line,
                LoadErrorCode.DUPLICATE_CODE,
                f"code {raw_code.strip()} duplicates line {first_line[code]}",
            )
            continue
        first_line[code] = line
        known_codes.add(code)
        name = clean_name(raw_name)
        if not name:
            errors.add(line, LoadErrorCode.EMPTY_NAME, f"code {raw_code.strip()} has no name")
            continue
        if _has_control_chars(name):
            errors.add(
                line, LoadErrorCode.BAD_NAME, f"name of {raw_code.strip()} has control characters"
            )
            continue
        if len(name) > MAX_NAME_LENGTH:
            errors.add(
                line,
                LoadErrorCode.BAD_NAME,
                f"name of {raw_code.strip()} is {len(name)} characters; at most {MAX_NAME_LENGTH}",
            )
            continue
        level = level_of(code)
        assert level is not None  # normalize_region_code guarantees it
        rows.append(
            RegionRow(
                line=line,
                code=code,
                name=name,
                level=level,
                kind=region_kind(code, name),
                parent=parent_code(code),
                raw_code=raw_code.strip(),
            )
        )

    # Pass 2: the file as a whole.
    provinces = [r for r in rows if r.level == "provinsi"]
    province = provinces[0] if provinces else None
    for extra in provinces[1:]:
        errors.add(
            extra.line,
            LoadErrorCode.MULTIPLE_PROVINCES,
            f"second province {extra.raw_code}; province {province.raw_code} is on line "
            f"{province.line} and a file holds one province",
        )
    if province is None:
        if not rows and errors.total == 0:
            errors.add(None, LoadErrorCode.NO_PROVINCE, "no regions after the header")
        elif not any(level_of(c) == "provinsi" for c in known_codes):
            errors.add(None, LoadErrorCode.NO_PROVINCE, "no province row (a 2-digit code)")
    for row in rows:
        if row.level == "provinsi":
            continue
        if province is not None and not row.code.startswith(province.code):
            errors.add(
                row.line,
                LoadErrorCode.OUTSIDE_PROVINCE,
                f"code {row.raw_code} is outside province {province.raw_code} "
                f"(line {province.line})",
            )
            continue
        if row.parent not in known_codes:
            errors.add(
                row.line,
                LoadErrorCode.ORPHAN,
                f"code {row.raw_code}: parent {row.show(row.parent)} is not in the file",
            )

    if errors.total:
        raise reject()
    assert province is not None
    return RegionFile(
        source=source,
        sha256=sha256,
        province_code=province.code,
        province_name=province.name,
        rows=rows,
    )
