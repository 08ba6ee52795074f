"""Duplicate detection (ganda) in a voter register: exact-NIK groups and probable same-person
pairs under different NIKs, with the evidence a reviewer needs. No Django.

    result = find_duplicates("dp4.csv", work_dir="var/dedup")
    result.pairs            # suggested pairs, weights and evidence
    result.exact_groups     # rows sharing a NIK, one row per member
    result.members          # one row per member of each suggested group (group_id ...)
    evaluate(result, "truth.csv")

Pipeline (docs/duplicates.md has the reasoning and the measured figures):

1. **Features** (Polars, :mod:`.dedup_features`): cleaned NIK, the foundation's name key and a
   phonetic key on top, the birth key (sex, year, unordered day/month), address key.
2. **Exact NIK**: every set of rows sharing a well-formed NIK. Each pair carries its evidence;
   a pair whose names or birth dates differ is a *conflict* (two people under one NIK, a
   data-entry error) and is reported as such, never merged silently.
3. **Candidate pairs** (DuckDB): equal birth key AND a name key the model could accept (same
   phonetic name; same first name and second initial; same first and last name; a single
   name and a longer one in the same kecamatan, kelurahan or family), see
   :data:`.dedup_model.BLOCKING_RULES`.
4. **Model** (Splink on DuckDB, :mod:`.dedup_model`), a Fellegi-Sunter model of the pairs that
   share a birth key: u by random sampling inside birth-key blocks, m of the name, date and
   birthplace from the exact-NIK pairs (the same person twice), m of the NIK/household
   comparison, of the synchronisation outcome (when ``sync_outcomes`` is given: one row new
   on the list although an adult and the other found on the previous DPT, both found ...)
   and the prior by Splink's EM on a sample of whole blocks (see :func:`_train`).
   Each scored pair gets its match weight, probability, and per comparison the level and
   its weight.
5. **Review queue**: pairs at or above the threshold (lowered from 0.95 while the model's
   expected precision of the suggestions stays >= 0.993, see :func:`suggestion_threshold`),
   minus remembered rejections; groups are
   connected components of accepted pairs, grown strongest edge first and never joining two
   rows an officer said are different people; ``group_id`` is ``G<lowest row id>``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pilkada.engine import dedup_model as model
from pilkada.engine.dedup_features import sync_outcome_frame, write_features

__all__ = [
    "EVIDENCE_COLUMNS",
    "DedupResult",
    "DedupSettings",
    "evaluate",
    "find_duplicates",
    "suggestion_threshold",
]

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

#: Stages reported to ``progress`` (name, share of the work), in order.
STAGES = (
    ("features", 0.15),
    ("exact_nik", 0.05),
    ("candidates", 0.15),
    ("training", 0.15),
    ("scoring", 0.40),
    ("review_queue", 0.10),
)

#: Columns every pair (exact or probabilistic) carries, for the reviewer.
#: nik_relation: equal / one_digit / transposition / same_birth_part_other_serial /
#: different / unusable; nik_positions: the 1-based positions where the NIKs differ ("13",
#: "12,13"); name_relation: equal / equal_normalised / spelling_variant /
#: abbreviated_or_shortened / similar / different / unknown; name_similarity: Jaro-Winkler
#: of the phonetic keys; date_relation: equal / day_month_swapped / same_year / different;
#: sync_relation (what the synchronisation with the previous DPT said of the two rows):
#: one_new_adult / both_found / both_new / other / unknown.
EVIDENCE_COLUMNS = (
    "nik_relation",
    "nik_positions",
    "name_relation",
    "name_similarity",
    "date_relation",
    "same_nkk",
    "same_address",
    "same_kelurahan",
    "same_birthplace",
    "sync_relation",
    "evidence_for",
    "evidence_against",
)


@dataclass(frozen=True, kw_only=True)
class DedupSettings:
    """Tunable parts of :func:`find_duplicates` (defaults are what the benchmark measured)."""

    #: A pair under different NIKs is suggested when its match probability reaches this
    #: (tier ``probable``); between ``possible`` and ``threshold`` it is kept with tier
    #: ``possible`` for a reviewer who wants to look further, but not grouped. With
    #: ``target_precision`` set, this is the highest threshold used (see below).
    threshold: float = 0.95
    possible: float = 0.5
    #: The precision the suggestions must keep, *as the model expects it*: the mean match
    #: probability of the suggested pairs (the model is calibrated: see docs/duplicates.md).
    #: The threshold is lowered from ``threshold`` towards ``min_threshold`` as long as the
    #: pairs at or above it keep this expected precision, so a register with few look-alikes
    #: gets more suggestions and a crowded one fewer. ``None``: ``threshold`` as is.
    #: 0.993: the review queue's required precision (0.99) plus a margin for the model's
    #: over-confidence, which bench/dedup.py's operating points measured at 0.0017 on an
    #: 8.2 M register of seed 2024 (expected 0.9930 for an actual 0.9913); checked on seed
    #: 2025, which it was not chosen on (docs/duplicates.md, "Choosing the target").
    target_precision: float | None = 0.993
    min_threshold: float = 0.5
    #: Scored pairs below this are not kept at all (``DedupResult.pairs`` keeps the rest, with
    #: ``suggested`` telling which reach ``threshold``).
    keep_floor: float = 0.01
    #: Target number of pairs in the EM session's sample (whole birth-key blocks).
    training_pairs: int = 1_000_000
    #: At most this many rows in the training sample.
    training_rows: int = 2_000_000
    #: Number of random same-birth-key pairs sampled to estimate the u-probabilities.
    u_pairs: int = 2_000_000
    #: Below this many same-name pairs (or 50 exact-NIK pairs) the data is too small to train
    #: on: the documented prior model of :mod:`.dedup_model` is used as is.
    min_training_pairs: int = 100
    max_iterations: int = 25
    em_convergence: float = 1e-4
    #: A trained model (Splink settings dict or JSON file written by an earlier run) to use
    #: instead of training.
    model: dict | str | Path | None = None
    #: Voting day or any recent date: the NIK century rule (NIKs hold two year digits).
    reference_date: dt.date = dt.date(2024, 11, 27)
    province_codes: tuple[str, ...] | None = None
    duckdb_threads: int | None = None
    duckdb_memory_limit: str = "5GB"
    #: Sampling salt: a different value trains on different blocks.
    seed: int = 2024


@dataclass
class DedupResult:
    """What :func:`find_duplicates` found. Frames are Polars; ids are the input's row ids."""

    #: Scored pairs under different NIKs with P >= keep_floor: id_a < id_b, match weight and
    #: probability, per-comparison level and weight, evidence, ``suggested``.
    pairs: pl.DataFrame
    #: Pairs sharing a NIK, with evidence and ``status`` same_person / conflict.
    exact_pairs: pl.DataFrame
    #: One row per row in an exact-NIK group: nik, group status, size.
    exact_groups: pl.DataFrame
    #: One row per member of each suggested group: group_id, id, nik, nama, status, kind ...
    members: pl.DataFrame
    #: The trained model: Splink settings (m, u, prior) -- ``model_path`` has it as JSON.
    model: dict
    stats: dict = field(default_factory=dict)
    work_dir: Path | None = None
    model_path: Path | None = None

    @property
    def suggested_pairs(self) -> pl.DataFrame:
        return self.pairs.filter(pl.col("suggested"))

    def export_frame(self) -> pl.DataFrame:
        """One row per member: ``group_id,nik,nama,status`` plus the evidence columns."""
        return self.members

    def write_export(self, path: str | Path) -> Path:
        path = Path(path)
        frame = self.export_frame()
        if path.suffix.lower() == ".parquet":
            frame.write_parquet(path)
        else:
            frame.write_csv(path)
        return path

    def weights(self) -> pl.DataFrame:
        """The model card: every comparison level with its m, u and match weight."""
        return pl.DataFrame(model.weights_table(self.model))


