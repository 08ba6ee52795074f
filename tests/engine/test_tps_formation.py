"""TPS formation: the cap, families, RTs, the count, determinism, codes, and re-runs.

Constructed cases use small caps so that every rule is visible in a few dozen voters; a
generated population (about 50,000 rows in eleven kelurahan of Jakarta Pusat) checks the same
rules, the count against sum(ceil(n / 600)) and re-running after changes.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pilkada.regions
from pilkada.engine.tps_formation import (
    TpsPlan,
    ballots_for_tps,
    count_moved,
    form_tps,
    tps_needed,
)
from pilkada.regions.codes import normalize_tps_code
from pilkada.synth.population import PopulationParams, write_population

KEL = "3171011001"
KEL2 = "3171011002"


# ============================================================================================
# Helpers
# ============================================================================================


def build(spec, kel: str = KEL, start_id: int = 1, nkk_base: int = 3171010101240000):
    """Voters from ``spec``: a list of ``(rw, rt, [family sizes])``. Families get increasing
    NKKs, so the sequence inside an RT is the order of the list."""
    rows = []
    vid = start_id
    fam = 0
    for rw, rt, families in spec:
        for size in families:
            fam += 1
            for _ in range(size):
                rows.append((vid, kel, f"{rw:03d}", f"{rt:03d}", str(nkk_base + fam)))
                vid += 1
    return pl.DataFrame(
        rows, schema=["voter_id", "kelurahan_code", "rw", "rt", "nkk"], orient="row"
    )


def check_rules(plan: TpsPlan, voters: pl.DataFrame, cap: int) -> None:
    """Rules that hold for every plan: every voter once, the cap, families whole (unless
    larger than the cap, then over consecutive TPS), well-formed codes numbered 1.."""
    a = plan.assignment
    assert a.height == voters.height
    assert a["voter_id"].n_unique() == voters.height
    assert set(a["voter_id"].to_list()) == set(voters["voter_id"].to_list())
    sizes = a.group_by("tps_code").len()
    assert sizes["len"].max() <= cap
    joined = a.join(voters.select("voter_id", "nkk"), on="voter_id")
    fam = joined.group_by("kelurahan_code", "nkk").agg(
        pl.len().alias("n"),
        pl.col("tps_number").n_unique().alias("tps"),
        pl.col("tps_number").min().alias("lo"),
        pl.col("tps_number").max().alias("hi"),
    )
    whole = fam.filter(pl.col("n") <= cap)
    assert (whole["tps"] == 1).all(), "a family that fits was split"
    big = fam.filter(pl.col("n") > cap)
    if big.height:
        assert (big["tps"] == (-(-big["n"].cast(pl.Int64) // cap))).all()
        if "opened" not in plan.tps.columns:  # from scratch: over consecutive TPS
            assert (big["hi"] - big["lo"] + 1 == big["tps"]).all()
    assert plan.diagnostics.families_split == int((fam["tps"] > 1).sum())
    for code, kel, number in a.select("tps_code", "kelurahan_code", "tps_number").unique().rows():
        assert normalize_tps_code(code) == code
        assert len(code) == 13 and code[:10] == kel and int(code[10:]) == number
        assert 1 <= number <= 899
    assert plan.tps["voters"].sum() == voters.height
    assert plan.tps.height == a["tps_code"].n_unique()


def numbers_are_consecutive(plan: TpsPlan) -> bool:
    per = plan.tps.group_by("kelurahan_code").agg(
        pl.col("tps_number").min().alias("lo"),
        pl.col("tps_number").max().alias("hi"),
        pl.len().alias("n"),
    )
    return bool(((per["lo"] == 1) & (per["hi"] == per["n"])).all())


def cuts_inside_rts(plan: TpsPlan) -> int:
    """TPS boundaries that fall inside an RT (the plan is contiguous in RW/RT order)."""
    t = plan.tps.sort("kelurahan_code", "tps_number")
    same_kel = t["kelurahan_code"].head(-1) == t["kelurahan_code"].tail(-1)
    same_rw = t["rw_last"].head(-1) == t["rw_first"].tail(-1)
    same_rt = t["rt_last"].head(-1) == t["rt_first"].tail(-1)
    return int((same_kel & same_rw & same_rt).sum())


def rt_split_count(plan: TpsPlan, voters: pl.DataFrame) -> int:
    joined = plan.assignment.join(voters.select("voter_id", "rw", "rt"), on="voter_id")
    per = joined.group_by("kelurahan_code", "rw", "rt").agg(pl.col("tps_number").n_unique())
    return int((per["tps_number"] > 1).sum())


# ============================================================================================
# The small rules
# ============================================================================================


@pytest.mark.parametrize(
    ("voters", "cap", "expected"),
    [(0, 600, 0), (1, 600, 1), (600, 600, 1), (601, 600, 2), (1200, 600, 2), (1201, 600, 3)],
)
def test_tps_needed(voters, cap, expected):
    assert tps_needed(voters, cap) == expected


@pytest.mark.parametrize("bad", [(-1, 600), (10, 0), (1.5, 600), (10, True)])
def test_tps_needed_rejects_bad_input(bad):
    with pytest.raises((TypeError, ValueError)):
        tps_needed(*bad)


@pytest.mark.parametrize(
    ("dpt", "reserve", "expected"),
    [
        (600, 0.025, 615),  # 15 exactly: no float noise rounds it up to 16
        (250, 0.025, 257),  # 6.25 -> 7
        (40, 0.025, 41),
        (1, 0.025, 2),
        (0, 0.025, 0),
        (250, 0.02, 255),  # the general elections' 2 %
        (250, 0, 250),
    ],
)
def test_ballots_for_tps(dpt, reserve, expected):
    assert ballots_for_tps(dpt, reserve=reserve) == expected


def test_ballots_default_reserve_is_two_and_a_half_percent():
    assert ballots_for_tps(400) == 410


@pytest.mark.parametrize("bad", [(-1, 0.025), (10, -0.1), (10, 1.5), (10, "0.025")])
def test_ballots_rejects_bad_input(bad):
    with pytest.raises((TypeError, ValueError)):
        ballots_for_tps(bad[0], reserve=bad[1])


# ============================================================================================
# Constructed cases
# ============================================================================================


def test_empty_input_gives_an_empty_plan():
    voters = build([])
    plan = form_tps(voters)
    assert plan.assignment.height == 0
    assert plan.tps.height == 0
    assert plan.kelurahan.height == 0
    assert plan.diagnostics.tps == plan.diagnostics.tps_minimum == 0


def test_kelurahan_without_voters_gets_no_tps():
    voters = build([(1, 1, [3, 2])], kel=KEL)
    plan = form_tps(voters, cap=10)
    assert plan.kelurahan["kelurahan_code"].to_list() == [KEL]
    assert KEL2 not in plan.tps["kelurahan_code"].to_list()


def test_kelurahan_of_exactly_cap_is_one_tps():
    voters = build([(1, 1, [4, 3, 3]), (1, 2, [5, 5])])  # 20 voters
    plan = form_tps(voters, cap=20)
    check_rules(plan, voters, 20)
    assert plan.tps["voters"].to_list() == [20]
    assert plan.tps["tps_code"].to_list() == [KEL + "001"]


def test_kelurahan_of_cap_plus_one_is_two_tps_on_the_rt_edge():
    voters = build([(1, 1, [4, 3, 3]), (1, 2, [5, 5, 1])])  # 21 voters
    plan = form_tps(voters, cap=20)
    check_rules(plan, voters, 20)
    assert plan.tps.height == 2
    assert plan.tps["voters"].to_list() == [10, 11]
    assert plan.diagnostics.rts_split == 0


def test_one_voter_kelurahan():
    voters = build([(1, 1, [1])])
    plan = form_tps(voters)
    assert plan.assignment["tps_code"].to_list() == [KEL + "001"]


def test_cap_is_a_parameter():
    voters = build([(1, rt, [3, 3, 4]) for rt in range(1, 7)])  # 60 voters
    for cap, expected in [(600, 1), (30, 2), (20, 3), (10, 6)]:
        plan = form_tps(voters, cap=cap)
        check_rules(plan, voters, cap)
        assert plan.tps.height == expected


def test_rts_stay_whole_when_the_cap_allows():
    # RTs of 3, 5, 4 and 6 voters; cap 10; two TPS. The balanced cut (9) lies inside RT 3,
    # but {3+5} | {4+6} keeps every RT whole.
    voters = build([(1, 1, [1, 2]), (1, 2, [2, 3]), (1, 3, [2, 2]), (1, 4, [3, 3])])
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    assert plan.tps.height == 2
    assert plan.tps["voters"].to_list() == [8, 10]
    assert plan.diagnostics.rts_split == 0 == rt_split_count(plan, voters)


def test_an_rt_is_split_only_when_needed_and_over_consecutive_tps():
    # RT 2 has 12 voters, more than the cap: it must be split, once, and RTs 1 and 3 stay whole.
    voters = build([(1, 1, [2, 3]), (1, 2, [4, 4, 4]), (1, 3, [3, 2])])
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    assert plan.tps.height == 3
    assert plan.diagnostics.rts_split == 1 == rt_split_count(plan, voters)
    joined = plan.assignment.join(voters.select("voter_id", "rt"), on="voter_id")
    numbers = sorted(set(joined.filter(pl.col("rt") == "002")["tps_number"].to_list()))
    assert numbers == list(range(numbers[0], numbers[-1] + 1))
    for rt in ("001", "003"):
        assert joined.filter(pl.col("rt") == rt)["tps_number"].n_unique() == 1


def test_rw_edges_are_preferred_to_rt_edges():
    # Cutting after RT 1.2 (RW edge, 9 | 9) and after RT 1.1 (RT edge) are both possible.
    voters = build([(1, 1, [2, 2]), (1, 2, [5]), (2, 1, [3]), (2, 2, [3, 3])])
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    assert plan.tps["rws"].to_list() == [1, 1]
    assert plan.diagnostics.tps_spanning_rws == 0


def test_tps_numbers_follow_rw_and_rt_order():
    spec = [(rw, rt, [2, 3, 1, 4]) for rw in (1, 2, 3) for rt in (1, 2, 3)]
    voters = build(spec)
    plan = form_tps(voters.sample(fraction=1.0, shuffle=True, seed=1), cap=20)
    check_rules(plan, voters, 20)
    joined = plan.assignment.join(voters.select("voter_id", "rw", "rt"), on="voter_id")
    ordered = joined.sort("rw", "rt", "voter_id")["tps_number"].to_list()
    assert ordered == sorted(ordered)
    assert numbers_are_consecutive(plan)


def test_families_inside_an_rt_follow_street_and_house_number():
    voters = build([(1, 1, [2, 2, 2, 2])]).with_columns(
        pl.col("voter_id")
        .replace_strict({1: 10, 2: 10, 3: 2, 4: 2, 5: 1, 6: 1, 7: 3, 8: 3}, return_dtype=pl.Int64)
        .map_elements(lambda n: f"JL. MAWAR NO. {n}", return_dtype=pl.Utf8)
        .alias("alamat")
    )
    plan = form_tps(voters, cap=4, min_tps_voters=1)
    assert plan.assignment["voter_id"].to_list() == [5, 6, 3, 4, 7, 8, 1, 2]
    assert plan.tps["voters"].to_list() == [4, 4]


def test_family_is_never_split_even_across_rts():
    # A family whose members are recorded in two RTs sits at the RT of most of them.
    voters = build([(1, 1, [5, 4]), (1, 2, [5, 5])])
    voters = voters.with_columns(
        pl.when(pl.col("voter_id") == 1).then(pl.lit("002")).otherwise(pl.col("rt")).alias("rt")
    )
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    family = plan.assignment.filter(pl.col("voter_id").is_in([1, 2, 3, 4, 5]))
    assert family["tps_number"].n_unique() == 1


def test_family_larger_than_the_cap_is_split_over_consecutive_tps_and_reported():
    voters = build([(1, 1, [2, 23, 3]), (1, 2, [4])])  # a family of 23 with cap 10
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    assert plan.diagnostics.families_split == 1
    assert plan.diagnostics.voters_in_split_families == 23
    split = plan.families_split.row(0, named=True)
    assert split["kelurahan_code"] == KEL and split["voters"] == 23 and split["tps"] == 3
    assert plan.tps.height == tps_needed(32, 10) == 4
    big = plan.assignment.filter(pl.col("voter_id").is_between(3, 25))
    numbers = sorted(set(big["tps_number"].to_list()))
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_voters_without_nkk_are_families_of_one():
    voters = build([(1, 1, [3, 3, 3, 3])]).with_columns(
        pl.when(pl.col("voter_id") > 6).then(None).otherwise(pl.col("nkk")).alias("nkk")
    )
    plan = form_tps(voters, cap=5)
    check_rules(plan, voters.with_columns(pl.col("nkk").fill_null(pl.col("voter_id").cast(str))), 5)
    assert plan.tps.height == 3  # 12 voters: the six without NKK fill the gaps


def test_minimum_count_by_reordering_families_inside_an_rt():
    # Families 6, 6, 4, 4 in one RT, cap 10: contiguous cuts need three TPS (6 | 6+4 | 4) but
    # two suffice (6+4 | 6+4): the families of the RT are reordered, none is split.
    voters = build([(1, 1, [6, 6, 4, 4])])
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    assert plan.tps.height == 2
    assert plan.tps["voters"].to_list() == [10, 10]
    assert plan.kelurahan["method"].to_list() == ["dp-reorder"]
    assert plan.diagnostics.rts_reordered == 1


def test_contiguous_minimum_when_reordering_cannot_help():
    # Two RTs of one family each (6 and 6) and cap 10: ceil(12/10) = 2 and that is what it takes.
    voters = build([(1, 1, [6]), (1, 2, [6])])
    plan = form_tps(voters, cap=10)
    assert plan.tps.height == 2
    # Families 6, 6, 6 with cap 10: ceil(18/10) = 2 is impossible without a split: 3 TPS.
    voters = build([(1, 1, [6]), (1, 2, [6]), (1, 3, [6])])
    plan = form_tps(voters, cap=10)
    check_rules(plan, voters, 10)
    assert plan.tps.height == 3
    assert plan.diagnostics.kelurahan_above_minimum == 1
    assert plan.kelurahan["method"].to_list() == ["dp-contiguous-plus"]


def test_no_tiny_tps_for_the_sake_of_an_rt():
    # RT 1 has 2 voters, RT 2 has 19; cap 20; two TPS. Keeping RT 2 whole would leave a TPS of
    # 2 voters; the floor (cap // 4 = 5) splits RT 2 instead.
    voters = build([(1, 1, [2]), (1, 2, [3, 3, 3, 3, 3, 4])])
    plan = form_tps(voters, cap=20)
    check_rules(plan, voters, 20)
    assert plan.tps["voters"].min() >= 5
    # Without the floor the RT stays whole.
    plan = form_tps(voters, cap=20, min_tps_voters=1)
    assert plan.tps["voters"].to_list() == [2, 19]


def test_numbers_never_reach_the_special_range():
    voters = build([(1, 1, [1] * 899)])
    plan = form_tps(voters, cap=1)
    assert plan.tps["tps_number"].max() == 899
    with pytest.raises(ValueError, match="899"):
        form_tps(build([(1, 1, [1] * 900)]), cap=1)


def test_dotted_kelurahan_codes_and_text_rt_rw():
    voters = build([(1, 1, [2, 2]), (1, 2, [3])]).with_columns(
        pl.lit("31.71.01.1001").alias("kelurahan_code"),
        pl.when(pl.col("rt") == "002").then(pl.lit("2A")).otherwise(pl.col("rt")).alias("rt"),
        pl.col("rw").str.strip_chars_start("0"),
    )
    plan = form_tps(voters, cap=4)
    assert set(plan.assignment["kelurahan_code"].to_list()) == {KEL}
    assert plan.tps["rt_last"].to_list()[-1] == "2A"
    assert plan.tps["rw_first"].to_list()[0] == "001"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("nkk"), "nkk"),
        (lambda f: pl.concat([f, f.head(1)]), "unique"),
        (lambda f: f.with_columns(pl.lit("31710110").alias("kelurahan_code")), "kelurahan"),
        (lambda f: f.with_columns(pl.lit(None, pl.Utf8).alias("kelurahan_code")), "kelurahan"),
    ],
)
def test_bad_input_is_refused(change, message):
    voters = build([(1, 1, [2, 2])])
    with pytest.raises(ValueError, match=message):
        form_tps(change(voters))


def test_bad_cap_is_refused():
    voters = build([(1, 1, [2, 2])])
    with pytest.raises(ValueError):
        form_tps(voters, cap=0)


def _random_spec(rng: random.Random, max_families: int):
    spec, left = [], rng.randint(3, max_families)
    rw = rt = 1
    while left:
        take = min(left, rng.randint(1, 4))
        spec.append((rw, rt, [rng.choice([1, 1, 2, 2, 3, 4, 5, 6]) for _ in range(take)]))
        left -= take
        rt += 1
        if rng.random() < 0.3:
            rw, rt = rw + 1, 1
    return spec


def _brute_force(spec, cap):
    """All family-aligned contiguous partitions: (fewest chunks, fewest RT splits with it)."""
    sizes = [s for _, _, fams in spec for s in fams]
    rts = [(rw, rt) for rw, rt, fams in spec for _ in fams]
    pos = list(itertools.accumulate(sizes))
    best = None
    for r in range(len(sizes)):
        for cuts in itertools.combinations(range(1, len(sizes)), r):
            bounds = [0, *cuts, len(sizes)]
            chunks = [sum(sizes[a:b]) for a, b in itertools.pairwise(bounds)]
            if max(chunks) > cap:
                continue
            splits = sum(rts[c - 1] == rts[c] for c in cuts)
            key = (len(chunks), splits)
            best = key if best is None or key < best else best
        if best is not None and best[0] == r + 1:
            break
    return best, pos[-1]


@pytest.mark.parametrize("seed", range(40))
def test_random_small_cases_against_brute_force(seed):
    rng = random.Random(seed)
    cap = rng.choice([6, 8, 10, 12])
    spec = _random_spec(rng, 12)
    voters = build(spec)
    plan = form_tps(voters, cap=cap, min_tps_voters=1)
    check_rules(plan, voters, cap)
    (k_contiguous, splits), n = _brute_force(spec, cap)
    k = plan.tps.height
    assert math.ceil(n / cap) <= k <= k_contiguous
    method = plan.kelurahan["method"][0]
    if method == "dp":
        assert k == k_contiguous
        assert cuts_inside_rts(plan) == splits  # RT splits only when needed
    elif method == "dp-reorder":
        assert k == math.ceil(n / cap) < k_contiguous
    else:
        assert k == k_contiguous > math.ceil(n / cap)


def test_shuffled_rows_give_the_same_plan():
    rng = random.Random(5)
    voters = pl.concat(
        [
            build(_random_spec(rng, 40), kel=kel, start_id=i * 1000)
            for i, kel in enumerate([KEL, KEL2, "3171021001"])
        ]
    )
    first = form_tps(voters, cap=25)
    for seed in range(3):
        again = form_tps(voters.sample(fraction=1.0, shuffle=True, seed=seed), cap=25)
        assert again.assignment.equals(first.assignment)
        assert again.tps.equals(first.tps)
        assert again.kelurahan.equals(first.kelurahan)


# ============================================================================================
# Re-running with the previous assignment (constructed)
# ============================================================================================


def test_rerun_without_changes_moves_nobody():
    voters = build([(1, rt, [3, 2, 4, 1]) for rt in range(1, 9)])
    plan = form_tps(voters, cap=25)
    again = form_tps(voters, cap=25, previous=plan.assignment)
    assert again.diagnostics.moved_voters == 0
    assert again.diagnostics.kelurahan_recut == 0
    assert again.assignment.select(plan.assignment.columns).equals(plan.assignment)


def test_rerun_puts_a_new_family_member_with_the_family():
    voters = build([(1, 1, [3, 3]), (1, 2, [3, 3])])  # 12 voters, cap 8: 6 | 6
    plan = form_tps(voters, cap=8)
    newcomer = pl.DataFrame(
        [(100, KEL, "001", "001", voters["nkk"][0])],
        schema=voters.schema,
        orient="row",
    )
    again = form_tps(pl.concat([voters, newcomer]), cap=8, previous=plan.assignment)
    family_tps = plan.assignment.filter(pl.col("voter_id") == 1)["tps_code"][0]
    assert again.assignment.filter(pl.col("voter_id") == 100)["tps_code"][0] == family_tps
    assert again.diagnostics.moved_voters == 0
    assert again.diagnostics.new_voters == 1


def test_rerun_puts_a_new_family_into_its_rt_tps_when_there_is_room():
    voters = build([(1, 1, [3, 3]), (1, 2, [3, 3])])
    plan = form_tps(voters, cap=8)
    newcomers = build([(1, 2, [2])], start_id=200, nkk_base=3171010101249000)
    again = form_tps(pl.concat([voters, newcomers]), cap=8, previous=plan.assignment)
    rt2_tps = plan.assignment.filter(pl.col("voter_id") == 7)["tps_code"][0]
    assert set(again.assignment.filter(pl.col("voter_id") >= 200)["tps_code"]) == {rt2_tps}
    assert again.diagnostics.moved_voters == 0


def test_rerun_rebalances_an_overflowing_tps_at_its_edge():
    # Two TPS of 10 and 7 (cap 10). Two new members join the first family: TPS 1 overflows,
    # and the family at its far edge (2 voters) moves to TPS 2, which has room. Nobody else
    # moves and no TPS is opened.
    voters = build([(1, 1, [2, 2, 2]), (1, 2, [2, 2]), (1, 3, [3, 3, 1])])
    plan = form_tps(voters, cap=10, min_tps_voters=1)
    assert plan.tps["voters"].to_list() == [10, 7]
    fam1 = voters["nkk"][0]
    newcomers = pl.DataFrame(
        [(100 + i, KEL, "001", "001", fam1) for i in range(2)],
        schema=voters.schema,
        orient="row",
    )
    changed = pl.concat([voters, newcomers])
    again = form_tps(changed, cap=10, previous=plan.assignment)
    check_rules(again, changed, 10)
    assert again.tps["voters"].to_list() == [10, 9]
    assert again.diagnostics.moved_voters == 2
    assert again.diagnostics.tps_opened == 0
    moved = again.assignment.filter(pl.col("moved"))["voter_id"].to_list()
    assert moved == [9, 10]  # the last family of RT 2, at the boundary
    scratch = form_tps(changed, cap=10)
    assert again.diagnostics.moved_voters <= count_moved(plan.assignment, scratch.assignment)


def test_rerun_opens_a_new_tps_with_the_next_number_when_needed():
    voters = build([(1, 1, [5, 5]), (1, 2, [5, 5])])  # 20 voters, cap 10: 10 | 10
    plan = form_tps(voters, cap=10)
    newcomers = build([(1, 2, [4, 4])], start_id=300, nkk_base=3171010101249000)
    changed = pl.concat([voters, newcomers])
    again = form_tps(changed, cap=10, previous=plan.assignment)
    check_rules(again, changed, 10)
    assert again.tps.height == 3
    assert again.diagnostics.tps_opened == 1
    assert again.tps.filter(pl.col("opened"))["tps_number"].to_list() == [3]
    # the original voters stay where they were
    assert again.diagnostics.moved_voters == 0


def test_rerun_keeps_a_voter_whose_previous_tps_was_in_another_kelurahan_apart():
    voters = build([(1, 1, [3, 3])])
    plan = form_tps(voters, cap=10)
    moved_kel = voters.with_columns(
        pl.when(pl.col("voter_id") <= 3)
        .then(pl.lit(KEL2))
        .otherwise(pl.col("kelurahan_code"))
        .alias("kelurahan_code")
    )
    again = form_tps(moved_kel, cap=10, previous=plan.assignment)
    assert again.diagnostics.moved_with_kelurahan == 3
    assert again.diagnostics.moved_voters == 3
    assert set(again.assignment.filter(pl.col("voter_id") <= 3)["kelurahan_code"]) == {KEL2}


# ============================================================================================
# A generated population
# ============================================================================================

CAP = 600


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> pl.DataFrame:
    """About 50,000 DP4 rows in the eleven kelurahan of Gambir and Sawah Besar (Jakarta Pusat),
    so each kelurahan needs several TPS of 600."""
    out = tmp_path_factory.mktemp("tps-pop")
    regions = out / "regions.csv"
    province = Path(pilkada.regions.__file__).parent / "data" / "31.csv"
    source = [
        line
        for line in province.read_text(encoding="utf-8").splitlines()[1:]
        if line.split(",")[0] in ("31", "31.71") or line.startswith(("31.71.01", "31.71.02"))
    ]
    regions.write_text("kode,nama\n" + "\n".join(source) + "\n", encoding="utf-8")
    write_population(PopulationParams(voters=50_000, seed=3, regions_file=regions), out)
    return (
        pl.read_csv(out / "dp4.csv", infer_schema=False)
        .with_row_index("voter_id", offset=2)
        .with_columns(pl.col("voter_id").cast(pl.Int64))
        .rename({"kode_kelurahan": "kelurahan_code"})
        .select("voter_id", "kelurahan_code", "rw", "rt", "nkk", "alamat")
    )


@pytest.fixture(scope="module")
def plan(population) -> TpsPlan:
    return form_tps(population, cap=CAP)


def test_population_rules(population, plan):
    check_rules(plan, population, CAP)
    assert numbers_are_consecutive(plan)
    assert plan.diagnostics.kelurahan == population["kelurahan_code"].n_unique() == 11


def test_population_count_within_two_percent_of_the_minimum(population, plan):
    per_kel = population.group_by("kelurahan_code").len()
    minimum = sum(tps_needed(n, CAP) for n in per_kel["len"].to_list())
    assert plan.diagnostics.tps_minimum == minimum
    assert minimum <= plan.tps.height <= math.floor(minimum * 1.02)
    assert minimum >= 70  # several TPS per kelurahan, so the count is a real test


def test_population_rts_split_only_at_cuts(plan):
    # An RT can only be split where a TPS ends: at most one RT split per TPS boundary, and
    # the count is the number of boundaries inside an RT (RTs by where their families sit).
    assert plan.diagnostics.rts_split == cuts_inside_rts(plan)
    assert plan.diagnostics.rts_split <= plan.tps.height - plan.kelurahan.height


def test_population_determinism_under_shuffle(population, plan):
    again = form_tps(population.sample(fraction=1.0, shuffle=True, seed=42), cap=CAP)
    assert again.assignment.equals(plan.assignment)
    assert again.tps.equals(plan.tps)


def _changed(population: pl.DataFrame, *, add: float, remove: float, move: float, seed: int):
    """The register after changes: ``remove`` of the voters gone, ``add`` new voters (half
    joining existing families, half new families placed in existing RTs), and ``move`` of
    the families moved to another RT of their kelurahan."""
    rng = np.random.default_rng(seed)
    n = population.height
    kept = population.filter(pl.Series(rng.random(n) >= remove))
    k = int(add * n)
    donors = population.sample(k, seed=seed)
    base = int(population["voter_id"].max()) + 1
    members = donors.head(k // 2).with_columns(
        (pl.int_range(pl.len()) + base).cast(pl.Int64).alias("voter_id")
    )
    families = donors.tail(k - k // 2).with_columns(
        (pl.int_range(pl.len()) + base + k).cast(pl.Int64).alias("voter_id"),
        (pl.lit("99") + (pl.int_range(pl.len()) // 3).cast(pl.Utf8).str.zfill(14)).alias("nkk"),
    )
    changed = pl.concat([kept, members, families])
    fams = changed.select("kelurahan_code", "nkk").unique().sort("kelurahan_code", "nkk")
    fams = fams.sample(fraction=move, seed=seed)
    rts = changed.select("kelurahan_code", "rw", "rt").unique().sort("kelurahan_code", "rw", "rt")
    targets = fams.join(
        rts.with_columns(
            pl.int_range(pl.len()).shuffle(seed=seed).over("kelurahan_code").alias("r")
        )
        .filter(pl.col("r") == 0)
        .drop("r"),
        on="kelurahan_code",
    ).rename({"rw": "rw2", "rt": "rt2"})
    return (
        changed.join(targets, on=["kelurahan_code", "nkk"], how="left")
        .with_columns(pl.coalesce("rw2", "rw").alias("rw"), pl.coalesce("rt2", "rt").alias("rt"))
        .drop("rw2", "rt2")
    )


def test_population_rerun_moves_few_voters(population, plan):
    changed = _changed(population, add=0.05, remove=0.03, move=0.01, seed=7)
    again = form_tps(changed, cap=CAP, previous=plan.assignment)
    check_rules(again, changed, CAP)
    scratch = form_tps(changed, cap=CAP)
    moved = again.diagnostics.moved_voters
    moved_scratch = count_moved(plan.assignment, scratch.assignment)
    assert moved == count_moved(plan.assignment, again.assignment)
    assert moved * 4 < moved_scratch, (moved, moved_scratch)
    assert moved < 0.02 * population.height
    # Existing TPS keep their numbers; new ones continue the numbering of their kelurahan.
    old = plan.tps.select("kelurahan_code", "tps_number")
    kept = again.tps.filter(~pl.col("opened")).select("kelurahan_code", "tps_number")
    assert kept.join(old, on=["kelurahan_code", "tps_number"], how="anti").height == 0
    opened = again.tps.filter(pl.col("opened")).join(
        old.group_by("kelurahan_code").agg(pl.col("tps_number").max().alias("old_max")),
        on="kelurahan_code",
    )
    assert (opened["tps_number"] > opened["old_max"]).all()
    new = changed.join(population.select("voter_id"), on="voter_id", how="anti").height
    assert again.diagnostics.new_voters == new


def test_population_rerun_of_a_rerun_is_stable(population, plan):
    changed = _changed(population, add=0.01, remove=0.01, move=0.0, seed=9)
    again = form_tps(changed, cap=CAP, previous=plan.assignment)
    third = form_tps(changed, cap=CAP, previous=again.assignment)
    assert third.diagnostics.moved_voters == 0
    assert third.assignment["tps_code"].equals(again.assignment["tps_code"])
