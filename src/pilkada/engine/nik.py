"""NIK and NKK: cleaning, parsing and validation, one row at a time or vectorised.

The NIK (Nomor Induk Kependudukan) is the 16-digit single identity number of UU 23/2006 on
Administrasi Kependudukan as amended by UU 24/2013 (art. 1 no. 12, art. 13). The statute does
not spell out the digits; the layout ``PP KK CC DDMMYY SSSS`` is the one Dukcapil's SIAK issues
and Kemendagri publishes (and the one DESIGN.md fixes for this project):

* ``PP KK CC`` -- province, kabupaten/kota and kecamatan of first registration, in the
  Kemendagri region code (Permendagri 58/2021, updated by Kepmendagri 100.1.1-6117/2022);
* ``DDMMYY`` -- date of birth; for women the day is increased by 40 (so 41..71);
* ``SSSS`` -- serial 0001..9999 among people registered in that kecamatan with the same
  birth date and sex.

The NKK (Nomor Kartu Keluarga, family card number) is also 16 digits: ``PP KK CC`` followed by
ten digits, in practice the issue date ``DDMMYY`` and a 4-digit serial. Only the region prefix,
the length and the serial are validated; the date part is left alone (see
:func:`nkk_issue_date`).

Input from spreadsheets is damaged in known ways (spaces, dots, dashes, Excel's leading
apostrophe, non-breaking spaces, numbers stored as floats). :func:`clean_identity_number`
repairs what can be repaired without guessing and rejects what cannot (scientific notation,
floats that may have lost digits) with a typed :class:`NikError`.

Everything here has two implementations that must agree: a scalar one (``parse_nik``,
``validate_nik``, ``parse_nkk``, ``validate_nkk``) and a vectorised Polars one
(``validate_nik_frame``, ``validate_nkk_frame``) for files of millions of
rows. Both are built from the same module-level patterns and constants, and
``tests/engine/test_nik.py`` runs them side by side on generated and hand-written inputs.

This module must not import Django.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeVar

import polars as pl

__all__ = [
    "ERROR_DTYPE",
    "PROVINCE_CODES",
    "NikError",
    "NikInvalid",
    "ParsedNik",
    "ParsedNkk",
    "clean_identity_number",
    "make_nik",
    "nik_date_agrees",
    "nkk_issue_date",
    "parse_nik",
    "parse_nkk",
    "validate_nik",
    "validate_nik_frame",
    "validate_nkk",
    "validate_nkk_frame",
]

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

#: The 38 province codes of Permendagri 58/2021 as updated by Kepmendagri 100.1.1-6117/2022
#: (which added the four provinces created from Papua and Papua Barat in 2022 by UU 14, 15,
#: 16 and 29 of 2022). Code 54 (Timor Timur) predates the NIK system and is not valid.
PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

NUMBER_LENGTH = 16
#: Integers at or above 2**53 are not all representable as float64: a float that large may
#: already differ from the number that was typed. Below it every integer is exact.
FLOAT_EXACT_LIMIT = 2**53
_FLOAT_EXACT_LIMIT_DIGITS = str(FLOAT_EXACT_LIMIT)  # 16 digits, compared as text when vectorised

# --------------------------------------------------------------------------------------------
# Error codes
# --------------------------------------------------------------------------------------------


class NikError(StrEnum):
    """Why an identity number (NIK or NKK) was rejected.

    The value is a stable code for files and APIs; ``message`` says what is wrong and
    ``hint`` what an operator should do (English; the UI translates through Django i18n).
    """

    message: str
    hint: str

    def __new__(cls, code: str, message: str, hint: str) -> NikError:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        member.hint = hint
        return member

    EMPTY = (
        "empty",
        "The identity number is missing.",
        "Fill in the number from the KTP-el or KK; do not leave a placeholder such as '-'.",
    )
    SCIENTIFIC_NOTATION = (
        "scientific_notation",
        "The number is in scientific notation (e.g. 3.17101E+15): the spreadsheet stored it "
        "as a number and its last digits are lost.",
        "Re-export the column formatted as Text, or retype the number from the card.",
    )
    PRECISION_LOST = (
        "precision_lost",
        "The number passed through a floating-point value that cannot hold all 16 digits "
        "exactly, so the last digit may be wrong.",
        "Re-export the column formatted as Text, or retype the number from the card.",
    )
    NON_DIGIT = (
        "non_digit",
        "The number contains characters other than digits (letters, symbols or a sign).",
        "Check for the letter O typed instead of zero or text pasted into the cell.",
    )
    WRONG_LENGTH = (
        "wrong_length",
        "The number does not have 16 digits.",
        "Compare with the card: a digit is missing or extra.",
    )
    BAD_PROVINCE = (
        "bad_province",
        "The first two digits are not an Indonesian province code.",
        "Compare the first digits with the card; the number was probably mistyped.",
    )
    REGION_MISMATCH = (
        "region_mismatch",
        "The number was issued in a province outside the region accepted here.",
        "Check that the person belongs to this region (a NIK keeps its first region after "
        "a move); accept only with the supporting documents the rules require.",
    )
    BAD_KABKOTA = (
        "bad_kabkota",
        "The kabupaten/kota part (digits 3-4) is 00.",
        "Compare with the card; the number was probably mistyped.",
    )
    BAD_KECAMATAN = (
        "bad_kecamatan",
        "The kecamatan part (digits 5-6) is 00.",
        "Compare with the card; the number was probably mistyped.",
    )
    BAD_DATE = (
        "bad_date",
        "Digits 7-12 are not a real birth date (day 01-31, or 41-71 for women; month 01-12).",
        "Compare with the card; day and month may be swapped or mistyped.",
    )
    ZERO_SERIAL = (
        "zero_serial",
        "The last four digits are 0000, which is never issued.",
        "Compare with the card; a spreadsheet may have replaced the last digits with zeros.",
    )


class NikInvalid(ValueError):
    """Raised by :func:`parse_nik`, :func:`parse_nkk` and :func:`clean_identity_number`."""

    def __init__(self, error: NikError, detail: str = "") -> None:
        self.error = error
        self.detail = detail
        super().__init__(f"{error.value}: {error.message}" + (f" ({detail})" if detail else ""))

    @property
    def message(self) -> str:
        return self.error.message


# --------------------------------------------------------------------------------------------
# Cleaning: the patterns are shared by the scalar and the vectorised code
# --------------------------------------------------------------------------------------------

# Written out instead of ``\s`` because Python's and Rust's ``\s`` differ (\x1c-\x1f).
# Includes the no-break, zero-width and BOM characters that spreadsheets and web forms leave.
_WHITESPACE = (
    r"[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060"
    r"\u3000\ufeff]"
)
# Excel's "store as text" marker, and its typographic look-alikes.
_LEADING_APOSTROPHES = r"^['\u2018\u2019\u0060\u00b4]+"
# 3.17101E+15, 3,17101E+15, 3.171014101900001e15, 3171014101900001E0 ...
_SCIENTIFIC = r"^[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+$"
# A whole number written by a float formatter: 3171014101900001.0 (or ,0 in Indonesian
# locale). The fraction is dropped instead of being read as a separator, which would append
# a digit; and the value is rejected when it is too large to be exact as a float.
_FLOAT_TEXT = r"^([0-9]+)[.,]0+$"
# Grouping characters that carry no digits: dots, commas, hyphen and dash look-alikes.
_SEPARATORS = r"[.,\-\u2010-\u2015\u2212]"
_DIGITS = r"^[0-9]+$"

_WHITESPACE_RE = re.compile(_WHITESPACE)
_LEADING_APOSTROPHES_RE = re.compile(_LEADING_APOSTROPHES)
_SCIENTIFIC_RE = re.compile(_SCIENTIFIC)
_FLOAT_TEXT_RE = re.compile(_FLOAT_TEXT)
_SEPARATORS_RE = re.compile(_SEPARATORS)
_DIGITS_RE = re.compile(_DIGITS)


def _beyond_float_exact(digits: str) -> bool:
    """True if the non-negative integer written in ``digits`` is >= 2**53."""
    return int(digits) >= FLOAT_EXACT_LIMIT


def _clean_text(raw: str) -> str:
    text = _WHITESPACE_RE.sub("", raw)
    text = _LEADING_APOSTROPHES_RE.sub("", text)
    if not text:
        raise NikInvalid(NikError.EMPTY)
    if _SCIENTIFIC_RE.fullmatch(text):
        raise NikInvalid(NikError.SCIENTIFIC_NOTATION, repr(raw))
    float_text = _FLOAT_TEXT_RE.fullmatch(text)
    if float_text:
        digits = float_text.group(1)
        if _beyond_float_exact(digits):
            raise NikInvalid(NikError.PRECISION_LOST, repr(raw))
    else:
        digits = _SEPARATORS_RE.sub("", text)
    if not digits:
        raise NikInvalid(NikError.EMPTY, repr(raw))
    if not _DIGITS_RE.fullmatch(digits):
        raise NikInvalid(NikError.NON_DIGIT, repr(raw))
    return digits


def _clean_float(raw: float) -> str:
    if math.isnan(raw):
        raise NikInvalid(NikError.EMPTY)
    if math.isinf(raw) or raw < 0:
        raise NikInvalid(NikError.NON_DIGIT, repr(raw))
    if raw >= FLOAT_EXACT_LIMIT:
        raise NikInvalid(NikError.PRECISION_LOST, repr(raw))
    if not raw.is_integer():
        raise NikInvalid(NikError.NON_DIGIT, repr(raw))
    return str(int(raw))


def clean_identity_number(raw: object) -> str:
    """Return the digits of a NIK or NKK typed or exported with the usual damage.

    Repaired: surrounding and inner whitespace (including no-break and zero-width spaces),
    a leading apostrophe (Excel's text marker), dots, commas and dashes used as grouping, a
    trailing ``.0`` written by a float formatter, and ``int`` values. A ``float`` is accepted
    only when it is a whole number below 2**53, where float64 holds every integer exactly.

    Rejected with :class:`NikInvalid`: missing values and placeholders (``EMPTY``); scientific
    notation such as ``3.17101E+15`` (``SCIENTIFIC_NOTATION``: the digits are gone, and we
    never guess them); floats, or float-formatted text, at or above 2**53
    (``PRECISION_LOST``); anything else that is not digits (``NON_DIGIT``).

    The length is *not* checked here: :func:`parse_nik` and :func:`parse_nkk` do that.
    Beware that a number typed by hand into a numeric Excel cell has already had its 16th
    digit replaced by 0 before any file is written; that damage is invisible here, which is
    why importers should read identity columns as text.
    """
    if raw is None:
        raise NikInvalid(NikError.EMPTY)
    if isinstance(raw, bool):
        raise NikInvalid(NikError.NON_DIGIT, repr(raw))
    if isinstance(raw, int):
        if raw < 0:
            raise NikInvalid(NikError.NON_DIGIT, repr(raw))
        return str(raw)
    if isinstance(raw, float):
        return _clean_float(raw)
    if isinstance(raw, str):
        return _clean_text(raw)
    raise NikInvalid(NikError.NON_DIGIT, f"unsupported type {type(raw).__name__}")


# --------------------------------------------------------------------------------------------
# Dates: the century rule
# --------------------------------------------------------------------------------------------

FEMALE_DAY_OFFSET = 40


def _today() -> dt.date:
    return dt.date.today()


def _resolve_year(yy: int, month: int, day: int, reference: dt.date) -> int:
    """Century rule: the latest year ending in ``yy`` whose (month, day) is not after
    ``reference``.

    A NIK holds only two digits of the year. A person cannot be born after the reference
    date, so we take the reference date's century unless that puts the birthday in the
    future, then the century before. Consequence: someone born in 1920 and someone born in
    2020 share ``DDMMYY`` and the rule reads both as 2020. Compare against a recorded birth
    date with :func:`nik_date_agrees`, which ignores the century.
    """
    year = reference.year // 100 * 100 + yy
    if (year, month, day) > (reference.year, reference.month, reference.day):
        year -= 100
    return year


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _decode_birth(ddmmyy: str, reference: dt.date) -> tuple[dt.date, Literal["L", "P"]] | None:
    """Birth date and sex ('L' laki-laki, 'P' perempuan) from the NIK date part, or None."""
    dd, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    if 1 <= dd <= 31:
        day, sex = dd, "L"
    elif 1 + FEMALE_DAY_OFFSET <= dd <= 31 + FEMALE_DAY_OFFSET:
        day, sex = dd - FEMALE_DAY_OFFSET, "P"
    else:
        return None
    if not 1 <= month <= 12:
        return None
    year = _resolve_year(yy, month, day, reference)
    if day > _days_in_month(year, month):
        return None
    return dt.date(year, month, day), sex


def nik_date_agrees(nik: ParsedNik, birth_date: dt.date) -> bool:
    """True if ``birth_date`` has the day, month and two-digit year encoded in the NIK.

    Use this rather than ``nik.birth_date == birth_date`` when the other date comes from a
    register: it is immune to the century ambiguity of :func:`_resolve_year`.
    """
    encoded = nik.birth_date
    return (encoded.day, encoded.month, encoded.year % 100) == (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    )


# --------------------------------------------------------------------------------------------
# Scalar parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedNik:
    """A valid NIK, split into its parts. Region parts are prefixes of the NIK:
    ``province`` "31", ``kabkota`` "3171", ``kecamatan`` "317101" (Kemendagri codes without
    dots, as KPU writes them). ``birth_date`` follows the century rule."""

    nik: str
    province: str
    kabkota: str
    kecamatan: str
    birth_date: dt.date
    sex: Literal["L", "P"]
    serial: str


@dataclass(frozen=True, slots=True)
class ParsedNkk:
    """A valid NKK. ``issue_code`` is digits 7-12 (in practice the issue date DDMMYY, not
    validated; see :func:`nkk_issue_date`)."""

    nkk: str
    province: str
    kabkota: str
    kecamatan: str
    issue_code: str
    serial: str


def _check_province_codes(province_codes: Iterable[str] | None) -> frozenset[str] | None:
    if province_codes is None:
        return None
    codes = frozenset(province_codes)
    unknown = sorted(codes - PROVINCE_CODES.keys())
    if unknown:
        raise ValueError(f"unknown province codes: {unknown}")
    return codes


def _region_errors(digits: str, province_codes: frozenset[str] | None) -> list[NikError]:
    errors = []
    province = digits[0:2]
    if province not in PROVINCE_CODES:
        errors.append(NikError.BAD_PROVINCE)
    elif province_codes is not None and province not in province_codes:
        errors.append(NikError.REGION_MISMATCH)
    if digits[2:4] == "00":
        errors.append(NikError.BAD_KABKOTA)
    if digits[4:6] == "00":
        errors.append(NikError.BAD_KECAMATAN)
    return errors


def _clean_16(raw: object) -> tuple[str | None, list[NikError]]:
    try:
        digits = clean_identity_number(raw)
    except NikInvalid as exc:
        return None, [exc.error]
    if len(digits) != NUMBER_LENGTH:
        return None, [NikError.WRONG_LENGTH]
    return digits, []


def validate_nik(
    raw: object,
    *,
    reference_date: dt.date | None = None,
    province_codes: Iterable[str] | None = None,
) -> tuple[ParsedNik | None, list[NikError]]:
    """Check a NIK and return ``(parsed, [])`` or ``(None, errors)``; never raises on data.

    Cleaning errors (empty, scientific notation, precision lost, non-digit, wrong length)
    stop the checks and come alone. Otherwise every structural error is listed, in this order:
    bad_province or region_mismatch, bad_kabkota, bad_kecamatan, bad_date, zero_serial.

    ``reference_date`` (default today) drives the century rule; ``province_codes`` narrows
    the accepted provinces (``region_mismatch``). An unknown code in ``province_codes`` is a
    programming error and raises ``ValueError``.
    """
    codes = _check_province_codes(province_codes)
    digits, errors = _clean_16(raw)
    if digits is None:
        return None, errors
    errors = _region_errors(digits, codes)
    birth = _decode_birth(digits[6:12], reference_date or _today())
    if birth is None:
        errors.append(NikError.BAD_DATE)
    if digits[12:16] == "0000":
        errors.append(NikError.ZERO_SERIAL)
    if errors or birth is None:
        return None, errors
    birth_date, sex = birth
    parsed = ParsedNik(
        nik=digits,
        province=digits[0:2],
        kabkota=digits[0:4],
        kecamatan=digits[0:6],
        birth_date=birth_date,
        sex=sex,
        serial=digits[12:16],
    )
    return parsed, []


def parse_nik(
    raw: object,
    *,
    province_codes: Iterable[str] | None = None,
    reference_date: dt.date | None = None,
) -> ParsedNik:
    """Parse a NIK or raise :class:`NikInvalid` with the first error of :func:`validate_nik`."""
    parsed, errors = validate_nik(raw, reference_date=reference_date, province_codes=province_codes)
    if parsed is None:
        raise NikInvalid(errors[0], repr(raw))
    return parsed


def validate_nkk(
    raw: object, *, province_codes: Iterable[str] | None = None
) -> tuple[ParsedNkk | None, list[NikError]]:
    """Check an NKK like :func:`validate_nik`, without the date check."""
    codes = _check_province_codes(province_codes)
    digits, errors = _clean_16(raw)
    if digits is None:
        return None, errors
    errors = _region_errors(digits, codes)
    if digits[12:16] == "0000":
        errors.append(NikError.ZERO_SERIAL)
    if errors:
        return None, errors
    parsed = ParsedNkk(
        nkk=digits,
        province=digits[0:2],
        kabkota=digits[0:4],
        kecamatan=digits[0:6],
        issue_code=digits[6:12],
        serial=digits[12:16],
    )
    return parsed, []


def parse_nkk(raw: object, *, province_codes: Iterable[str] | None = None) -> ParsedNkk:
    """Parse an NKK or raise :class:`NikInvalid` with the first error of :func:`validate_nkk`."""
    parsed, errors = validate_nkk(raw, province_codes=province_codes)
    if parsed is None:
        raise NikInvalid(errors[0], repr(raw))
    return parsed


def nkk_issue_date(nkk: ParsedNkk, *, reference_date: dt.date | None = None) -> dt.date | None:
    """The issue date that digits 7-12 of an NKK usually hold, or None if they are not a date.

    Informational only: older family cards do not always follow the pattern, so this is never
    a validation error. Uses the same century rule as the NIK (no +40 offset).
    """
    dd, month, yy = int(nkk.issue_code[0:2]), int(nkk.issue_code[2:4]), int(nkk.issue_code[4:6])
    if not (1 <= dd <= 31 and 1 <= month <= 12):
        return None
    year = _resolve_year(yy, month, dd, reference_date or _today())
    if dd > _days_in_month(year, month):
        return None
    return dt.date(year, month, dd)


def make_nik(
    *,
    kecamatan_code: str,
    birth_date: dt.date,
    sex: Literal["L", "P"],
    serial: int | str,
) -> str:
    """Build a NIK: the inverse of :func:`parse_nik`, for tests and synthetic data.

    ``kecamatan_code`` is the 6-digit Kemendagri code, with or without dots ("31.71.01").
    Only the last two digits of the year are kept: parsing the result gives back
    ``birth_date`` when it is within the 100 years before the reference date.
    """
    code = kecamatan_code.replace(".", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValueError(f"kecamatan_code must be 6 digits: {kecamatan_code!r}")
    if code[0:2] not in PROVINCE_CODES or code[2:4] == "00" or code[4:6] == "00":
        raise ValueError(f"not a valid kecamatan code: {kecamatan_code!r}")
    if sex not in ("L", "P"):
        raise ValueError(f"sex must be 'L' or 'P': {sex!r}")
    number = int(serial)
    if not 1 <= number <= 9999:
        raise ValueError(f"serial must be 1..9999: {serial!r}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "P" else 0)
    return f"{code}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{number:04d}"


# --------------------------------------------------------------------------------------------
# Vectorised (Polars) versions: the same rules, as staged expressions
# --------------------------------------------------------------------------------------------
#
# Each rule is written once more as a Polars expression over the same patterns and constants.
# The work is split into stages of ``with_columns`` over temporary columns: a when/then chain
# that refers to another chain re-evaluates it for every reference, and nesting the cleaning
# regexes inside the date arithmetic made a million rows take minutes instead of a second.

ERROR_DTYPE = pl.Enum([e.value for e in NikError])
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
_Stage = dict[str, pl.Expr]

_TMP = "__pilkada_identity_"
_T, _FLOAT_DIGITS, _SIGNIFICANT = _TMP + "text", _TMP + "float_digits", _TMP + "significant"
_RAW_DIGITS, _CLEAN_ERROR0 = _TMP + "raw_digits", _TMP + "clean_error0"
_CLEAN_ERROR, _DIGITS_COL = _TMP + "clean_error", _TMP + "digits"
_DD, _MM, _YY, _FEMALE, _DAY = _TMP + "dd", _TMP + "mm", _TMP + "yy", _TMP + "female", _TMP + "day"
_YEAR0, _YEAR, _DATE_OK, _ERROR = _TMP + "year0", _TMP + "year", _TMP + "date_ok", _TMP + "error"


def _error(error: NikError) -> pl.Expr:
    return pl.lit(error.value)


def _text_stages(col: str) -> list[_Stage]:
    """Mirror of :func:`_clean_text`: ``_RAW_DIGITS`` and ``_CLEAN_ERROR0`` (no length check)."""
    text, float_digits, significant = pl.col(_T), pl.col(_FLOAT_DIGITS), pl.col(_SIGNIFICANT)
    raw_digits = pl.col(_RAW_DIGITS)
    limit = _FLOAT_EXACT_LIMIT_DIGITS
    too_big_for_float = (significant.str.len_chars() > len(limit)) | (
        (significant.str.len_chars() == len(limit)) & (significant >= limit)
    )
    return [
        {_T: pl.col(col).str.replace_all(_WHITESPACE, "").str.replace(_LEADING_APOSTROPHES, "")},
        {_FLOAT_DIGITS: text.str.extract(_FLOAT_TEXT, 1)},
        {
            _SIGNIFICANT: float_digits.str.strip_chars_start("0"),
            _RAW_DIGITS: pl.coalesce(float_digits, text.str.replace_all(_SEPARATORS, "")),
        },
        {
            _CLEAN_ERROR0: pl.when(text.is_null() | (text == ""))
            .then(_error(NikError.EMPTY))
            .when(text.str.contains(_SCIENTIFIC))
            .then(_error(NikError.SCIENTIFIC_NOTATION))
            .when(float_digits.is_not_null() & too_big_for_float)
            .then(_error(NikError.PRECISION_LOST))
            .when(raw_digits == "")
            .then(_error(NikError.EMPTY))
            .when(~raw_digits.str.contains(_DIGITS))
            .then(_error(NikError.NON_DIGIT))
        },
    ]


def _int_stages(col: str) -> list[_Stage]:
    """Mirror of the ``int`` branch of :func:`clean_identity_number`."""
    value = pl.col(col)
    error = (
        pl.when(value.is_null())
        .then(_error(NikError.EMPTY))
        .when(value < 0)
        .then(_error(NikError.NON_DIGIT))
    )
    return [{_RAW_DIGITS: value.cast(pl.String), _CLEAN_ERROR0: error}]


def _float_stages(col: str) -> list[_Stage]:
    """Mirror of :func:`_clean_float`."""
    value = pl.col(col)
    error = (
        pl.when(value.is_null() | value.is_nan())
        .then(_error(NikError.EMPTY))
        .when(value.is_infinite() | (value < 0))
        .then(_error(NikError.NON_DIGIT))
        .when(value >= float(FLOAT_EXACT_LIMIT))
        .then(_error(NikError.PRECISION_LOST))
        .when(value != value.floor())
        .then(_error(NikError.NON_DIGIT))
    )
    exact = pl.when(pl.col(_CLEAN_ERROR0).is_null()).then(value)
    return [
        {_CLEAN_ERROR0: error},
        {_RAW_DIGITS: exact.cast(pl.Int64).cast(pl.String)},
    ]


def _clean_stages(col: str, dtype: pl.DataType) -> list[_Stage]:
    """Stages ending with ``_DIGITS_COL`` (16 digits or null) and ``_CLEAN_ERROR``."""
    if dtype == pl.String:
        stages = _text_stages(col)
    elif dtype == pl.Null:  # an all-null column: read it as an empty String column
        as_text = _TMP + "as_text"
        stages = [{as_text: pl.col(col).cast(pl.String)}, *_text_stages(as_text)]
    elif dtype.is_integer():
        stages = _int_stages(col)
    elif dtype.is_float():
        stages = _float_stages(col)
    else:
        raise TypeError(f"identity column {col!r} has unsupported type {dtype}")
    wrong_length = pl.when(pl.col(_RAW_DIGITS).str.len_chars() != NUMBER_LENGTH).then(
        _error(NikError.WRONG_LENGTH)
    )
    clean_error = pl.col(_CLEAN_ERROR)
    return [
        *stages,
        {_CLEAN_ERROR: pl.coalesce(pl.col(_CLEAN_ERROR0), wrong_length)},
        {_DIGITS_COL: pl.when(clean_error.is_null()).then(pl.col(_RAW_DIGITS))},
    ]


def _region_error(province_codes: frozenset[str] | None) -> pl.Expr:
    """Mirror of :func:`_region_errors` (first error only), as the head of a when-chain."""
    digits = pl.col(_DIGITS_COL)
    province = digits.str.slice(0, 2)
    chain = pl.when(~province.is_in(sorted(PROVINCE_CODES))).then(_error(NikError.BAD_PROVINCE))
    if province_codes is not None:
        chain = chain.when(~province.is_in(sorted(province_codes))).then(
            _error(NikError.REGION_MISMATCH)
        )
    return (
        chain.when(digits.str.slice(2, 2) == "00")
        .then(_error(NikError.BAD_KABKOTA))
        .when(digits.str.slice(4, 2) == "00")
        .then(_error(NikError.BAD_KECAMATAN))
    )


def _birth_stages(reference: dt.date) -> list[_Stage]:
    """Mirror of :func:`_decode_birth` and :func:`_resolve_year`: ``_DAY``, ``_YEAR``,
    ``_FEMALE`` and ``_DATE_OK``."""
    digits = pl.col(_DIGITS_COL)
    dd, month, day, year = pl.col(_DD), pl.col(_MM), pl.col(_DAY), pl.col(_YEAR)
    female = pl.col(_FEMALE)
    reference_key = reference.year * 10_000 + reference.month * 100 + reference.day
    year0 = pl.col(_YEAR0)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    return [
        {
            _DD: digits.str.slice(6, 2).cast(pl.Int32, strict=False),
            _MM: digits.str.slice(8, 2).cast(pl.Int32, strict=False),
            _YY: digits.str.slice(10, 2).cast(pl.Int32, strict=False),
        },
        {_FEMALE: dd.is_between(1 + FEMALE_DAY_OFFSET, 31 + FEMALE_DAY_OFFSET)},
        {
            _DAY: pl.when(female).then(dd - FEMALE_DAY_OFFSET).otherwise(dd),
            _YEAR0: pl.lit(reference.year // 100 * 100, pl.Int32) + pl.col(_YY),
        },
        {
            _YEAR: pl.when(year0 * 10_000 + month * 100 + day > reference_key)
            .then(year0 - 100)
            .otherwise(year0)
        },
        {
            _DATE_OK: ((dd.is_between(1, 31) | female) & month.is_between(1, 12))
            .and_(day <= month_days)
            .fill_null(False)
        },
    ]


def _nik_stages(
    col: str, dtype: pl.DataType, reference: dt.date, codes: frozenset[str] | None
) -> list[_Stage]:
    structure_error = (
        _region_error(codes)
        .when(~pl.col(_DATE_OK))
        .then(_error(NikError.BAD_DATE))
        .when(pl.col(_DIGITS_COL).str.slice(12, 4) == "0000")
        .then(_error(NikError.ZERO_SERIAL))
    )
    return [
        *_clean_stages(col, dtype),
        *_birth_stages(reference),
        {_ERROR: pl.coalesce(pl.col(_CLEAN_ERROR), structure_error).cast(ERROR_DTYPE)},
    ]


def _nik_outputs() -> dict[str, pl.Expr]:
    ok = pl.col(_DATE_OK)
    valid = pl.col(_ERROR).is_null()
    # pl.date raises on impossible dates even in rows that a when() masks: feed it safe parts.
    birth_date = pl.date(
        pl.when(ok).then(pl.col(_YEAR)).otherwise(2000),
        pl.when(ok).then(pl.col(_MM)).otherwise(1),
        pl.when(ok).then(pl.col(_DAY)).otherwise(1),
    )
    return {
        "clean": pl.col(_DIGITS_COL),
        "error": pl.col(_ERROR),
        "birth_date": pl.when(valid).then(birth_date),
        "sex": pl.when(valid).then(
            pl.when(pl.col(_FEMALE)).then(pl.lit("P")).otherwise(pl.lit("L"))
        ),
    }


def _run_stages(
    frame: FrameT, stages: list[_Stage], outputs: dict[str, pl.Expr], prefix: str
) -> FrameT:
    columns = frame.collect_schema().names()
    if any(name.startswith(_TMP) for name in columns):
        raise ValueError(f"column names starting with {_TMP!r} are reserved")
    lazy = frame.lazy()
    for stage in stages:
        lazy = lazy.with_columns(expr.alias(name) for name, expr in stage.items())
    named = {f"{prefix}_{key}": expr for key, expr in outputs.items()}
    lazy = lazy.with_columns(expr.alias(name) for name, expr in named.items())
    lazy = lazy.select(*[c for c in columns if c not in named], *named)
    return lazy.collect() if isinstance(frame, pl.DataFrame) else lazy


def validate_nik_frame(
    frame: FrameT,
    col: str,
    *,
    reference_date: dt.date,
    province_codes: Iterable[str] | None = None,
    prefix: str | None = None,
) -> FrameT:
    """The vectorised :func:`validate_nik`, for files of millions of rows.

    Adds to ``frame`` (a DataFrame or a LazyFrame; ``prefix`` defaults to ``col``):

    * ``<prefix>_clean`` -- the 16 digits after cleaning, null when cleaning failed (it is
      kept when only the structure is wrong, so operators see what the cleaner made of it);
    * ``<prefix>_error`` -- the first error code (``NikError`` values, Enum dtype), null when
      valid; equal to ``validate_nik(x)[1][0]``;
    * ``<prefix>_birth_date`` and ``<prefix>_sex`` ('L'/'P') -- null unless valid.

    ``col`` may be String (the right way to read identity columns), an integer or a float
    type; each follows the same rules as :func:`clean_identity_number` for str, int and float.
    The input column is left as it was.
    """
    codes = _check_province_codes(province_codes)
    stages = _nik_stages(col, frame.collect_schema()[col], reference_date, codes)
    return _run_stages(frame, stages, _nik_outputs(), prefix or col)


def validate_nkk_frame(
    frame: FrameT,
    col: str,
    *,
    province_codes: Iterable[str] | None = None,
    prefix: str | None = None,
) -> FrameT:
    """The vectorised :func:`validate_nkk`: adds ``<prefix>_clean`` and ``<prefix>_error``."""
    codes = _check_province_codes(province_codes)
    structure_error = (
        _region_error(codes)
        .when(pl.col(_DIGITS_COL).str.slice(12, 4) == "0000")
        .then(_error(NikError.ZERO_SERIAL))
    )
    stages = [
        *_clean_stages(col, frame.collect_schema()[col]),
        {_ERROR: pl.coalesce(pl.col(_CLEAN_ERROR), structure_error).cast(ERROR_DTYPE)},
    ]
    outputs = {"clean": pl.col(_DIGITS_COL), "error": pl.col(_ERROR)}
    return _run_stages(frame, stages, outputs, prefix or col)