# ============================================================================================
# The pipeline
# ============================================================================================


class _Progress:
    def __init__(self, callback: Progress | None) -> None:
        self._callback = callback
        self._done = 0.0
        self._weights = dict(STAGES)
        self.timings: dict[str, float] = {}
        self._started = time.perf_counter()
        self._stage: str | None = None

    def start(self, stage: str) -> None:
        self._stage = stage
        self._started = time.perf_counter()
        if self._callback:
            self._callback(stage, self._done)

    def finish(self) -> None:
        assert self._stage is not None
        self.timings[self._stage] = round(time.perf_counter() - self._started, 3)
        self._done += self._weights[self._stage]
        if self._callback:
            self._callback(self._stage, min(self._done, 1.0))


def _connect(settings: DedupSettings, work_dir: Path) -> duckdb.DuckDBPyConnection:
    tmp = work_dir / "duckdb_tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    con.execute(f"SET temp_directory = '{tmp.as_posix()}'")
    con.execute("SET preserve_insertion_order = false")
    if settings.duckdb_threads:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return con


def find_duplicates(
    voters: pl.DataFrame | pl.LazyFrame | str | Path,
    *,
    work_dir: str | Path,
    settings: DedupSettings | None = None,
    progress: Progress | None = None,
    remembered_rejections: pl.DataFrame | None = None,
    sync_outcomes: pl.DataFrame | pl.LazyFrame | str | Path | None = None,
) -> DedupResult:
    """Find exact-NIK groups and probable same-person pairs; see the module docstring.

    ``voters`` is a frame or a Parquet/CSV path with a row id (``voter_id`` or ``line``) and
    nik, nkk, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, alamat, rt, rw and
    kelurahan_code (or kode_kelurahan). ``work_dir`` receives the features, the DuckDB spill
    directory and the trained model (``model.json``). ``progress(stage, fraction)`` is called
    as stages start and finish. ``remembered_rejections`` holds pairs an officer rejected, as
    columns ``id_a, id_b`` (row ids) or ``nik_a, nik_b``: they are never suggested again and
    never end up in one group.

    ``sync_outcomes`` (optional) is the per-row outcome of the synchronisation of these rows
    with the previous DPT -- ``SyncResult.dp4`` of :func:`pilkada.engine.sync.synchronise`, or
    any frame / Parquet / CSV with the row id, ``method`` (nik / fuzzy / new) and
    ``turns_17``; it feeds the ``sync_status`` comparison (one row a new voter although an
    adult and the other found is evidence for, both found evidence against). Rows without
    an outcome, and every row when it is not given, are unknown: the comparison is neutral
    and the pipeline scores as without it.
    """
    settings = settings or DedupSettings()
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    prog = _Progress(progress)
    stats: dict = {}

    prog.start("features")
    features_path = write_features(
        voters,
        work_dir / "features.parquet",
        reference_date=settings.reference_date,
        province_codes=settings.province_codes,
    )
    con = _connect(settings, work_dir)
    try:
        _load_features(con, features_path, sync_outcomes)
        stats["rows"], stats["rows_without_usable_nik"], stats["rows_without_birth_key"] = (
            con.execute(
                "SELECT count(*), count(*) - count(nik), count(*) - count(bkey) FROM dd_features"
            ).fetchall()[0]
        )
        stats["sync_outcomes"] = dict(
            sorted(
                (str(k), int(v))
                for k, v in con.execute(
                    "SELECT coalesce(sy, 'unknown'), count(*) FROM dd_features GROUP BY 1"
                ).fetchall()
            )
        )
        _tf_tables(con)
        prog.finish()

        prog.start("exact_nik")
        _exact_pairs_table(con)
        stats["exact_nik_pairs"] = _scalar(con, "SELECT count(*) FROM dd_exact")
        prog.finish()

        prog.start("candidates")
        stats["candidate_pairs_by_rule"] = _candidate_pairs(con)
        stats["candidate_pairs"] = _scalar(con, "SELECT count(*) FROM dd_pairs")
        prog.finish()

        prog.start("training")
        trained, training_stats = _train(con, settings, stats["candidate_pairs_by_rule"])
        stats["training"] = training_stats
        model_path = work_dir / "model.json"
        model_path.write_text(json.dumps(trained, indent=2, default=str))
        prog.finish()

        prog.start("scoring")
        _score(con, trained, settings)
        stats["scored_pairs_kept"] = _scalar(con, "SELECT count(*) FROM dd_scored")
        prog.finish()

        prog.start("review_queue")
        pairs, exact_pairs = _evidence(con, settings)
        stats["suggestion_threshold"] = suggestion_threshold(pairs["match_probability"], settings)
        pairs, exact_pairs, rejected = _apply_rejections(pairs, exact_pairs, remembered_rejections)
        stats["rejections_applied"] = rejected
        exact_groups = _exact_groups(exact_pairs)
        members = _groups(con, pairs, exact_pairs, remembered_rejections)
        prog.finish()
    finally:
        con.close()
        shutil.rmtree(work_dir / "duckdb_tmp", ignore_errors=True)

    stats["suggested_pairs"] = int(pairs["suggested"].sum())
    stats["exact_conflict_pairs"] = int((exact_pairs["status"] == "conflict").sum())
    stats["groups"] = int(members["group_id"].n_unique()) if members.height else 0
    stats["timings"] = prog.timings
    return DedupResult(
        pairs=pairs,
        exact_pairs=exact_pairs,
        exact_groups=exact_groups,
        members=members,
        model=trained,
        stats=stats,
        work_dir=work_dir,
        model_path=model_path,
    )


def _load_features(con: duckdb.DuckDBPyConnection, path: Path, sync_outcomes=None) -> None:
    """``dd_features``: the feature table, plus the name's token lists (``tok``, and ``tokf``
    the tokens longer than one letter) that the name comparison reads, and ``sy`` from the
    synchronisation outcomes when given (joined here, in DuckDB: a join inside the streaming
    Polars step that writes the features made it twice as slow at 8 million rows)."""
    source, columns = f"read_parquet('{path.as_posix()}') f", "f.*"
    if sync_outcomes is not None:
        outcomes = sync_outcome_frame(sync_outcomes).collect()
        con.register("dd_sync_input", outcomes.to_arrow())
        source += " LEFT JOIN dd_sync_input s ON s.rid = f.rid"
        columns = "f.* REPLACE (s.sy AS sy)"
    con.execute(
        f"""
        CREATE TABLE dd_features AS
        SELECT {columns},
            CASE WHEN f.nph = '' THEN []::VARCHAR[] ELSE string_split(f.nph, ' ') END AS tok,
            CASE WHEN f.nph = '' THEN []::VARCHAR[]
                 ELSE list_filter(string_split(f.nph, ' '), lambda t: length(t) > 1) END
                AS tokf,
            hash(f.nph) AS nphk
        FROM {source}
        """
    )
    if sync_outcomes is not None:
        con.unregister("dd_sync_input")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


# --------------------------------------------------------------------------------------------
# Exact NIK and candidate pairs
# --------------------------------------------------------------------------------------------


