"""Verifikasi administrasi of an independent pair's supporters, set-based. No Django.

    outcome = verify_support(
        "staged.parquet",                 # from support_import.read_supporters
        pair_id=1,
        register="register.parquet",      # the region's register (REGISTER_SCHEMA)
        prior="prior.parquet",            # supporters on record, other uploads (PRIOR_SCHEMA)
        barred="barred.parquet",          # NIK lists KPU uploaded (BARRED_SCHEMA)
        reference_date=dt.date(2024, 11, 27),
        out_path="result.parquet",        # one row per supporter row (RESULT_SCHEMA)
    )
    outcome.by_status, outcome.by_reason  # counts
    outcome.regions                       # rows / ms / tms / held per kelurahan, kecamatan,
                                          #   kab/kota
    outcome.hold                          # other pairs' supporter rows to hold for verfak

Every supporter row gets exactly one status -- ``ms``, ``tms`` with exactly one reason, or
``held`` (reason ``double_other_pair``) -- by the rules of :mod:`pilkada.engine.support_rules`
taken in this order (the first that applies gives the reason; :data:`PRECEDENCE`):

1. ``nik_invalid`` -- the NIK is not a valid NIK (nothing else can be looked up);
2. ``not_in_register`` -- no register row has the NIK, or the row that decides is TMS 4
   (pindah domisili) or 5 (tidak dikenal);
3. ``deceased`` -- the deciding register row is TMS 1 (meninggal);
4. ``under_age`` -- the deciding row is TMS 3, or the person is not 17 on ``reference_date``
   and was never married (:func:`pilkada.engine.eligibility.cukup_umur_expr`, on the
   register's birth date and marital status; the file's birth date, then the NIK's, only
   when the register has none);
5. ``barred_occupation`` -- the ``pekerjaan`` text names a barred occupation, the NIK is on a
   list KPU uploaded, or the deciding row is TMS 6 (TNI) / 7 (Polri);
6. ``double_same_pair`` -- this pair listed the NIK before (``prior``, whatever that
   listing's status: a NIK the pair listed counts once, and one found TMS cannot come back
   through a new upload; a caller that allows it passes ``prior`` without those rows), or
   higher up in this file: the first listing stays, this one is TMS;
7. ``double_other_pair`` -- another pair lists the NIK and that listing is not TMS: this row
   is ``held``, and so are the other pair's rows (:attr:`VerifyOutcome.hold`).

Person-level reasons come before the listing-level ones, so a deceased or unknown person
listed twice is TMS for what is wrong with the person on every listing, and a person held for
two pairs is always a person who would otherwise be MS.

**Which register row decides** when a NIK has several (the DP4 and the previous DPT, a
duplicate struck in the review, a coklit correction): the first by

1. the kind of row: a live row (status ``pending`` or ``ms``), then a row struck for a
   listing reason (TMS 2 ganda, 8 salah TPS: the person is a voter listed elsewhere), then a
   row struck for a person reason (TMS 1, 3, 6, 7), then TMS 4/5 (and any other code);
2. source ``coklit``, then ``dp4``, then ``dpt-lama`` (newest knowledge first);
3. status ``ms`` before ``pending``;
4. the TMS code, lowest first (meninggal before TNI, for two struck rows of one source);
5. file order (the register files in the order given, then the row in the file).

So a live row always beats a struck one, and a person struck as deceased on the old DPT but
live on the DP4 is not deceased.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from .eligibility import cukup_umur_expr
from .nik import validate_nik_frame
from .support_rules import (
    BarredCategory,
    dilarang_memberikan_dukungan,
    dukungan_ganda_eksternal,
    dukungan_ganda_internal,
    meninggal_dunia,
    nik_key,
    nik_sah,
    pekerjaan_terlarang_expr,
    termuat_dalam_daftar_pemilih,
)

__all__ = [
    "BARRED_SCHEMA",
    "PRECEDENCE",
    "PRIOR_SCHEMA",
    "REGION_LEVELS",
    "REGISTER_SCHEMA",
    "RESULT_SCHEMA",
    "SupportReason",
    "SupportStatus",
    "VerifyOutcome",
    "normalize_barred_category",
    "verify_support",
]


class SupportStatus(StrEnum):
    MS = "ms"  # memenuhi syarat
    TMS = "tms"  # tidak memenuhi syarat (with one reason)
    HELD = "held"  # double_other_pair: waits for the supporter's choice at verifikasi faktual


class SupportReason(StrEnum):
    """Why a supporter row is TMS (or held), with an English message. The order of the
    members is the precedence (:data:`PRECEDENCE`)."""

    message: str

    def __new__(cls, code: str, message: str) -> SupportReason:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member

    NIK_INVALID = ("nik_invalid", "The NIK is not a valid 16-digit NIK.")
    NOT_IN_REGISTER = (
        "not_in_register",
        "The NIK is not on the region's voter register (DPT/DP4), or the person moved away "
        "or is unknown there (TMS 4/5).",
    )
    DECEASED = ("deceased", "The register records the person as deceased (TMS 1).")
    UNDER_AGE = (
        "under_age",
        "Under 17 on the reference date and never married (or TMS 3 in the register).",
    )
    BARRED_OCCUPATION = (
        "barred_occupation",
        "TNI, Polri, ASN, village official or election organiser (by the occupation written, "
        "a list KPU uploaded, or TMS 6/7 in the register).",
    )
    DOUBLE_SAME_PAIR = (
        "double_same_pair",
        "The pair listed this NIK before; the first listing stays.",
    )
    DOUBLE_OTHER_PAIR = (
        "double_other_pair",
        "Another pair lists this NIK too: held until the supporter chooses at verifikasi faktual.",
    )


#: The order in which reasons are tried; the first that applies is the row's reason.
PRECEDENCE: tuple[SupportReason, ...] = tuple(SupportReason)

REGISTER_SCHEMA = {
    "nik": pl.String,
    "status": pl.String,  # pending | ms | tms
    "tms_code": pl.Int16,  # 1..8 when status is tms, else null
    "tanggal_lahir": pl.Date,
    "status_kawin": pl.String,  # B | S | P | ''
    "kelurahan_code": pl.String,  # 10 digits
    "source": pl.String,  # dp4 | coklit | dpt-lama
}
PRIOR_SCHEMA = {
    "nik": pl.String,
    "pair_id": pl.Int64,
    "supporter_id": pl.Int64,  # lower = listed earlier
    # ms | tms | held | pending. Another pair's listing counts unless it is tms; this pair's
    # earlier listings count whatever their status.
    "status": pl.String,
}
BARRED_SCHEMA = {"nik": pl.String, "category": pl.String}

#: One row per supporter row, in file order.
RESULT_SCHEMA = {
    "line": pl.Int64,  # the row's physical line in the uploaded file
    "nik": pl.String,
    "status": pl.String,  # SupportStatus
    "reason": pl.String,  # SupportReason; null when ms
    "detail": pl.String,  # short English evidence for the reason ('' when ms)
    "barred_category": pl.String,  # BarredCategory value (or a list's own category)
    "barred_source": pl.String,  # pekerjaan | list | register
    "first_line": pl.Int64,  # double_same_pair: line of the listing that stays (this file)
    "first_supporter_id": pl.Int64,  # double_same_pair: earliest listing on record
    "other_pair_ids": pl.String,  # double_other_pair: comma-separated pair ids
    "kelurahan_code": pl.String,  # supporter's region: register's, else the file's; or null
    "kecamatan_code": pl.String,  # first 6 digits
    "kabkota_code": pl.String,  # first 4 digits
    "region_source": pl.String,  # register | file | null
    "register_found": pl.Boolean,  # some register row has the NIK
    "register_rows": pl.Int32,  # how many register rows have the NIK
    "register_source": pl.String,  # the deciding row's source
    "register_status": pl.String,
    "register_tms_code": pl.Int16,
    "register_kelurahan_code": pl.String,
    "tanggal_lahir": pl.Date,  # the birth date the age rule used
    "status_kawin": pl.String,  # the marital status the age rule used
}

REGION_LEVELS = {"kelurahan": 10, "kecamatan": 6, "kabkota": 4}

_BARRED_ALIASES = {
    "tni": BarredCategory.TNI, "tentara": BarredCategory.TNI,
    "polri": BarredCategory.POLRI, "polisi": BarredCategory.POLRI,
    "asn": BarredCategory.ASN, "pns": BarredCategory.ASN, "pppk": BarredCategory.ASN,
    "perangkat_desa": BarredCategory.PERANGKAT_DESA,
    "perangkat desa": BarredCategory.PERANGKAT_DESA,
    "kepala desa": BarredCategory.PERANGKAT_DESA, "kepala_desa": BarredCategory.PERANGKAT_DESA,
    "village_official": BarredCategory.PERANGKAT_DESA,
    "penyelenggara": BarredCategory.PENYELENGGARA, "ad hoc": BarredCategory.PENYELENGGARA,
    "adhoc": BarredCategory.PENYELENGGARA, "ad_hoc": BarredCategory.PENYELENGGARA,
    "badan_adhoc": BarredCategory.PENYELENGGARA, "kpu": BarredCategory.PENYELENGGARA,
    "bawaslu": BarredCategory.PENYELENGGARA, "ppk": BarredCategory.PENYELENGGARA,
    "pps": BarredCategory.PENYELENGGARA, "kpps": BarredCategory.PENYELENGGARA,
    "pantarlih": BarredCategory.PENYELENGGARA, "panwascam": BarredCategory.PENYELENGGARA,
    "pkd": BarredCategory.PENYELENGGARA, "ptps": BarredCategory.PENYELENGGARA,
}  # fmt: skip

# Which register row decides for a NIK (see the module docstring), as one DuckDB BIGINT:
# the row with the lowest key decides. Parts, most significant first: the kind of row (live,
# struck for a listing reason, for a person reason, TMS 4/5), the source, ms before pending,
# the TMS code, the file's position among the register files, the row in the file.
_REGISTER_ORDER = """
    ((((CAST(CASE WHEN coalesce(status, '') <> 'tms' THEN 0
                  WHEN tms_code IN (2, 8) THEN 1
                  WHEN tms_code IN (1, 3, 6, 7) THEN 2
                  ELSE 3 END AS BIGINT) * 4
        + CASE source WHEN 'coklit' THEN 0 WHEN 'dp4' THEN 1 WHEN 'dpt-lama' THEN 2 ELSE 3 END)
       * 2 + CASE status WHEN 'ms' THEN 0 ELSE 1 END)
      * 16 + least(coalesce(tms_code, 0), 15)) * 16 + file_index) * 68719476736
    + file_row_number
