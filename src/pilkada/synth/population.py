"""Deterministic synthetic population: a DP4 file and the truth file behind it. No Django.

``generate_population(PopulationParams(voters=..., seed=...))`` builds the rows;
``write_population(params, out_dir)`` writes ``dp4.csv``, ``truth.csv`` and ``manifest.json``.
The formats are described in docs/formats/dp4.md and docs/formats/truth.md.

How the population is made (everything vectorised with NumPy and Polars; the only Python
loops run over kab/kota, kelurahan-independent tables and name pools, never over people):

1. **Where.** The province's region file gives the kelurahan. The rows are apportioned to
   kab/kota by weights (``data/weights_<province>.csv``, e.g. the real DPT per kab/kota;
   otherwise proportional to the number of kelurahan) with largest remainders, so that the
   real total gives the real kab/kota figures exactly; then to kelurahan by lognormal weights.
2. **Who.** Kelurahan are filled with households of 1-6 voters (couples, parents with adult
   children, three generations, people living alone); ages, sex and marital status follow the
   household role. Twins (hard negatives for deduplication) are adult children of one
   household with the same birth date.
3. **Names** come from the tables in :mod:`pilkada.synth.names_data` (one naming tradition per
   household; family names are passed from father to children), and Javanese-style given
   names are coined from a prefix, a root and an ending (:data:`_COINED`), so that full
   names are about as diverse as real ones (docs/formats/truth.md, "Names").
4. **NIK** ``PP KK CC DDMMYY SSSS``: the kecamatan of issue is mostly the household's own;
   the serial is the rank among holders of the same ``PPKKCC DDMMYY`` (women +40), by a
   vectorised group rank, so NIKs of distinct people are unique. **NKK** is the household's
   kecamatan, the card's issue date and a serial, made unique the same way.
5. **Defects** are injected at exact counts (``round(rate * voters)``) and recorded in the
   truth file: duplicates of four kinds with name/date variants, deceased, under age, moved
   out, TNI, Polri and invalid NIKs.

Randomness: one ``numpy.random.Generator(PCG64)`` per stage, seeded by ``SeedSequence([seed,
stage])``, so the same seed and parameters give byte-identical files.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from . import names_data as nd

GENERATOR_VERSION = "2"
VOTING_DAY_2024 = dt.date(2024, 11, 27)
VOTING_AGE = 17

DP4_COLUMNS: tuple[str, ...] = (
    "nkk",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_kawin",
    "alamat",
    "rt",
    "rw",
    "kode_kelurahan",
    "disabilitas",
    "ktp_el",
)
TRUTH_COLUMNS: tuple[str, ...] = ("line", "person_id", "defect", "of_line", "detail")

DUPLICATE_KINDS: tuple[str, ...] = (
    "duplicate_same_nik",
    "duplicate_nik_typo",
    "duplicate_nik_transposed",
    "duplicate_new_serial",
)
PERSON_DEFECTS: tuple[str, ...] = (
    "deceased",
    "under_age",
    "moved_out",
    "tni",
    "polri",
    "invalid_nik",
)
DEFECTS: tuple[str, ...] = DUPLICATE_KINDS + PERSON_DEFECTS
#: How ``--rate-duplicate`` is split between the four kinds.
DUPLICATE_MIX: dict[str, float] = {
    "duplicate_same_nik": 0.40,
    "duplicate_nik_typo": 0.25,
    "duplicate_nik_transposed": 0.15,
    "duplicate_new_serial": 0.20,
}
INVALID_NIK_KINDS: tuple[str, ...] = ("length", "date", "serial", "scientific", "letters")
DISABILITY_CODES = {
    0: "none",
    1: "fisik",
    2: "intelektual",
    3: "mental",
    4: "sensorik wicara",
    5: "sensorik rungu",
    6: "sensorik netra",
}

_PACKAGE_DIR = Path(__file__).resolve().parent
_REGIONS_DIR = _PACKAGE_DIR.parent / "regions" / "data"
_WEIGHTS_DIR = _PACKAGE_DIR / "data"

# Random streams, one per stage: changing a defect rate does not move the population.
_STREAM = {
    "regions": 1,
    "households": 2,
    "people": 3,
    "names": 4,
    "special": 5,
    "copies": 6,
    "nik": 7,
    "nkk": 8,
    "address": 9,
    "defects": 10,
    "invalid": 11,
    "attributes": 12,
    "coined": 13,
}


# ============================================================================================
# Parameters
# ============================================================================================


@dataclass(frozen=True, kw_only=True)
class PopulationParams:
    """What to generate. Rates are fractions of ``voters`` (the number of DP4 rows); each
    defect appears exactly ``round(rate * voters)`` times. A rate of 0 disables it."""

    voters: int
    seed: int
    province: str = "31"
    voting_day: dt.date = VOTING_DAY_2024
    rate_duplicate_same_nik: float = 0.01 * DUPLICATE_MIX["duplicate_same_nik"]
    rate_duplicate_nik_typo: float = 0.01 * DUPLICATE_MIX["duplicate_nik_typo"]
    rate_duplicate_nik_transposed: float = 0.01 * DUPLICATE_MIX["duplicate_nik_transposed"]
    rate_duplicate_new_serial: float = 0.01 * DUPLICATE_MIX["duplicate_new_serial"]
    rate_deceased: float = 0.005
    rate_under_age: float = 0.002
    rate_moved_out: float = 0.005
    rate_tni: float = 0.001
    rate_polri: float = 0.001
    rate_invalid_nik: float = 0.001
    #: Twin pairs (hard negatives, not defects) per row.
    rate_twins: float = 0.002
    #: Married people under 17 (legitimate voters, not defects) per row.
    rate_married_minor: float = 0.0001
    #: Share of duplicate copies whose name differs (spelling, abbreviation, dropped name,
    #: title).
    share_name_variant: float = 0.5
    #: Share of duplicate copies with day and month swapped (only where both are <= 12).
    share_date_swap: float = 0.3
    #: Share of duplicate copies registered in another kelurahan (new NKK and address).
    share_moved_copy: float = 0.3
    #: Region file (``kode,nama``); default ``regions/data/<province>.csv``.
    regions_file: Path | None = None
    #: Kab/kota weights (``kode,dpt``); default ``synth/data/weights_<province>.csv`` if it
    #: exists, else weights proportional to the number of kelurahan.
    weights_file: Path | None = None

    @classmethod
    def with_duplicate_rate(cls, rate: float, **kwargs) -> PopulationParams:
        """Parameters whose four duplicate kinds split ``rate`` by :data:`DUPLICATE_MIX`."""
        split = {f"rate_{kind}": rate * share for kind, share in DUPLICATE_MIX.items()}
        split.update(kwargs)
        return cls(**split)

    def rate(self, defect: str) -> float:
        return float(getattr(self, f"rate_{defect}"))

    def defect_counts(self) -> dict[str, int]:
        """Exact number of rows of each defect."""
        return {d: _count(self.rate(d), self.voters) for d in DEFECTS}

    def validate(self) -> None:
        if not isinstance(self.voters, int) or self.voters < 1:
            raise ValueError("voters must be a positive integer")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if not re.fullmatch(r"[0-9]{2}", self.province):
            raise ValueError(f"province must be a 2-digit code: {self.province!r}")
        if (self.voting_day.month, self.voting_day.day) == (2, 29):
            raise ValueError("a voting day of 29 February is not supported")
        for f in dataclasses.fields(self):
            if f.name.startswith(("rate_", "share_")):
                value = getattr(self, f.name)
                if not 0.0 <= value <= 1.0 or math.isnan(value):
                    raise ValueError(f"{f.name} must be between 0 and 1: {value}")
        counts = self.defect_counts()
        special = (
            sum(counts.values())
            + 2 * _count(self.rate_twins, self.voters)
            + _count(self.rate_married_minor, self.voters)
        )
        if special > 0.5 * self.voters:
            raise ValueError(
                f"defects, twins and married minors ({special} rows) must stay under half "
                f"of the {self.voters} rows"
            )

    def to_dict(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Path):
                value = str(value)
            out[f.name] = value
        return out


def _count(rate: float, voters: int) -> int:
    # Round half up, independent of float representation quirks at .5.
    return math.floor(rate * voters + 0.5 + 1e-9)


# ============================================================================================
# Regions and apportionment
# ============================================================================================


@dataclass(frozen=True)
class Regions:
    """The province's regions, in file order. Codes are dotted (Kemendagri)."""

    province: str
    kabkota: list[str]
    kabkota_names: list[str]
    kecamatan: list[str]
    kelurahan: list[str]
    kecamatan_kab: np.ndarray = field(repr=False)  # index into kabkota
    kelurahan_kec: np.ndarray = field(repr=False)  # index into kecamatan
    kelurahan_kab: np.ndarray = field(repr=False)  # index into kabkota

    @property
    def kecamatan_int(self) -> np.ndarray:
        """Kecamatan codes as 6-digit integers (317101), the NIK/NKK prefix."""
        return np.array([int(c.replace(".", "")) for c in self.kecamatan], dtype=np.int64)


def _dotted(code: str) -> str:
    digits = code.replace(".", "").strip()
    parts, pos = [], 0
    for length in (2, 2, 2, 4):
        if pos >= len(digits):
            break
        parts.append(digits[pos : pos + length])
        pos += length
    return ".".join(parts)


def load_regions(province: str, path: Path | None = None) -> Regions:
    """Read ``kode,nama`` (dotted or undotted codes) of one province."""
    path = Path(path) if path else _REGIONS_DIR / f"{province}.csv"
    if not path.exists():
        raise FileNotFoundError(f"no region file for province {province}: {path}")
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("kode") or "").strip()
            if code:
                rows.append((_dotted(code), (row.get("nama") or "").strip()))
    by_len: dict[int, list[tuple[str, str]]] = {2: [], 4: [], 6: [], 10: []}
    for code, name in rows:
        if not code.startswith(province):
            raise ValueError(f"{path}: code {code} is outside province {province}")
        n = len(code.replace(".", ""))
        if n not in by_len:
            raise ValueError(f"{path}: malformed region code {code!r}")
        by_len[n].append((code, name))
    kab = sorted(by_len[4])
    kec = sorted(c for c, _ in by_len[6])
    kel = sorted(c for c, _ in by_len[10])
    if not kel:
        raise ValueError(f"{path}: no kelurahan in province {province}")
    kab_index = {c: i for i, (c, _) in enumerate(kab)}
    kec_index = {c: i for i, c in enumerate(kec)}
    try:
        kecamatan_kab = np.array([kab_index[c[:5]] for c in kec], dtype=np.int32)
        kelurahan_kec = np.array([kec_index[c[:8]] for c in kel], dtype=np.int32)
    except KeyError as exc:
        raise ValueError(f"{path}: region {exc.args[0]} has no parent") from None
    return Regions(
        province=province,
        kabkota=[c for c, _ in kab],
        kabkota_names=[n for _, n in kab],
        kecamatan=kec,
        kelurahan=kel,
        kecamatan_kab=kecamatan_kab,
        kelurahan_kec=kelurahan_kec,
        kelurahan_kab=kecamatan_kab[kelurahan_kec],
    )


