"""A synthetic previous DPT (the last election's list) derived from a synthetic DP4.

The DP4 of a Pilkada is synchronised with the DPT of the previous election (PKPU 7/2024).
This module derives that previous DPT from a population written by
:mod:`pilkada.synth.population`, so synchronisation can be tested, demonstrated and
benchmarked against a known truth. Deterministic: the same inputs and seed give
byte-identical files. Set-based (Polars); 8 million rows take seconds.

Who is on the previous DPT (voting day ``previous_voting_day``, default 14 February 2024,
Pemilu 2024):

- every person of the DP4 (an original row, not a duplicate copy) who was old enough then
  (:func:`pilkada.engine.eligibility.cukup_umur_expr` on the previous voting day) and was
  not a serving TNI/Polri member, except a share who **arrived** since (not on the previous
  list: new voters by moving in);
- a share of them are listed under **another NIK** (a serial typed differently in the past;
  never a NIK anybody else holds): synchronisation finds them by name and birth date;
- plus people who have **gone** since (died or moved away before the DP4 was drawn): rows
  not in the DP4 at all, with their own NIKs and names;
- a duplicate copy of a person (a second row of the DP4 under another NIK or the same one) is
  **not** on it by default: the previous list was cleaned of duplicates. ``share_copies_listed``
  (default 0) lists that share of the copies too (old enough then, not TNI/Polri), as a copy
  that last election's coklit missed, for measuring how much duplicate detection relies on
  copies being absent (docs/duplicates.md). With the default the files are the same, byte
  for byte, as before the parameter existed.

Files (in ``out_dir``): ``previous_dpt.csv`` in the DP4 format (docs/formats/dp4.md) and
``previous_truth.csv`` with header ``side,line,outcome,other_line``: one row per DP4 line
(side ``dp4``; outcome ``nik``, ``fuzzy``, ``new``, ``new_17`` or ``duplicate``, a copy
of a person whose other row decides) and one per previous-DPT line (side ``previous``;
outcome ``found_nik``, ``found_fuzzy`` or ``gone``), ``other_line`` naming the line on the
other side when there is one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pilkada.engine.eligibility import cukup_umur_expr

PEMILU_2024 = dt.date(2024, 2, 14)


@dataclass(frozen=True)
class PreviousDptParams:
    seed: int = 0
    previous_voting_day: dt.date = PEMILU_2024
    voting_day: dt.date = dt.date(2024, 11, 27)
    share_arrived: float = 0.02
    share_nik_changed: float = 0.01
    share_gone: float = 0.03
    #: Share of the DP4's duplicate copies that are on the previous DPT too (0: none).
    share_copies_listed: float = 0.0


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def write_previous_dpt(
    population_dir: str | Path, out_dir: str | Path, params: PreviousDptParams
) -> dict:
    """Write ``previous_dpt.csv`` and ``previous_truth.csv`` for the population in
    ``population_dir`` (its ``dp4.csv`` and ``truth.csv``); returns the manifest."""
    population_dir, out_dir = Path(population_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dp4 = _read(population_dir / "dp4.csv")
    columns = dp4.columns
    truth = _read(population_dir / "truth.csv").select("line", "defect")
    rng = np.random.default_rng(params.seed)
    n = dp4.height
    born = pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False).alias("_born")
    frame = (
        dp4.with_row_index("_i")
        .with_columns((pl.col("_i") + 2).cast(pl.Int64).alias("line"))
        .join(truth.with_columns(pl.col("line").cast(pl.Int64)), on="line", how="left")
        .with_columns(pl.col("defect").fill_null(""), born)
        .with_columns(
            cukup_umur_expr(tanggal_lahir="_born", voting_day=params.previous_voting_day).alias(
                "_old_then"
            ),
            cukup_umur_expr(tanggal_lahir="_born", voting_day=params.voting_day).alias("_old_now"),
            pl.Series("_u", rng.random(n)),
            pl.Series("_v", rng.random(n)),
        )
    )
    copy = pl.col("defect").str.starts_with("duplicate_")
    serving = pl.col("defect").is_in(["tni", "polri"])
    listed = ~copy & ~serving & pl.col("_old_then") & (pl.col("_u") >= params.share_arrived)
    if params.share_copies_listed > 0:
        # Its own generator, so that the draws above and below stay those of the default.
        copy_draw = np.random.default_rng([params.seed, 7]).random(n)
        listed = listed | (
            copy
            & ~serving
            & pl.col("_old_then")
            & (pl.Series("_c", copy_draw) < params.share_copies_listed)
        )
    frame = frame.with_columns(listed.alias("_listed"))

    # Another NIK for a share of the listed: the serial part moved by a fixed offset, kept
    # only when nobody else holds the result (then fuzzy matching is the only way back).
    all_niks = set(dp4.get_column("nik").to_list())
    changed_nik = pl.col("nik").str.slice(0, 12) + (
        (pl.col("nik").str.slice(12, 4).cast(pl.Int32, strict=False) + 4999) % 9999 + 1
    ).cast(pl.String).str.zfill(4)
    wants_change = (
        pl.col("_listed")
        & (pl.col("_v") < params.share_nik_changed)
        & pl.col("nik").str.contains(r"^\d{16}$")
    )
    frame = frame.with_columns(
        pl.when(wants_change).then(changed_nik).otherwise(pl.col("nik")).alias("_prev_nik")
    )
    frame = frame.with_columns(
        pl.when(wants_change & ~pl.col("_prev_nik").is_in(list(all_niks)))
        .then(pl.col("_prev_nik"))
        .otherwise(pl.col("nik"))
        .alias("_prev_nik")
    )
    frame = frame.with_columns((pl.col("_prev_nik") != pl.col("nik")).alias("_nik_changed"))

    kept = frame.filter(pl.col("_listed"))
    # Gone: people on the previous list only. Built from listed rows: another serial
    # (5000+), and the name of another listed row, so neither the NIK nor the name and
    # birth date lead to anyone on the DP4.
    n_gone = round(params.share_gone * kept.height)
    gone = pl.DataFrame()
    if n_gone:
        src = rng.choice(kept.height, size=n_gone, replace=False)
        other = rng.permutation(kept.height)[:n_gone]
        gone = (
            kept[np.sort(src)]
            .with_columns(
                pl.Series("nama", kept.get_column("nama").gather(np.sort(other)).to_list()),
                (
                    pl.col("nik").str.slice(0, 12)
                    + (pl.int_range(pl.len()) % 4999 + 5000).cast(pl.String).str.zfill(4)
                ).alias("_prev_nik"),
            )
            .filter(
                pl.col("_prev_nik").str.contains(r"^\d{16}$")
                & ~pl.col("_prev_nik").is_in(list(all_niks))
            )
            .unique("_prev_nik", keep="first", maintain_order=True)
            .with_columns(pl.lit(None, pl.Int64).alias("line"))
        )
    previous = pl.concat(
        [
            kept.select(*[c for c in columns if c != "nik"], "_prev_nik", "line", "_nik_changed"),
            gone.select(*[c for c in columns if c != "nik"], "_prev_nik", "line").with_columns(
                pl.lit(False).alias("_nik_changed")
            )
            if gone.height
            else pl.DataFrame(),
        ],
        how="diagonal_relaxed",
    )
    order = rng.permutation(previous.height)
    previous = previous[order].with_columns(
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("_prev_line")
    )
    previous.rename({"_prev_nik": "nik"}).select(columns).write_csv(out_dir / "previous_dpt.csv")

    # Truth on both sides.
    back = previous.filter(pl.col("line").is_not_null()).select(
        "line", "_prev_line", "_nik_changed"
    )
    dp4_truth = (
        frame.select("line", "defect", "_old_then", "_old_now")
        .join(back, on="line", how="left")
        .with_columns(
            pl.when(pl.col("defect").str.starts_with("duplicate_"))
            .then(pl.lit("duplicate"))
            .when(pl.col("_prev_line").is_not_null() & pl.col("_nik_changed"))
            .then(pl.lit("fuzzy"))
            .when(pl.col("_prev_line").is_not_null())
            .then(pl.lit("nik"))
            .when(~pl.col("_old_then") & pl.col("_old_now"))
            .then(pl.lit("new_17"))
            .otherwise(pl.lit("new"))
            .alias("outcome")
        )
        .select(
            pl.lit("dp4").alias("side"),
            "line",
            "outcome",
            pl.col("_prev_line").alias("other_line"),
        )
    )
    prev_truth = previous.select(
        pl.lit("previous").alias("side"),
        pl.col("_prev_line").alias("line"),
        pl.when(pl.col("line").is_null())
        .then(pl.lit("gone"))
        .when(pl.col("_nik_changed"))
        .then(pl.lit("found_fuzzy"))
        .otherwise(pl.lit("found_nik"))
        .alias("outcome"),
        pl.col("line").alias("other_line"),
    ).sort("line")
    pl.concat([dp4_truth, prev_truth]).write_csv(out_dir / "previous_truth.csv")

    outcomes = pl.concat([dp4_truth, prev_truth]).group_by("side", "outcome").len()
    manifest = {
        # share_copies_listed only when set: the default run's manifest stays as it was.
        "params": {
            k: str(v)
            for k, v in asdict(params).items()
            if k != "share_copies_listed" or params.share_copies_listed
        },
        "dp4_rows": n,
        "previous_rows": previous.height,
        "outcomes": {
            f"{r['side']}:{r['outcome']}": r["len"]
            for r in outcomes.sort("side", "outcome").iter_rows(named=True)
        },
    }
    (out_dir / "previous_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