def _exact_pairs_table(con: duckdb.DuckDBPyConnection) -> None:
    """All pairs of rows sharing a well-formed NIK (a group of k rows gives k(k-1)/2 pairs)."""
    con.execute(
        """
        CREATE TABLE dd_exact AS
        WITH dup AS (
            SELECT rid, nik FROM dd_features
            WHERE nik IN (SELECT nik FROM dd_features WHERE nik IS NOT NULL
                          GROUP BY nik HAVING count(*) > 1)
        )
        SELECT a.rid AS join_key_l, b.rid AS join_key_r
        FROM dup a JOIN dup b ON a.nik = b.nik AND a.rid < b.rid
        """
    )


def _candidate_pairs(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """``dd_pairs(match_key, join_key_l, join_key_r)``: candidate pairs under different NIKs
    (the first rule that finds a pair names it), plus the exact-NIK pairs (match key
    ``exact_nik``), which are scored too so that every pair shows a weight."""
    con.execute(
        "CREATE TABLE dd_block AS SELECT rid, bkey, nph, ft, t2i, lt, nt, "
        "substr(nik, 1, 6) AS kec, kel, nkk, nik FROM dd_features WHERE bkey IS NOT NULL"
    )
    parts = []
    for order, (_name, cond, _why) in enumerate(model.BLOCKING_RULES):
        one_sided = cond.startswith("l.nt = 1")
        parts.append(
            f"SELECT {order} AS rule, least(l.rid, r.rid) AS jl, greatest(l.rid, r.rid) AS jr "
            f"FROM dd_block l JOIN dd_block r ON l.bkey = r.bkey AND {cond} "
            f"WHERE l.rid {'<>' if one_sided else '<'} r.rid "
            f"AND l.nik IS DISTINCT FROM r.nik"
        )
    names = ", ".join(f"({i}, '{name}')" for i, (name, _, _) in enumerate(model.BLOCKING_RULES))
    con.execute(
        f"""
        CREATE TABLE dd_pairs AS
        WITH found AS ({" UNION ALL ".join(parts)}),
        firsts AS (SELECT jl, jr, min(rule) AS rule FROM found GROUP BY jl, jr),
        names(rule, match_key) AS (VALUES {names})
        SELECT names.match_key, jl AS join_key_l, jr AS join_key_r
        FROM firsts JOIN names USING (rule)
        UNION ALL
        SELECT 'exact_nik' AS match_key, join_key_l, join_key_r FROM dd_exact
        """
    )
    con.execute("DROP TABLE dd_block")
    rows = con.execute("SELECT match_key, count(*) FROM dd_pairs GROUP BY 1").fetchall()
    return {k: int(v) for k, v in sorted(rows)}


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def _splink_api(con: duckdb.DuckDBPyConnection):
    from splink import DuckDBAPI

    return DuckDBAPI(con)


def _load_model(source: dict | str | Path) -> dict:
    """A given model; a comparison it lacks (a model saved before that comparison existed)
    is added with m = u on every level: weight zero, as if unknown."""
    settings = (
        model.copy_settings(source)
        if isinstance(source, dict)
        else json.loads(Path(source).read_text())
    )
    have = {c["output_column_name"] for c in settings["comparisons"]}
    for comparison in model.COMPARISONS:
        if comparison.name in have:
            continue
        neutral = {lv.label: (lv.u, lv.u) for lv in comparison.levels if not lv.null}
        added = model.splink_settings(params={comparison.name: neutral})["comparisons"]
        settings["comparisons"].extend(
            c for c in added if c["output_column_name"] == comparison.name
        )
    return settings


def _estimate_u(con: duckdb.DuckDBPyConnection, settings: DedupSettings) -> tuple[dict, dict]:
    """u-probabilities by random sampling of pairs *within* birth-key blocks of ``dd_train``
    (a sample of whole blocks).

    Each row is paired with a uniformly drawn other row of its block and the pair is weighted
    by (block size - 1), so that the weighted sample is uniform over all pairs that share a
    birth key: the population the model describes. Same-person pairs (about 1 in 10,000) are
    taken out afterwards, once m and the prior are known (see :func:`_train`).
    """
    seed = int(settings.seed)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dd_u_idx AS
        SELECT rid, bkey, count(*) OVER (PARTITION BY bkey) AS n,
               row_number() OVER (PARTITION BY bkey ORDER BY hash(rid, {seed})) AS rn
        FROM dd_train
        """
    )
    rows_in_blocks = _scalar(con, "SELECT count(*) FROM dd_u_idx WHERE n > 1")
    buckets = 1_000_000
    cut = max(1, min(buckets, round(settings.u_pairs / max(rows_in_blocks, 1) * buckets)))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dd_u_pairs AS
        SELECT least(s.rid, o.rid) AS rid_l, greatest(s.rid, o.rid) AS rid_r, s.n - 1 AS w
        FROM dd_u_idx s JOIN dd_u_idx o
          ON o.bkey = s.bkey
         AND o.rn = (s.rn + (hash(s.rid, {seed + 2}) % (s.n - 1))::BIGINT) % s.n + 1
        WHERE s.n > 1 AND hash(s.rid, {seed + 1}) % {buckets} < {cut}
        """
    )
    con.execute("DROP TABLE dd_u_idx")
    levels = ", ".join(f"{model.level_case_sql(c)} AS {c.name}" for c in model.COMPARISONS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dd_u_levels AS
        SELECT {levels}, s.w
        FROM dd_u_pairs s JOIN dd_train a ON a.rid = s.rid_l
        JOIN dd_train b ON b.rid = s.rid_r
        """
    )
    n_pairs, mean_w = con.execute("SELECT count(*), avg(w) FROM dd_u_pairs").fetchall()[0]
    u: dict = {}
    if n_pairs:
        for comparison in model.COMPARISONS:
            counts = dict(
                con.execute(
                    f"SELECT {comparison.name}, sum(w) FROM dd_u_levels "
                    f"WHERE {comparison.name} <> 'null' GROUP BY 1"
                ).fetchall()
            )
            levels_ = [lv for lv in comparison.levels if not lv.null and not lv.fixed]
            total = sum(float(v) for v in counts.values()) / float(mean_w)
            u[comparison.name] = {
                lv.label: (float(counts.get(lv.label, 0.0)) / float(mean_w) + 0.5)
                / (total + 0.5 * len(levels_))
                for lv in levels_
            }
    con.execute("DROP TABLE dd_u_pairs")
    con.execute("DROP TABLE dd_u_levels")
    return u, {"u_pairs": int(n_pairs), "u_floor": 0.5 / max(float(n_pairs), 1.0)}


def _session_params(session) -> tuple[float, dict]:
    """(lambda, comparison -> label -> m) of an EM session, skipping unobserved levels."""
    core = session.core_model_settings
    out: dict = {}
    for cc in core.comparisons:
        levels = {}
        for cl in cc._comparison_levels_excluding_null:
            m = cl._m_probability
            if isinstance(m, int | float) and not isinstance(m, bool):
                levels[cl.label_for_charts] = float(m)
        out[cc.output_column_name] = levels
    return float(core.probability_two_random_records_match), out


#: Comparisons whose m-probabilities come from the exact-NIK pairs (see _m_from_exact_pairs).
LABELLED = ("name", "birth", "birthplace", "status_kawin")
#: The EM session: blocking of the training sample, and the comparisons it estimates. Its
#: blocking (birth key and phonetic name) uses the name, so Splink leaves the name comparison
#: out of it; the other comparisons are independent of the name given the birth key, so the
#: session's non-matches follow the u-probabilities. Most of its pairs are duplicates (people
#: born the same day with the same name), which keeps EM well identified even at 8 million.
EM_BLOCKING = model.EM_BLOCKING
EM_ESTIMATES = ("nik_household", "sync_status")
#: Comparisons read from an optional input column (feature): when no row has it, the
#: comparison is written to the model with m = u (weight zero).
NEUTRAL_WHEN_ABSENT = {"status_kawin": "sk", "sync_status": "sy"}
#: Fewer exact-NIK pairs than this: the name, birth and birthplace m stay at the prior.
MIN_LABELS = 50


def _m_from_exact_pairs(con: duckdb.DuckDBPyConnection) -> tuple[dict, int]:
    """m-probabilities of the name, birth date and birthplace from the pairs sharing a NIK.

    Two rows under one NIK are the same person registered twice (apart from rare data-entry
    errors, which make these m's conservative): how their names, dates and birthplaces
    differ is how a duplicate's do. The pairs are taken whatever their names say, so the
    estimate is not biased towards agreeing names. Nothing about the NIK or the household is
    learnt here (they are equal by selection, or tied to how the copy was made).
    """
    n = _scalar(con, "SELECT count(*) FROM dd_exact")
    if n < MIN_LABELS:
        return {}, int(n)
    levels = ", ".join(
        f"{model.level_case_sql(c)} AS {c.name}" for c in model.COMPARISONS if c.name in LABELLED
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dd_label_levels AS
        SELECT {levels} FROM dd_exact s
        JOIN dd_features a ON a.rid = s.join_key_l JOIN dd_features b ON b.rid = s.join_key_r
        """
    )
    m: dict = {}
    for comparison in model.COMPARISONS:
        if comparison.name not in LABELLED:
            continue
        counts = dict(
            con.execute(
                f"SELECT {comparison.name}, count(*) FROM dd_label_levels "
                f"WHERE {comparison.name} <> 'null' GROUP BY 1"
            ).fetchall()
        )
        levels_ = [lv for lv in comparison.levels if not lv.null and not lv.fixed]
        total = sum(counts.values())
        m[comparison.name] = {
            lv.label: (counts.get(lv.label, 0) + 0.5) / (total + 0.5 * len(levels_))
            for lv in levels_
        }
    con.execute("DROP TABLE dd_label_levels")
    return m, int(n)


def _train(
    con: duckdb.DuckDBPyConnection, settings: DedupSettings, candidate_pairs: dict[str, int]
) -> tuple[dict, dict]:
    """The model (or the given / prior one). Returns (Splink settings, stats).

    On a sample of whole birth-key blocks (``dd_train``):

    * u: random pairs inside the blocks (:func:`_estimate_u`);
    * m of name, birth date and birthplace: the exact-NIK pairs (:func:`_m_from_exact_pairs`);
    * m of the NIK/household comparison and the match prior: Splink's EM over the pairs with
      the same birth key and phonetic name, every other parameter fixed. Those pairs are
      mostly duplicates and people with the same name born the same day; what tells them
      apart, besides NIK and household, is how common the name is, so EM runs with the
      name's term-frequency adjustment.

    Then the u-probabilities are cleaned of the same-person pairs the random sample held.
    """
    if settings.model is not None:
        return _load_model(settings.model), {"source": "given"}
    em_pairs = candidate_pairs.get("name", 0) + candidate_pairs.get("exact_nik", 0)
    labels = candidate_pairs.get("exact_nik", 0)
    if labels < MIN_LABELS or em_pairs < settings.min_training_pairs:
        reason = f"{labels} exact-NIK pairs, {em_pairs} same-name pairs: too few to train on"
        return model.prior_settings(), {"source": "prior", "reason": reason}

    from splink import Linker

    rows = _scalar(con, "SELECT count(*) FROM dd_features WHERE bkey IS NOT NULL")
    fraction = min(
        1.0,
        settings.training_pairs / max(em_pairs, 1),
        settings.training_rows / max(rows, 1),
    )
    buckets = 100_000
    cut = max(1, round(fraction * buckets))
    con.execute(
        f"""
        CREATE OR REPLACE TABLE dd_train AS
        SELECT * FROM dd_features
        WHERE bkey IS NOT NULL AND hash(bkey, {int(settings.seed)}) % {buckets} < {cut}
        """
    )
    sample_rows = _scalar(con, "SELECT count(*) FROM dd_train")
    bkey_pairs = _scalar(
        con,
        "SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM dd_train GROUP BY bkey)",
    )
    u, stats = _estimate_u(con, settings)
    m_labels, n_labels = _m_from_exact_pairs(con)
    stats["label_pairs"] = n_labels

    start_params = {
        c.name: {
            lv.label: (m_labels.get(c.name, {}).get(lv.label), u.get(c.name, {}).get(lv.label))
            for lv in c.levels
            if not lv.null
        }
        for c in model.COMPARISONS
    }
    # Inside the session every pair has the same phonetic name, so the name's own weight is
    # set to zero (m = u); what remains is its term-frequency adjustment, log2(u / tf(name)),
    # which is exactly the likelihood ratio of a name among pairs selected for sharing it
    # (the sum over names of tf squared is u).
    start_params["name"] = {
        label: (uu, uu) for label, uu in u.get("name", {}).items()
    } or start_params["name"]
    start = model.splink_settings(
        params=start_params,
        max_iterations=settings.max_iterations,
        em_convergence=settings.em_convergence,
        fix_m=("name", *(c for c in LABELLED if c in m_labels)),
    )
    db_api = _splink_api(con)
    linker = Linker(
        db_api.register("dd_train", table_name="dd_train_input"), start, log_level=logging.ERROR
    )
    _register_tf(linker, db_api)
    session = linker.training.estimate_parameters_using_expectation_maximisation(
        EM_BLOCKING, fix_u_probabilities=True, estimate_without_term_frequencies=False
    )
    lam, m_em = _session_params(session)
    em_block_pairs = _scalar(
        con, f"SELECT count(*) FROM dd_train l JOIN dd_train r ON {EM_BLOCKING} AND l.rid < r.rid"
    )
    linker.table_management.delete_tables_created_by_splink_from_db()
    con.execute("DROP TABLE dd_train")

    name_m = m_labels.get("name") or {lv.label: lv.m for lv in model.NAME.levels if not lv.null}
    # Share of matches whose phonetic names agree: the ones the EM session sees.
    seen = (name_m.get("exact", 0.0) + name_m.get("phonetic", 0.0)) or 1.0
    probability = min(0.5, lam * em_block_pairs / max(float(bkey_pairs), 1.0) / seen)
    params: dict = {}
    # Comparisons whose column is unknown on every row (no synchronisation given): m = u, so
    # the model card shows them as what they are, weight zero.
    unknown = {
        c.name
        for c in model.COMPARISONS
        if c.name in NEUTRAL_WHEN_ABSENT
        and not _scalar(con, f"SELECT count({NEUTRAL_WHEN_ABSENT[c.name]}) FROM dd_features")
    }
    for comparison in model.COMPARISONS:
        params[comparison.name] = {}
        for level in comparison.levels:
            if level.null or level.fixed:
                continue
            if comparison.name in unknown:
                params[comparison.name][level.label] = (level.u, level.u)
                continue
            if comparison.name in EM_ESTIMATES:
                mm = m_em.get(comparison.name, {}).get(level.label)
            else:
                mm = m_labels.get(comparison.name, {}).get(level.label)
            mm = max(mm, M_FLOOR) if mm is not None else level.m
            uu = u.get(comparison.name, {}).get(level.label)
            if uu is None:
                uu = level.u
            else:
                # The random pairs include duplicates (a share `probability` of them, spread
                # over the levels as m): take them out, so that a level only duplicates
                # reach (NIK one digit apart inside the birth part ...) gets the u of
                # different people, not of the duplicates that the sample happened to hold.
                uu = max(uu - probability * mm, stats["u_floor"]) / (1.0 - probability)
            params[comparison.name][level.label] = (_round(mm), _round(uu))
    trained = model.splink_settings(
        probability=_round(probability),
        params=params,
        max_iterations=settings.max_iterations,
        em_convergence=settings.em_convergence,
    )
    stats.update(
        source="u: random same-birth-key pairs; m: exact-NIK pairs + EM",
        sample_fraction=round(cut / buckets, 5),
        sample_rows=int(sample_rows),
        sample_birth_key_pairs=int(bkey_pairs),
        em_blocking=EM_BLOCKING,
        em_pairs=int(em_block_pairs),
        em_lambda=lam,
        em_iterations=len(getattr(session, "_core_model_settings_history", [])),
        probability_match=probability,
    )
    return trained, stats


def _round(value: float) -> float:
    """Nine significant digits: EM and the samples sum in parallel, and the last bits of a
    float sum depend on the order; rounding makes the model (and every weight) repeatable."""
    return float(f"{value:.9g}")


#: Smallest m kept from EM: a level never seen among matches still is not impossible.
M_FLOOR = 1e-6


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def _score(con: duckdb.DuckDBPyConnection, trained: dict, settings: DedupSettings) -> None:
    """Score ``dd_pairs`` with the model; keep P >= keep_floor (and every exact pair) as
    ``dd_scored(rid_l, rid_r, match_key, match_weight, match_probability, gamma_*, bf_*)``."""
    from splink import Linker

    db_api = _splink_api(con)
    linker = Linker(
        db_api.register("dd_features", table_name="dd_features_input"),
        trained,
        log_level=logging.ERROR,
    )
    _register_tf(linker, db_api)
    pairs = db_api.register("dd_pairs", table_name="dd_pairs_input")
    linker.table_management.register_blocked_pairs_for_predict(pairs)
    predictions = linker.inference.predict(warning_mode="never")
    with_tf = {
        c["output_column_name"]
        for c in trained["comparisons"]
        if any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"])
    }
    weights = ", ".join(_weight_sql(c, c.name in with_tf) for c in model.COMPARISONS)
    con.execute(
        f"""
        CREATE TABLE dd_scored AS
        SELECT rid_l, rid_r, match_key, match_weight, match_probability, {weights}
        FROM {predictions.physical_name}
        WHERE match_probability >= {float(settings.keep_floor)} OR match_key = 'exact_nik'
        """
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    linker.table_management.delete_tables_created_by_splink_from_db()


#: Term-frequency columns whose frequencies are taken within sex and five-year cohort.
TF_COLUMNS = ("nkey_tf", "ft_tf")


def _tf_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``dd_tf_<column>``: how common a name (or first name) is among the people of the same
    sex and five-year birth cohort, over the whole input (also when training on a sample)."""
    for column in TF_COLUMNS:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE dd_tf_{column} AS
            SELECT {column},
                   count(*)::DOUBLE / sum(count(*)) OVER (PARTITION BY sex, year(bd) // 5)
                       AS tf_{column}
            FROM dd_features WHERE {column} IS NOT NULL
            GROUP BY {column}, sex, year(bd) // 5
            """
        )


def _register_tf(linker, db_api) -> None:
    for column in TF_COLUMNS:
        linker.table_management.register_term_frequency_lookup(
            db_api.register(f"dd_tf_{column}", table_name=f"dd_tf_{column}_input"), column
        )


def _weight_sql(comparison: model.Comparison, with_tf: bool) -> str:
    """The comparison's match weight in bits, with its term-frequency adjustment."""
    expr = f"mw_{comparison.name}"
    if with_tf:
        expr = f"mw_{comparison.name} + coalesce(mw_tf_adj_{comparison.name}, 0)"
    return f"{expr} AS w_{comparison.name}"


# --------------------------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------------------------


def _evidence_sql(source: str, where: str) -> str:
    """Pairs of ``source`` joined to both rows' features, with the evidence columns."""
    level_cols = [f"{model.level_case_sql(c)} AS level_{c.name}" for c in model.COMPARISONS]
    weight_cols = ", ".join(f"s.w_{c.name}" for c in model.COMPARISONS)
    return f"""
    WITH e AS (
        SELECT s.rid_l AS id_a, s.rid_r AS id_b, s.match_key,
            s.match_weight, s.match_probability,
            {", ".join(level_cols)}, {weight_cols},
            a.nik AS nik_a, b.nik AS nik_b, a.nama AS nama_a, b.nama AS nama_b,
            a.bd AS tanggal_lahir_a, b.bd AS tanggal_lahir_b,
            a.nkk AS nkk_a, b.nkk AS nkk_b, a.kel AS kelurahan_a, b.kel AS kelurahan_b,
            {_NIK_RELATION} AS nik_relation,
            CASE WHEN a.nik IS NULL OR b.nik IS NULL THEN NULL
                 ELSE array_to_string(list_filter(range(1, 17),
                      lambda i: substr(a.nik, i::INTEGER, 1) <> substr(b.nik, i::INTEGER, 1)), ',')
            END AS nik_positions,
            {_NAME_RELATION} AS name_relation,
            round(jaro_winkler_similarity(a.nph, b.nph), 3) AS name_similarity,
            {_DATE_RELATION} AS date_relation,
            coalesce(a.nkk = b.nkk, false) AS same_nkk,
            coalesce(a.addr = b.addr, false) AS same_address,
            coalesce(a.kel = b.kel, false) AS same_kelurahan,
            coalesce(a.tl = b.tl AND a.tl <> '', false) AS same_birthplace,
            {_SYNC_RELATION} AS sync_relation
        FROM {source} s
        JOIN dd_features a ON a.rid = s.rid_l
        JOIN dd_features b ON b.rid = s.rid_r
        WHERE {where}
    )
    SELECT *,
        concat_ws('; ',
            CASE name_relation WHEN 'equal' THEN 'name equal'
                 WHEN 'equal_normalised' THEN 'name equal without titles/old spelling'
                 WHEN 'spelling_variant' THEN 'name a spelling variant'
                 WHEN 'abbreviated_or_shortened' THEN 'name abbreviated or shortened' END,
            CASE date_relation WHEN 'equal' THEN 'birth date equal'
                 WHEN 'day_month_swapped' THEN 'birth date with day and month swapped' END,
            CASE nik_relation WHEN 'equal' THEN 'same NIK'
                 WHEN 'one_digit' THEN 'NIK one digit apart (position ' || nik_positions || ')'
                 WHEN 'transposition'
                      THEN 'NIK with two digits swapped (positions ' || nik_positions || ')'
                 WHEN 'same_birth_part_other_serial' THEN 'NIK with the same birth part' END,
            CASE WHEN same_nkk THEN 'same NKK' END,
            CASE WHEN same_address AND NOT same_nkk THEN 'same address' END,
            CASE WHEN same_birthplace THEN 'same birthplace' END,
            CASE WHEN sync_relation = 'one_new_adult' AND nik_relation <> 'equal'
                 THEN 'one record is new on the list although an adult (not on the previous '
                      || 'DPT), the other was found there' END
        ) AS evidence_for,
        concat_ws('; ',
            CASE name_relation WHEN 'different' THEN 'names differ'
                 WHEN 'similar' THEN 'names only similar' END,
            CASE date_relation WHEN 'different' THEN 'birth dates differ'
                 WHEN 'same_year' THEN 'birth dates differ (same year)' END,
            CASE nik_relation WHEN 'different' THEN 'NIKs differ'
                 WHEN 'same_birth_part_other_serial' THEN 'NIK serials differ' END,
            CASE WHEN split_part(level_nik_household, '/', 1)
                      IN ('one_digit_serial_low', 'same_kecamatan_other_serial')
                 THEN 'NIK neighbour: people born the same day in one kecamatan look alike' END,
            CASE WHEN NOT same_nkk AND nkk_a IS NOT NULL AND nkk_b IS NOT NULL
                 THEN 'other NKK' END,
            CASE WHEN NOT same_kelurahan THEN 'other kelurahan' END,
            CASE WHEN NOT same_birthplace THEN 'other birthplace' END,
            CASE WHEN sync_relation = 'both_found' AND nik_relation <> 'equal'
                 THEN 'both found on the previous DPT under different NIKs' END
        ) AS evidence_against
    FROM e
    """


_NIK_RELATION = """
    CASE WHEN a.nik IS NULL OR b.nik IS NULL THEN 'unusable'
         WHEN a.nik = b.nik THEN 'equal'
         WHEN hamming(a.nik, b.nik) = 1 THEN 'one_digit'
         WHEN hamming(a.nik, b.nik) = 2 AND damerau_levenshtein(a.nik, b.nik) = 1
              THEN 'transposition'
         WHEN substr(a.nik, 7, 6) = substr(b.nik, 7, 6) THEN 'same_birth_part_other_serial'
         ELSE 'different' END"""

_NAME_RELATION = (
    """
    CASE WHEN a.nph = '' OR b.nph = '' THEN 'unknown'
         WHEN upper(trim(a.nama)) = upper(trim(b.nama)) THEN 'equal'
         WHEN a.nkey = b.nkey THEN 'equal_normalised'
         WHEN a.nph = b.nph THEN 'spelling_variant'
         WHEN """
    + model._COMPATIBLE.format(l=model.TABLE_SIDES[0], r=model.TABLE_SIDES[1])
    + """ THEN 'abbreviated_or_shortened'
         WHEN a.ft = b.ft AND jaro_winkler_similarity(a.nph, b.nph) >= 0.9 THEN 'similar'
         ELSE 'different' END"""
)

_SYNC_RELATION = """
    CASE WHEN a.sy IS NULL OR b.sy IS NULL THEN 'unknown'
         WHEN (a.sy = 'new_adult' AND b.sy = 'found') OR (a.sy = 'found' AND b.sy = 'new_adult')
              THEN 'one_new_adult'
         WHEN a.sy = 'found' AND b.sy = 'found' THEN 'both_found'
         WHEN a.sy IN ('new_adult', 'new_17') AND b.sy IN ('new_adult', 'new_17') THEN 'both_new'
         ELSE 'other' END"""

_DATE_RELATION = """
    CASE WHEN a.bd IS NULL OR b.bd IS NULL THEN 'unknown'
         WHEN a.bd = b.bd THEN 'equal'
         WHEN year(a.bd) = year(b.bd) AND day(a.bd) = month(b.bd) AND month(a.bd) = day(b.bd)
              THEN 'day_month_swapped'
         WHEN year(a.bd) = year(b.bd) THEN 'same_year'
         ELSE 'different' END"""


def suggestion_threshold(probabilities: pl.Series, settings: DedupSettings) -> float:
    """The match probability from which a pair is suggested.

    ``settings.threshold`` when ``settings.target_precision`` is None; otherwise the lowest
    probability t (between ``min_threshold`` and ``threshold``) such that the mean match
    probability of the pairs with P >= t -- the share of them the model expects to be the
    same person -- is at least ``target_precision``. Reads only the model's probabilities,
    never a truth.
    """
    top = float(settings.threshold)
    target = settings.target_precision
    if target is None:
        return top
    floor = min(float(settings.min_threshold), top)
    p = probabilities.drop_nulls().filter(probabilities.drop_nulls() >= floor)
    if p.len() == 0:
        return top
    p = p.sort(descending=True)
    expected = p.cum_sum() / pl.int_range(1, p.len() + 1, eager=True)
    ok = p.filter(expected >= float(target))
    if ok.len() == 0:
        return top
    # Ties: every pair at the chosen probability is in, so check the mean again there.
    t = float(ok.min())
    chosen = p.filter(p >= t)
    if float(chosen.mean()) < float(target):
        t = float(p.filter(p > t).min() or top)
    return min(top, max(floor, t))


def _evidence(
    con: duckdb.DuckDBPyConnection, settings: DedupSettings
) -> tuple[pl.DataFrame, pl.DataFrame]:
    pairs = con.sql(
        _evidence_sql("dd_scored", "s.match_key <> 'exact_nik'")
        + " ORDER BY match_weight DESC, id_a, id_b"
    ).pl()
    threshold = suggestion_threshold(pairs["match_probability"], settings)
    pairs = pairs.with_columns(
        suggested=pl.col("match_probability") >= threshold,
        tier=pl.when(pl.col("match_probability") >= threshold)
        .then(pl.lit("probable"))
        .when(pl.col("match_probability") >= settings.possible)
        .then(pl.lit("possible"))
        .otherwise(pl.lit("unlikely")),
        kind=pl.lit("probable"),
    )
    exact = con.sql(
        _evidence_sql("dd_scored", "s.match_key = 'exact_nik'") + " ORDER BY nik_a, id_a, id_b"
    ).pl()
    # Two people under one NIK (a data-entry error) must not be merged silently: the pair is a
    # conflict when the names differ or the birth dates differ beyond a day/month swap.
    conflict = pl.col("name_relation").is_in(["different"]) | pl.col("date_relation").is_in(
        ["different", "same_year"]
    )
    exact = exact.with_columns(
        status=pl.when(conflict).then(pl.lit("conflict")).otherwise(pl.lit("same_person")),
        suggested=pl.lit(True),
        tier=pl.lit("exact_nik"),
        kind=pl.lit("exact_nik"),
    )
    return pairs, exact


# --------------------------------------------------------------------------------------------
# Rejections, exact groups, clusters
# --------------------------------------------------------------------------------------------


def _rejection_keys(rejections: pl.DataFrame | None) -> tuple[set, set]:
    """(id pairs, nik pairs) as sets of sorted tuples."""
    if rejections is None or rejections.height == 0:
        return set(), set()
    ids: set = set()
    niks: set = set()
    cols = set(rejections.columns)
    if {"id_a", "id_b"} <= cols:
        for a, b in rejections.select("id_a", "id_b").iter_rows():
            if a is not None and b is not None:
                ids.add((min(int(a), int(b)), max(int(a), int(b))))
    if {"nik_a", "nik_b"} <= cols:
        for a, b in rejections.select("nik_a", "nik_b").iter_rows():
            if a is not None and b is not None:
                a, b = str(a), str(b)
                niks.add((min(a, b), max(a, b)))
    if not ({"id_a", "id_b"} <= cols or {"nik_a", "nik_b"} <= cols):
        raise ValueError("remembered_rejections needs columns id_a, id_b or nik_a, nik_b")
    return ids, niks


def _rejected_expr(ids: set, niks: set) -> pl.Expr:
    expr = pl.lit(False)
    if ids:
        frame = pl.DataFrame(sorted(ids), schema=["a", "b"], orient="row")
        key = pl.concat_str(
            [pl.col("id_a").cast(pl.String), pl.col("id_b").cast(pl.String)], separator=":"
        )
        keys = frame.select(
            pl.concat_str([pl.col("a").cast(pl.String), pl.col("b").cast(pl.String)], separator=":")
        )
        expr = expr | key.is_in(keys.to_series().implode())
    if niks:
        lo = pl.min_horizontal("nik_a", "nik_b")
        hi = pl.max_horizontal("nik_a", "nik_b")
        key = pl.concat_str([lo, hi], separator=":")
        keys = pl.Series([f"{a}:{b}" for a, b in sorted(niks)], dtype=pl.String)
        expr = expr | key.is_in(keys.implode()).fill_null(False)
    return expr


def _apply_rejections(
    pairs: pl.DataFrame, exact: pl.DataFrame, rejections: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    ids, niks = _rejection_keys(rejections)
    if not ids and not niks:
        return pairs, exact, 0
    rejected = _rejected_expr(ids, niks)
    n = int(pairs.select(rejected.sum()).item()) + int(exact.select(rejected.sum()).item())
    return pairs.filter(~rejected), exact.filter(~rejected), n


def _exact_groups(exact: pl.DataFrame) -> pl.DataFrame:
    """One row per row sharing a NIK: nik, id, group size and status."""
    if exact.height == 0:
        return pl.DataFrame(
            schema={"nik": pl.String, "id": pl.Int64, "size": pl.UInt32, "status": pl.String}
        )
    long = pl.concat(
        [
            exact.select(nik="nik_a", id="id_a", status="status"),
            exact.select(nik="nik_b", id="id_b", status="status"),
        ]
    )
    per_nik = long.group_by("nik").agg(
        size=pl.col("id").n_unique(),
        status=pl.when((pl.col("status") == "conflict").any())
        .then(pl.lit("conflict"))
        .otherwise(pl.lit("same_person")),
    )
    return long.select("nik", "id").unique().join(per_nik, on="nik").sort("nik", "id")


class _UnionFind:
    """Union-find over row ids with cannot-link constraints (rejected pairs)."""

    def __init__(self, forbidden: set[tuple[int, int]]) -> None:
        self.parent: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}
        self.forbid: dict[int, set[int]] = {}
        for a, b in forbidden:
            self.forbid.setdefault(self.find(a), set()).add(b)
            self.forbid.setdefault(self.find(b), set()).add(a)

    def find(self, x: int) -> int:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        fa, fb = self.forbid.get(ra), self.forbid.get(rb)
        if fa or fb:
            ma = self.members.get(ra, {ra})
            mb = self.members.get(rb, {rb})
            if (fa and not fa.isdisjoint(mb)) or (fb and not fb.isdisjoint(ma)):
                return False
        if len(self.members.get(ra, (ra,))) < len(self.members.get(rb, (rb,))):
            ra, rb = rb, ra
        self.parent[rb] = ra
        if fa or fb or ra in self.members or rb in self.members:
            merged = self.members.pop(ra, {ra}) | self.members.pop(rb, {rb})
            if fa or fb:
                self.members[ra] = merged
                self.forbid[ra] = (fa or set()) | (fb or set())
                self.forbid.pop(rb, None)
        return True


def _groups(
    con: duckdb.DuckDBPyConnection,
    pairs: pl.DataFrame,
    exact: pl.DataFrame,
    rejections: pl.DataFrame | None,
) -> pl.DataFrame:
    """Members of the suggested groups (and of exact-NIK conflicts), one row each."""
    edges = pl.concat(
        [
            pairs.filter(pl.col("suggested")).select(
                "id_a", "id_b", "match_probability", "match_weight", "kind"
            ),
            exact.filter(pl.col("status") == "same_person").select(
                "id_a", "id_b", "match_probability", "match_weight", "kind"
            ),
        ]
    ).sort(["match_weight", "id_a", "id_b"], descending=[True, False, False])
    ids, niks = _rejection_keys(rejections)
    if niks:
        # Turn NIK rejections into row pairs for the cannot-link constraint.
        rows = con.execute(
            "SELECT nik, list(rid) FROM dd_features WHERE nik IS NOT NULL AND nik IN "
            "(SELECT unnest(?))  GROUP BY nik",
            [sorted({n for pair in niks for n in pair})],
        ).fetchall()
        by_nik = dict(rows)
        for a, b in niks:
            for x in by_nik.get(a, []):
                for y in by_nik.get(b, []):
                    if x != y:
                        ids.add((min(x, y), max(x, y)))
    uf = _UnionFind(ids)
    kept = []
    for a, b in edges.select("id_a", "id_b").iter_rows():
        kept.append(uf.union(a, b))
    edges = edges.filter(pl.Series(kept, dtype=pl.Boolean))
    long = pl.concat(
        [
            edges.select(
                id="id_a", partner="id_b", p="match_probability", w="match_weight", kind="kind"
            ),
            edges.select(
                id="id_b", partner="id_a", p="match_probability", w="match_weight", kind="kind"
            ),
        ]
    )
    if long.height:
        roots = (
            long.select("id")
            .unique()
            .with_columns(root=pl.col("id").map_elements(uf.find, return_dtype=pl.Int64))
        )
        long = long.join(roots, on="id")
        group_min = long.group_by("root").agg(group_id=pl.col("id").min())
        long = long.join(group_min, on="root")
        best = long.sort(["w", "partner"], descending=[True, False]).group_by("id").first()
        kinds = long.group_by("group_id").agg(
            kinds=pl.col("kind").unique().sort().str.join("+"),
            size=pl.col("id").n_unique(),
        )
        members = best.join(kinds, on="group_id").select(
            group_id=pl.lit("G") + pl.col("group_id").cast(pl.String),
            id="id",
            partner="partner",
            match_probability="p",
            match_weight="w",
            kind="kinds",
            size="size",
            status=pl.lit("suggested"),
        )
    else:
        members = pl.DataFrame(
            schema={
                "group_id": pl.String, "id": pl.Int64, "partner": pl.Int64,
                "match_probability": pl.Float64, "match_weight": pl.Float64,
                "kind": pl.String, "size": pl.UInt32, "status": pl.String,
            }
        )  # fmt: skip
    # Exact-NIK conflicts: their own groups, flagged for review, never merged.
    conflicts = exact.filter(pl.col("status") == "conflict")
    if conflicts.height:
        long_c = pl.concat(
            [
                conflicts.select(
                    nik="nik_a", id="id_a", partner="id_b", p="match_probability", w="match_weight"
                ),
                conflicts.select(
                    nik="nik_b", id="id_b", partner="id_a", p="match_probability", w="match_weight"
                ),
            ]
        )
        gid = long_c.group_by("nik").agg(group_id=pl.col("id").min(), size=pl.col("id").n_unique())
        best = long_c.sort(["w", "partner"], descending=[True, False]).group_by("id").first()
        members_c = best.join(gid, on="nik").select(
            group_id=pl.lit("N") + pl.col("group_id").cast(pl.String),
            id="id",
            partner="partner",
            match_probability="p",
            match_weight="w",
            kind=pl.lit("nik_conflict"),
            size="size",
            status=pl.lit("nik_conflict"),
        )
        members = pl.concat([members, members_c], how="vertical_relaxed")
    if members.height == 0:
        return members.with_columns(
            nik=pl.lit(None, pl.String), nama=pl.lit(None, pl.String)
        ).select(
            "group_id", "nik", "nama", "status", pl.exclude("group_id", "nik", "nama", "status")
        )
    # Evidence of each member against its strongest partner.
    all_pairs = pl.concat(
        [
            pairs.select("id_a", "id_b", *EVIDENCE_COLUMNS),
            exact.select("id_a", "id_b", *EVIDENCE_COLUMNS),
        ]
    )
    members = members.with_columns(
        _a=pl.min_horizontal("id", "partner"), _b=pl.max_horizontal("id", "partner")
    ).join(all_pairs, left_on=["_a", "_b"], right_on=["id_a", "id_b"], how="left")
    con.register("dd_members_ids", members.select("id").to_arrow())
    info = con.sql(
        "SELECT rid AS id, nik_raw AS nik, nama, kel AS kelurahan_code FROM dd_features "
        "WHERE rid IN (SELECT id FROM dd_members_ids)"
    ).pl()
    con.unregister("dd_members_ids")
    members = members.join(info, on="id", how="left")
    return members.select(
        "group_id", "nik", "nama", "status", "id", "kind", "size", "partner",
        "match_probability", "match_weight", "kelurahan_code", *EVIDENCE_COLUMNS,
    ).sort("group_id", "id")  # fmt: skip


# ============================================================================================
# Evaluation against the generator's truth
# ============================================================================================


def _prf(tp: int, predicted: int, actual: int) -> dict:
    return {
        "true_positives": tp,
        "predicted": predicted,
        "actual": actual,
        "precision": (tp / predicted) if predicted else 1.0,
        "recall": (tp / actual) if actual else 1.0,
    }


def evaluate(result: DedupResult, truth_csv: str | Path) -> dict:
    """Precision and recall of ``result`` against a generator truth file (docs/formats/truth.md).

    The row ids of ``result`` must be the DP4 line numbers (the default for a DP4 CSV input).
    All figures are over *pairs of rows*:

    * a **true pair** is two rows with the same ``person_id``; it is an *exact-NIK* pair when
      both rows have the same well-formed NIK, else a *different-NIK* pair;
    * a **predicted exact-NIK pair** is a pair sharing a NIK that the result reports as the same
      person (status ``same_person``; a ``conflict`` is a prediction that they are different
      people); a **predicted different-NIK pair** is a suggested pair (P >= threshold);
    * a predicted pair is a **true positive** when both rows have the same ``person_id``;
      precision = TP / predicted, recall = TP / true pairs of that class.

    Also: recall per duplicate kind and per variant note (name, swapped date, moved), the
    number of twin pairs suggested (``twin_of`` hard negatives) directly and inside groups,
    and the same precision/recall over all pairs implied by the groups (``groups``).
    """
    truth = pl.read_csv(
        truth_csv,
        schema_overrides={"line": pl.Int64, "person_id": pl.Int64, "of_line": pl.Int64},
        infer_schema=False,
    ).with_columns(pl.col("line", "person_id", "of_line").cast(pl.Int64))
    person = truth.select("line", "person_id")
    copies = truth.filter(pl.col("of_line").is_not_null()).select(
        a=pl.min_horizontal("line", "of_line"),
        b=pl.max_horizontal("line", "of_line"),
        defect="defect",
        detail=pl.col("detail").fill_null(""),
    )
    # True pairs from person ids (robust to persons with more than two rows).
    multi = person.filter(pl.col("person_id").is_duplicated())
    true_pairs = (
        multi.join(multi, on="person_id", suffix="_r")
        .filter(pl.col("line") < pl.col("line_r"))
        .select(a="line", b="line_r")
    )
    # Which true pairs share a NIK: from the result's exact pairs (all pairs sharing a usable
    # NIK are there, conflicts included, before rejections).
    exact_keys = result.exact_pairs.select(a="id_a", b="id_b", _exact=pl.lit(True))
    true_pairs = true_pairs.join(exact_keys, on=["a", "b"], how="left").with_columns(
        _exact=pl.col("_exact").fill_null(False)
    )
    true_pairs = true_pairs.join(copies, on=["a", "b"], how="left")

    def is_true(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.join(person.rename({"line": "a", "person_id": "pa"}), on="a", how="left")
            .join(person.rename({"line": "b", "person_id": "pb"}), on="b", how="left")
            .with_columns(tp=(pl.col("pa") == pl.col("pb")).fill_null(False))
        )

    exact_pred = is_true(
        result.exact_pairs.filter(pl.col("status") == "same_person").select(a="id_a", b="id_b")
    )
    exact_actual = true_pairs.filter(pl.col("_exact"))
    out: dict = {
        "definition": "pairs of rows; TP = same person_id; see pilkada.engine.dedup.evaluate",
        "exact_nik": _prf(int(exact_pred["tp"].sum()), exact_pred.height, exact_actual.height),
    }
    out["exact_nik"]["conflicts_reported"] = int((result.exact_pairs["status"] == "conflict").sum())

    prob_pred = is_true(result.suggested_pairs.select(a="id_a", b="id_b"))
    prob_actual = true_pairs.filter(~pl.col("_exact"))
    out["different_nik"] = _prf(int(prob_pred["tp"].sum()), prob_pred.height, prob_actual.height)

    found = prob_pred.filter(pl.col("tp")).select("a", "b", _found=pl.lit(True))
    graded = prob_actual.join(found, on=["a", "b"], how="left").with_columns(
        _found=pl.col("_found").fill_null(False)
    )
    per_kind = graded.group_by(pl.col("defect").fill_null("other")).agg(
        actual=pl.len(), found=pl.col("_found").sum()
    )
    out["different_nik"]["by_kind"] = {
        row["defect"]: {
            "actual": row["actual"],
            "found": row["found"],
            "recall": row["found"] / row["actual"] if row["actual"] else 1.0,
        }
        for row in per_kind.sort("defect").iter_rows(named=True)
    }
    notes = {}
    for note in (
        "name:spelling", "name:abbreviation", "name:dropped", "name:title", "date:swapped",
        "moved", "nkk:new", "nik:other_kecamatan",
    ):  # fmt: skip
        sub = graded.filter(pl.col("detail").fill_null("").str.contains(note, literal=True))
        if sub.height:
            notes[note] = {
                "actual": sub.height,
                "found": int(sub["_found"].sum()),
                "recall": float(sub["_found"].mean()),
            }
    out["different_nik"]["by_note"] = notes

    twins = truth.filter(pl.col("detail").fill_null("").str.contains("twin_of:")).select(
        line="line",
        other=pl.col("detail").str.extract(r"twin_of:(\d+)").cast(pl.Int64),
    )
    twin_pairs = twins.select(
        a=pl.min_horizontal("line", "other"), b=pl.max_horizontal("line", "other")
    ).unique()
    twin_set = twin_pairs.with_columns(_twin=pl.lit(True))
    suggested_twins = prob_pred.join(twin_set, on=["a", "b"], how="inner").height
    out["twins"] = {"pairs": twin_pairs.height, "suggested_pairs": suggested_twins}

    # Pairs implied by the groups (a group of k suggests k(k-1)/2 pairs).
    members = result.members.filter(pl.col("status") == "suggested").select("group_id", "id")
    implied = (
        members.join(members, on="group_id", suffix="_r")
        .filter(pl.col("id") < pl.col("id_r"))
        .select(a="id", b="id_r")
    )
    implied = is_true(implied)
    out["groups"] = _prf(int(implied["tp"].sum()), implied.height, true_pairs.height)
    out["groups"]["twin_pairs_in_a_group"] = implied.join(twin_set, on=["a", "b"]).height
    out["groups"]["false_positive_pairs"] = int((~implied["tp"]).sum())
    return out
