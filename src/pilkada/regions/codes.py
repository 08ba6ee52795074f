"""Region and TPS codes: parsing, levels, parents. Django-free, so the engine can use it.

KPU writes Kemendagri's region codes without dots, and every code's parent is its prefix:

    ========== ============== ======= ==================
    level      dotted         KPU     segment lengths
    ========== ============== ======= ==================
    provinsi   31             31      2
    kabkota    31.71          3171    2.2
    kecamatan  31.71.01       317101  2.2.2
    kelurahan  31.71.01.1001  3171011001  2.2.2.4
    tps        (none)         3171011001001  kelurahan + 3
    ========== ============== ======= ==================

A kab/kota number 01-69 is a kabupaten and 71-99 a kota; a kelurahan/desa number 1xxx is a
kelurahan and 2xxx a desa (Kemendagri's numbering). TPS numbers 001-899 are ordinary polling
stations and 900-999 special ones (TPS lokasi khusus: prisons, hospitals, ...).
"""

from __future__ import annotations

import itertools

# Length of a code (KPU style, no dots) at each level, top down.
CODE_LENGTH: dict[str, int] = {
    "provinsi": 2,
    "kabkota": 4,
    "kecamatan": 6,
    "kelurahan": 10,
    "tps": 13,
}
REGION_LEVELS: tuple[str, ...] = ("provinsi", "kabkota", "kecamatan", "kelurahan")
LEVEL_BY_LENGTH: dict[int, str] = {length: level for level, length in CODE_LENGTH.items()}
# Segment lengths of the dotted form, top down; a TPS adds a 3-digit number.
SEGMENT_LENGTHS: tuple[int, ...] = (2, 2, 2, 4, 3)
TPS_SPECIAL_FROM = 900
TPS_MAX_NUMBER = 999

_ASCII_DIGITS = frozenset("0123456789")


class InvalidRegionCode(ValueError):
    """A region or TPS code that is not well formed. ``reason`` says why, in English."""

    def __init__(self, raw: object, reason: str):
        self.raw = raw
        self.reason = reason
        super().__init__(f"invalid region code {raw!r}: {reason}")


def is_digits(value: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts e.g. Arabic-Indic and full-width)."""
    return bool(value) and all(c in _ASCII_DIGITS for c in value)


def level_of(code: str) -> str | None:
    """The level of an undotted code by its length, or None if it is not a code at all."""
    if not isinstance(code, str) or not is_digits(code):
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def _check_segments(raw: object, segments: list[str]) -> None:
    for i, segment in enumerate(segments):
        if len(segment) != SEGMENT_LENGTHS[i]:
            raise InvalidRegionCode(
                raw,
                f"segment {i + 1} ({segment!r}) must have {SEGMENT_LENGTHS[i]} digits",
            )
        if not is_digits(segment):
            raise InvalidRegionCode(raw, f"segment {i + 1} ({segment!r}) must be digits only")
        if set(segment) == {"0"}:
            raise InvalidRegionCode(raw, f"segment {i + 1} ({segment!r}) must not be zero")


def normalize_region_code(raw: object, *, allow_tps: bool = False) -> str:
    """Return the KPU-style (undotted) code of ``raw``, dotted or undotted.

    "31.71.01.1001" and "3171011001" both give "3171011001". Surrounding whitespace is
    ignored. Raises :class:`InvalidRegionCode` for anything else: wrong segment lengths,
    non-ASCII-digits, all-zero segments, or a TPS code unless ``allow_tps``.
    """
    if not isinstance(raw, str):
        raise InvalidRegionCode(raw, "not a string")
    value = raw.strip()
    if not value:
        raise InvalidRegionCode(raw, "empty")
    max_segments = 5 if allow_tps else 4
    if "." in value:
        segments = value.split(".")
        if len(segments) > max_segments:
            raise InvalidRegionCode(raw, f"too many segments ({len(segments)})")
        _check_segments(raw, segments)
        return "".join(segments)
    if not is_digits(value):
        raise InvalidRegionCode(raw, "must be digits (optionally dotted)")
    level = LEVEL_BY_LENGTH.get(len(value))
    if level is None or (level == "tps" and not allow_tps):
        lengths = "2, 4, 6, 10" + (" or 13" if allow_tps else "")
        raise InvalidRegionCode(raw, f"{len(value)} digits; a code has {lengths}")
    _check_segments(raw, _segments(value))
    return value


def _segments(code: str) -> list[str]:
    """The segments of an undotted code of a valid length: "3171011001" -> 31 71 01 1001."""
    bounds = (0, *CODE_LENGTH.values())
    return [code[a:b] for a, b in itertools.pairwise(bounds) if b <= len(code)]


def ancestor_codes(code: str) -> list[str]:
    """Codes of the ancestors of ``code``, province first; excludes ``code`` itself."""
    normalized = normalize_region_code(code, allow_tps=True)
    return [normalized[:length] for length in CODE_LENGTH.values() if length < len(normalized)]


def parent_code(code: str) -> str | None:
    """The parent's code (its prefix), None for a province. Accepts a TPS code."""
    ancestors = ancestor_codes(code)
    return ancestors[-1] if ancestors else None


