"""Deterministic synthetic supporter lists (B.1.1-KWK) of independent pairs, with their truth.
No Django.

Derived from a population directory written by :mod:`pilkada.synth.population` (``dp4.csv``,
``truth.csv``, ``manifest.json``): ``write_supporters(population_dir, out_dir, params)``
writes, for each pair, a supporter file of ``params.rows[k]`` rows, and beside them one truth
file for every row of every file, the NIK list KPU would upload (``barred.csv``), the
objections citizens file through cek NIK dukungan (``objections.csv``) and a manifest. The
formats are described in ``docs/formats/supporters.md``.

What a list holds (exact counts: ``round(rate * rows)`` of each kind, per pair):

- **valid** supporters: people of the register with no defect in the population truth;
- ``nik_invalid``: a valid person whose NIK is damaged so that it is not a NIK any more (15
  or 17 digits, an impossible date, serial 0000, scientific notation, a look-alike letter,
  empty);
- ``not_in_register``: a NIK nobody in the register holds (the serial of a real NIK changed,
  or a NIK issued in another province), or a person the register strikes as moved away (TMS
  4 in the population truth);
- ``deceased`` and ``under_age``: people the population truth says died or are under 17
  and never married;
- ``barred_occupation``: a barred occupation written in ``pekerjaan`` (TNI, Polri, PNS/ASN,
  village official, election organiser or ad hoc member, in the spellings people use), a NIK
  on ``barred.csv``, or a serving TNI/Polri member of the population truth (TMS 6/7);
- ``double_same_pair``: a person listed again by the same pair (the first listing stays);
- ``double_other_pair``: a person also listed by another pair (two pairs or more): both
  listings are held;
- besides, a share of the valid supporters were listed **without their consent** (they
  would deny at verifikasi faktual) and some of those object through cek NIK dukungan.

The truth assumes the register as coklit and the duplicate review leave it: the population's
deceased, under-age, moved-out, TNI and Polri rows struck with TMS 1, 3, 4, 6 and 7 and
duplicate copies with TMS 2. :func:`write_register` writes that register (the DP4 through
the DP4 import, then those TMS codes) in the shape
:func:`pilkada.engine.support_verify.verify_support` reads.

``damage=True`` writes the files as they arrive from the field (BOM, ``;``, CRLF, title
lines, repeated headers, blank lines, Windows-1252 lines, three date formats, NIKs with an
apostrophe, spaces or ``.0``, dotted kelurahan codes, and a few rows that cannot be read:
wrong number of fields, neither NIK nor name). ``file_format="xlsx"`` writes a workbook with
the NIKs as Excel numbers and the birth dates as Excel dates.

Randomness: one ``numpy.random.Generator(PCG64)`` per stage, seeded by ``SeedSequence([seed,
stage])``; the same population, seed and parameters give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

GENERATOR_VERSION = "1"

SUPPORT_COLUMNS: tuple[str, ...] = (
    "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
    "kode_kelurahan", "pekerjaan",
)  # fmt: skip
TRUTH_COLUMNS: tuple[str, ...] = (
    "pair", "line", "person_id", "nik", "expected", "reason", "detail", "consent", "objects",
)  # fmt: skip
#: The reason codes of verification (pilkada.engine.support_verify.SupportReason), in order.
REASONS: tuple[str, ...] = (
    "nik_invalid", "not_in_register", "deceased", "under_age", "barred_occupation",
    "double_same_pair", "double_other_pair",
)  # fmt: skip
INVALID_NIK_KINDS: tuple[str, ...] = (
    "length", "date", "serial", "scientific", "letters", "empty",
)  # fmt: skip
NOT_IN_REGISTER_KINDS: tuple[str, ...] = ("serial", "other_province", "moved_out")
#: TMS code the register carries for each defect of the population truth.
REGISTER_TMS = {
    "deceased": 1,
    "duplicate_same_nik": 2,
    "duplicate_nik_typo": 2,
    "duplicate_nik_transposed": 2,
    "duplicate_new_serial": 2,
    "under_age": 3,
    "moved_out": 4,
    "tni": 6,
    "polri": 7,
}

#: Occupations of supporters who are not barred (Dukcapil's labels and what people write),
#: with weights. The last ones are hard negatives for the occupation rule: retired soldiers,
#: civil-service pensioners, Satpol PP, honorary staff, BUMN employees.
PEKERJAAN = (
    ("KARYAWAN SWASTA", 300), ("WIRASWASTA", 200), ("MENGURUS RUMAH TANGGA", 180),
    ("PELAJAR/MAHASISWA", 80), ("BELUM/TIDAK BEKERJA", 70), ("PEDAGANG", 50),
    ("BURUH HARIAN LEPAS", 30), ("PENSIUNAN", 20), ("SOPIR", 10), ("GURU", 10),
    ("KARYAWAN BUMN", 8), ("KARYAWAN HONORER", 8), ("PERAWAT", 5), ("TUKANG BATU", 5),
    ("NELAYAN/PERIKANAN", 3), ("DOKTER", 2), ("PETANI/PEKEBUN", 2), ("Karyawan Swasta", 5),
    ("wiraswasta", 5), ("IBU RUMAH TANGGA", 10), ("PENSIUNAN PNS", 3),
    ("PURNAWIRAWAN TNI", 1), ("PURNAWIRAWAN POLRI", 1), ("SATPOL PP", 1),
    ("GURU HONORER", 2), ("KARYAWAN BUMD", 1), ("MANTAN KEPALA DESA", 1), ("ISTRI TNI", 1),
)  # fmt: skip
#: Barred occupations as written in supporter lists, with their category.
BARRED_PEKERJAAN = (
    ("PEGAWAI NEGERI SIPIL (PNS)", "asn"), ("PNS", "asn"), ("ASN", "asn"), ("PPPK", "asn"),
    ("GURU PNS", "asn"), ("Pegawai Negeri Sipil", "asn"), ("LURAH", "asn"),
    ("TENTARA NASIONAL INDONESIA (TNI)", "tni"), ("TNI AD", "tni"), ("TNI-AL", "tni"),
    ("KEPOLISIAN RI (POLRI)", "polri"), ("POLRI", "polri"), ("ANGGOTA POLRI", "polri"),
    ("KEPALA DESA", "perangkat_desa"), ("PERANGKAT DESA", "perangkat_desa"),
    ("ANGGOTA PPS", "penyelenggara"), ("KPPS", "penyelenggara"), ("PANTARLIH", "penyelenggara"),
    ("ANGGOTA PPK", "penyelenggara"), ("ANGGOTA BAWASLU", "penyelenggara"),
    ("STAF KPU", "penyelenggara"),
)  # fmt: skip
#: Categories of the NIK list KPU uploads, with weights.
LIST_CATEGORIES = (
    ("asn", 50), ("penyelenggara", 30), ("perangkat_desa", 5), ("tni", 8), ("polri", 7),
)  # fmt: skip
OTHER_PROVINCES = ("32", "36", "33", "35", "18")

_STREAM = {
    "pools": 1,
    "kinds": 2,
    "nik": 3,
    "pekerjaan": 4,
    "sources": 5,
    "order": 6,
    "consent": 7,
    "damage": 8,
    "barred": 9,
}


def _rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM[stage]])))


def _count(rate: float, rows: int) -> int:
    return math.floor(rate * rows + 0.5 + 1e-9)


@dataclass(frozen=True, kw_only=True)
class SupporterParams:
    """What to generate. ``rows`` has one entry per pair; rates are fractions of each
    pair's rows (exact counts, rounded half up); shares are fractions of the valid rows."""

    rows: tuple[int, ...] = (1_229_777,)
    seed: int = 0
    rate_nik_invalid: float = 0.01
    rate_not_in_register: float = 0.06
    rate_deceased: float = 0.008
    rate_under_age: float = 0.004
    rate_barred_pekerjaan: float = 0.004
    rate_barred_list: float = 0.002
    rate_barred_register: float = 0.002
    rate_double_same_pair: float = 0.02
    #: Only with two pairs or more (a single pair has nobody to collide with).
    rate_double_other_pair: float = 0.005
    #: Valid supporters listed without their consent (they would deny at verfak).
    share_no_consent: float = 0.02
    #: Of those, the share who object through cek NIK dukungan.
    share_objects: float = 0.1
    #: NIKs on barred.csv of people who support nobody, as a fraction of all rows.
    rate_barred_list_extra: float = 0.004
    #: Damaged formatting (see the module docstring); rows that cannot be read are made.
    damage: bool = False
    #: Share of rows made unreadable when ``damage`` (half wrong field count, half no NIK and
    #: no name).
    rate_unreadable: float = 0.0005
    file_format: str = "csv"

    def validate(self) -> None:
        if not self.rows or any(not isinstance(n, int) or n < 1 for n in self.rows):
            raise ValueError("rows must be one positive integer per pair")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if self.file_format not in ("csv", "xlsx"):
            raise ValueError("file_format must be csv or xlsx")
        if self.file_format == "xlsx" and max(self.rows) > 1_000_000:
            raise ValueError("an XLSX sheet holds at most 1,048,576 rows: use csv")
        for f in dataclasses.fields(self):
            if f.name.startswith(("rate_", "share_")):
                value = getattr(self, f.name)
                if not 0.0 <= value <= 1.0 or math.isnan(value):
                    raise ValueError(f"{f.name} must be between 0 and 1: {value}")
        for n in self.rows:
            if self.valid_rows(n) < 0:
                raise ValueError(f"the defect rates add up to more than the {n} rows of a pair")

    def defect_counts(self, rows: int) -> dict[str, int]:
        """Rows of each injected kind in a list of ``rows`` rows."""
        other = self.rate_double_other_pair if len(self.rows) > 1 else 0.0
        return {
            "nik_invalid": _count(self.rate_nik_invalid, rows),
            "not_in_register": _count(self.rate_not_in_register, rows),
            "deceased": _count(self.rate_deceased, rows),
            "under_age": _count(self.rate_under_age, rows),
            "barred_pekerjaan": _count(self.rate_barred_pekerjaan, rows),
            "barred_list": _count(self.rate_barred_list, rows),
            "barred_register": _count(self.rate_barred_register, rows),
            "double_same_pair": _count(self.rate_double_same_pair, rows),
            "double_other_pair": _count(other, rows),
        }

    def valid_rows(self, rows: int) -> int:
        return rows - sum(self.defect_counts(rows).values())

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["rows"] = list(self.rows)
        return out


