"""Synchronisation of the DP4 with the previous DPT (PKPU 7/2024): who on the DP4 was
already a voter, who is new, and which previous voters the DP4 no longer has. No Django.

    result = synchronise(dp4, previous, voting_day=dt.date(2024, 11, 27),
                         previous_voting_day=dt.date(2024, 2, 14))
    result.dp4        # one row per DP4 row: voter_id, method nik/fuzzy/new, matched_voter_id,
                      #   turns_17, kelurahan_code
    result.previous   # one row per previous-DPT row: method found/missing, matched_voter_id
    result.counts     # one row per kelurahan with the counts below

The rule, in order (deterministic: the same input always gives the same output):

1. **NIK.** A DP4 row whose NIK is a well-formed 16-digit NIK that also appears on the
   previous DPT is *found by NIK*; its ``matched_voter_id`` is the lowest previous-DPT id
   with that NIK. A previous row whose NIK appears in the DP4 is *found*. (Several rows
   with one NIK on either side are a matter for the duplicate review, not for this count:
   they are all found.)
2. **Name and birth date** ("fuzzy") for the rows left on both sides: the foundation's
   name key (:func:`pilkada.engine.names.normalize_name_expr`: case, titles, punctuation,
   old spelling, Muhammad/Ahmad variants) plus the exact birth date. A key matches only
   when it occurs **exactly once on each side** among the rows left: one person whose NIK
   changed (a typo, a second NIK issued elsewhere), provided the two rows are in the same
   kab/kota or their NIKs are at most two digits apart (a typo or a transposition): two
   namesakes born the same day in different cities never pair. A key shared by two or more
   rows on a side (common names born the same day) is ambiguous and matches nothing; an
   empty name key or an unknown birth date never matches.
3. Every other DP4 row is a **new voter**; ``turns_17`` marks those under 17 on the previous
   election's voting day and 17 by this voting day
   (:func:`pilkada.engine.eligibility.turns_17_by_voting_day`, applied once per distinct
   birth date).
4. Every other previous-DPT row is **missing** from the DP4 (died, moved away, or left out:
   coklit follows them up).

Counts per kelurahan reconcile by construction: ``dp4_rows = found_by_nik + found_by_fuzzy +
new`` and ``previous_rows = previous_found + missing`` (DP4 rows counted in their own
kelurahan, previous rows in theirs).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pilkada.engine.eligibility import turns_17_by_voting_day
from pilkada.engine.names import normalize_name_expr

__all__ = ["COUNT_COLUMNS", "RULE", "SyncResult", "synchronise"]

#: The rule in one line, stored with each run.
RULE = (
    "1) same well-formed NIK; 2) for the rest: same normalised name key and same birth date, "
    "only when that key is unique on both sides, and same kab/kota or NIKs at most 2 digits "
    "apart; 3) other DP4 rows are new (turns_17: under "
    "17 on the previous voting day, 17 by this voting day); 4) other previous rows are missing"
)

#: Per-kelurahan count columns of :attr:`SyncResult.counts`.
COUNT_COLUMNS = (
    "dp4_rows",
    "found_by_nik",
    "found_by_fuzzy",
    "new",
    "new_turning_17",
    "previous_rows",
    "previous_found",
    "missing",
)

_NIK = r"^\d{16}$"


@dataclass
class SyncResult:
    dp4: pl.DataFrame
    previous: pl.DataFrame
    counts: pl.DataFrame
    stats: dict = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        return {c: int(self.counts[c].sum()) for c in COUNT_COLUMNS}

    @property
    def reconciles(self) -> bool:
        t = self.totals()
        return (
            t["dp4_rows"] == t["found_by_nik"] + t["found_by_fuzzy"] + t["new"]
            and t["previous_rows"] == t["previous_found"] + t["missing"]
            and t["dp4_rows"] == self.dp4.height
            and t["previous_rows"] == self.previous.height
        )


def _load(source: pl.DataFrame | pl.LazyFrame | str | Path, side: str) -> pl.DataFrame:
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix.lower() == ".parquet":
            lazy = pl.scan_parquet(path)
        else:
            lazy = pl.scan_csv(path, infer_schema=False, row_index_name="line", row_index_offset=2)
    elif isinstance(source, pl.DataFrame):
        lazy = source.lazy()
    else:
        lazy = source
    names = set(lazy.collect_schema().names())
    if "kelurahan_code" not in names and "kode_kelurahan" in names:
        lazy = lazy.rename({"kode_kelurahan": "kelurahan_code"})
        names = (names - {"kode_kelurahan"}) | {"kelurahan_code"}
    id_col = "voter_id" if "voter_id" in names else ("line" if "line" in names else None)
    missing = [c for c in ("nik", "nama", "tanggal_lahir", "kelurahan_code") if c not in names]
    if id_col is None or missing:
        need = missing + ([] if id_col else ["voter_id or line"])
        raise ValueError(f"the {side} table lacks column(s): {', '.join(need)}")
    schema = lazy.collect_schema()
    bd = pl.col("tanggal_lahir")
    if schema["tanggal_lahir"] == pl.Datetime:
        bd = bd.dt.date()
    elif schema["tanggal_lahir"] != pl.Date:
        text = bd.cast(pl.String).str.strip_chars()
        bd = pl.coalesce(
            text.str.to_date("%Y-%m-%d", strict=False),
            text.str.to_date("%d-%m-%Y", strict=False),
            text.str.to_date("%d/%m/%Y", strict=False),
        )
    frame = lazy.select(
        voter_id=pl.col(id_col).cast(pl.Int64),
        nik=pl.col("nik").cast(pl.String).str.strip_chars(),
        nama=pl.col("nama").cast(pl.String).fill_null(""),
        bd=bd,
        kelurahan_code=pl.col("kelurahan_code")
        .cast(pl.String)
        .str.replace_all(".", "", literal=True)
        .fill_null(""),
    ).collect()
    if frame["voter_id"].is_duplicated().any():
        raise ValueError(f"the {side} table's row ids (voter_id or line) must be unique")
    # A well-formed NIK as a 64-bit integer (16 digits fit): joins on integers are several
    # times cheaper than on text at 8 million rows.
    return frame.with_columns(
        nik_raw=pl.col("nik").fill_null(""),
        nik=pl.when(pl.col("nik").str.contains(_NIK)).then(pl.col("nik").cast(pl.Int64)),
    )


#: A fuzzy match in another kab/kota needs NIKs at most this many digits apart (a typo or a
#: transposition), so that two namesakes born the same day far apart never pair.
MAX_NIK_DIGITS_APART = 2


def _hamming(a: str, b: str) -> pl.Expr:
    """Digits that differ between two 16-character NIKs (17 when either is not 16 long)."""
    both = (pl.col(a).str.len_chars() == 16) & (pl.col(b).str.len_chars() == 16)
    diff = pl.sum_horizontal(
        (pl.col(a).str.slice(i, 1) != pl.col(b).str.slice(i, 1)).cast(pl.Int32)
        for i in range(16)
    )
    return pl.when(both).then(diff).otherwise(pl.lit(17)).fill_null(17)


def _name_keys(*frames: pl.DataFrame) -> pl.DataFrame:
    """The name key of each distinct name (normalising distinct names only)."""
    names = pl.concat([f.select("nama") for f in frames]).unique()
    return names.with_columns(nkey=normalize_name_expr(pl.col("nama")).fill_null(""))


def synchronise(
    dp4: pl.DataFrame | pl.LazyFrame | str | Path,
    previous: pl.DataFrame | pl.LazyFrame | str | Path,
    *,
    voting_day: dt.date,
    previous_voting_day: dt.date,
) -> SyncResult:
    """Match the DP4 against the previous DPT; see the module docstring for the rule.

    Both inputs are frames or Parquet/CSV paths with a row id (``voter_id``, else ``line``),
    ``nik``, ``nama``, ``tanggal_lahir`` and ``kelurahan_code`` (or ``kode_kelurahan``).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    d = _load(dp4, "DP4")
    p = _load(previous, "previous DPT")
    timings["load"] = round(time.perf_counter() - started, 3)

    # 1. NIK.
    t = time.perf_counter()
    prev_by_nik = p.filter(pl.col("nik").is_not_null()).group_by("nik").agg(
        prev_id=pl.col("voter_id").min()
    )
    dp4_by_nik = d.filter(pl.col("nik").is_not_null()).group_by("nik").agg(
        dp4_id=pl.col("voter_id").min()
    )
    d = d.join(prev_by_nik, on="nik", how="left")
    p = p.join(dp4_by_nik, on="nik", how="left")
    timings["nik"] = round(time.perf_counter() - t, 3)

    # 2. Name key + birth date, unique on both sides, among the rows left.
    t = time.perf_counter()
    d_left = d.filter(pl.col("prev_id").is_null())
    p_left = p.filter(pl.col("dp4_id").is_null())
    keys = _name_keys(d_left, p_left)

    def candidates(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.select("voter_id", "nama", "bd", "nik_raw", "kelurahan_code")
            .join(keys, on="nama", how="left")
            .filter((pl.col("nkey") != "") & pl.col("bd").is_not_null())
            .filter(pl.len().over("nkey", "bd") == 1)
            .select("voter_id", "nkey", "bd", "nik_raw", "kelurahan_code")
        )

    pairs = candidates(d_left).join(
        candidates(p_left), on=["nkey", "bd"], how="inner", suffix="_prev"
    )
    # The same person nearby or under a mistyped NIK, not a namesake elsewhere.
    near = (
        pl.col("kelurahan_code").str.slice(0, 4) == pl.col("kelurahan_code_prev").str.slice(0, 4)
    ) & (pl.col("kelurahan_code").str.len_chars() == 10)
    fuzzy = pairs.filter(
        near | (_hamming("nik_raw", "nik_raw_prev") <= MAX_NIK_DIGITS_APART)
    ).select(dp4_id="voter_id", prev_id="voter_id_prev")
    d = d.join(
        fuzzy.rename({"dp4_id": "voter_id", "prev_id": "fuzzy_prev"}), on="voter_id", how="left"
    )
    p = p.join(
        fuzzy.rename({"prev_id": "voter_id", "dp4_id": "fuzzy_dp4"}), on="voter_id", how="left"
    )
    timings["fuzzy"] = round(time.perf_counter() - t, 3)

    # 3. and 4. Classification; new voters turning 17.
    t = time.perf_counter()
    method = (
        pl.when(pl.col("prev_id").is_not_null()).then(pl.lit("nik"))
        .when(pl.col("fuzzy_prev").is_not_null()).then(pl.lit("fuzzy"))
        .otherwise(pl.lit("new"))
    )  # fmt: skip
    d = d.with_columns(
        method=method, matched_voter_id=pl.coalesce("prev_id", "fuzzy_prev")
    )
    dates = d.filter(pl.col("method") == "new").select(pl.col("bd").drop_nulls().unique())
    young = [
        day
        for day in dates["bd"].to_list()
        if turns_17_by_voting_day(tanggal_lahir=day, voting_day=voting_day, on=previous_voting_day)
    ]
    d = d.with_columns(
        turns_17=(pl.col("method") == "new")
        & pl.col("bd").is_in(pl.Series(young, dtype=pl.Date).implode()).fill_null(False)
    ).select("voter_id", "method", "matched_voter_id", "turns_17", "kelurahan_code")
    p = p.with_columns(
        method=pl.when(pl.col("dp4_id").is_not_null() | pl.col("fuzzy_dp4").is_not_null())
        .then(pl.lit("found"))
        .otherwise(pl.lit("missing")),
        matched_voter_id=pl.coalesce("dp4_id", "fuzzy_dp4"),
    ).select("voter_id", "method", "matched_voter_id", "kelurahan_code")

    dp4_counts = d.group_by("kelurahan_code").agg(
        dp4_rows=pl.len(),
        found_by_nik=(pl.col("method") == "nik").sum(),
        found_by_fuzzy=(pl.col("method") == "fuzzy").sum(),
        new=(pl.col("method") == "new").sum(),
        new_turning_17=pl.col("turns_17").sum(),
    )
    prev_counts = p.group_by("kelurahan_code").agg(
        previous_rows=pl.len(),
        previous_found=(pl.col("method") == "found").sum(),
        missing=(pl.col("method") == "missing").sum(),
    )
    counts = (
        dp4_counts.join(prev_counts, on="kelurahan_code", how="full", coalesce=True)
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNT_COLUMNS)
        .select("kelurahan_code", *COUNT_COLUMNS)
        .sort("kelurahan_code")
    )
    timings["classify"] = round(time.perf_counter() - t, 3)
    result = SyncResult(dp4=d.sort("voter_id"), previous=p.sort("voter_id"), counts=counts)
    stats = result.totals()
    stats.update(
        rule=RULE,
        voting_day=voting_day.isoformat(),
        previous_voting_day=previous_voting_day.isoformat(),
        fuzzy_name_keys=keys.height,
        seconds=round(time.perf_counter() - started, 3),
        timings=timings,
        reconciles=result.reconciles,
    )
    result.stats = stats
    return result