def dotted(code: str) -> str:
    """Kemendagri's dotted form: "3171011001" -> "31.71.01.1001" (a TPS: "....1001.001")."""
    return ".".join(_segments(normalize_region_code(code, allow_tps=True)))


def tps_code(kelurahan_code: str, number: int) -> str:
    """The 13-digit TPS code: the kelurahan code plus the TPS number in three digits."""
    kelurahan = normalize_region_code(kelurahan_code)
    if level_of(kelurahan) != "kelurahan":
        raise InvalidRegionCode(kelurahan_code, "a TPS belongs to a kelurahan/desa (10 digits)")
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidRegionCode(number, "TPS number must be an integer")
    if not 1 <= number <= TPS_MAX_NUMBER:
        raise InvalidRegionCode(number, f"TPS number must be 1..{TPS_MAX_NUMBER}")
    return f"{kelurahan}{number:03d}"


def normalize_tps_code(raw: object) -> str:
    """The 13-digit code of a TPS, or :class:`InvalidRegionCode`."""
    code = normalize_region_code(raw, allow_tps=True)
    if level_of(code) != "tps":
        raise InvalidRegionCode(raw, "a TPS code has 13 digits (kelurahan code + 3)")
    return code


def is_special_tps(number: int) -> bool:
    """TPS 900-999 are TPS lokasi khusus (prisons, detention centres, hospitals, ...)."""
    return number >= TPS_SPECIAL_FROM


def region_kind(code: str, name: str) -> str:
    """The kind of a region: "kabupaten"/"kota" for a kab/kota, "kelurahan"/"desa" for a
    village, else "".

    A kab/kota's kind comes from its name ("Kota ...", "Kabupaten ...", also "Kota
    Administrasi ..."), falling back on Kemendagri's numbering (01-69 kabupaten, 71-99 kota).
    A village's kind comes from its number (1xxx kelurahan, 2xxx desa); other numbers: "".
    """
    level = level_of(code)
    if level == "kabkota":
        lowered = name.strip().lower()
        if lowered.startswith("kota "):
            return "kota"
        if lowered.startswith(("kabupaten ", "kab. ")):
            return "kabupaten"
        return "kota" if int(code[2:4]) >= 71 else "kabupaten"
    if level == "kelurahan":
        return {"1": "kelurahan", "2": "desa"}.get(code[6], "")
    return ""


_KABKOTA_PREFIXES = (
    "kabupaten administrasi ",
    "kota administrasi ",
    "kabupaten ",
    "kab. ",
    "kota ",
)


def short_name(level: str, name: str) -> str:
    """A kab/kota's name without its kind: "Kota Administrasi Jakarta Pusat" -> "Jakarta
    Pusat". Other levels are returned as they are."""
    if level != "kabkota":
        return name
    lowered = name.lower()
    for prefix in _KABKOTA_PREFIXES:
        if lowered.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name