"""


def normalize_barred_category(text: str | None) -> str:
    """A list's category as a :class:`BarredCategory` value when it is a known spelling
    ("PNS" -> "asn", "Kepala Desa" -> "perangkat_desa"), else the text in lower case."""
    key = (text or "").strip().lower()
    category = _BARRED_ALIASES.get(key) or _BARRED_ALIASES.get(key.replace("-", "_"))
    return category.value if category is not None else key


@dataclass
class VerifyOutcome:
    """The result of :func:`verify_support`: counts, regions, rows to hold, timings."""

    pair_id: int
    reference_date: dt.date
    out_path: Path | None  # None: the rows are in ``result`` only
    rows: int
    by_status: dict[str, int]  # every SupportStatus value, zeros included
    by_reason: dict[str, int]  # every SupportReason value, zeros included
    #: level ('kelurahan' | 'kecamatan' | 'kabkota'), region_code (null: no usable code),
    #: rows, ms, tms, held -- one row per region and level that has supporters.
    regions: pl.DataFrame
    #: Other pairs' supporter rows to hold for verifikasi faktual: supporter_id, pair_id,
    #: nik, line (this file's row that collides); one row per (supporter_id, line).
    hold: pl.DataFrame
    barred_sources: dict[str, int] = field(default_factory=dict)  # pekerjaan/list/register
    stage_seconds: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of the process per stage (all threads): comparable on a busy machine.
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    #: The rows written to ``out_path`` (RESULT_SCHEMA), so that a caller need not read the
    #: file back.
    result: pl.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def hold_supporter_ids(self) -> list[int]:
        """The other pairs' supporter ids to set to held (distinct, ascending)."""
        return sorted(set(self.hold["supporter_id"].to_list()))

    @property
    def reconciles(self) -> bool:
        statuses = sum(self.by_status.values())
        reasons = sum(self.by_reason.values())
        return statuses == self.rows and reasons == self.rows - self.by_status["ms"]

    def ms_by(self, level: str) -> dict[str | None, int]:
        """MS count per region code at ``level`` (kelurahan, kecamatan or kabkota)."""
        if level not in REGION_LEVELS:
            raise ValueError(f"level must be one of {', '.join(REGION_LEVELS)}")
        frame = self.regions.filter(pl.col("level") == level)
        return dict(zip(frame["region_code"].to_list(), frame["ms"].to_list(), strict=True))

    def as_dict(self) -> dict:
        return {
            "pair_id": self.pair_id,
            "reference_date": self.reference_date.isoformat(),
            "result_file": str(self.out_path) if self.out_path else None,
            "rows": self.rows,
            "by_status": self.by_status,
            "by_reason": self.by_reason,
            "barred_sources": self.barred_sources,
            "hold_other_pairs": self.hold.height,
            "ms_by_kabkota": self.ms_by("kabkota"),
            "reconciles": self.reconciles,
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            "stage_cpu_seconds": {k: round(v, 3) for k, v in self.stage_cpu_seconds.items()},
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


def _paths(value: str | Path | Sequence[str | Path]) -> list[str]:
    items = [value] if isinstance(value, str | Path) else list(value)
    paths = [str(Path(p)) for p in items]
    for p in paths:
        if not Path(p).exists():
            raise FileNotFoundError(p)
    return paths


def _require(frame: pl.LazyFrame | pl.DataFrame, schema: dict, what: str) -> None:
    names = frame.collect_schema().names()
    missing = [c for c in schema if c not in names]
    if missing:
        raise ValueError(f"{what} lacks column(s): {', '.join(missing)}")


def _register_matches(register: list[str], keys: pl.DataFrame, threads: int | None) -> pl.DataFrame:
    """For each NIK of ``keys`` (column ``nik``) found in the register: ``_k`` (the NIK as
    Int64), ``register_rows`` and the deciding row's columns (``register_*``)."""
    import duckdb

    if len(register) > 16:
        raise ValueError("at most 16 register files")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        params = {f"p{i}": path for i, path in enumerate(register)}
        for name in params:
            described = con.execute(
                f"DESCRIBE SELECT * FROM read_parquet(${name})", {name: params[name]}
            ).fetchall()
            columns = {row[0]: pl.String for row in described}
            _require(pl.DataFrame(schema=columns), REGISTER_SCHEMA, f"register {params[name]}")
        con.register("keys", keys.select("nik").to_arrow())
        parts = " UNION ALL ".join(
            f"""SELECT CAST(nik AS VARCHAR) AS nik, status, CAST(tms_code AS SMALLINT) AS tms_code,
                       CAST(tanggal_lahir AS DATE) AS tanggal_lahir, status_kawin,
                       kelurahan_code, source, {i} AS file_index, file_row_number
                FROM read_parquet(${name}, file_row_number = true)"""
            for i, name in enumerate(params)
        )
        table = con.sql(
            f"""
            SELECT CAST(nik AS BIGINT) AS _k,
                   status AS register_status,
                   tms_code AS register_tms_code,
                   tanggal_lahir AS register_tanggal_lahir,
                   status_kawin AS register_status_kawin,
                   kelurahan_code AS register_kelurahan_code,
                   source AS register_source,
                   {_REGISTER_ORDER} AS _order
            FROM ({parts}) r SEMI JOIN keys k ON r.nik = k.nik
            """,
            params=params,
        ).to_arrow_table()
    finally:
        con.close()
    matched = pl.from_arrow(table)
    assert isinstance(matched, pl.DataFrame)
    # Most NIKs have one register row; only the others are sorted.
    several = pl.col("_k").is_duplicated()
    matched = matched.with_columns(several.alias("_several"))
    single = matched.filter(~pl.col("_several")).with_columns(
        pl.lit(1, dtype=pl.Int32).alias("register_rows")
    )
    multi = matched.filter(pl.col("_several"))
    if multi.height:
        multi = (
            multi.sort("_order")
            .with_columns(pl.len().over("_k").cast(pl.Int32).alias("register_rows"))
            .unique("_k", keep="first", maintain_order=True)
        )
    else:
        multi = multi.with_columns(pl.lit(1, dtype=pl.Int32).alias("register_rows"))
    return pl.concat([single, multi]).select(
        "_k",
        "register_rows",
        pl.col("register_status").cast(pl.String),
        pl.col("register_tms_code").cast(pl.Int16),
        pl.col("register_tanggal_lahir").cast(pl.Date),
        pl.col("register_status_kawin").cast(pl.String),
        pl.col("register_kelurahan_code").cast(pl.String),
        pl.col("register_source").cast(pl.String),
        pl.lit(True).alias("register_found"),
    )


def _prior(prior: list[str] | None, keys: pl.DataFrame, pair_id: int) -> tuple:
    """(per-NIK aggregates keyed by ``_k``, the other pairs' live rows) of the earlier
    listings."""
    empty_agg = pl.DataFrame(
        schema={
            "_k": pl.Int64,
            "prior_same_pair": pl.Boolean,
            "first_supporter_id": pl.Int64,
            "prior_other_pair": pl.Boolean,
            "other_pair_ids": pl.String,
        }
    )
    empty_rows = pl.DataFrame(
        schema={"_k": pl.Int64, "supporter_id": pl.Int64, "pair_id": pl.Int64}
    )
    if not prior:
        return empty_agg, empty_rows
    scan = pl.scan_parquet(prior)
    _require(scan, PRIOR_SCHEMA, "prior")
    rows = (
        scan.select(
            nik_key().alias("_k"),
            pl.col("pair_id").cast(pl.Int64),
            pl.col("supporter_id").cast(pl.Int64),
            pl.col("status").cast(pl.String).fill_null(""),
        )
        .join(keys.lazy().select("_k"), on="_k", how="semi")
        .collect()
    )
    same = pl.col("pair_id") == pair_id
    other_live = (pl.col("pair_id") != pair_id) & (pl.col("status") != SupportStatus.TMS.value)
    agg = rows.group_by("_k").agg(
        same.any().alias("prior_same_pair"),
        pl.col("supporter_id").filter(same).min().alias("first_supporter_id"),
        other_live.any().alias("prior_other_pair"),
        pl.col("pair_id")
        .filter(other_live)
        .unique()
        .sort()
        .cast(pl.String)
        .str.join(",")
        .alias("other_pair_ids"),
    )
    agg = agg.with_columns(
        pl.when(pl.col("other_pair_ids") != "")
        .then(pl.col("other_pair_ids"))
        .alias("other_pair_ids")
    )
    others = rows.filter(other_live).select("_k", "supporter_id", "pair_id")
    return agg, others


def _barred(barred: list[str] | None, keys: pl.DataFrame) -> pl.DataFrame:
    """The lists' category per NIK (``_k``, ``list_category``; the smallest when a NIK is on
    several lists)."""
    if not barred:
        return pl.DataFrame(schema={"_k": pl.Int64, "list_category": pl.String})
    scan = pl.scan_parquet(barred)
    _require(scan, BARRED_SCHEMA, "barred")
    rows = (
        scan.select(nik_key().alias("_k"), pl.col("category").cast(pl.String))
        .join(keys.lazy().select("_k"), on="_k", how="semi")
        .collect()
    )
    rows = rows.with_columns(
        pl.col("category").map_batches(
            lambda s: s.replace_strict(
                {v: normalize_barred_category(v) for v in s.unique().to_list()},
                return_dtype=pl.String,
            ),
            return_dtype=pl.String,
        )
    )
    return rows.group_by("_k").agg(pl.col("category").min().alias("list_category"))


# ---------------------------------------------------------------------------------------
# The verification
# ---------------------------------------------------------------------------------------


def verify_support(
    staged: str | Path | pl.DataFrame,
    *,
    pair_id: int,
    register: str | Path | Sequence[str | Path],
    reference_date: dt.date,
    out_path: str | Path | None,
    prior: str | Path | Sequence[str | Path] | None = None,
    barred: str | Path | Sequence[str | Path] | None = None,
    check_pekerjaan: bool = True,
    threads: int | None = None,
) -> VerifyOutcome:
    """Verify every staged supporter row of pair ``pair_id`` (see the module docstring for
    the rules, their order and which register row decides).

    ``staged`` is the Parquet file :func:`pilkada.engine.support_import.read_supporters`
    wrote, or the same rows as a frame (``line``, ``nik``, ``nik_error``, ``tanggal_lahir``,
    ``kode_kelurahan``, ``pekerjaan`` are used). ``register`` is one or more Parquet files of
    the region's register (:data:`REGISTER_SCHEMA`; extra columns are ignored). ``prior``
    (optional) holds the supporters already on record for this election
    (:data:`PRIOR_SCHEMA`) -- every pair, earlier uploads and rounds, *not* the rows of this
    file. ``barred`` (optional) holds the NIK lists KPU uploaded (:data:`BARRED_SCHEMA`).
    ``reference_date`` is the day the age rule counts to (the voting day: who is 17 by then
    is on the DPT). ``check_pekerjaan`` False ignores the occupation text (the NIK lists
    and the register still apply).

    Writes one row per supporter row, in file order, to ``out_path`` (Parquet,
    :data:`RESULT_SCHEMA`; written under a temporary name and renamed; None writes nothing)
    and returns the counts, with the rows in :attr:`VerifyOutcome.result`. Nothing here
    touches a database.
    """
    started = time.perf_counter()
    clock = _Clock()
    register_paths = _paths(register)
    prior_paths = _paths(prior) if prior else None
    barred_paths = _paths(barred) if barred else None
    out_path = Path(out_path) if out_path is not None else None

    present = staged.schema if isinstance(staged, pl.DataFrame) else pl.read_parquet_schema(staged)
    _require(pl.DataFrame(schema=present), {"line": 0, "nik": 0, "nik_error": 0}, "staged")
    wanted = [c for c in ("line", "nik", "nik_error", "tanggal_lahir", "kode_kelurahan",
                          "pekerjaan") if c in present]  # fmt: skip
    rows = (
        staged.select(wanted)
        if isinstance(staged, pl.DataFrame)
        else pl.read_parquet(staged, columns=wanted)
    )
    for name, dtype in (("tanggal_lahir", pl.Date), ("kode_kelurahan", pl.String)):
        if name not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype=dtype).alias(name))
    if "pekerjaan" not in rows.columns:
        rows = rows.with_columns(pl.lit("", dtype=pl.String).alias("pekerjaan"))
    rows = rows.select(
        pl.col("line").cast(pl.Int64),
        pl.col("nik").cast(pl.String).fill_null(""),
        pl.col("nik_error").cast(pl.String),
        pl.col("tanggal_lahir").cast(pl.Date).alias("file_tanggal_lahir"),
        pl.col("kode_kelurahan").cast(pl.String).alias("file_kelurahan_code"),
        pl.col("pekerjaan").cast(pl.String).fill_null(""),
    )
    rows = rows.sort("line").with_columns(nik_sah().alias("nik_ok"))
    rows = rows.with_columns(pl.when(pl.col("nik_ok")).then(nik_key()).alias("_k"))
    rows = rows.with_columns(
        # In line order: a NIK seen before in this file is a later listing.
        (pl.col("_k").is_not_null() & ~pl.col("_k").is_first_distinct()).alias(
            "listed_before_in_file"
        ),
        pl.col("line").min().over("_k").alias("_first_line"),
    )
    keys = rows.filter(pl.col("nik_ok")).select("nik", "_k").unique("_k")
    clock.lap("read_staged")

    matches = _register_matches(register_paths, keys, threads)
    clock.lap("register_join")

    prior_agg, other_rows = _prior(prior_paths, keys, pair_id)
    barred_agg = _barred(barred_paths, keys)
    clock.lap("prior_and_lists")

    # Left joins that keep the rows in line order (sorting again would cost more).
    frame = (
        rows.join(matches, on="_k", how="left", maintain_order="left")
        .join(prior_agg, on="_k", how="left", maintain_order="left")
        .join(barred_agg, on="_k", how="left", maintain_order="left")
    )
    decided = _decide(frame, reference_date=reference_date, check_pekerjaan=check_pekerjaan)
    result = _with_detail(decided.collect()).select(
        [pl.col(name).cast(dtype).alias(name) for name, dtype in RESULT_SCHEMA.items()]
    )
    clock.lap("rules")

    if out_path is not None:
        tmp = out_path.with_name(out_path.name + ".part")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        result.write_parquet(tmp, compression="lz4", statistics=False)
        tmp.replace(out_path)
    clock.lap("write")

    held = result.filter(pl.col("reason") == SupportReason.DOUBLE_OTHER_PAIR.value).select(
        nik_key().alias("_k"), "nik", "line"
    )
    hold = (
        other_rows.join(held, on="_k", how="inner")
        .select("supporter_id", "pair_id", "nik", "line")
        .unique()
        .sort("supporter_id", "line")
    )
    outcome = VerifyOutcome(
        pair_id=pair_id,
        reference_date=reference_date,
        out_path=out_path,
        rows=result.height,
        by_status=_counts(result["status"], [s.value for s in SupportStatus]),
        by_reason=_counts(result["reason"].drop_nulls(), [r.value for r in SupportReason]),
        regions=_regions(result),
        hold=hold,
        barred_sources=_counts(result["barred_source"].drop_nulls(), []),
        result=result,
    )
    clock.lap("counts")
    outcome.stage_seconds = clock.wall
    outcome.stage_cpu_seconds = clock.cpu
    outcome.seconds = time.perf_counter() - started
    if not outcome.reconciles:  # pragma: no cover - a bug, never expected
        raise AssertionError(f"counts do not reconcile: {outcome.as_dict()}")
    return outcome