def load_kabkota_weights(regions: Regions, path: Path | None = None) -> np.ndarray:
    """Weights per kab/kota (in ``regions.kabkota`` order): ``kode,dpt`` from the weights file,
    else the number of kelurahan of each kab/kota."""
    if path is None:
        candidate = _WEIGHTS_DIR / f"weights_{regions.province}.csv"
        path = candidate if candidate.exists() else None
    if path is None:
        return np.bincount(regions.kelurahan_kab, minlength=len(regions.kabkota)).astype(np.int64)
    weights: dict[str, float] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            weights[_dotted(row["kode"])] = float(row["dpt"])
    missing = [c for c in regions.kabkota if c not in weights]
    if missing:
        raise ValueError(f"{path}: no weight for kab/kota {missing}")
    values = np.array([weights[c] for c in regions.kabkota], dtype=np.float64)
    if np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def apportion(total: int, weights) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` by largest remainders (Hamilton).

    The parts sum to ``total``; when ``total`` equals the sum of integer weights, each part
    equals its weight exactly. Integer weights use exact integer arithmetic; ties go to the
    earlier entry. Zero weights get zero.
    """
    w = np.asarray(weights)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty 1-d sequence")
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError("weights must be non-negative with a positive sum")
    if total < 0:
        raise ValueError("total must be non-negative")
    if np.issubdtype(w.dtype, np.integer):
        ints = [int(x) for x in w]
        wsum = sum(ints)
        base = [total * x // wsum for x in ints]
        remainder = [total * x % wsum for x in ints]
        left = total - sum(base)
        order = sorted(range(len(ints)), key=lambda i: (-remainder[i], i))
        for i in order[:left]:
            base[i] += 1
        return np.array(base, dtype=np.int64)
    quota = total * (w.astype(np.float64) / w.sum())
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    order = np.lexsort((np.arange(w.size), -(quota - base)))
    base[order[:left]] += 1
    return base


def kabkota_totals(voters: int, regions: Regions, weights: np.ndarray | None = None) -> np.ndarray:
    """Rows per kab/kota (``regions.kabkota`` order)."""
    if weights is None:
        weights = load_kabkota_weights(regions)
    return apportion(voters, weights)


def kelurahan_totals(
    voters: int, regions: Regions, weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Rows per kelurahan: kab/kota totals, then lognormal kelurahan weights within each."""
    kab_totals = apportion(voters, weights)
    kel_weights = rng.lognormal(0.0, 0.45, size=len(regions.kelurahan))
    out = np.zeros(len(regions.kelurahan), dtype=np.int64)
    for k, total in enumerate(kab_totals):
        members = np.flatnonzero(regions.kelurahan_kab == k)
        if members.size == 0:
            if total:
                raise ValueError(f"kab/kota {regions.kabkota[k]} has voters but no kelurahan")
            continue
        out[members] = apportion(int(total), kel_weights[members])
    return out


# ============================================================================================
# Small vectorised helpers
# ============================================================================================


def _rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM[stage]])))


def _draw(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices 0..len(weights)-1 drawn with replacement in proportion to ``weights``."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), cdf.size - 1)


def _sample(rng: np.random.Generator, weights: np.ndarray, k: int, what: str) -> np.ndarray:
    """``k`` distinct indices, drawn without replacement with probability ~ ``weights``
    (Efraimidis-Spirakis keys), sorted."""
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    pos = np.flatnonzero(weights > 0)
    if k > pos.size:
        raise ValueError(f"cannot pick {k} {what}: only {pos.size} eligible people")
    keys = np.log(1.0 - rng.random(pos.size)) / weights[pos]
    top = np.argpartition(-keys, k - 1)[:k]
    return np.sort(pos[top])


_RANK_KEY_BITS = 22


def _group_rank(
    groups: np.ndarray, rng: np.random.Generator, keys: np.ndarray | None = None
) -> np.ndarray:
    """1-based rank of each element within its group (non-negative integers below 2**40), in
    the order of ``keys`` (integers below 2**22; default random; ties keep input order),
    vectorised: one stable argsort of ``group * 2**22 + key``."""
    n = groups.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if keys is None:
        keys = rng.integers(0, 1 << _RANK_KEY_BITS, n)
    if groups.max() >= 1 << (62 - _RANK_KEY_BITS):
        raise ValueError("group ids too large to rank")
    order = np.argsort((groups.astype(np.int64) << _RANK_KEY_BITS) | keys, kind="stable")
    sorted_groups = groups[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_groups[1:] != sorted_groups[:-1]
    start_pos = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - start_pos + 1
    return rank


def _make_date(years, months, days) -> np.ndarray:
    """datetime64[D] from year, month and day arrays (the day must exist in the month)."""
    y = (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]")
    m = y.astype("datetime64[M]") + (np.asarray(months, dtype=np.int64) - 1)
    return m.astype("datetime64[D]") + (np.asarray(days, dtype=np.int64) - 1)


def _anniversary(years: np.ndarray, month: int, day: int) -> np.ndarray:
    """The date (``month``, ``day``) of each year, as datetime64[D]."""
    return _make_date(years, month, day)


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    years = dates.astype("datetime64[Y]")
    months = dates.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    d = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, d


def age_on(dates: np.ndarray, day: dt.date) -> np.ndarray:
    """Age in whole years on ``day`` of people born on ``dates`` (datetime64[D])."""
    y, m, d = _ymd(dates)
    later = (m > day.month) | ((m == day.month) & (d > day.day))
    return day.year - y - later.astype(np.int64)


_DAYS_IN_MONTH_28 = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _nik_parts_ok(nik: np.ndarray, kec_sorted: np.ndarray) -> np.ndarray:
    """True where a 16-digit NIK integer has a kecamatan of the province, a real birth date
    (29 February refused: the century is unknown) and a non-zero serial."""
    kec = nik // 10**10
    dd = (nik // 10**8) % 100
    mm = (nik // 10**6) % 100
    serial = nik % 10**4
    day = np.where(dd > 40, dd - 40, dd)
    month_ok = (mm >= 1) & (mm <= 12)
    dim = _DAYS_IN_MONTH_28[np.clip(mm, 0, 12)]
    idx = np.clip(np.searchsorted(kec_sorted, kec), 0, kec_sorted.size - 1)
    kec_ok = kec_sorted[idx] == kec
    return (
        (nik >= 10**15)
        & (nik < 10**16)
        & kec_ok
        & month_ok
        & (day >= 1)
        & (day <= dim)
        & ((dd <= 31) | (dd >= 41))
        & (serial > 0)
    )


def _digit(nik: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Digit at 0-based position ``pos`` (from the left) of 16-digit integers."""
    return (nik // (10 ** (15 - pos))) % 10


# ============================================================================================
# Vocabulary of names
# ============================================================================================


@dataclass
class _Table:
    ids: np.ndarray  # vocabulary ids
    weights: np.ndarray


class _Vocab:
    """All strings the name columns use, with per-pool tables of ids."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, value: str) -> int:
        if value not in self.index:
            self.index[value] = len(self.strings)
            self.strings.append(value)
        return self.index[value]

    def table(self, spec: tuple[tuple[str, ...], tuple[float, ...]]) -> _Table:
        names, weights = spec
        return _Table(
            ids=np.array([self.add(n) for n in names], dtype=np.int32),
            weights=np.array(weights, dtype=np.float64),
        )


# Roles in a household.
HEAD, SPOUSE, CHILD, PARENT, SIBLING, CHILD_SPOUSE, LONE, SINGLE_HEAD = range(8)
# Head-age profiles.
P_LONE, P_COUPLE, P_PARENT, P_WITH_PARENT, P_SIBLING = range(5)

_H, _S, _C, _P, _B, _M, _O, _A = (
    HEAD,
    SPOUSE,
    CHILD,
    PARENT,
    SIBLING,
    CHILD_SPOUSE,
    LONE,
    SINGLE_HEAD,
)
# (voters in household, probability among households of that size, roles, head profile)
_HOUSEHOLD_TYPES: list[tuple[int, float, tuple[int, ...], int]] = [
    (1, 1.00, (_O,), P_LONE),
    (2, 0.60, (_H, _S), P_COUPLE),
    (2, 0.22, (_A, _C), P_PARENT),
    (2, 0.08, (_A, _P), P_WITH_PARENT),
    (2, 0.10, (_A, _B), P_SIBLING),
    (3, 0.70, (_H, _S, _C), P_PARENT),
    (3, 0.12, (_A, _C, _C), P_PARENT),
    (3, 0.10, (_H, _S, _P), P_WITH_PARENT),
    (3, 0.03, (_A, _B, _B), P_SIBLING),
    (3, 0.05, (_A, _C, _M), P_PARENT),
    (4, 0.68, (_H, _S, _C, _C), P_PARENT),
    (4, 0.12, (_H, _S, _C, _P), P_PARENT),
    (4, 0.08, (_A, _C, _C, _C), P_PARENT),
    (4, 0.12, (_H, _S, _C, _M), P_PARENT),
    (5, 0.55, (_H, _S, _C, _C, _C), P_PARENT),
    (5, 0.25, (_H, _S, _C, _C, _P), P_PARENT),
    (5, 0.20, (_H, _S, _C, _M, _C), P_PARENT),
    (6, 0.35, (_H, _S, _C, _C, _C, _C), P_PARENT),
    (6, 0.30, (_H, _S, _C, _C, _C, _P), P_PARENT),
    (6, 0.20, (_H, _S, _C, _M, _C, _C), P_PARENT),
    (6, 0.15, (_H, _S, _C, _C, _P, _P), P_PARENT),
]
# Voters per household (1..6): DKI families average about 2.7 voters.
_HOUSEHOLD_SIZE_P = np.array([0.20, 0.33, 0.22, 0.14, 0.07, 0.04])

STATUS_B, STATUS_S, STATUS_P = 0, 1, 2
STATUS_LETTERS = ("B", "S", "P")

# Duplicate copy modes (where the copy sits).
COPY_SAME, COPY_NEW_HOUSEHOLD, COPY_NEW_ADDRESS = 0, 1, 2


# ============================================================================================
# The generator
# ============================================================================================


@dataclass
class Population:
    """The generated rows, in file order. ``dp4`` has the DP4 columns (low-cardinality text
    columns are Polars Enums, ``tanggal_lahir`` a Date: written to CSV they are plain text);
    ``truth`` the truth columns; ``summary`` counts and facts for the manifest."""

    params: PopulationParams
    dp4: pl.DataFrame
    truth: pl.DataFrame
    summary: dict


def generate_population(params: PopulationParams) -> Population:
    """Build the DP4 rows and their truth, deterministically from ``params``."""
    params.validate()
    regions = load_regions(params.province, params.regions_file)
    weights = load_kabkota_weights(regions, params.weights_file)
    counts = params.defect_counts()
    n_rows = params.voters
    n_kel = len(regions.kelurahan)

    # ---- 1. rows per kelurahan; which rows are duplicate copies -----------------------------
    rows_per_kel = kelurahan_totals(n_rows, regions, weights, _rng(params.seed, "regions"))
    n_dup = sum(counts[k] for k in DUPLICATE_KINDS)
    rng_c = _rng(params.seed, "copies")
    if n_dup:
        dup_per_kel = rng_c.multivariate_hypergeometric(rows_per_kel, n_dup, method="marginals")
    else:
        dup_per_kel = np.zeros(n_kel, dtype=np.int64)
    base_per_kel = rows_per_kel - dup_per_kel
    n_base = int(base_per_kel.sum())

    # ---- 2. households and people ---------------------------------------------------------
    people = _make_people(params, regions, base_per_kel, n_rows)
    _make_addresses(params, regions, people)
    _make_names(params, regions, people)

    # ---- 3. defects on people, and the duplicate copies ---------------------------------------
    rng_d = _rng(params.seed, "defects")
    taken = people["twin_a"] | people["twin_b"] | people["married_minor"] | people["under_age"]
    copies = _make_copies(params, people, dup_per_kel, counts, taken, rng_c)
    taken[copies["orig"]] = True
    person_defect = np.full(n_base, -1, dtype=np.int8)
    person_defect[people["under_age"]] = DEFECTS.index("under_age")
    age = people["age"]
    male = people["sex"] == 0
    mortality = np.exp((age - 60.0) / 10.0)
    working = ((age >= 19) & (age <= 57)).astype(np.float64)
    selections = {
        "deceased": mortality,
        "moved_out": np.where((age >= 20) & (age <= 45), 3.0, 1.0),
        "tni": working * np.where(male, 1.0, 0.08),
        "polri": working * np.where(male, 1.0, 0.1),
        "invalid_nik": np.ones(n_base),
    }
    for defect, w in selections.items():
        chosen = _sample(rng_d, np.where(taken, 0.0, w), counts[defect], defect)
        taken[chosen] = True
        person_defect[chosen] = DEFECTS.index(defect)

    # ---- 4. NIK and NKK -------------------------------------------------------------------
    _make_niks(params, regions, people, copies)
    _make_nkks(params, regions, people, copies)

    # ---- 5. rows in file order ------------------------------------------------------------
    dp4, truth, facts = _assemble(params, regions, people, copies, person_defect)
    summary = {
        "rows": n_rows,
        "people": n_base,
        "households": int(people["n_households"]),
        "twin_pairs": int(people["twin_a"].sum()),
        "married_minors": int(people["married_minor"].sum()),
        "defects": {d: int(c) for d, c in counts.items()},
        "kabkota_rows": {
            code: int(rows_per_kel[regions.kelurahan_kab == k].sum())
            for k, code in enumerate(regions.kabkota)
        },
        **facts,
    }
    return Population(params=params, dp4=dp4, truth=truth, summary=summary)


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


def _make_people(
    params: PopulationParams, regions: Regions, base_per_kel: np.ndarray, n_rows: int
) -> dict:
    rng = _rng(params.seed, "households")
    n = int(base_per_kel.sum())
    kel = np.repeat(np.arange(base_per_kel.size, dtype=np.int32), base_per_kel)

    # Household sizes, cut at kelurahan boundaries.
    mean = float(np.dot(np.arange(1, 7), _HOUSEHOLD_SIZE_P))
    sizes = 1 + _draw(rng, _HOUSEHOLD_SIZE_P, int(n / mean * 1.05) + 64)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, 1 + _draw(rng, _HOUSEHOLD_SIZE_P, 1024)])
    raw = np.repeat(np.arange(sizes.size), sizes)[:n]
    new_hh = np.ones(n, dtype=bool)
    new_hh[1:] = (raw[1:] != raw[:-1]) | (kel[1:] != kel[:-1])
    hh = np.cumsum(new_hh, dtype=np.int64) - 1
    n_hh = int(hh[-1]) + 1 if n else 0
    hh_start = np.flatnonzero(new_hh)
    hh_size = np.diff(np.append(hh_start, n))
    member = np.arange(n) - hh_start[hh]
    hh_kel = kel[hh_start]

    # Household type by size, then roles by position.
    roles_table = np.full((len(_HOUSEHOLD_TYPES), 6), -1, dtype=np.int8)
    profile_table = np.zeros(len(_HOUSEHOLD_TYPES), dtype=np.int8)
    hh_type = np.zeros(n_hh, dtype=np.int16)
    for t, (_, _, roles, profile) in enumerate(_HOUSEHOLD_TYPES):
        roles_table[t, : len(roles)] = roles
        profile_table[t] = profile
    for size in range(1, 7):
        type_ids = [t for t, spec in enumerate(_HOUSEHOLD_TYPES) if spec[0] == size]
        probs = [_HOUSEHOLD_TYPES[t][1] for t in type_ids]
        mask = hh_size == size
        hh_type[mask] = np.array(type_ids, dtype=np.int16)[_draw(rng, probs, int(mask.sum()))]
    role = roles_table[hh_type[hh], member]
    profile = profile_table[hh_type]
    is_child = role == CHILD
    # Children's rank within the household (0, 1, ...): roles are in position order.
    child_cum = np.cumsum(is_child)
    child_before_hh = (child_cum - is_child)[hh_start]
    child_rank = np.where(is_child, child_cum - 1 - child_before_hh[hh], -1)
    n_children = np.bincount(hh, weights=is_child, minlength=n_hh).astype(np.int64)

    # Head age by profile.
    rp = _rng(params.seed, "people")
    u = rp.random(n_hh)
    g = rp.gamma(2.0, 7.0, n_hh)
    lone_age = np.select(
        [u < 0.42, u < 0.72], [rp.uniform(18, 40, n_hh), rp.uniform(40, 60, n_hh)], 60 + g
    )
    couple_age = np.select(
        [u < 0.48, u < 0.68], [rp.uniform(22, 43, n_hh), rp.uniform(43, 60, n_hh)], 60 + g
    )
    parent_age = 37 + 3 * np.maximum(n_children - 1, 0) + rp.gamma(2.0, 7.0, n_hh)
    with_parent_age = 25 + rp.gamma(2.0, 7.0, n_hh)
    sibling_age = 20 + rp.gamma(2.0, 6.0, n_hh)
    head_age = np.choose(profile, [lone_age, couple_age, parent_age, with_parent_age, sibling_age])
    head_age = np.clip(np.floor(head_age), 17, 98).astype(np.int64)

    # Sex (0 L, 1 P) and ages by role.
    h_age = head_age[hh]
    has_spouse_hh = np.zeros(n_hh, dtype=bool)
    has_spouse_hh[hh[role == SPOUSE]] = True
    head_female_p = np.where(has_spouse_hh, 0.04, np.choose(profile, [0.5, 0.5, 0.66, 0.5, 0.5]))
    head_female = rp.random(n_hh) < head_female_p
    lone_old = head_age >= 60
    head_female = np.where(
        profile == P_LONE, rp.random(n_hh) < np.where(lone_old, 0.6, 0.45), head_female
    )
    sex = np.zeros(n, dtype=np.int8)
    age = h_age.copy()
    r = rp.random(n)
    heads = (role == HEAD) | (role == LONE) | (role == SINGLE_HEAD)
    sex[heads] = head_female[hh[heads]]
    sp = role == SPOUSE
    sex[sp] = 1 - head_female[hh[sp]]
    age[sp] = h_age[sp] - np.round(rp.normal(3.5, 4.0, n)[sp]).astype(np.int64) * np.where(
        head_female[hh[sp]], -1, 1
    )
    gap0 = rp.uniform(20, 36, n_hh)
    spacing = rp.uniform(2, 6, n)
    child_age = np.floor(h_age - gap0[hh] - spacing * np.maximum(child_rank, 0))
    # Too young to vote by the draw: spread them between 17 and (head's age - 20) instead.
    room = np.maximum(h_age - 20 - 17 + 1, 1)
    child_age = np.where(child_age < 17, 17 + np.floor(rp.random(n) * room), child_age)
    age[is_child] = child_age[is_child]
    sex[is_child] = (r[is_child] < 0.48).astype(np.int8)
    par = role == PARENT
    parent_age = h_age + rp.integers(20, 33, n)
    parent_age = np.where(parent_age > 92, 72 + rp.integers(0, 21, n), parent_age)
    age[par] = parent_age[par]
    sex[par] = (r[par] < 0.66).astype(np.int8)
    sib = role == SIBLING
    age[sib] = np.maximum(17, h_age + rp.integers(-8, 9, n))[sib]
    sex[sib] = (r[sib] < 0.5).astype(np.int8)
    cs = np.flatnonzero(role == CHILD_SPOUSE)  # always right after the child it married
    sex[cs] = 1 - sex[cs - 1]
    age[cs] = np.maximum(17, age[cs - 1] + rp.integers(-4, 5, cs.size))
    age = np.clip(age, 17, 101)

    # Marital status.
    status = np.full(n, STATUS_B, dtype=np.int8)
    status[(role == HEAD) | sp | (role == CHILD_SPOUSE)] = STATUS_S
    status[cs - 1] = STATUS_S
    u2 = rp.random(n)

    def by_age(mask, young, mid, old):
        a = age[mask]
        p = np.where(a[:, None] < 22, np.array(young), np.where(a[:, None] < 30, mid, old))
        cdf = np.cumsum(p, axis=1)
        status[mask] = (u2[mask][:, None] >= cdf[:, :2]).sum(axis=1)

    lone = role == LONE
    lone_status = np.where(
        age[lone][:, None] < 30,
        np.array([0.88, 0.07, 0.05]),
        np.where(age[lone][:, None] < 60, [0.45, 0.25, 0.30], [0.06, 0.22, 0.72]),
    )
    status[lone] = (u2[lone][:, None] >= np.cumsum(lone_status, axis=1)[:, :2]).sum(axis=1)
    child_free = is_child & (status != STATUS_S)
    by_age(child_free, [0.98, 0.02, 0.0], [0.82, 0.15, 0.03], [0.50, 0.35, 0.15])
    by_age(sib, [0.98, 0.02, 0.0], [0.80, 0.17, 0.03], [0.45, 0.35, 0.20])
    single_head = role == SINGLE_HEAD
    sh_parent = single_head & (profile[hh] == P_PARENT)
    status[sh_parent] = np.where(u2[sh_parent] < 0.7, STATUS_P, STATUS_S)
    by_age(single_head & ~sh_parent, [0.95, 0.05, 0.0], [0.75, 0.2, 0.05], [0.4, 0.35, 0.25])
    status[par] = np.where(u2[par] < 0.7, STATUS_P, STATUS_S)

    # Special people: twins, married minors, under age (exact counts).
    rs = _rng(params.seed, "special")
    n_twins = _count(params.rate_twins, n_rows)
    nxt_child = np.zeros(n, dtype=bool)
    nxt_child[:-1] = is_child[1:] & (hh[1:] == hh[:-1])
    eligible = is_child & nxt_child & (child_rank % 2 == 0)
    twin_a = np.zeros(n, dtype=bool)
    twin_b = np.zeros(n, dtype=bool)
    a_idx = _sample(rs, eligible.astype(np.float64), n_twins, "twin pairs")
    twin_a[a_idx] = True
    twin_b[a_idx + 1] = True
    age[a_idx + 1] = age[a_idx]
    same_sex = rs.random(a_idx.size) < 0.65
    sex[a_idx + 1] = np.where(same_sex, sex[a_idx], sex[a_idx + 1])
    status[a_idx + 1] = np.where(status[a_idx] == STATUS_B, STATUS_B, status[a_idx + 1])

    n_minor = _count(params.rate_married_minor, n_rows)
    young_wife = sp & (sex == 1) & (h_age <= 30)
    minor = _sample(rs, young_wife.astype(np.float64), n_minor, "married minors")
    married_minor = np.zeros(n, dtype=bool)
    married_minor[minor] = True
    age[minor] = 16

    n_under = _count(params.rate_under_age, n_rows)
    under_ok = (is_child & (status == STATUS_B) & ~twin_a & ~twin_b) | (lone & (age < 30))
    under = _sample(rs, under_ok.astype(np.float64), n_under, "under-age people")
    under_age = np.zeros(n, dtype=bool)
    under_age[under] = True
    age[under] = np.where(rs.random(under.size) < 0.75, 16, 15)
    status[under] = STATUS_B

    # Birth dates: the age on voting day is exact.
    vday = params.voting_day
    birth = _anniversary(vday.year - age, vday.month, vday.day) - rp.integers(0, 365, n)
    birth[a_idx + 1] = birth[a_idx]

    # Naming tradition per household; spouses and in-laws may come from another.
    shares = nd.POOL_SHARES.get(params.province, nd.POOL_SHARES["default"])
    pool_keys = list(shares)
    hh_pool = _draw(rng, list(shares.values()), n_hh).astype(np.int8)
    pool = hh_pool[hh]
    married_in = sp | (role == CHILD_SPOUSE)
    other_pool = _draw(rng, list(shares.values()), n).astype(np.int8)
    switch = married_in & (rng.random(n) < 0.2)
    pool = np.where(switch, other_pool, pool)

    return {
        "n": n,
        "n_households": n_hh,
        "kel": kel,
        "hh": hh,
        "hh_start": hh_start,
        "hh_kel": hh_kel,
        "member": member,
        "role": role,
        "profile_hh": profile,
        "head_female": head_female,
        "hh_pool": hh_pool,
        "pool": pool,
        "pool_keys": pool_keys,
        "sex": sex,
        "age": age,
        "birth": birth,
        "status": status,
        "twin_a": twin_a,
        "twin_b": twin_b,
        "married_minor": married_minor,
        "under_age": under_age,
    }


# --------------------------------------------------------------------------------------------
# Addresses: RW and RT are contiguous blocks of households; an RT sits on one street
# --------------------------------------------------------------------------------------------


def _make_addresses(params: PopulationParams, regions: Regions, people: dict) -> None:
    rng = _rng(params.seed, "address")
    n_hh = people["n_households"]
    n_kel = len(regions.kelurahan)
    hh_kel = people["hh_kel"]
    hh_per_kel = np.bincount(hh_kel, minlength=n_kel)
    kel_first_hh = np.concatenate([[0], np.cumsum(hh_per_kel)[:-1]])
    local = np.arange(n_hh) - kel_first_hh[hh_kel]
    n_rt = np.maximum(1, np.round(hh_per_kel / rng.uniform(60, 110, n_kel))).astype(np.int64)
    n_rw = np.maximum(1, np.round(n_rt / rng.uniform(7, 14, n_kel))).astype(np.int64)
    n_rt = np.maximum(n_rt, n_rw)
    k_rt, k_rw, k_hh = n_rt[hh_kel], n_rw[hh_kel], np.maximum(hh_per_kel[hh_kel], 1)
    rt_global = local * k_rt // k_hh
    rw = rt_global * k_rw // k_rt
    first_rt_of_rw = -((-rw * k_rt) // k_rw)  # ceil(rw * n_rt / n_rw)
    rt = rt_global - first_rt_of_rw

    total_rt = int(n_rt.sum())
    rt_offset = np.concatenate([[0], np.cumsum(n_rt)[:-1]])
    rt_id = rt_offset[hh_kel] + rt_global
    streets = nd.STREETS
    rt_street = _draw(rng, streets[1], total_rt).astype(np.int16)
    rt_gang = rng.random(total_rt) < 0.25
    rt_numeral = np.where(rng.random(total_rt) < 0.4, rng.integers(0, len(nd.ROMAN), total_rt), -1)
    rt_block = np.where(rng.random(total_rt) < 0.08, rng.integers(0, 8, total_rt), -1)

    people["hh_rt"] = (rt + 1).astype(np.int16)
    people["hh_rw"] = (rw + 1).astype(np.int16)
    people["hh_street"] = rt_street[rt_id]
    people["hh_gang"] = rt_gang[rt_id]
    people["hh_numeral"] = rt_numeral[rt_id].astype(np.int8)
    people["hh_block"] = rt_block[rt_id].astype(np.int8)
    people["hh_number"] = _house_numbers(rng, n_hh)
    people["hh_per_kel"] = hh_per_kel
    people["kel_first_hh"] = kel_first_hh


def _house_numbers(rng: np.random.Generator, size: int) -> np.ndarray:
    """House numbers 1..300; 5% get a letter (12A): encoded as number * 10 + letter (0 none)."""
    number = np.minimum(1 + np.floor(rng.exponential(35.0, size)), 300).astype(np.int32)
    letter = np.where(rng.random(size) < 0.05, rng.integers(1, 4, size), 0)
    return number * 10 + letter


# --------------------------------------------------------------------------------------------
# Names, birthplaces, titles, disability, KTP-el
# --------------------------------------------------------------------------------------------


def _kabkota_birthplace(name: str) -> str:
    name = name.upper()
    for prefix in ("KOTA ADMINISTRASI ", "KABUPATEN ADMINISTRASI ", "KOTA ", "KABUPATEN "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _make_names(params: PopulationParams, regions: Regions, people: dict) -> None:
    rng = _rng(params.seed, "names")
    n = people["n"]
    vocab = _Vocab()
    pool_keys = people["pool_keys"]
    pools = [nd.POOLS[k] for k in pool_keys]
    tables = {}
    for p in [*pools, nd.ISLAM, nd.MODERN]:
        tables[p.key] = {
            "first": (vocab.table(p.male_first), vocab.table(p.female_first)),
            "second": (vocab.table(p.male_second), vocab.table(p.female_second)),
        }
    sex, age, role = people["sex"], people["age"], people["role"]
    pool, hh = people["pool"], people["hh"]
    modern_idx = len(pools)  # style index for the modern pool
    t1 = np.full(n, -1, dtype=np.int32)
    t2 = np.full(n, -1, dtype=np.int32)
    t3 = np.full(n, -1, dtype=np.int32)

    # Style: a pool, or "modern" for young Muslims.
    modern_share = np.array([p.modern_share for p in pools])[pool]
    style = np.where((age < 35) & (rng.random(n) < modern_share), modern_idx, pool)
    styles = [*pools, nd.MODERN]
    # Number of name parts by age.
    parts_old = np.array([p.parts_old for p in styles])
    parts_young = np.array([p.parts_young for p in styles])
    w_old = np.clip((age - 35) / 15.0, 0, 1)[:, None]
    probs = parts_old[style] * w_old + parts_young[style] * (1 - w_old)
    n_parts = 1 + (rng.random(n)[:, None] >= np.cumsum(probs, axis=1)[:, :2]).sum(axis=1)
    islam_share = np.array([p.islam_share for p in styles])[style]
    from_islam = (rng.random(n) < islam_share) & (n_parts > 1)
    mid_islam = rng.random(n) < islam_share * 0.5

    for s_idx, style_pool in enumerate(styles):
        for sx in (0, 1):
            mine = (style == s_idx) & (sex == sx)
            first_tab = tables[style_pool.key]["first"][sx]
            second_tab = tables[style_pool.key]["second"][sx]
            islam_first = tables["islam"]["first"][sx]
            for mask, tab, target in (
                (mine & ~from_islam, first_tab, t1),
                (mine & from_islam, islam_first, t1),
                (mine & (n_parts == 3) & ~mid_islam, first_tab, t2),
                (mine & (n_parts == 3) & mid_islam, islam_first, t2),
                (mine & (n_parts >= 2), second_tab, t3),
            ):
                idx = np.flatnonzero(mask)
                target[idx] = tab.ids[_draw(rng, tab.weights, idx.size)]

    # Coined given names (Javanese, Sundanese, Betawi): most single names and many second
    # names are coined from a prefix, a root and an ending (SU-PRI-YANTO, WA-GI-MAN,
    # SU-MAR-NI); a short table cannot give the diversity of real names (see _COINED).
    # Modern names take half their last names from the modern given names too
    # (MUHAMMAD RIZKY, PUTRI AULIA), not only from the short table of endings (PRATAMA).
    _coin_names(
        params, people, vocab, style, n_parts, [*pool_keys, "modern"], t1, t2, t3,
        modern_first=tables["modern"]["first"],
    )

    # Family names: head (unless a woman), children and siblings carry the household's.
    family_pool = np.array([p.family_name for p in pools])
    hh_pool = people["hh_pool"]
    hh_family = np.full(people["n_households"], -1, dtype=np.int32)
    for p_idx, p in enumerate(pools):
        if not p.family_name:
            continue
        mask = hh_pool == p_idx
        tab = tables[p.key]["second"][0]
        hh_family[mask] = tab.ids[_draw(rng, tab.weights, int(mask.sum()))]
    carrier = (
        family_pool[pool]
        & (pool == hh_pool[hh])
        & (
            (role == HEAD)
            | (role == CHILD)
            | (role == SIBLING)
            | ((role == SINGLE_HEAD) & (sex == 0))
            | (role == LONE)
        )
    )
    carrier &= n_parts >= 2
    t3[carrier] = hh_family[hh[carrier]]
    # Batak women often write "BR. <marga>".
    batak = pool_keys.index("batak") if "batak" in pool_keys else -1
    br = (pool == batak) & (sex == 1) & (t3 >= 0) & (rng.random(n) < 0.35)
    if br.any():
        known = list(vocab.strings)
        br_ids = np.array([vocab.add("BR. " + s) for s in known], dtype=np.int32)
        t3[br] = br_ids[t3[br]]
    # No repeated part ("AGUS AGUS").
    t2[t2 == t1] = -1
    t3[(t3 == t1) | (t3 == t2)] = -1

    # Twins: the second twin's first name often shares the first letter.
    tb = np.flatnonzero(people["twin_b"])
    if tb.size:
        initial = np.array([ord(s[0]) for s in vocab.strings], dtype=np.int32)
        want = initial[t1[tb - 1]]
        same_letter = rng.random(tb.size) < 0.7
        pending = np.ones(tb.size, dtype=bool)
        for round_no in range(80):
            todo = np.flatnonzero(pending)
            if not todo.size:
                break
            if round_no == 40:  # rare letters: any other name will do
                same_letter[:] = False
            cand = np.empty(todo.size, dtype=np.int32)
            for s_idx, style_pool in enumerate(styles):
                for sx in (0, 1):
                    m = (style[tb[todo]] == s_idx) & (sex[tb[todo]] == sx)
                    tab = tables[style_pool.key]["first"][sx]
                    cand[m] = tab.ids[_draw(rng, tab.weights, int(m.sum()))]
            ok = ((initial[cand] == want[todo]) | ~same_letter[todo]) & (cand != t1[tb[todo] - 1])
            ok &= (cand != t2[tb[todo]]) & (cand != t3[tb[todo]])
            t1[tb[todo[ok]]] = cand[ok]
            pending[todo[ok]] = False

    # Titles held in the register (prefix H./HJ./DR. ..., suffix S.H. ...).
    u = rng.random(n)
    prefix = np.full(n, -1, dtype=np.int8)
    haji = (age >= 40) & (u < 0.035)
    prefix[haji] = np.where(rng.random(n)[haji] < 0.8, 0, rng.integers(1, 4, n)[haji])
    suffix = np.where(
        (age >= 23) & (rng.random(n) < 0.03), rng.integers(0, len(nd.TITLE_SUFFIX), n), -1
    ).astype(np.int8)

    # Birthplace.
    kab_names = [_kabkota_birthplace(x) for x in regions.kabkota_names]
    main = nd.PROVINCE_BIRTHPLACE.get(params.province)
    place_vocab = _Vocab()
    main_id = place_vocab.add(main) if main else -1
    kab_ids = np.array([place_vocab.add(x) for x in kab_names], dtype=np.int32)
    local_p = np.where(age < 30, 0.85, np.where(age < 50, 0.7, 0.45))
    betawi = pool_keys.index("betawi") if "betawi" in pool_keys else -1
    local_p = np.where(pool == betawi, 0.97, local_p)
    local = rng.random(n) < local_p
    place = np.empty(n, dtype=np.int32)
    own_kab = regions.kelurahan_kab[people["kel"]]
    use_main = local & (main_id >= 0) & (rng.random(n) < 0.92)
    place[use_main] = main_id
    place[local & ~use_main] = kab_ids[own_kab[local & ~use_main]]
    for p_idx, key in enumerate(pool_keys):
        mask = ~local & (pool == p_idx)
        tab = place_vocab.table(nd.BIRTHPLACES[key])
        place[mask] = tab.ids[_draw(rng, tab.weights, int(mask.sum()))]

    # Disability (0.5-1%, more among the old) and KTP-el (1-3% not yet recorded).
    ra = _rng(params.seed, "attributes")
    dis_p = np.where(age >= 60, 0.02, 0.005)
    dis = np.where(
        ra.random(n) < dis_p, 1 + _draw(ra, [0.35, 0.10, 0.10, 0.08, 0.15, 0.22], n), 0
    ).astype(np.int8)
    no_ktp_p = np.select([age < 17, age <= 18, age <= 20], [0.7, 0.10, 0.04], 0.012)
    ktp = (ra.random(n) >= no_ktp_p).astype(np.int8)

    people.update(
        vocab=vocab,
        t1=t1,
        t2=t2,
        t3=t3,
        n_parts=n_parts,
        title_prefix=prefix,
        title_suffix=suffix,
        place_vocab=place_vocab,
        place=place,
        disabilitas=dis,
        ktp_el=ktp,
    )


#: Coined given names: (prefixes, roots, male endings, female endings), each ``(morphs,
#: weights)``. Javanese-tradition given names are mostly coined this way (SUTRISNO,
#: SUPRIYANTO, WAGIMAN, SUMARNI, WARSINAH, SRI SUMARYATI), which is what makes real names
#: diverse: Dukcapil's e-KTP figures for 2024 put the most common full name of a man
#: (SUTRISNO) at about 144,000 holders and of a woman (NURHAYATI) at about 255,000, some
#: 0.15 % and 0.27 % of the adults of each sex. Drawn from short tables alone, single names
#: such as SRI or AGUS reached 1.2-1.5 % of their sex, and two people of one sex born on
#: the same day shared a full name about once in 1,100 pairs (several times the real rate).
_COINED: tuple[tuple[tuple[str, ...], tuple[float, ...]], ...] = (
    (
        ("SU", "", "SA", "WA", "PA", "MU", "KA", "HA", "TU", "JU", "RU", "DA", "SI", "PO",
         "NGA", "KUS"),
        (30, 20, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 1, 2),
    ),
    (
        ("PRI", "MAR", "KAR", "TAR", "NAR", "WAR", "YAT", "GI", "HAR", "PAR", "RAT", "DAR",
         "JAT", "SAR", "LAS", "KIR", "MI", "RIS", "TRIS", "LIS", "TIN", "KAS", "JUM", "RAH",
         "PUR", "WID", "BUD", "SUK", "TAM", "NGAD", "DAL"),
        (10, 9, 7, 6, 6, 6, 4, 5, 6, 4, 3, 4, 3, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1,
         1, 1, 1, 1),
    ),
    (
        ("YANTO", "YADI", "ADI", "NO", "TO", "MAN", "MIN", "JO", "DI", "ONO", "IYONO",
         "WANTO", "ANTO", "ARTO", "IMAN", "SONO", "ARNO", "URI", "AJI", "ONO"),
        (10, 7, 6, 8, 6, 7, 4, 3, 6, 4, 2, 3, 3, 2, 2, 2, 2, 1, 1, 1),
    ),
    (
        ("NI", "TI", "YATI", "WATI", "NINGSIH", "IYAH", "INAH", "ARSIH", "ANI", "ARTI", "MI",
         "YEM", "ASIH", "ARNI", "IYANTI", "ENI", "YANI", "NAH", "TUN", "ATUN"),
        (9, 8, 7, 8, 6, 4, 4, 3, 4, 3, 4, 1, 3, 2, 2, 2, 3, 2, 2, 1),
    ),
)
#: Traditions whose given names are coined, and the share of coined names among single
#: names, second names and middle names of people named in that tradition.
_COINING_POOLS = ("jawa", "sunda", "betawi")
_COINED_SINGLE = 0.8
_COINED_SECOND = 0.6
_COINED_MIDDLE = 0.3


def _coin_names(
    params: PopulationParams,
    people: dict,
    vocab: _Vocab,
    style: np.ndarray,
    n_parts: np.ndarray,
    style_keys: list[str],
    t1: np.ndarray,
    t2: np.ndarray,
    t3: np.ndarray,
    *,
    modern_first: tuple[_Table, _Table],
) -> None:
    """Replace, in place, most single names and many second and middle names of people named
    in a coining tradition by a coined name, and half the last names of modern names by a
    modern given name (own random stream: every other draw of the generator is unchanged)."""
    rng = _rng(params.seed, "coined")
    n = people["n"]
    coining = np.isin(np.array(style_keys)[style], _COINING_POOLS)
    female = people["sex"] == 1
    u_single, u_second, u_middle = rng.random(n), rng.random(n), rng.random(n)
    single = coining & (n_parts == 1) & (u_single < _COINED_SINGLE)
    second = coining & (n_parts >= 2) & (u_second < _COINED_SECOND)
    middle = coining & (n_parts == 3) & (u_middle < _COINED_MIDDLE)
    last = _coined(rng, vocab, female, single | second)
    mid = _coined(rng, vocab, female, middle)
    t1[single] = last[single]
    t3[second] = last[second]
    t2[middle] = np.where(mid[middle] != t3[middle], mid[middle], t2[middle])
    # Modern names: half the last names from the modern given names of the same sex.
    modern = (np.array(style_keys)[style] == "modern") & (n_parts >= 2) & (rng.random(n) < 0.5)
    for sx, table in enumerate(modern_first):
        given = table.ids[_draw(rng, table.weights, n)]
        take = modern & (female == bool(sx)) & (given != t1) & (given != t2)
        t3[take] = given[take]


def _coined(rng: np.random.Generator, vocab: _Vocab, female: np.ndarray, wanted: np.ndarray):
    """A coined name id for every row (-1 where not ``wanted``); draws for every row, so the
    stream advances the same whatever ``wanted`` is."""
    n = female.size
    prefixes, roots, male_ends, female_ends = _COINED
    pre = _draw(rng, prefixes[1], n)
    root = _draw(rng, roots[1], n)
    end_m = _draw(rng, male_ends[1], n)
    end_f = _draw(rng, female_ends[1], n)
    all_ends = (*male_ends[0], *female_ends[0])
    ends = np.where(female, len(male_ends[0]) + end_f, end_m)
    code = (pre * len(roots[0]) + root) * len(all_ends) + ends
    # Each distinct combination is added to the vocabulary once, in code order.
    codes = np.unique(code[wanted])
    ids = np.array(
        [
            vocab.add(
                prefixes[0][c // (len(roots[0]) * len(all_ends))]
                + roots[0][c // len(all_ends) % len(roots[0])]
                + all_ends[c % len(all_ends)]
            )
            for c in codes.tolist()
        ],
        dtype=np.int32,
    )
    out = np.full(n, -1, dtype=np.int32)
    out[wanted] = ids[np.searchsorted(codes, code[wanted])]
    return out


# --------------------------------------------------------------------------------------------
# Duplicate copies
# --------------------------------------------------------------------------------------------


def _make_copies(
    params: PopulationParams,
    people: dict,
    dup_per_kel: np.ndarray,
    counts: dict[str, int],
    taken: np.ndarray,
    rng: np.random.Generator,
) -> dict:
    n_base = people["n"]
    kel_of = people["kel"]
    slot_kel = np.repeat(np.arange(dup_per_kel.size, dtype=np.int32), dup_per_kel)
    n_dup = slot_kel.size
    kinds = np.repeat(
        np.arange(len(DUPLICATE_KINDS), dtype=np.int8), [counts[k] for k in DUPLICATE_KINDS]
    )
    kinds = kinds[rng.permutation(n_dup)]
    base_per_kel = np.bincount(kel_of, minlength=dup_per_kel.size)
    kel_first = np.concatenate([[0], np.cumsum(base_per_kel)[:-1]])

    # Originals: distinct, not twins/minors/under age; mostly from the copy's own kelurahan.
    orig = np.full(n_dup, -1, dtype=np.int64)
    want_moved = (rng.random(n_dup) < params.share_moved_copy) | (base_per_kel[slot_kel] == 0)
    used = taken.copy()
    for round_no in range(400):
        todo = np.flatnonzero(orig < 0)
        if not todo.size:
            break
        moved = want_moved[todo] | (round_no >= 200)
        k = slot_kel[todo]
        local = kel_first[k] + np.floor(rng.random(todo.size) * base_per_kel[k]).astype(np.int64)
        anywhere = rng.integers(0, max(n_base, 1), todo.size)
        cand = np.where(moved, anywhere, local)
        cand = np.minimum(cand, max(n_base - 1, 0))
        ok = ~used[cand]
        _, first = np.unique(cand, return_index=True)
        is_first = np.zeros(todo.size, dtype=bool)
        is_first[first] = True
        ok &= is_first
        orig[todo[ok]] = cand[ok]
        used[cand[ok]] = True
    if np.any(orig < 0):
        raise ValueError("could not choose distinct originals for the duplicates; lower the rates")

    moved = kel_of[orig] != slot_kel
    u = rng.random(n_dup)
    mode = np.where(
        moved,
        COPY_NEW_HOUSEHOLD,
        np.where(u < 0.5, COPY_SAME, np.where(u < 0.8, COPY_NEW_HOUSEHOLD, COPY_NEW_ADDRESS)),
    ).astype(np.int8)
    # A donor household in the copy's kelurahan lends its street, RT and RW.
    hh_per_kel = people["hh_per_kel"]
    n_hh_k = hh_per_kel[slot_kel]
    donor = people["kel_first_hh"][slot_kel] + np.floor(
        rng.random(n_dup) * np.maximum(n_hh_k, 1)
    ).astype(np.int64)
    own_hh = people["hh"][orig]
    donor = np.where(n_hh_k > 0, donor, own_hh)
    # Name and date variants.
    name_variant = rng.random(n_dup) < params.share_name_variant
    _, m, d = _ymd(people["birth"][orig])
    swappable = (d <= 12) & (d != m)
    date_swap = swappable & (rng.random(n_dup) < params.share_date_swap)
    return {
        "n": n_dup,
        "orig": orig,
        "kind": kinds,
        "kel": slot_kel,
        "moved": moved,
        "mode": mode,
        "donor_hh": donor,
        "house_number": _house_numbers(rng, n_dup),
        "name_variant": name_variant,
        "name_kind": rng.integers(0, 4, n_dup),
        "name_extra_title": rng.random(n_dup) < 0.2,
        "name_rand": rng.random(n_dup),
        "spelling_pick": rng.random((n_dup, len(_SPELLING_RULES))),
        "abbreviation_pick": rng.random((n_dup, len(_ABBREVIATIONS))) * 0.5
        + np.array(_ABBREVIATION_PRIORITY),
        "date_swap": date_swap,
        "nik_kec_other": rng.random(n_dup) < 0.5,
    }


# --------------------------------------------------------------------------------------------
# NIK and NKK
# --------------------------------------------------------------------------------------------


def _ddmmyy(birth: np.ndarray, sex: np.ndarray) -> np.ndarray:
    y, m, d = _ymd(birth)
    return (d + 40 * sex.astype(np.int64)) * 10**4 + m * 100 + y % 100


def _other_kecamatan(rng, kec: np.ndarray, n_kec: int) -> np.ndarray:
    if n_kec < 2:
        return kec.copy()
    return (kec + 1 + rng.integers(0, n_kec - 1, kec.size)) % n_kec


def _make_niks(params: PopulationParams, regions: Regions, people: dict, copies: dict) -> None:
    rng = _rng(params.seed, "nik")
    n = people["n"]
    kec_int = regions.kecamatan_int
    n_kec = kec_int.size
    own_kec = regions.kelurahan_kec[people["kel"]]
    hh = people["hh"]
    # About 10% of NIKs were issued in another kecamatan: whole families that moved, and
    # people (often spouses) who married in.
    hh_moved = rng.random(people["n_households"]) < 0.06
    hh_old_kec = _other_kecamatan(rng, regions.kelurahan_kec[people["hh_kel"]], n_kec)
    person_moved = rng.random(n) < np.where(people["role"] == SPOUSE, 0.12, 0.03)
    nik_kec = np.where(hh_moved[hh], hh_old_kec[hh], own_kec)
    nik_kec = np.where(person_moved, _other_kecamatan(rng, own_kec, n_kec), nik_kec)
    twin_a = np.flatnonzero(people["twin_a"])
    nik_kec[twin_a + 1] = nik_kec[twin_a]  # twins are registered together
    date_part = _ddmmyy(people["birth"], people["sex"])

    # Holders of a NIK: every person, plus the second NIK of a "new serial" duplicate.
    orig = copies["orig"]
    new_serial = np.flatnonzero(copies["kind"] == DUPLICATE_KINDS.index("duplicate_new_serial"))
    o = orig[new_serial]
    copy_kec = np.where(
        copies["nik_kec_other"][new_serial],
        np.where(
            copies["moved"][new_serial],
            regions.kelurahan_kec[copies["kel"][new_serial]],
            _other_kecamatan(rng, nik_kec[o], n_kec),
        ),
        nik_kec[o],
    )
    prefix = np.concatenate([kec_int[nik_kec], kec_int[copy_kec]]) * 10**6 + np.concatenate(
        [date_part, date_part[o]]
    )
    # Issue order within a prefix is random, except that a second twin comes right after
    # the first: same-sex twins have consecutive serials.
    keys = rng.integers(0, 1 << (_RANK_KEY_BITS - 1), prefix.size) * 2
    keys[twin_a + 1] = keys[twin_a] + 1
    serial = _group_rank(prefix, rng, keys)
    if serial.size and serial.max() > 9999:
        raise ValueError("more than 9999 people share a NIK prefix; the population is too large")
    nik_all = prefix * 10**4 + serial
    nik = nik_all[:n]
    copy_nik = nik[orig].copy()
    copy_nik[new_serial] = nik_all[n:]

    # Typos and transpositions: still well formed, and nobody else's NIK.
    kec_sorted = np.sort(kec_int)
    taken = np.sort(nik_all)
    typo_kind = DUPLICATE_KINDS.index("duplicate_nik_typo")
    trans_kind = DUPLICATE_KINDS.index("duplicate_nik_transposed")
    changed = np.flatnonzero((copies["kind"] == typo_kind) | (copies["kind"] == trans_kind))
    digit_pos = np.full(copies["n"], -1, dtype=np.int8)
    done = np.zeros(changed.size, dtype=bool)
    accepted: list[np.ndarray] = []
    same_kind = DUPLICATE_KINDS.index("duplicate_same_nik")
    for round_no in range(200):
        todo = np.flatnonzero(~done)
        if not todo.size:
            break
        if round_no in (40, 80, 120, 160):
            # A NIK with many zeros may have no free neighbour (every valid typo belongs to
            # someone else): trade kinds with same-NIK copies, which keeps the counts exact.
            spare = np.flatnonzero(copies["kind"] == same_kind)
            if spare.size:
                swap_with = spare[rng.permutation(spare.size)[: todo.size]]
                todo = todo[: swap_with.size]
                copies["kind"][swap_with] = copies["kind"][changed[todo]]
                copies["kind"][changed[todo]] = same_kind
                changed[todo] = swap_with
                todo = np.flatnonzero(~done)
        rows = changed[todo]
        src = nik[orig[rows]]
        is_typo = copies["kind"][rows] == typo_kind
        pos = np.where(is_typo, rng.integers(0, 16, rows.size), rng.integers(0, 15, rows.size))
        d0 = _digit(src, pos)
        d1 = _digit(src, np.minimum(pos + 1, 15))
        new_digit = (d0 + rng.integers(1, 10, rows.size)) % 10
        typo = src + (new_digit - d0) * 10 ** (15 - pos)
        sp = np.minimum(pos, 14)  # only transpositions use it, and their pos <= 14
        swap = src + (d1 - d0) * 10 ** (15 - sp) + (d0 - d1) * 10 ** (14 - sp)
        cand = np.where(is_typo, typo, swap)
        ok = _nik_parts_ok(cand, kec_sorted) & (cand != src)
        hit = np.searchsorted(taken, cand)
        ok &= taken[np.minimum(hit, taken.size - 1)] != cand
        prior = np.concatenate(accepted) if accepted else np.zeros(0, dtype=np.int64)
        ok &= ~np.isin(cand, prior)
        _, first = np.unique(cand, return_index=True)
        is_first = np.zeros(rows.size, dtype=bool)
        is_first[first] = True
        ok &= is_first
        copy_nik[rows[ok]] = cand[ok]
        digit_pos[rows[ok]] = pos[ok]
        accepted.append(cand[ok])
        done[todo[ok]] = True
    if not done.all():
        raise ValueError("could not make unique NIK typos; lower the duplicate rates")

    people["nik"] = nik
    people["nik_kec"] = nik_kec
    copies["nik"] = copy_nik
    copies["nik_pos"] = digit_pos
    copies["nik_kec_changed"] = (copy_nik // 10**10) != (nik[orig] // 10**10)


def _make_nkks(params: PopulationParams, regions: Regions, people: dict, copies: dict) -> None:
    rng = _rng(params.seed, "nkk")
    kec_int = regions.kecamatan_int
    n_hh = people["n_households"]
    new_hh = np.flatnonzero(copies["mode"] == COPY_NEW_HOUSEHOLD)
    holders_kec = np.concatenate(
        [regions.kelurahan_kec[people["hh_kel"]], regions.kelurahan_kec[copies["kel"][new_hh]]]
    )
    m = holders_kec.size
    # Issue date of the family card: reissued after every change, so mostly recent.
    last = np.datetime64("2024-05-31")
    age_days = np.minimum(np.floor(rng.exponential(4.0 * 365.25, m)), 18 * 365).astype(np.int64)
    issued = last - age_days
    y, mo, d = _ymd(issued)
    prefix = kec_int[holders_kec] * 10**6 + d * 10**4 + mo * 100 + y % 100
    serial = _group_rank(prefix, rng)
    nkk_all = prefix * 10**4 + serial
    people["hh_nkk"] = nkk_all[:n_hh]
    copy_nkk = people["hh_nkk"][people["hh"][copies["orig"]]].copy()
    copy_nkk[new_hh] = nkk_all[n_hh:]
    copies["nkk"] = copy_nkk


# --------------------------------------------------------------------------------------------
# Rows in file order, strings, truth
# --------------------------------------------------------------------------------------------

_SPELLING_RULES: list[tuple[str, str]] = [
    (r"\bSU", "SOE"),
    (r"\bSOE", "SU"),
    (r"\bJ", "DJ"),
    (r"\bC", "TJ"),
    (r"\bY", "J"),
    (r"OE", "U"),
    (r"\bMUHAMMAD\b", "MOHAMMAD"),
    (r"\bMUHAMMAD\b", "MUHAMAD"),
    (r"\bMOHAMAD\b", "MUHAMMAD"),
    (r"\bAHMAD\b", "ACHMAD"),
    (r"\bACHMAD\b", "AHMAD"),
    (r"\bNUR", "NOER"),
    (r"KH", "H"),
    (r"Y\b", "I"),
    (r"KI\b", "KY"),
    (r"SY", "S"),
    (r"\bF", "P"),
    (r"MM", "M"),
    (r"NN", "N"),
    (r"TH", "T"),
    (r"DZ", "Z"),
    (r"IA\b", "YA"),
]
_ABBREVIATIONS: list[tuple[str, str]] = [
    (r"\b(MUHAMMAD|MUHAMAD|MOHAMMAD|MOHAMAD|MOCHAMMAD)\b", "M."),
    (r"\b(MUHAMMAD|MUHAMAD|MOHAMMAD|MOHAMAD|MOCHAMMAD)\b", "MOH."),
    (r"\b(MUHAMMAD|MUHAMAD|MOHAMMAD|MOHAMAD|MOCHAMMAD)\b", "MUH."),
    (r"\bABDUL\b", "ABD."),
    (r"\bSITI\b", "ST."),
    (r"^(\S+ )(\S)\S+( \S+)$", "${1}${2}.${3}"),  # middle name -> initial
    (r"^(\S+ )(\S)\S+$", "${1}${2}."),  # last name -> initial
]
_ABBREVIATION_PRIORITY = (3.0, 3.0, 3.0, 2.0, 2.0, 1.0, 0.5)
NAME_VARIANTS = ("spelling", "abbreviation", "dropped", "title")


def _apply_rules(names: pl.Series, rules: list[tuple[str, str]], pick: np.ndarray) -> tuple:
    """Apply one applicable rule per name (the applicable one with the largest ``pick``
    score); returns (new names, changed mask)."""
    n = names.len()
    if n == 0:
        return names, np.zeros(0, dtype=bool)
    frame = pl.DataFrame({"name": names})
    results = frame.select(
        pl.col("name").str.replace(pat, rep).alias(f"r{i}") for i, (pat, rep) in enumerate(rules)
    )
    base = names.to_numpy()
    outs = np.stack([results[f"r{i}"].to_numpy() for i in range(len(rules))], axis=1)
    applicable = outs != base[:, None]
    score = np.where(applicable, pick, -1.0)
    best = score.argmax(axis=1)
    changed = applicable[np.arange(n), best]
    new = np.where(changed, outs[np.arange(n), best], base)
    return pl.Series(new, dtype=pl.String), changed


def _copy_names(people: dict, copies: dict, core_orig: pl.Series) -> tuple[pl.Series, list]:
    """Core names (without titles) of the copies and their name-variant labels; also sets
    the copies' title codes."""
    orig = copies["orig"]
    n_dup = copies["n"]
    kind = np.where(copies["name_variant"], copies["name_kind"], -1)
    out = core_orig.to_numpy().copy()
    # spelling: one applicable rule, at random
    sel = np.flatnonzero(kind == 0)
    ok0 = np.zeros(n_dup, dtype=bool)
    if sel.size:
        pick = copies["spelling_pick"][sel]
        new, changed = _apply_rules(pl.Series(out[sel]), _SPELLING_RULES, pick)
        out[sel] = new.to_numpy()
        ok0[sel] = changed
    # abbreviation: Muhammad first, then Abdul/Siti, then a name to its initial
    sel = np.flatnonzero(kind == 1)
    ok1 = np.zeros(n_dup, dtype=bool)
    if sel.size:
        pick = copies["abbreviation_pick"][sel]
        new, changed = _apply_rules(pl.Series(out[sel]), _ABBREVIATIONS, pick)
        out[sel] = new.to_numpy()
        ok1[sel] = changed
    # dropped last name
    sel = np.flatnonzero(kind == 2)
    ok2 = np.zeros(n_dup, dtype=bool)
    if sel.size:
        new, changed = _apply_rules(pl.Series(out[sel]), [(r" \S+$", "")], np.ones((sel.size, 1)))
        out[sel] = new.to_numpy()
        ok2[sel] = changed
    # title: everyone whose chosen variant did not apply, plus some extra
    title = (kind == 3) | ((kind >= 0) & ~(ok0 | ok1 | ok2))
    title |= (kind >= 0) & copies["name_extra_title"]
    prefix = people["title_prefix"][orig].copy()
    suffix = people["title_suffix"][orig].copy()
    had = (prefix >= 0) | (suffix >= 0)
    old = people["age"][orig] >= 30
    r = copies["name_rand"]
    drop = title & had
    prefix[drop] = -1
    suffix[drop] = -1
    add_prefix = title & ~had & old & (r < 0.6)
    add_suffix = title & ~had & ~add_prefix
    prefix[add_prefix] = np.where(r[add_prefix] < 0.45, 0, 1 + (r[add_prefix] * 10 % 3)).astype(
        np.int8
    )
    suffix[add_suffix] = (r[add_suffix] * 100 % len(nd.TITLE_SUFFIX)).astype(np.int8)
    copies["title_prefix"] = prefix
    copies["title_suffix"] = suffix
    labels = [ok0, ok1, ok2, title]
    return pl.Series(out, dtype=pl.String), labels


def _titled(core: pl.Expr, prefix: pl.Expr, suffix: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [prefix, core, pl.when(suffix.is_not_null()).then(pl.lit(", ") + suffix)],
        separator="",
        ignore_nulls=True,
    )


def _gather(values: list[str], idx: np.ndarray, *, enum: bool = False) -> pl.Series:
    """Strings by index; -1 gives null. With ``enum`` the result is an Enum column (4 bytes
    a row instead of a string each): ``values`` must then be distinct."""
    s = pl.Series(idx.astype(np.int64))
    s = pl.select(pl.when(pl.lit(s) >= 0).then(pl.lit(s))).to_series()
    dtype = pl.Enum(values) if enum else pl.String
    return pl.Series(values, dtype=dtype).gather(s)


def _assemble(
    params: PopulationParams,
    regions: Regions,
    people: dict,
    copies: dict,
    person_defect: np.ndarray,
) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    n = people["n"]
    n_dup = copies["n"]
    orig = copies["orig"]
    hh = people["hh"]

    # Sort key: kelurahan, household (copies after a household of their kelurahan), member.
    copy_after = np.where(copies["mode"] == COPY_NEW_HOUSEHOLD, copies["donor_hh"], hh[orig])
    kel_all = np.concatenate([people["kel"], copies["kel"]])
    key_all = np.concatenate([2 * hh, 2 * copy_after + 1])
    member_all = np.concatenate([people["member"], np.zeros(n_dup, dtype=np.int64)])
    order = np.lexsort((np.arange(n + n_dup), member_all, key_all, kel_all))
    line_of = np.empty(n + n_dup, dtype=np.int64)
    line_of[order] = np.arange(n + n_dup) + 2
    del key_all, member_all

    # Per-row source arrays (people first, then copies), gathered into file order.
    def rows(base: np.ndarray, copy: np.ndarray) -> np.ndarray:
        return np.concatenate([base, copy])[order]

    def via_orig(a: np.ndarray) -> np.ndarray:
        return rows(a, a[orig])

    hh_of_copy_addr = np.where(copies["mode"] == COPY_SAME, hh[orig], copies["donor_hh"])
    addr_hh = rows(hh, hh_of_copy_addr)
    house = rows(
        people["hh_number"][hh],
        np.where(
            copies["mode"] == COPY_SAME, people["hh_number"][hh[orig]], copies["house_number"]
        ),
    )
    birth = people["birth"]
    copy_birth = birth[orig].copy()
    sw = copies["date_swap"]
    if sw.any():
        y, m, d = _ymd(copy_birth[sw])
        copy_birth[sw] = _make_date(y, d, m)  # day and month swapped (both <= 12)

    # Names: core (tokens), variants on copies, titles. Built column by column, dropping the
    # pieces as we go: at 8 million rows every intermediate string column is ~300 MB.
    vocab = people["vocab"].strings
    order_src = order  # indices into people (< n) or copies (>= n)
    src_person = np.concatenate([np.arange(n), orig])[order_src]  # the person on each row
    is_copy_row = order_src >= n
    core = (
        pl.DataFrame(
            {
                "a": _gather(vocab, people["t1"][src_person], enum=True),
                "b": _gather(vocab, people["t2"][src_person], enum=True),
                "c": _gather(vocab, people["t3"][src_person], enum=True),
            }
        )
        .select(
            pl.concat_str(
                [pl.col(c).cast(pl.String) for c in "abc"], separator=" ", ignore_nulls=True
            )
        )
        .to_series()
    )
    copy_rows = np.flatnonzero(is_copy_row)
    copy_ids = order_src[copy_rows] - n
    core_copies = core.gather(pl.Series(copy_rows))
    # Variants are decided per copy in copy-index order for determinism.
    inv = np.empty(n_dup, dtype=np.int64)
    inv[copy_ids] = np.arange(n_dup)
    varied, labels = _copy_names(people, copies, core_copies.gather(pl.Series(inv)))
    core = core.scatter(pl.Series(copy_rows), varied.gather(pl.Series(copy_ids)))
    prefix_vals = list(nd.TITLE_PREFIX_MALE) + list(nd.TITLE_PREFIX_FEMALE)
    female_all = rows(people["sex"], people["sex"][orig]) == 1
    prefix_code = rows(people["title_prefix"], copies["title_prefix"]).astype(np.int64)
    prefix_code = np.where(
        prefix_code >= 0, prefix_code + len(nd.TITLE_PREFIX_MALE) * female_all, -1
    )
    suffix_code = rows(people["title_suffix"], copies["title_suffix"]).astype(np.int64)
    nama = (
        pl.DataFrame(
            {
                "core": core,
                "prefix": _gather(prefix_vals, prefix_code),
                "suffix": _gather(list(nd.TITLE_SUFFIX), suffix_code),
            }
        )
        .select(
            _titled(pl.col("core"), pl.col("prefix") + pl.lit(" "), pl.col("suffix")).alias("nama")
        )
        .to_series()
    )
    del core, core_copies, prefix_code, suffix_code

    # NIK strings, with the invalid ones damaged.
    nik = rows(people["nik"], copies["nik"])
    defect = rows(person_defect, (copies["kind"]).astype(np.int8))
    nik_str = pl.Series("nik", nik).cast(pl.String)
    invalid_rows = np.flatnonzero(defect == DEFECTS.index("invalid_nik"))
    invalid_kind = np.zeros(0, dtype=np.int64)
    if invalid_rows.size:
        nik_bad, invalid_kind = _damage_niks(params, nik[invalid_rows])
        nik_str = nik_str.scatter(pl.Series(invalid_rows), nik_bad)
    del nik

    # Address: "JL. KENANGA III BLOK C1 NO. 12A" (numeral, block and letter optional).
    numeral = people["hh_numeral"][addr_hh].astype(np.int64)
    block = people["hh_block"][addr_hh].astype(np.int64)
    house_no, house_letter = house // 10, house % 10
    alamat = (
        pl.DataFrame(
            {
                "kind": _gather(
                    ["JL. ", "GG. "], people["hh_gang"][addr_hh].astype(np.int64), enum=True
                ),
                "street": _gather(
                    list(nd.STREETS[0]), people["hh_street"][addr_hh].astype(np.int64), enum=True
                ),
                "numeral": _gather(list(nd.ROMAN), numeral, enum=True),
                "block": _gather(list("ABCDEFGH"), block, enum=True),
                "no": pl.Series(house_no).cast(pl.String),
                "letter": _gather(["", "A", "B", "C"], house_letter.astype(np.int64), enum=True),
            }
        )
        .select(
            pl.concat_str(
                [
                    pl.col("kind").cast(pl.String),
                    pl.col("street").cast(pl.String),
                    pl.lit(" ") + pl.col("numeral").cast(pl.String),
                    pl.lit(" BLOK ")
                    + pl.col("block").cast(pl.String)
                    + pl.col("no").str.slice(0, 1),
                    pl.lit(" NO. ") + pl.col("no") + pl.col("letter").cast(pl.String),
                ],
                separator="",
                ignore_nulls=True,
            ).alias("alamat")
        )
        .to_series()
    )
    del numeral, block, house_no, house_letter, house

    rt = people["hh_rt"][addr_hh].astype(np.int64)
    rw = people["hh_rw"][addr_hh].astype(np.int64)
    padded = [f"{i:03d}" for i in range(int(max(rt.max(initial=0), rw.max(initial=0))) + 1)]
    dp4 = pl.DataFrame(
        [
            pl.Series("nkk", rows(people["hh_nkk"][hh], copies["nkk"])).cast(pl.String),
            nik_str,
            nama.alias("nama"),
            _gather(people["place_vocab"].strings, via_orig(people["place"]), enum=True).alias(
                "tempat_lahir"
            ),
            pl.Series("tanggal_lahir", rows(birth, copy_birth).astype(np.int64))
            .cast(pl.Int32)
            .cast(pl.Date),
            _gather(["L", "P"], female_all.astype(np.int64), enum=True).alias("jenis_kelamin"),
            _gather(
                list(STATUS_LETTERS), via_orig(people["status"]).astype(np.int64), enum=True
            ).alias("status_kawin"),
            alamat.alias("alamat"),
            _gather(padded, rt, enum=True).alias("rt"),
            _gather(padded, rw, enum=True).alias("rw"),
            _gather(regions.kelurahan, kel_all[order].astype(np.int64), enum=True).alias(
                "kode_kelurahan"
            ),
            pl.Series("disabilitas", via_orig(people["disabilitas"])).cast(pl.Int8),
            pl.Series("ktp_el", via_orig(people["ktp_el"])).cast(pl.Int8),
        ]
    )
    del nama, alamat, nik_str, rt, rw

    # ---- truth ------------------------------------------------------------------------------
    base_line = line_of[:n]
    person_rank = np.empty(n, dtype=np.int64)
    person_rank[np.argsort(base_line, kind="stable")] = np.arange(1, n + 1)
    person_id = person_rank[src_person]
    of_line = np.where(is_copy_row, line_of[src_person], -1)

    # Detail tokens per row.
    twin_of = np.full(n, -1, dtype=np.int64)
    ta = np.flatnonzero(people["twin_a"])
    twin_of[ta] = line_of[ta + 1]
    twin_of[ta + 1] = line_of[ta]
    copy_detail = _copy_details(copies, labels)
    invalid_detail = pl.Series(
        [f"invalid:{INVALID_NIK_KINDS[k]}" for k in range(len(INVALID_NIK_KINDS))],
        dtype=pl.String,
    )
    detail = pl.select(
        pl.concat_str(
            [
                pl.when(pl.lit(pl.Series(twin_of[src_person])) >= 0)
                .then(pl.lit("twin_of:") + pl.lit(pl.Series(twin_of[src_person])).cast(pl.String))
                .otherwise(None)
                .alias("t"),
                pl.when(pl.lit(pl.Series(people["married_minor"][src_person] & ~is_copy_row)))
                .then(pl.lit("married_under_17"))
                .otherwise(None),
            ],
            separator=";",
            ignore_nulls=True,
        )
    ).to_series()
    detail = detail.set(detail == "", None)
    # Twins and married minors are never copied or given a defect, so copies' detail is theirs.
    detail = detail.scatter(pl.Series(copy_rows), copy_detail.gather(pl.Series(copy_ids)))
    if invalid_rows.size:
        detail = detail.scatter(
            pl.Series(invalid_rows), invalid_detail.gather(pl.Series(invalid_kind))
        )
    truth = pl.DataFrame(
        {
            "line": np.arange(2, n + n_dup + 2, dtype=np.int64),
            "person_id": person_id,
            "defect": _gather(list(DEFECTS), defect.astype(np.int64)),
            "of_line": pl.Series(of_line).set(pl.Series(of_line < 0), None),
            "detail": detail,
        }
    )
    facts = {
        "duplicate_copies_moved": int(copies["moved"].sum()),
        "duplicate_name_variants": {
            k: int(m.sum()) for k, m in zip(NAME_VARIANTS, labels, strict=True)
        },
        "duplicate_date_swapped": int(copies["date_swap"].sum()),
        "invalid_nik_kinds": {
            k: int((invalid_kind == i).sum()) for i, k in enumerate(INVALID_NIK_KINDS)
        },
    }
    return dp4, truth, facts


def _copy_details(copies: dict, labels: list) -> pl.Series:
    """The ``detail`` of each duplicate copy, in copy order."""
    kind = copies["kind"]
    columns = {f"name_{label}": mask for label, mask in zip(NAME_VARIANTS, labels, strict=True)}
    frame = pl.DataFrame(
        {
            **columns,
            "swap": copies["date_swap"],
            "typo": kind == DUPLICATE_KINDS.index("duplicate_nik_typo"),
            "trans": kind == DUPLICATE_KINDS.index("duplicate_nik_transposed"),
            "pos": copies["nik_pos"].astype(np.int64) + 1,
            "kec": copies["nik_kec_changed"],
            "moved": copies["moved"],
            "new_nkk": copies["mode"] == COPY_NEW_HOUSEHOLD,
            "new_address": copies["mode"] != COPY_SAME,
        }
    )

    def flag(col: str, text: str) -> pl.Expr:
        return pl.when(pl.col(col)).then(pl.lit(text))

    pos = pl.col("pos").cast(pl.String)
    out = frame.select(
        pl.concat_str(
            [
                *(flag(f"name_{label}", f"name:{label}") for label in NAME_VARIANTS),
                flag("swap", "date:swapped"),
                pl.when(pl.col("typo")).then(pl.lit("nik_digit:") + pos),
                pl.when(pl.col("trans")).then(
                    pl.lit("nik_digits:") + pos + pl.lit("-") + (pl.col("pos") + 1).cast(pl.String)
                ),
                flag("kec", "nik:other_kecamatan"),
                flag("moved", "moved"),
                flag("new_nkk", "nkk:new"),
                flag("new_address", "address:new"),
            ],
            separator=";",
            ignore_nulls=True,
        ).alias("detail")
    ).to_series()
    return pl.select(pl.when(pl.lit(out) != "").then(pl.lit(out))).to_series()


def _damage_niks(params: PopulationParams, nik: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """Invalid NIK strings of the kinds in :data:`INVALID_NIK_KINDS` (in turn)."""
    rng = _rng(params.seed, "invalid")
    m = nik.size
    kind = rng.integers(0, len(INVALID_NIK_KINDS), m)
    text = pl.Series(nik).cast(pl.String)
    # length: drop the last digit or repeat it
    dropped = text.str.slice(0, 15)
    extra = text + text.str.slice(15, 1)
    length = pl.select(
        pl.when(pl.lit(pl.Series(rng.random(m) < 0.5)))
        .then(pl.lit(dropped))
        .otherwise(pl.lit(extra))
    ).to_series()
    # date: month 13-19, or day 00 or 32-39 (men) / 72-79 (women)
    dd = (nik // 10**8) % 100
    mm = (nik // 10**6) % 100
    r = rng.random(m)
    new_mm = np.where(r < 0.5, rng.integers(13, 20, m), mm)
    female = dd > 40
    bad_day = np.where(
        r < 0.75, 0, np.where(female, rng.integers(72, 80, m), rng.integers(32, 40, m))
    )
    new_dd = np.where(r < 0.5, dd, bad_day)
    bad_date = pl.Series(nik + (new_dd - dd) * 10**8 + (new_mm - mm) * 10**6).cast(pl.String)
    bad_date = bad_date.str.zfill(16)
    # serial 0000
    zero = pl.Series(nik - nik % 10**4).cast(pl.String)
    # scientific notation as a spreadsheet shows it: 3.17101E+15
    sci = pl.select(
        (pl.lit(text).str.slice(0, 1) + pl.lit(".") + pl.lit(text).str.slice(1, 5))
        .str.replace(r"0+$", "")
        .str.replace(r"\.$", "")
        + pl.lit("E+15")
    ).to_series()
    # letters: one digit replaced by a look-alike letter
    pos = rng.integers(2, 16, m)
    look = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
    digit_at = pl.select(pl.lit(text).str.slice(pl.lit(pl.Series(pos)), 1)).to_series()
    letter = digit_at.replace_strict(list(look), list(look.values()), default="O")
    letters = pl.select(
        pl.concat_str(
            [
                pl.lit(text).str.slice(0, pl.lit(pl.Series(pos))),
                pl.lit(letter),
                pl.lit(text).str.slice(pl.lit(pl.Series(pos + 1))),
            ]
        )
    ).to_series()
    options = pl.DataFrame({"a": length, "b": bad_date, "c": zero, "d": sci, "e": letters})
    picked = options.select(
        pl.when(pl.lit(pl.Series(kind)) == 0)
        .then("a")
        .when(pl.lit(pl.Series(kind)) == 1)
        .then("b")
        .when(pl.lit(pl.Series(kind)) == 2)
        .then("c")
        .when(pl.lit(pl.Series(kind)) == 3)
        .then("d")
        .otherwise("e")
    ).to_series()
    return picked, kind


# ============================================================================================
# Files
# ============================================================================================


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_population(params: PopulationParams, out_dir: str | Path) -> dict:
    """Generate and write ``dp4.csv``, ``truth.csv`` and ``manifest.json``; return the
    manifest. Files are written under temporary names and renamed at the end, so a killed
    run never leaves a half-written file under the final name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    population = generate_population(params)
    files = {"dp4": out / "dp4.csv", "truth": out / "truth.csv"}
    tmp = {k: p.with_name(p.name + ".tmp") for k, p in files.items()}
    population.dp4.write_csv(tmp["dp4"], include_header=True, line_terminator="\n")
    population.truth.write_csv(tmp["truth"], include_header=True, line_terminator="\n")
    n_rows = population.dp4.height
    defect_rows = (
        population.truth.group_by("defect").len().drop_nulls("defect").sort("defect").rows()
    )
    del population.dp4
    manifest = {
        "generator": "pilkada.synth.population",
        "version": GENERATOR_VERSION,
        "parameters": params.to_dict(),
        "rows": n_rows,
        "defect_rows": {d: 0 for d in DEFECTS} | dict(defect_rows),
        "summary": population.summary,
        "files": {},
    }
    for key, path in files.items():
        tmp[key].replace(path)
        manifest["files"][path.name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
    manifest_path = out / "manifest.json"
    manifest_tmp = manifest_path.with_name("manifest.json.tmp")
    manifest_tmp.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    manifest_tmp.replace(manifest_path)
    return manifest
