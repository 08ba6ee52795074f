"""The synchronisation with the previous DPT as duplicate evidence: the outcome comes from
the engine's sync on a generated previous DPT (never from the truth), m is learnt by EM,
and without it the pipeline scores as before. Quality thresholds, never times."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from pilkada.engine.dedup import DedupResult, evaluate, find_duplicates
from pilkada.engine.dedup_features import prepare_features, sync_outcome_frame
from pilkada.engine.sync import synchronise
from pilkada.synth.population import PopulationParams, write_population
from pilkada.synth.previous_dpt import PreviousDptParams, write_previous_dpt

from .test_dedup import HAND_MADE

VOTERS = 40_000
SEED = 11
VOTING_DAY = dt.date(2024, 11, 27)
PEMILU_2024 = dt.date(2024, 2, 14)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    out = tmp_path_factory.mktemp("dedup-sync-population")
    write_population(PopulationParams(voters=VOTERS, seed=SEED), out)
    return out


def _outcomes(population, tmp_path_factory, share: float) -> pl.DataFrame:
    previous = tmp_path_factory.mktemp(f"previous-{share:g}")
    write_previous_dpt(population, previous, PreviousDptParams(seed=1, share_copies_listed=share))
    result = synchronise(
        population / "dp4.csv",
        previous / "previous_dpt.csv",
        voting_day=VOTING_DAY,
        previous_voting_day=PEMILU_2024,
    )
    return result.dp4


@pytest.fixture(scope="module")
def with_sync(population, tmp_path_factory) -> DedupResult:
    outcomes = _outcomes(population, tmp_path_factory, 0.0)
    return find_duplicates(
        population / "dp4.csv",
        work_dir=tmp_path_factory.mktemp("dedup-sync-work"),
        sync_outcomes=outcomes,
    )


def _sync_card(result: DedupResult) -> dict[str, tuple[float, float]]:
    card = result.weights().filter(pl.col("comparison") == "sync_status")
    return {row["level"]: (row["m"], row["u"]) for row in card.iter_rows(named=True)}


def test_sync_evidence_raises_recall_on_the_generator(with_sync, population):
    """Without the evidence this population gives recall 0.954 at precision 1.0 (the
    threshold of tests/engine/test_dedup.py is 0.93); with it, 0.992 / 0.996 were measured."""
    scores = evaluate(with_sync, population / "truth.csv")
    assert scores["exact_nik"]["precision"] == 1.0 and scores["exact_nik"]["recall"] == 1.0
    assert scores["different_nik"]["precision"] >= 0.99
    assert scores["different_nik"]["recall"] >= 0.975
    assert scores["twins"]["suggested_pairs"] == 0


def test_sync_m_is_learnt_from_the_data(with_sync):
    """The generator never lists a duplicate copy on the previous DPT: EM finds that a
    same-person pair is almost always one new adult and one found, and almost never two
    found; u comes from random pairs of people born the same day, most of them both found."""
    card = _sync_card(with_sync)
    m_one, u_one = card["one_new_adult"]
    m_both, u_both = card["both_found"]
    assert m_one > 0.9 and u_one < 0.1
    assert m_both < 0.01 and u_both > 0.8
    assert with_sync.stats["sync_outcomes"]["found"] > 0.9 * VOTERS


def test_copies_on_the_previous_dpt_are_learnt_too(population, tmp_path_factory):
    """When 30 % of the copies were on the previous DPT too, EM's m of 'both found' follows
    (it is estimated, not assumed), and the evidence weighs less."""
    outcomes = _outcomes(population, tmp_path_factory, 0.3)
    result = find_duplicates(
        population / "dp4.csv",
        work_dir=tmp_path_factory.mktemp("dedup-sync30-work"),
        sync_outcomes=outcomes,
    )
    m_both, _ = _sync_card(result)["both_found"]
    assert 0.15 < m_both < 0.45
    scores = evaluate(result, population / "truth.csv")
    assert scores["different_nik"]["precision"] >= 0.99


def test_previous_dpt_lists_copies_only_when_asked(population, tmp_path):
    truth = {}
    for share in (0.0, 0.3):
        write_previous_dpt(
            population, tmp_path / str(share), PreviousDptParams(seed=1, share_copies_listed=share)
        )
        truth[share] = pl.read_csv(tmp_path / str(share) / "previous_truth.csv").filter(
            side="dp4", outcome="duplicate"
        )
    assert truth[0.0]["other_line"].is_null().all()
    listed = truth[0.3]["other_line"].is_not_null().mean()
    assert 0.15 < listed < 0.35  # 30 % of the copies old enough to have voted then
    manifest = json.loads((tmp_path / "0.0" / "previous_manifest.json").read_text())
    assert "share_copies_listed" not in manifest["params"]  # the default run's manifest as before


# --------------------------------------------------------------------------------------------
# Hand-made rows: the outcome frame, the evidence, and "without it, as before"
# --------------------------------------------------------------------------------------------


def _sync(rows: dict[int, tuple[str, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"voter_id": k, "method": m, "turns_17": t} for k, (m, t) in rows.items()],
        schema={"voter_id": pl.Int64, "method": pl.String, "turns_17": pl.Boolean},
    )


def test_outcome_frame():
    frame = sync_outcome_frame(
        pl.DataFrame(
            {
                "voter_id": [1, 2, 3, 4, 5],
                "method": ["nik", "fuzzy", "new", "new", "missing"],
                "turns_17": [False, False, False, True, False],
            }
        )
    ).collect()
    assert frame.sort("rid")["sy"].to_list() == ["found", "found", "new_adult", "new_17", None]
    features = prepare_features(
        pl.DataFrame(HAND_MADE[:2]),
        reference_date=VOTING_DAY,
        sync_outcomes=_sync({2: ("new", False)}),
    )
    assert features.sort("rid")["sy"].to_list() == ["new_adult", None]
    with pytest.raises(ValueError, match="turns_17"):
        sync_outcome_frame(pl.DataFrame({"voter_id": [1], "method": ["new"]}))
    with pytest.raises(ValueError, match="voter_id"):
        sync_outcome_frame(pl.DataFrame({"x": [1], "method": ["new"], "turns_17": [True]}))


def _pair(result: DedupResult, a: int, b: int) -> dict:
    rows = result.pairs.filter(pl.col("id_a") == a, pl.col("id_b") == b)
    assert rows.height == 1, f"pair {a}-{b} not scored"
    return rows.row(0, named=True)


def test_evidence_for_and_against(tmp_path):
    """Rows 2 and 5 are one person under two NIKs (day and month swapped, another serial);
    6 and 7 another person with a NIK typo; 12 and 13 two people under one NIK."""
    outcomes = _sync(
        {2: ("nik", False), 5: ("new", False), 6: ("nik", False), 7: ("fuzzy", False),
         12: ("nik", False), 13: ("nik", False)}
    )  # fmt: skip
    result = find_duplicates(
        pl.DataFrame(HAND_MADE), work_dir=tmp_path / "with", sync_outcomes=outcomes
    )
    without = find_duplicates(pl.DataFrame(HAND_MADE), work_dir=tmp_path / "without")
    for_ = _pair(result, 2, 5)
    assert for_["sync_relation"] == "one_new_adult"
    assert for_["level_sync_status"] == "one_new_adult" and for_["w_sync_status"] > 0
    assert "not on the previous DPT" in for_["evidence_for"]
    assert for_["match_weight"] > _pair(without, 2, 5)["match_weight"]
    against = _pair(result, 6, 7)
    assert against["sync_relation"] == "both_found" and against["w_sync_status"] < 0
    assert "both found on the previous DPT under different NIKs" in against["evidence_against"]
    # One NIK: found together by construction, so no evidence either way.
    exact = result.exact_pairs.filter(pl.col("id_a") == 12).row(0, named=True)
    assert exact["sync_relation"] == "both_found" and exact["level_sync_status"] == "null"
    assert exact["w_sync_status"] == 0
    # A row without an outcome (3, 4) is unknown: neutral.
    unknown = _pair(result, 2, 3)
    assert unknown["sync_relation"] == "unknown" and unknown["w_sync_status"] == 0


def test_without_outcomes_the_scores_are_as_before(tmp_path):
    """No outcome at all (no synchronisation, or ids that match no row): every pair scores
    exactly as without the comparison, and the model card shows it with m = u."""
    frame = pl.DataFrame(HAND_MADE)
    plain = find_duplicates(frame, work_dir=tmp_path / "plain")
    other_ids = find_duplicates(
        frame, work_dir=tmp_path / "other", sync_outcomes=_sync({999: ("new", False)})
    )
    assert plain.stats["sync_outcomes"] == {"unknown": len(HAND_MADE)}
    assert (plain.pairs["level_sync_status"] == "null").all()
    assert (plain.pairs["w_sync_status"] == 0).all()
    key = ["id_a", "id_b"]
    joined = plain.pairs.select(*key, "match_weight").join(
        other_ids.pairs.select(*key, "match_weight"), on=key, suffix="_other"
    )
    assert joined.height == plain.pairs.height
    assert (joined["match_weight"] == joined["match_weight_other"]).all()


def test_a_saved_model_without_the_comparison_still_scores(tmp_path):
    """A model.json written before the comparison existed gets it with m = u (neutral)."""
    frame = pl.DataFrame(HAND_MADE)
    first = find_duplicates(frame, work_dir=tmp_path / "first")
    saved = json.loads(first.model_path.read_text())
    saved["comparisons"] = [
        c for c in saved["comparisons"] if c["output_column_name"] != "sync_status"
    ]
    from pilkada.engine.dedup import DedupSettings

    again = find_duplicates(
        frame,
        work_dir=tmp_path / "again",
        settings=DedupSettings(model=saved),
        sync_outcomes=_sync({2: ("nik", False), 5: ("new", False)}),
    )
    pair = _pair(again, 2, 5)
    assert pair["w_sync_status"] == 0
    assert pair["match_weight"] == _pair(first, 2, 5)["match_weight"]