class _Clock:
    """Wall and CPU seconds per stage."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[name] = wall - self._wall
        self.cpu[name] = cpu - self._cpu
        self._wall, self._cpu = wall, cpu


def _decide(frame: pl.DataFrame, *, reference_date: dt.date, check_pekerjaan: bool) -> pl.LazyFrame:
    """Apply the rules in :data:`PRECEDENCE` order; add every RESULT_SCHEMA column (one
    lazy plan over the joined rows)."""
    # Birth date for the age rule: the register's; the file's, then the NIK's, only when the
    # register has none.
    needs_nik_date = (
        pl.col("register_found").fill_null(False)
        & pl.col("register_tanggal_lahir").is_null()
        & pl.col("file_tanggal_lahir").is_null()
    )
    wanted = frame.filter(needs_nik_date).select("nik").unique()
    lazy = frame.lazy()
    if wanted.height:
        nik_dates = validate_nik_frame(
            wanted, "nik", reference_date=reference_date, prefix="v"
        ).select("nik", pl.col("v_birth_date").alias("nik_tanggal_lahir"))
        lazy = lazy.join(nik_dates.lazy(), on="nik", how="left", maintain_order="left")
    else:
        lazy = lazy.with_columns(pl.lit(None, dtype=pl.Date).alias("nik_tanggal_lahir"))
    frame = lazy.with_columns(
        pl.col("register_found").fill_null(False),
        pl.col("register_rows").fill_null(0),
        pl.coalesce("register_tanggal_lahir", "file_tanggal_lahir", "nik_tanggal_lahir").alias(
            "tanggal_lahir"
        ),
        pl.col("register_status_kawin").fill_null("").alias("status_kawin"),
        (
            pekerjaan_terlarang_expr("pekerjaan")
            if check_pekerjaan
            else pl.lit(None, dtype=pl.String)
        ).alias("pekerjaan_category"),
    )
    frame = frame.with_columns(
        cukup_umur_expr(
            tanggal_lahir="tanggal_lahir", status_kawin="status_kawin", voting_day=reference_date
        ).alias("cukup_umur"),
    )
    tms_code = pl.col("register_tms_code")
    R = SupportReason
    reason = (
        pl.when(~nik_sah()).then(pl.lit(R.NIK_INVALID.value))
        .when(~termuat_dalam_daftar_pemilih()).then(pl.lit(R.NOT_IN_REGISTER.value))
        .when(meninggal_dunia()).then(pl.lit(R.DECEASED.value))
        .when((tms_code == 3).fill_null(False) | ~pl.col("cukup_umur"))
        .then(pl.lit(R.UNDER_AGE.value))
        .when(dilarang_memberikan_dukungan()).then(pl.lit(R.BARRED_OCCUPATION.value))
        .when(dukungan_ganda_internal()).then(pl.lit(R.DOUBLE_SAME_PAIR.value))
        .when(dukungan_ganda_eksternal()).then(pl.lit(R.DOUBLE_OTHER_PAIR.value))
        .otherwise(pl.lit(None, dtype=pl.String))
    )  # fmt: skip
    frame = frame.with_columns(reason.alias("reason"))
    is_reason = pl.col("reason").eq_missing
    status = (
        pl.when(pl.col("reason").is_null())
        .then(pl.lit(SupportStatus.MS.value))
        .when(is_reason(R.DOUBLE_OTHER_PAIR.value))
        .then(pl.lit(SupportStatus.HELD.value))
        .otherwise(pl.lit(SupportStatus.TMS.value))
    )
    barred_reason = is_reason(R.BARRED_OCCUPATION.value)
    barred_source = (
        pl.when(~barred_reason)
        .then(None)
        .when(pl.col("pekerjaan_category").is_not_null())
        .then(pl.lit("pekerjaan"))
        .when(pl.col("list_category").is_not_null())
        .then(pl.lit("list"))
        .otherwise(pl.lit("register"))
    )
    barred_category = (
        pl.when(~barred_reason)
        .then(None)
        .otherwise(
            pl.coalesce(
                "pekerjaan_category",
                "list_category",
                pl.when(tms_code == 6)
                .then(pl.lit(BarredCategory.TNI.value))
                .when(tms_code == 7)
                .then(pl.lit(BarredCategory.POLRI.value)),
            )
        )
    )
    same_pair = is_reason(R.DOUBLE_SAME_PAIR.value)
    in_file_first = (
        same_pair & pl.col("listed_before_in_file") & ~pl.col("prior_same_pair").fill_null(False)
    )
    kel_register = pl.col("register_kelurahan_code")
    kel_file = pl.col("file_kelurahan_code")
    ten = r"^[0-9]{10}$"
    register_region = kel_register.str.contains(ten).fill_null(False)
    file_region = kel_file.str.contains(ten).fill_null(False)
    kelurahan = pl.when(register_region).then(kel_register).when(file_region).then(kel_file)
    region_source = (
        pl.when(register_region).then(pl.lit("register")).when(file_region).then(pl.lit("file"))
    )
    frame = frame.with_columns(
        status.alias("status"),
        barred_source.alias("barred_source"),
        barred_category.alias("barred_category"),
        pl.when(in_file_first).then(pl.col("_first_line")).alias("first_line"),
        pl.when(same_pair).then(pl.col("first_supporter_id")).alias("first_supporter_id"),
        pl.when(is_reason(R.DOUBLE_OTHER_PAIR.value))
        .then(pl.col("other_pair_ids"))
        .alias("other_pair_ids"),
        kelurahan.alias("kelurahan_code"),
        region_source.alias("region_source"),
    )
    frame = frame.with_columns(
        pl.col("kelurahan_code").str.slice(0, 6).alias("kecamatan_code"),
        pl.col("kelurahan_code").str.slice(0, 4).alias("kabkota_code"),
    )
    return frame


def _with_detail(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``detail``: built for the rows with a reason only (most rows are MS: '')."""
    with_reason = frame.select(pl.arg_where(pl.col("reason").is_not_null())).to_series()
    details = frame[with_reason].select(_detail()).to_series()
    column = pl.repeat("", frame.height, dtype=pl.String, eager=True)
    if with_reason.len():
        column = column.scatter(with_reason, details)
    return frame.with_columns(column.alias("detail"))