@dataclass
class Supporters:
    """Generated frames: ``lists`` (one per pair: the cells to write, plus ``_slot``),
    ``truth`` (all pairs, before line numbers), ``barred`` and ``objections``."""

    lists: list[pl.DataFrame]
    truth: pl.DataFrame
    barred: pl.DataFrame
    objections: pl.DataFrame
    reference_date: dt.date
    province: str
    summary: dict = field(default_factory=dict)


# ============================================================================================
# The population
# ============================================================================================

_POPULATION_COLUMNS = (
    "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
    "kode_kelurahan",
)  # fmt: skip


def _read_population(population_dir: Path) -> tuple[pl.DataFrame, dict]:
    manifest = json.loads((population_dir / "manifest.json").read_text())
    dp4 = (
        pl.scan_csv(population_dir / "dp4.csv", infer_schema=False)
        .select(_POPULATION_COLUMNS)
        .collect()
    )
    truth = (
        pl.scan_csv(
            population_dir / "truth.csv",
            schema_overrides={"line": pl.Int64, "person_id": pl.Int64, "defect": pl.String},
        )
        .select("line", "person_id", "defect")
        .collect()
    )
    if truth.height != dp4.height:
        raise ValueError(f"{population_dir}: truth.csv and dp4.csv differ in length")
    frame = dp4.hstack(truth).with_columns(
        pl.col("kode_kelurahan").str.replace_all(".", "", literal=True),
        pl.col("defect").fill_null(""),
    )
    return frame, manifest