def _detail() -> pl.Expr:
    """Short English evidence for each reason (the web layer may render its own)."""
    R = SupportReason
    reason = pl.col("reason")
    code = pl.col("register_tms_code").cast(pl.String)
    source = pl.col("register_source").fill_null("?")
    return (
        pl.when(reason.is_null()).then(pl.lit(""))
        .when(reason == R.NIK_INVALID.value)
        .then(pl.lit("NIK: ") + pl.col("nik_error").fill_null("not 16 digits"))
        .when(reason == R.NOT_IN_REGISTER.value)
        .then(
            pl.when(pl.col("register_found"))
            .then(pl.format("register: TMS {} ({})", code, source))
            .otherwise(pl.lit("NIK not in the register"))
        )
        .when(reason == R.DECEASED.value)
        .then(pl.format("register: TMS 1 ({})", source))
        .when(reason == R.UNDER_AGE.value)
        .then(
            pl.when(pl.col("register_tms_code") == 3)
            .then(pl.format("register: TMS 3 ({})", source))
            .otherwise(
                pl.format(
                    "born {}, status kawin '{}'",
                    pl.col("tanggal_lahir").dt.strftime("%Y-%m-%d").fill_null("?"),
                    pl.col("status_kawin"),
                )
            )
        )
        .when(reason == R.BARRED_OCCUPATION.value)
        .then(
            pl.when(pl.col("barred_source") == "pekerjaan")
            .then(pl.format("pekerjaan '{}': {}", pl.col("pekerjaan"), pl.col("barred_category")))
            .when(pl.col("barred_source") == "list")
            .then(pl.format("on the {} list", pl.col("barred_category")))
            .otherwise(pl.format("register: TMS {} ({})", code, source))
        )
        .when(reason == R.DOUBLE_SAME_PAIR.value)
        .then(
            pl.when(pl.col("first_line").is_not_null())
            .then(pl.format("first listed on line {}", pl.col("first_line")))
            .otherwise(pl.format("listed before (supporter {})", pl.col("first_supporter_id")))
        )
        .otherwise(pl.format("also listed for pair(s) {}", pl.col("other_pair_ids")))
        .fill_null("")
    )  # fmt: skip


def _counts(series: pl.Series, keys: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(keys, 0)
    if series.len():
        vc = series.value_counts()
        counts.update(zip(vc[series.name].to_list(), vc["count"].to_list(), strict=True))
    return counts


def _regions(result: pl.DataFrame) -> pl.DataFrame:
    """Counts per kelurahan, then summed up to kecamatan and kab/kota (a code's parent is
    its prefix), so the millions of rows are grouped once."""
    status = pl.col("status")
    per_kelurahan = result.group_by(pl.col("kelurahan_code").alias("region_code")).agg(
        pl.len().cast(pl.Int64).alias("rows"),
        (status == SupportStatus.MS.value).sum().cast(pl.Int64).alias("ms"),
        (status == SupportStatus.TMS.value).sum().cast(pl.Int64).alias("tms"),
        (status == SupportStatus.HELD.value).sum().cast(pl.Int64).alias("held"),
    )
    frames = []
    for level, width in REGION_LEVELS.items():
        frames.append(
            per_kelurahan.group_by(pl.col("region_code").str.slice(0, width))
            .agg(pl.col("rows", "ms", "tms", "held").sum())
            .select(pl.lit(level).alias("level"), pl.all())
        )
    return pl.concat(frames).sort("level", "region_code", nulls_last=True)