# ============================================================================================
# Generation
# ============================================================================================


def _take(pool: np.ndarray, start: int, k: int, what: str) -> tuple[np.ndarray, int]:
    if start + k > pool.size:
        raise ValueError(
            f"the population has too few {what} ({pool.size:,}) for the supporter lists "
            f"({start + k:,} wanted): use a larger population or lower rates"
        )
    return pool[start : start + k], start + k


def _pick(rng: np.random.Generator, options: tuple, k: int) -> np.ndarray:
    weights = np.array([w for _, w in options], dtype=np.float64)
    return rng.choice(len(options), size=k, p=weights / weights.sum())


def generate_supporters(population_dir: str | Path, params: SupporterParams) -> Supporters:
    """Build the supporter lists and their truth (see the module docstring)."""
    params.validate()
    population_dir = Path(population_dir)
    people, manifest = _read_population(population_dir)
    reference_date = dt.date.fromisoformat(manifest["parameters"]["voting_day"])
    province = manifest["parameters"]["province"]
    n_pairs = len(params.rows)

    # Pools of people (row indices of the population), each in a random order.
    rng = _rng(params.seed, "pools")
    defect = people["defect"]

    def pool(mask: pl.Series) -> np.ndarray:
        idx = np.flatnonzero(mask.to_numpy())
        return idx[rng.permutation(idx.size)]

    pools = {
        "clean": pool(defect == ""),
        "deceased": pool(defect == "deceased"),
        "under_age": pool(defect == "under_age"),
        "moved_out": pool(defect == "moved_out"),
        "serving": pool(defect.is_in(["tni", "polri"])),
    }
    taken = dict.fromkeys(pools, 0)

    def draw(name: str, k: int) -> np.ndarray:
        out, taken[name] = _take(pools[name], taken[name], k, name)
        return out

    rng_kinds = _rng(params.seed, "kinds")
    rng_pek = _rng(params.seed, "pekerjaan")
    slots: list[pl.DataFrame] = []
    for pair_index, n in enumerate(params.rows):
        counts = params.defect_counts(n)
        valid = params.valid_rows(n)
        parts = []

        def part(src: np.ndarray, kind: str, detail, pair=pair_index, parts=parts) -> None:
            parts.append(
                pl.DataFrame(
                    {
                        "pair": np.full(src.size, pair + 1, dtype=np.int64),
                        "_src": src.astype(np.int64),
                        "_kind": np.full(src.size, kind, dtype=object),
                        "_detail": np.asarray(detail, dtype=object)
                        if not isinstance(detail, str)
                        else np.full(src.size, detail, dtype=object),
                    },
                    schema={
                        "pair": pl.Int64,
                        "_src": pl.Int64,
                        "_kind": pl.String,
                        "_detail": pl.String,
                    },
                )
            )

        part(draw("clean", valid), "valid", "")
        k = counts["nik_invalid"]
        kinds = np.array(INVALID_NIK_KINDS, dtype=object)[
            rng_kinds.integers(0, len(INVALID_NIK_KINDS), k)
        ]
        part(draw("clean", k), "nik_invalid", [f"invalid:{x}" for x in kinds])
        k = counts["not_in_register"]
        kinds = np.array(NOT_IN_REGISTER_KINDS, dtype=object)[
            _pick(rng_kinds, (("serial", 4), ("other_province", 3), ("moved_out", 3)), k)
        ]
        moved = int((kinds == "moved_out").sum())
        src = np.empty(k, dtype=np.int64)
        src[kinds == "moved_out"] = draw("moved_out", moved)
        src[kinds != "moved_out"] = draw("clean", k - moved)
        part(src, "not_in_register", [f"not_in_register:{x}" for x in kinds])
        part(draw("deceased", counts["deceased"]), "deceased", "register:tms_1")
        part(draw("under_age", counts["under_age"]), "under_age", "register:tms_3")
        k = counts["barred_pekerjaan"]
        which = rng_pek.integers(0, len(BARRED_PEKERJAAN), k)
        part(
            draw("clean", k),
            "barred_pekerjaan",
            [f"barred:pekerjaan:{BARRED_PEKERJAAN[i][1]}:{i}" for i in which],
        )
        k = counts["barred_list"]
        cats = [LIST_CATEGORIES[i][0] for i in _pick(rng_pek, LIST_CATEGORIES, k)]
        part(draw("clean", k), "barred_list", [f"barred:list:{c}" for c in cats])
        src = draw("serving", counts["barred_register"])
        part(
            src,
            "barred_register",
            [
                "barred:register:tni" if d == "tni" else "barred:register:polri"
                for d in defect.gather(src).to_list()
            ],
        )
        slots.append(pl.concat(parts))

    # Copies: within the pair (double_same_pair) and across pairs (double_other_pair). The
    # sources are valid slots, distinct, each copied once; the rest of the valid slots may be
    # listed without consent.
    rng_src = _rng(params.seed, "sources")
    free = []
    for frame in slots:
        valid_pos = np.flatnonzero((frame["_kind"] == "valid").to_numpy())
        free.append(valid_pos[rng_src.permutation(valid_pos.size)])
    used = [0] * n_pairs

    def sources(pair_index: int, k: int) -> np.ndarray:
        start = used[pair_index]
        if start + k > free[pair_index].size:
            raise ValueError("too few valid supporters to copy: lower the double rates")
        used[pair_index] = start + k
        return free[pair_index][start : start + k]

    copies = [[] for _ in range(n_pairs)]
    for pair_index, n in enumerate(params.rows):
        counts = params.defect_counts(n)
        same = sources(pair_index, counts["double_same_pair"])
        copies[pair_index].append(
            slots[pair_index][same].with_columns(pl.lit("copy_same").alias("_kind"))
        )
    for pair_index, n in enumerate(params.rows):
        k = params.defect_counts(n)["double_other_pair"]
        if not k:
            continue
        other = (pair_index + 1) % n_pairs
        src = sources(other, k)
        copies[pair_index].append(
            slots[other][src].with_columns(
                pl.lit(pair_index + 1, dtype=pl.Int64).alias("pair"),
                pl.lit("copy_other").alias("_kind"),
            )
        )
    # No consent: among the valid slots not used as a source.
    rng_consent = _rng(params.seed, "consent")
    consent_no: list[np.ndarray] = []
    for pair_index in range(n_pairs):
        rest = free[pair_index][used[pair_index] :]
        k = min(
            rest.size, _count(params.share_no_consent, params.valid_rows(params.rows[pair_index]))
        )
        consent_no.append(rest[:k])
        used[pair_index] += k
    lists = []
    for pair_index, frame in enumerate(slots):
        no = np.zeros(frame.height, dtype=bool)
        no[consent_no[pair_index]] = True
        objects = no & (rng_consent.random(frame.height) < params.share_objects)
        frame = frame.with_columns(pl.Series("_no_consent", no), pl.Series("_objects", objects))
        extra = [
            c.with_columns(pl.lit(False).alias("_no_consent"), pl.lit(False).alias("_objects"))
            for c in copies[pair_index]
        ]
        lists.append(pl.concat([frame, *extra]))

    # The cells of every row.
    rng_nik = _rng(params.seed, "nik")
    all_niks = people.select(pl.col("nik").alias("_nik"))
    rows_out = []
    for frame in lists:
        cells = people[frame["_src"].to_numpy()].select("person_id", *_POPULATION_COLUMNS)
        frame = frame.hstack(cells)
        frame = _assign_pekerjaan(frame, rng_pek)
        frame = _assign_niks(frame, rng_nik, province, all_niks)
        rows_out.append(frame)
    # A copy keeps its source's cells (the same person, the same NIK); a copy of a
    # changed-NIK slot does not exist (sources are valid slots).

    # File order: shuffled; then within a pair the first listing of a NIK stays, later ones
    # are double_same_pair; a valid NIK listed by two pairs is double_other_pair on both.
    rng_order = _rng(params.seed, "order")
    ordered = []
    for frame in rows_out:
        frame = frame[rng_order.permutation(frame.height)].with_columns(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_pos")
        )
        ordered.append(frame)
    everything = pl.concat(ordered)
    valid_nik = pl.col("nik").str.contains(r"^[0-9]{16}$")
    everything = everything.with_columns(
        (valid_nik & (pl.col("pair").n_unique().over("nik") > 1)).alias("_multi_pair"),
        (valid_nik & (pl.col("_pos").rank("ordinal").over(["pair", "nik"]) > 1)).alias("_later"),
    )
    first_pos = everything.group_by("pair", "nik").agg(pl.col("_pos").min().alias("_first_pos"))
    everything = everything.join(first_pos, on=["pair", "nik"], how="left")
    reason = (
        pl.when(pl.col("_kind") == "nik_invalid").then(pl.lit("nik_invalid"))
        .when(pl.col("_kind") == "not_in_register").then(pl.lit("not_in_register"))
        .when(pl.col("_kind") == "deceased").then(pl.lit("deceased"))
        .when(pl.col("_kind") == "under_age").then(pl.lit("under_age"))
        .when(pl.col("_kind").str.starts_with("barred_")).then(pl.lit("barred_occupation"))
        .when(pl.col("_later")).then(pl.lit("double_same_pair"))
        .when(pl.col("_multi_pair")).then(pl.lit("double_other_pair"))
        .otherwise(pl.lit(""))
    )  # fmt: skip
    everything = everything.with_columns(reason.alias("reason"))
    everything = everything.with_columns(
        pl.when(pl.col("reason") == "double_same_pair")
        .then(pl.lit("first_pos:") + pl.col("_first_pos").cast(pl.String))
        .when(pl.col("reason") == "double_other_pair")
        .then(pl.lit(""))  # named with the lines when the files are written
        .otherwise(pl.col("_detail"))
        .alias("detail"),
        pl.when(pl.col("reason") == "")
        .then(pl.lit("ms"))
        .when(pl.col("reason") == "double_other_pair")
        .then(pl.lit("held"))
        .otherwise(pl.lit("tms"))
        .alias("expected"),
    )

    # Barred list: the listed supporters, plus people who support nobody.
    rng_barred = _rng(params.seed, "barred")
    listed = everything.filter(pl.col("_kind") == "barred_list").select(
        "nik", pl.col("_detail").str.replace("barred:list:", "", literal=True).alias("category")
    )
    extra_k = _count(params.rate_barred_list_extra, sum(params.rows))
    extra_src = draw("clean", extra_k)
    extra_cat = [LIST_CATEGORIES[i][0] for i in _pick(rng_barred, LIST_CATEGORIES, extra_k)]
    extra = pl.DataFrame(
        {"nik": people["nik"].gather(extra_src), "category": pl.Series(extra_cat, dtype=pl.String)}
    )
    barred = pl.concat([listed, extra])
    barred = barred[rng_barred.permutation(barred.height)]

    lists_out = []
    for pair_index in range(n_pairs):
        frame = everything.filter(pl.col("pair") == pair_index + 1).sort("_pos")
        lists_out.append(frame)
    truth = everything.select(
        "pair",
        "_pos",
        "person_id",
        "nik",
        "expected",
        "reason",
        "detail",
        pl.when(pl.col("_no_consent")).then(pl.lit("no")).otherwise(pl.lit("yes")).alias("consent"),
        pl.when(pl.col("_objects")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("objects"),
    )
    objecting = everything.filter(pl.col("_objects")).sort("pair", "_pos")
    objections = objecting.select(
        "nik",
        "pair",
        "nama",
        (
            pl.lit("08")
            + (pl.col("nik").str.slice(8, 8).cast(pl.Int64) * 7 % 10**10)
            .cast(pl.String)
            .str.zfill(10)
        ).alias("telepon"),
    )
    return Supporters(
        lists=lists_out,
        truth=truth,
        barred=barred,
        objections=objections,
        reference_date=reference_date,
        province=province,
    )


def _assign_pekerjaan(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    normal = [name for name, _ in PEKERJAAN]
    picks = _pick(rng, PEKERJAAN, frame.height)
    values = np.array(normal, dtype=object)[picks]
    barred = frame["_kind"] == "barred_pekerjaan"
    if barred.any():
        idx = np.flatnonzero(barred.to_numpy())
        which = [int(d.rsplit(":", 1)[1]) for d in frame["_detail"].gather(idx).to_list()]
        values[idx] = [BARRED_PEKERJAAN[i][0] for i in which]
    frame = frame.with_columns(pl.Series("pekerjaan", values, dtype=pl.String))
    # The detail keeps the category, not the variant's index.
    return frame.with_columns(
        pl.when(pl.col("_kind") == "barred_pekerjaan")
        .then(pl.col("_detail").str.replace(r":[0-9]+$", ""))
        .otherwise(pl.col("_detail"))
        .alias("_detail")
    )


def _assign_niks(
    frame: pl.DataFrame, rng: np.random.Generator, province: str, all_niks: pl.DataFrame
) -> pl.DataFrame:
    """Damage the NIKs of ``nik_invalid`` slots and replace those of ``not_in_register``
    slots (serial or other province) by NIKs nobody in the population holds."""
    detail = frame["_detail"].to_list()
    out = frame["nik"].to_list()
    # Invalid NIKs.
    invalid_idx = np.flatnonzero((frame["_kind"] == "nik_invalid").to_numpy())
    look = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
    for i in invalid_idx:
        kind = detail[i].split(":", 1)[1]
        text = out[i]
        if kind == "length":
            out[i] = text[:15] if rng.random() < 0.5 else text + text[-1]
        elif kind == "date":
            dd, mm = int(text[6:8]), int(text[8:10])
            if rng.random() < 0.5:
                mm = int(rng.integers(13, 20))
            else:
                dd = int(rng.integers(72, 80)) if dd > 40 else int(rng.integers(32, 40))
            out[i] = f"{text[:6]}{dd:02d}{mm:02d}{text[10:]}"
        elif kind == "serial":
            out[i] = text[:12] + "0000"
        elif kind == "scientific":
            mantissa = (text[0] + "." + text[1:6]).rstrip("0").rstrip(".")
            out[i] = f"{mantissa}E+15"
        elif kind == "letters":
            pos = int(rng.integers(2, 16))
            out[i] = text[:pos] + look.get(text[pos], "O") + text[pos + 1 :]
        else:  # empty
            out[i] = ""
    # NIKs nobody holds.
    nir = np.flatnonzero(
        (
            (frame["_kind"] == "not_in_register") & ~frame["_detail"].str.ends_with("moved_out")
        ).to_numpy()
    )
    if nir.size:
        taken = set()
        other_provinces = [p for p in OTHER_PROVINCES if p != province]
        candidates_needed = nir
        for _attempt in range(20):
            proposals = []
            for i in candidates_needed:
                text = out[i]
                if detail[i].endswith("other_province"):
                    prov = other_provinces[int(rng.integers(0, len(other_provinces)))]
                    kab = int(rng.integers(1, 30))
                    kec = int(rng.integers(1, 40))
                    proposals.append(f"{prov}{kab:02d}{kec:02d}{text[6:12]}{text[12:]}")
                else:
                    proposals.append(f"{text[:12]}{int(rng.integers(5000, 10000)):04d}")
            check = pl.DataFrame({"_i": candidates_needed, "_nik": proposals})
            clash = check.join(all_niks, on="_nik", how="semi")["_i"].to_list()
            clash_set = set(clash)
            retry = []
            for i, value in zip(candidates_needed.tolist(), proposals, strict=True):
                if i in clash_set or value in taken:
                    retry.append(i)
                else:
                    taken.add(value)
                    out[i] = value
            if not retry:
                break
            candidates_needed = np.array(retry, dtype=np.int64)
        else:  # pragma: no cover - astronomically unlikely
            raise RuntimeError("could not make unused NIKs")
    return frame.with_columns(pl.Series("nik", out, dtype=pl.String))


# ============================================================================================
# Files
# ============================================================================================


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(col: str, delimiter: str) -> pl.Expr:
    value = pl.col(col).fill_null("")
    needs = (
        value.str.contains(delimiter, literal=True)
        | value.str.contains('"', literal=True)
        | value.str.contains("\n", literal=True)
    )
    return (
        pl.when(needs)
        .then(pl.lit('"') + value.str.replace_all('"', '""', literal=True) + pl.lit('"'))
        .otherwise(value)
    )


def _damaged_cells(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Formatting damage that the reader repairs (the verdicts do not change)."""
    n = frame.height
    r = pl.Series(rng.random(n))
    r2 = pl.Series(rng.random(n))
    born = pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False)
    valid_nik = pl.col("nik").str.contains(r"^[0-9]{16}$")
    nik = pl.col("nik")
    return frame.with_columns(
        pl.when(valid_nik & (pl.lit(r) < 0.01))
        .then(pl.lit("'") + nik)
        .when(valid_nik & (pl.lit(r) < 0.02))
        .then(
            pl.concat_str(
                [nik.str.slice(0, 4), nik.str.slice(4, 4), nik.str.slice(8, 4), nik.str.slice(12)],
                separator=" ",
            )
        )
        .when(valid_nik & (pl.lit(r) < 0.025))
        .then(nik + pl.lit(".0"))
        .otherwise(nik)
        .alias("nik"),
        pl.when(pl.lit(r2) < 1 / 3)
        .then(born.dt.strftime("%d-%m-%Y"))
        .when(pl.lit(r2) < 2 / 3)
        .then(born.dt.strftime("%d/%m/%Y"))
        .otherwise(pl.col("tanggal_lahir"))
        .fill_null(pl.col("tanggal_lahir"))
        .alias("tanggal_lahir"),
        pl.when(pl.lit(r) > 0.7)
        .then(
            pl.concat_str(
                [
                    pl.col("kode_kelurahan").str.slice(0, 2),
                    pl.col("kode_kelurahan").str.slice(2, 2),
                    pl.col("kode_kelurahan").str.slice(4, 2),
                    pl.col("kode_kelurahan").str.slice(6),
                ],
                separator=".",
            )
        )
        .otherwise(pl.col("kode_kelurahan"))
        .alias("kode_kelurahan"),
        pl.when((pl.lit(r) > 0.5) & (pl.lit(r) < 0.52))
        .then(pl.lit("  ") + pl.col("nama").str.to_lowercase() + pl.lit(" "))
        .otherwise(pl.col("nama"))
        .alias("nama"),
        pl.when(pl.col("_cp1252") | ((pl.lit(r) > 0.6) & (pl.lit(r) < 0.602)))
        .then(pl.col("alamat") + pl.lit(" (GG. SÉROJA \u2013 DEKAT MUSHOLA)"))
        .otherwise(pl.col("alamat"))
        .alias("alamat"),
    )


def _encode(text: str, cp1252: bool) -> bytes:
    if cp1252:
        try:
            return text.encode("cp1252")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8")


def _render_csv(
    frame: pl.DataFrame, path: Path, pair: int, params: SupporterParams, rng
) -> pl.Series:
    """Write one pair's file; return the physical line of each row (rows in ``frame``
    order). Unreadable rows (``_unreadable``: 'wrong_column_count' or 'no_identity') are
    written damaged."""
    header = ",".join(SUPPORT_COLUMNS)
    if not params.damage:
        frame.select(SUPPORT_COLUMNS).write_csv(path, include_header=True, line_terminator="\n")
        return pl.int_range(2, frame.height + 2, eager=True, dtype=pl.Int64)
    delimiter = ";"
    frame = _damaged_cells(frame, rng)
    unreadable = pl.col("_unreadable")
    cells = [
        pl.when(unreadable == "no_identity").then(pl.lit("")).otherwise(_quote(c, delimiter))
        if c in ("nik", "nama")
        else _quote(c, delimiter)
        for c in SUPPORT_COLUMNS
    ]
    line = pl.concat_str(cells, separator=delimiter)
    line = (
        pl.when(unreadable == "wrong_column_count")
        .then(pl.concat_str(cells[:-1], separator=delimiter))
        .otherwise(line)
    )
    text = frame.select(line.alias("t"), pl.col("_cp1252"))["t"].to_list()
    cp1252 = frame["_cp1252"].to_list()
    n = frame.height
    # Lines inserted before a row: a blank line after ~0.2 % of rows, the header repeated
    # every `page` rows (a report exported page by page).
    page = max(50, n // 4)
    blank_before = rng.random(n) < 0.002
    header_before = (np.arange(n) % page == 0) & (np.arange(n) > 0)
    titles = [
        "DAFTAR NAMA PENDUKUNG PASANGAN CALON PERSEORANGAN (MODEL B.1.1-KWK)",
        f"PASANGAN CALON NOMOR URUT {pair}",
    ]
    header_line = len(titles) + 1
    extra = blank_before.astype(np.int64) + header_before.astype(np.int64)
    lines = header_line + 1 + np.arange(n) + np.cumsum(extra)
    eol = b"\r\n"
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf")
        for t in titles:
            out.write(t.encode() + eol)
        header_bytes = header.replace(",", delimiter).upper().encode()
        out.write(header.replace(",", delimiter).encode() + eol)
        chunk: list[bytes] = []
        for i in range(n):
            if header_before[i]:
                chunk.append(header_bytes + eol)
            if blank_before[i]:
                chunk.append(delimiter.encode() * 3 + eol)
            chunk.append(_encode(text[i], cp1252[i]) + eol)
            if len(chunk) >= 65536:
                out.write(b"".join(chunk))
                chunk = []
        out.write(b"".join(chunk))
    return pl.Series(lines, dtype=pl.Int64)


def _render_xlsx(
    frame: pl.DataFrame, path: Path, pair: int, params: SupporterParams, rng
) -> pl.Series:
    """Write one pair's workbook: NIKs of 16 digits as Excel numbers, birth dates as Excel
    dates; with ``damage``, a title row, blank rows and a repeated header too."""
    try:
        import xlsxwriter
    except ImportError as exc:  # pragma: no cover - a dev dependency
        raise RuntimeError("writing XLSX needs xlsxwriter (pip install xlsxwriter)") from exc
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("B.1.1-KWK")
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    n = frame.height
    row = 0
    if params.damage:
        sheet.write_string(row, 0, f"DAFTAR NAMA PENDUKUNG PASANGAN CALON NOMOR URUT {pair}")
        row += 2  # a title, then an empty row
    for c, name in enumerate(SUPPORT_COLUMNS):
        sheet.write_string(row, c, name)
    row += 1
    blank_before = (rng.random(n) < 0.002) if params.damage else np.zeros(n, dtype=bool)
    page = max(50, n // 4)
    lines = np.empty(n, dtype=np.int64)
    records = frame.select(*SUPPORT_COLUMNS, "_unreadable").rows()
    for i, record in enumerate(records):
        if params.damage and i and i % page == 0:
            for c, name in enumerate(SUPPORT_COLUMNS):
                sheet.write_string(row, c, name.upper())
            row += 1
        if blank_before[i]:
            row += 1
        lines[i] = row + 1
        values = dict(zip((*SUPPORT_COLUMNS, "_unreadable"), record, strict=True))
        for c, name in enumerate(SUPPORT_COLUMNS):
            value = values[name]
            if values["_unreadable"] == "no_identity" and name in ("nik", "nama"):
                continue
            if name == "nik" and value and len(value) == 16 and value.isdigit():
                sheet.write_number(row, c, int(value))
            elif name == "tanggal_lahir" and value:
                sheet.write_datetime(row, c, dt.datetime.fromisoformat(value), date_format)
            elif value:
                sheet.write_string(row, c, value)
        if values["_unreadable"] == "wrong_column_count":
            sheet.write_string(row, len(SUPPORT_COLUMNS), "KOLOM LEBIH")
        row += 1
    workbook.close()
    return pl.Series(lines, dtype=pl.Int64)


def write_supporters(
    population_dir: str | Path, out_dir: str | Path, params: SupporterParams
) -> dict:
    """Generate and write the supporter files, ``supporters_truth.csv``, ``barred.csv``,
    ``objections.csv`` and ``supporters_manifest.json``; return the manifest. Files are
    written under temporary names and renamed at the end."""
    population_dir, out = Path(population_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    generated = generate_supporters(population_dir, params)
    rng = _rng(params.seed, "damage")
    ext = params.file_format
    truths = []
    files: dict[str, Path] = {}
    for pair_index, frame in enumerate(generated.lists):
        pair = pair_index + 1
        n = frame.height
        unreadable = np.full(n, None, dtype=object)
        cp1252 = np.zeros(n, dtype=bool)
        if params.damage:
            # Unreadable rows among valid supporters that are nobody's first listing.
            plain = np.flatnonzero(((frame["reason"] == "") & ~frame["_no_consent"]).to_numpy())
            plain = plain[~frame["nik"].gather(plain).is_duplicated().to_numpy()]
            k = min(plain.size, _count(params.rate_unreadable, n))
            chosen = rng.choice(plain, size=k, replace=False) if k else np.zeros(0, np.int64)
            half = k // 2
            unreadable[chosen[:half]] = "wrong_column_count"
            unreadable[chosen[half:]] = "no_identity"
            cp1252 = rng.random(n) < 0.001
        frame = frame.with_columns(
            pl.Series("_unreadable", unreadable.tolist(), dtype=pl.String),
            pl.Series("_cp1252", cp1252),
        )
        path = out / f"supporters_{pair}.{ext}"
        tmp = path.with_name(path.name + ".tmp")
        render = _render_xlsx if ext == "xlsx" else _render_csv
        lines = render(frame, tmp, pair, params, rng)
        files[path.name] = (tmp, path)
        first_line = frame.select("_pos").with_columns(lines.alias("_line"))
        truth = frame.select(
            pl.lit(pair, dtype=pl.Int64).alias("pair"),
            lines.alias("line"),
            "person_id",
            "nik",
            pl.when(pl.col("_unreadable").is_not_null())
            .then(pl.lit("rejected"))
            .otherwise(pl.col("expected"))
            .alias("expected"),
            pl.coalesce(pl.col("_unreadable"), pl.col("reason")).alias("reason"),
            "detail",
            pl.when(pl.col("_no_consent"))
            .then(pl.lit("no"))
            .otherwise(pl.lit("yes"))
            .alias("consent"),
            pl.when(pl.col("_objects"))
            .then(pl.lit("yes"))
            .otherwise(pl.lit("no"))
            .alias("objects"),
        )
        # double_same_pair: the first listing's position becomes its line.
        positions = dict(
            zip(first_line["_pos"].to_list(), first_line["_line"].to_list(), strict=True)
        )
        truth = truth.with_columns(
            pl.when(pl.col("detail").str.starts_with("first_pos:"))
            .then(
                pl.lit("of_line:")
                + pl.col("detail")
                .str.replace("first_pos:", "", literal=True)
                .cast(pl.Int64)
                .replace_strict(positions, return_dtype=pl.Int64)
                .cast(pl.String)
            )
            .otherwise(pl.col("detail"))
            .alias("detail")
        )
        truths.append(truth)
    truth = pl.concat(truths)
    # double_other_pair: name the other pairs' lines.
    other = truth.filter(pl.col("reason") == "double_other_pair").select(
        "nik", pl.format("{}:{}", pl.col("pair"), pl.col("line")).alias("_at"), "pair"
    )
    listing = other.group_by("nik").agg(pl.col("_at").sort().str.join(",").alias("_all"))
    truth = (
        truth.join(listing, on="nik", how="left")
        .with_columns(
            pl.when(pl.col("reason") == "double_other_pair")
            .then(pl.lit("listed:") + pl.col("_all"))
            .otherwise(pl.col("detail"))
            .alias("detail")
        )
        .drop("_all")
    )
    truth = truth.select(TRUTH_COLUMNS).sort("pair", "line")
    targets = {
        "supporters_truth.csv": truth,
        "barred.csv": generated.barred,
        "objections.csv": generated.objections,
    }
    for name, frame in targets.items():
        tmp = out / (name + ".tmp")
        frame.write_csv(tmp, include_header=True, line_terminator="\n")
        files[name] = (tmp, out / name)
    manifest = {
        "generator": "pilkada.synth.supporters",
        "version": GENERATOR_VERSION,
        "parameters": params.to_dict(),
        "population": {
            "dir": str(population_dir),
            "dp4_sha256": json.loads((population_dir / "manifest.json").read_text())
            .get("files", {})
            .get("dp4.csv", {})
            .get("sha256"),
        },
        "reference_date": generated.reference_date.isoformat(),
        "province": generated.province,
        "pairs": {},
        "barred_rows": generated.barred.height,
        "objections": generated.objections.height,
        "files": {},
    }
    for pair_index in range(len(params.rows)):
        pair = pair_index + 1
        t = truth.filter(pl.col("pair") == pair)
        manifest["pairs"][str(pair)] = {
            "file": f"supporters_{pair}.{ext}",
            "rows": t.height,
            "expected": {
                s: int((t["expected"] == s).sum()) for s in ("ms", "tms", "held", "rejected")
            },
            "reasons": {r: int((t["reason"] == r).sum()) for r in REASONS},
            "no_consent": int((t["consent"] == "no").sum()),
            "objections": int((t["objects"] == "yes").sum()),
        }
    for name, (tmp, path) in files.items():
        tmp.replace(path)
        manifest["files"][name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
    manifest_path = out / "supporters_manifest.json"
    tmp = manifest_path.with_name(manifest_path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(manifest_path)
    return manifest


# ============================================================================================
# The register the truth assumes
# ============================================================================================


def write_register(
    population_dir: str | Path,
    out_path: str | Path,
    *,
    work_dir: str | Path | None = None,
    kelurahan_codes=None,
) -> dict:
    """Write the register Parquet (``pilkada.engine.support_verify.REGISTER_SCHEMA``) that
    the supporter truth assumes: the population's ``dp4.csv`` read and validated by
    :func:`pilkada.engine.dp4_import.read_and_validate` (the rows the service loads:
    accepted and flagged), then struck as coklit and the duplicate review would leave it
    (:data:`REGISTER_TMS`: deceased 1, duplicate copies 2, under age 3, moved out 4, TNI 6,
    Polri 7; everyone else ``pending``). Source ``dp4``. Returns counts."""
    from pilkada.engine.dp4_import import read_and_validate

    population_dir = Path(population_dir)
    out_path = Path(out_path)
    work = Path(work_dir) if work_dir else out_path.parent
    work.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((population_dir / "manifest.json").read_text())
    voting_day = dt.date.fromisoformat(manifest["parameters"]["voting_day"])
    staging = work / f".{out_path.stem}.staging.arrow"
    outcome = read_and_validate(
        population_dir / "dp4.csv",
        kind="dp4",
        province_code=manifest["parameters"]["province"],
        kelurahan_codes=kelurahan_codes,
        reference_date=voting_day,
        rejects_path=work / f"{out_path.stem}.dp4_rejects.csv",
        staging_path=staging,
    )
    truth = pl.read_csv(
        population_dir / "truth.csv",
        columns=["line", "defect"],
        schema_overrides={"line": pl.Int64, "defect": pl.String},
    )
    codes = truth.select(
        "line",
        pl.col("defect")
        .replace_strict(REGISTER_TMS, default=None, return_dtype=pl.Int16)
        .alias("tms_code"),
    )
    frames = []
    for frame in outcome.frames():
        frames.append(
            frame.select("line", "nik", "tanggal_lahir", "status_kawin", "kelurahan_code")
        )
    register = pl.concat(frames).join(codes, on="line", how="left")
    register = register.select(
        pl.col("nik"),
        pl.when(pl.col("tms_code").is_null())
        .then(pl.lit("pending"))
        .otherwise(pl.lit("tms"))
        .alias("status"),
        pl.col("tms_code"),
        pl.col("tanggal_lahir"),
        pl.col("status_kawin"),
        pl.col("kelurahan_code"),
        pl.lit("dp4").alias("source"),
    )
    tmp = out_path.with_name(out_path.name + ".tmp")
    register.write_parquet(tmp)
    tmp.replace(out_path)
    outcome.discard()
    return {
        "rows": register.height,
        "dp4_read": outcome.read,
        "dp4_accepted": outcome.accepted,
        "dp4_flagged": outcome.flagged,
        "dp4_rejected": outcome.rejected,
        "tms": {
            str(k): v
            for k, v in register.filter(pl.col("tms_code").is_not_null())
            .group_by("tms_code")
            .len()
            .sort("tms_code")
            .rows()
        },
        "validate_seconds": round(outcome.seconds, 2),
    }
