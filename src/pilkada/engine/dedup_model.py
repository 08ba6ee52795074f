"""The record-linkage model of :mod:`pilkada.engine.dedup`: comparisons, their levels, the
prior parameters and the Splink settings. No Django.

The model is a Fellegi-Sunter model (Splink) of the pairs of records that share the birth
key (sex, birth year and the unordered day and month); the blocking rules
(:data:`BLOCKING_RULES`) only choose which of those pairs are worth scoring. Its
u-probabilities are therefore "how often do
two *different* people born on the same day (or with day and month swapped) fall in this
level", not "... two random people": that is what makes NIK distance weak evidence (people
born on the same day in the same kecamatan have NIKs one digit apart) and what keeps the
birth date from being counted twice, once as a date and once as the NIK's birth part.

Every level is a SQL condition written once, with ``{l.col}`` / ``{r.col}`` placeholders, and
used twice: by Splink (columns ``col_l`` / ``col_r``) and by the evidence query of the
review queue (``a.col`` / ``b.col``), so the label a reviewer sees is the level the model
scored.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

__all__ = [
    "BLOCKING_RULES",
    "COMPARISONS",
    "EM_BLOCKING",
    "PRIOR_PARAMS",
    "PRIOR_PROBABILITY",
    "Comparison",
    "Level",
    "level_case_sql",
    "splink_settings",
]


class _Side:
    """``{l.nph}`` -> ``nph_l`` (Splink) or ``a.nph`` (evidence query)."""

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern

    def __getattr__(self, name: str) -> str:
        return self._pattern.format(name)


SPLINK_SIDES = (_Side("{}_l"), _Side("{}_r"))
TABLE_SIDES = (_Side("a.{}"), _Side("b.{}"))


@dataclass(frozen=True)
class Level:
    """One comparison level: its label, SQL condition template and prior (m, u)."""

    label: str
    sql: str
    m: float
    u: float
    description: str
    tf_column: str | None = None
    null: bool = False
    #: Levels that cannot occur inside the candidate space keep their documented prior.
    fixed: bool = False


@dataclass(frozen=True)
class Comparison:
    name: str
    description: str
    levels: tuple[Level, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------------------------
# Name
# --------------------------------------------------------------------------------------------

_JW = "jaro_winkler_similarity({l.nph}, {r.nph})"
#: Same first name, and the tokens of one are a subset of the other's (a dropped name: "DANU
#: WIJAYA" / "DANU"), or both have the same initials and the full-length tokens of one are a
#: subset of the other's (a name cut to its initial: "FITRI A RAHMAWATI").
_COMPATIBLE = (
    "{l.ft} = {r.ft} AND ("
    "list_has_all({l.tok}, {r.tok}) OR list_has_all({r.tok}, {l.tok}) OR "
    "({l.ini} = {r.ini} AND (list_has_all({l.tokf}, {r.tokf}) OR "
    "list_has_all({r.tokf}, {l.tokf}))))"
)

NAME = Comparison(
    "name",
    "Name: normalised key (titles, case, old spelling, Muhammad variants), phonetic key, "
    "tokens. A different first name weighs against even when the rest agrees: twins.",
    (
        Level("null", "{l.nph} = '' OR {r.nph} = ''", 0.0, 0.0, "a name is empty", null=True),
        Level(
            "exact",
            "{l.nkey} = {r.nkey}",
            0.55,
            0.03,
            "equal after normalisation (titles, case, punctuation, old spelling)",
            # Term frequency of the name among people of the same sex born in the same
            # five years (see dedup_features: nkey_tf): names are sex- and era-specific.
            tf_column="nkey_tf",
        ),
        Level(
            "phonetic",
            "{l.nph} = {r.nph}",
            0.12,
            0.01,
            "equal phonetic key (KH/H, F/P, SY/S, Y/I, double letters)",
        ),
        Level(
            "compatible",
            _COMPATIBLE + " AND len({l.tok}) > 1 AND len({r.tok}) > 1",
            0.18,
            0.003,
            "same first name; a name dropped or cut to its initial, two names or more left",
            # How common is the shorter (more common) of the two names, among people of
            # the same sex and cohort: MUHAMMAD RIZKI against MUHAMMAD RIZKI PRATAMA says
            # less than VINCENT R against VINCENT RIKHARD.
            tf_column="nkey_tf",
        ),
        Level(
            "compatible_single",
            _COMPATIBLE,
            0.07,
            0.002,
            "one side is a single name, the other starts with it (SITI / SITI AMINAH)",
            # How common is that single name, among people of the same sex and cohort.
            tf_column="ft_tf",
        ),
        Level(
            "first_name_rest_similar",
            "{l.ft} = {r.ft} AND " + _JW + " >= 0.9",
            0.04,
            0.05,
            "same first name, the rest similar (Jaro-Winkler >= 0.9)",
        ),
        Level(
            "first_name_only", "{l.ft} = {r.ft}", 0.02, 0.75, "same first name, the rest differs"
        ),
        # No "first names differ but the whole is similar" level: that is what twins with a
        # shared family name look like (ANDI SIREGAR / ADI SIREGAR, Jaro-Winkler 0.975).
        Level("different", "ELSE", 0.001, 0.97, "different names (first names differ)"),
    ),
)

# --------------------------------------------------------------------------------------------
# Birth date (inside the candidate space the birth key is equal: equal or swapped)
# --------------------------------------------------------------------------------------------

BIRTH = Comparison(
    "birth",
    "Birth date (the candidate space already shares sex, year and the day/month pair).",
    (
        Level("null", "{l.bd} IS NULL OR {r.bd} IS NULL", 0.0, 0.0, "a date is missing", null=True),
        Level("equal", "{l.bd} = {r.bd}", 0.85, 0.75, "equal"),
        Level(
            "day_month_swapped",
            "year({l.bd}) = year({r.bd}) AND day({l.bd}) = month({r.bd}) "
            "AND month({l.bd}) = day({r.bd})",
            0.15,
            0.25,
            "day and month swapped",
        ),
        # Only pairs outside the candidate space (exact-NIK pairs) reach this level.
        Level("different", "ELSE", 0.002, 0.5, "different", fixed=True),
    ),
)

# --------------------------------------------------------------------------------------------
# NIK (PP KK CC DDMMYY SSSS; positions 1-6 region, 7-12 birth part, 13-16 serial)
# --------------------------------------------------------------------------------------------

_ONE_EDIT = (
    "(hamming({l.nik}, {r.nik}) = 1 OR "
    "(hamming({l.nik}, {r.nik}) = 2 AND damerau_levenshtein({l.nik}, {r.nik}) = 1))"
)
_TRANSPOSITION = "hamming({l.nik}, {r.nik}) = 2 AND damerau_levenshtein({l.nik}, {r.nik}) = 1"
_REGION_EQ = "substr({l.nik}, 1, 6) = substr({r.nik}, 1, 6)"
_BIRTH_EQ = "substr({l.nik}, 7, 6) = substr({r.nik}, 7, 6)"
_SERIAL_EQ = "substr({l.nik}, 13, 4) = substr({r.nik}, 13, 4)"

#: The NIK relation, in order (first match wins): (label, condition, description).
NIK_RELATIONS: tuple[tuple[str, str, str], ...] = (
    ("unusable", "{l.nik} IS NULL OR {r.nik} IS NULL", "a NIK is unusable"),
    ("equal", "{l.nik} = {r.nik}", "same NIK"),
    (
        "one_edit_birth_part",
        _ONE_EDIT + " AND NOT (" + _BIRTH_EQ + ")",
        "one digit or adjacent transposition inside the birth part: a typo (people born the "
        "same day share the birth part)",
    ),
    (
        "transposition",
        _TRANSPOSITION,
        "two adjacent digits swapped in the region or the serial (neighbours born the same "
        "day rarely look like that: their serials differ in the last digit)",
    ),
    (
        "one_digit_region",
        _ONE_EDIT + " AND NOT (" + _REGION_EQ + ")",
        "one digit in the region part, birth part and serial equal (kecamatan codes of one "
        "kab/kota are one digit apart)",
    ),
    (
        "one_digit_serial_high",
        _ONE_EDIT + " AND substr({l.nik}, 13, 2) <> substr({r.nik}, 13, 2)",
        "one digit in the first two serial digits: a typo (serials are small numbers)",
    ),
    (
        "one_digit_serial_low",
        _ONE_EDIT,
        "one digit in the last two serial digits: a typo, or neighbours born the same day in "
        "one kecamatan",
    ),
    (
        "same_kecamatan_other_serial",
        _REGION_EQ + " AND " + _BIRTH_EQ,
        "same kecamatan and birth part, serials further apart",
    ),
    (
        "same_birth_part_other_kecamatan",
        _BIRTH_EQ,
        "same birth part, issued in another kecamatan: a second NIK, or another person",
    ),
    ("different", "TRUE", "different birth parts"),
)

#: Where the two rows live, in order: (label, condition, description).
HOUSEHOLD_RELATIONS: tuple[tuple[str, str, str], ...] = (
    ("same_nkk", "{l.nkk} = {r.nkk}", "same NKK"),
    ("same_kelurahan", "{l.kel} = {r.kel}", "same kelurahan (or address), other NKK"),
    ("elsewhere", "TRUE", "another kelurahan"),
)

#: Prior (m, u) per joint level: m = P(NIK relation) x P(household) among duplicates, u the
#: same among different people born the same day (rough figures; EM and sampling replace
#: them whenever the data is large enough).
_NIK_PRIOR = {
    "unusable": (0.001, 0.001),
    "equal": (0.4, 0.00001),
    "one_edit_birth_part": (0.15, 0.0001),
    "transposition": (0.1, 0.0005),
    "one_digit_region": (0.04, 0.1),
    "one_digit_serial_high": (0.1, 0.0005),
    "one_digit_serial_low": (0.15, 0.02),
    "same_kecamatan_other_serial": (0.01, 0.001),
    "same_birth_part_other_kecamatan": (0.1, 0.6),
    "different": (0.00001, 0.27),
}
_HOUSEHOLD_PRIOR = {
    "same_nkk": (0.45, 0.001),
    "same_kelurahan": (0.25, 0.005),
    "elsewhere": (0.3, 0.994),
}


def _joint_levels() -> tuple[Level, ...]:
    levels = []
    for nik_label, nik_sql, nik_desc in NIK_RELATIONS:
        for hh_label, hh_sql, hh_desc in HOUSEHOLD_RELATIONS:
            conds = [c for c in (nik_sql, hh_sql) if c != "TRUE"]
            if nik_label == "different" and hh_label == "elsewhere":
                sql = "ELSE"
            else:
                sql = " AND ".join(f"({c})" for c in conds) if conds else "TRUE"
            m = _NIK_PRIOR[nik_label][0] * _HOUSEHOLD_PRIOR[hh_label][0]
            u = _NIK_PRIOR[nik_label][1] * _HOUSEHOLD_PRIOR[hh_label][1]
            levels.append(
                Level(f"{nik_label}/{hh_label}", sql, m, u, f"NIK: {nik_desc}; {hh_desc}")
            )
    return tuple(levels)


NIK_HOUSEHOLD = Comparison(
    "nik_household",
    "NIK relation and household, as one comparison because they are not independent among "
    "different people: people born the same day in one kelurahan usually got their NIKs in "
    "one kecamatan, one serial apart, and twins share the NKK too. Inside the candidate space "
    "the NIK birth parts agree by construction, so what counts is where the NIKs differ.",
    _joint_levels(),
)

BIRTHPLACE = Comparison(
    "birthplace",
    "Place of birth (tempat lahir).",
    (
        Level(
            "null",
            "{l.tl} = '' OR {r.tl} = '' OR {l.tl} IS NULL OR {r.tl} IS NULL",
            0.0,
            0.0,
            "missing",
            null=True,
        ),
        Level("equal", "{l.tl} = {r.tl}", 0.97, 0.6, "equal", tf_column="tl"),
        Level(
            "same_first_word",
            "split_part({l.tl}, ' ', 1) = split_part({r.tl}, ' ', 1)",
            0.01,
            0.05,
            "same first word (JAKARTA / JAKARTA SELATAN)",
        ),
        Level("different", "ELSE", 0.02, 0.35, "different"),
    ),
)

MARITAL_STATUS = Comparison(
    "status_kawin",
    "Marital status (status kawin, B / S / P), when the register has it. A second "
    "registration keeps it unless the person married or was widowed in between; m comes "
    "from the exact-NIK pairs, so a register where it changes often weighs it less.",
    (
        Level(
            "null",
            "{l.sk} IS NULL OR {r.sk} IS NULL",
            0.0,
            0.0,
            "unknown on one side",
            null=True,
        ),
        Level("equal", "{l.sk} = {r.sk}", 0.95, 0.6, "equal"),
        Level("different", "ELSE", 0.05, 0.4, "different"),
    ),
)

#: Outcome of the synchronisation with the previous DPT, per row (feature ``sy``): ``found``
#: (on the previous DPT, by NIK or by name and birth date), ``new_adult`` (not on it although
#: old enough to have been a voter then), ``new_17`` (not on it: under 17 then). Unknown (no
#: synchronisation was run, or a row added at coklit) is null.
SYNC = Comparison(
    "sync_status",
    "What the synchronisation with the previous DPT (PKPU 7/2024) said of each row, when it "
    "was run. A second registration (a second NIK, a NIK typed wrong in the DP4 extract) is "
    "not on the previous DPT, so it comes out as a new voter although the person is an adult, "
    "while their other record is found; two different people born the same day are usually "
    "both found. Two rows under one NIK are found or new together by construction: no "
    "evidence (null). m by EM, u by sampling.",
    (
        Level(
            "null",
            "{l.sy} IS NULL OR {r.sy} IS NULL OR {l.nik} = {r.nik}",
            0.0,
            0.0,
            "unknown (no synchronisation, a row added at coklit) or the same NIK",
            null=True,
        ),
        Level(
            "one_new_adult",
            "({l.sy} = 'new_adult' AND {r.sy} = 'found') OR "
            "({l.sy} = 'found' AND {r.sy} = 'new_adult')",
            0.7,
            0.04,
            "one row is a new voter although an adult (not on the previous DPT), the other "
            "was found there",
        ),
        Level(
            "both_found",
            "{l.sy} = 'found' AND {r.sy} = 'found'",
            0.15,
            0.93,
            "both rows were found on the previous DPT, under different NIKs",
        ),
        Level(
            "both_new",
            "{l.sy} IN ('new_adult', 'new_17') AND {r.sy} IN ('new_adult', 'new_17')",
            0.1,
            0.002,
            "neither row is on the previous DPT",
        ),
        Level(
            "other",
            "ELSE",
            0.01,
            0.02,
            "one row found, the other new at 17 (under age at the previous election)",
        ),
    ),
)

COMPARISONS: tuple[Comparison, ...] = (
    NAME, BIRTH, NIK_HOUSEHOLD, BIRTHPLACE, MARITAL_STATUS, SYNC,
)  # fmt: skip

#: The documented prior model, used as is when the input is too small to train on (fewer
#: than 50 exact-NIK pairs or 100 same-name pairs): the parameters trained on the synthetic
#: population of 1,000,000 rows (seed 2024, generator version 2), rounded to three digits.
#: The match prior is per pair of rows sharing a birth key; the prior model runs without
#: term-frequency adjustments (the frequencies of a handful of rows say nothing about a name).
PRIOR_PROBABILITY = 0.000607
PRIOR_PARAMS: dict[str, dict[str, tuple[float, float]]] = {
    "name": {
        "exact": (0.772, 0.000132),
        "phonetic": (0.0246, 5.02e-07),
        "compatible": (0.129, 0.000161),
        "compatible_single": (0.0736, 0.00147),
        "first_name_rest_similar": (0.000125, 0.00221),
        "first_name_only": (0.000125, 0.0187),
        "different": (0.000125, 0.977),
    },
    "birth": {
        "equal": (0.893, 0.735),
        "day_month_swapped": (0.107, 0.265),
        "different": (0.002, 0.5),
    },
    "nik_household": {
        "unusable/same_nkk": (0.00045, 5.02e-07),
        "unusable/same_kelurahan": (0.00025, 1.88e-06),
        "unusable/elsewhere": (1e-06, 0.00124),
        "equal/same_nkk": (0.191, 3.49e-06),
        "equal/same_kelurahan": (0.085, 5.02e-07),
        "equal/elsewhere": (0.113, 8.42e-06),
        "one_edit_birth_part/same_nkk": (0.101, 5.02e-07),
        "one_edit_birth_part/same_kelurahan": (0.0375, 5.02e-07),
        "one_edit_birth_part/elsewhere": (0.0578, 3.69e-06),
        "transposition/same_nkk": (0.0225, 2.73e-06),
        "transposition/same_kelurahan": (0.00987, 6.99e-07),
        "transposition/elsewhere": (0.0117, 0.000952),
        "one_digit_region/same_nkk": (0.0161, 1.2e-06),
        "one_digit_region/same_kelurahan": (0.00816, 0.000112),
        "one_digit_region/elsewhere": (0.0136, 0.0989),
        "one_digit_serial_high/same_nkk": (0.0341, 5.02e-07),
        "one_digit_serial_high/same_kelurahan": (0.0144, 8.39e-06),
        "one_digit_serial_high/elsewhere": (0.019, 8.77e-06),
        "one_digit_serial_low/same_nkk": (0.0764, 0.000101),
        "one_digit_serial_low/same_kelurahan": (0.0343, 0.0029),
        "one_digit_serial_low/elsewhere": (0.045, 0.0168),
        "same_kecamatan_other_serial/same_nkk": (0.0045, 5.02e-07),
        "same_kecamatan_other_serial/same_kelurahan": (1e-06, 6.42e-06),
        "same_kecamatan_other_serial/elsewhere": (0.003, 5.41e-05),
        "same_birth_part_other_kecamatan/same_nkk": (0.0446, 4.55e-06),
        "same_birth_part_other_kecamatan/same_kelurahan": (0.0168, 0.000636),
        "same_birth_part_other_kecamatan/elsewhere": (0.0481, 0.611),
        "different/same_nkk": (4.5e-06, 5.02e-07),
        "different/same_kelurahan": (1e-06, 0.00128),
        "different/elsewhere": (1e-06, 0.266),
    },
    "birthplace": {
        "equal": (1, 0.538),
        "same_first_word": (0.000125, 0.0975),
        "different": (0.000125, 0.365),
    },
    # m not from the 1 M training run (the generator's copies never change it, m = 1): a
    # second registration years later may follow a marriage, so the prior allows one in ten.
    "status_kawin": {"equal": (0.9, 0.625), "different": (0.1, 0.375)},
    # u from the 1 M training run with a previous DPT of the generator (seed 2024); m set by
    # hand. Trained there, m is 0.95 / 1e-6 for one-new-adult / both-found, because the
    # generator never lists a copy on the previous DPT; a real previous DPT may hold some
    # (a second registration last election's coklit missed), and a register too small to
    # train on cannot show how many, so the prior allows one copy in five.
    "sync_status": {
        "one_new_adult": (0.7, 0.0521),
        "both_found": (0.2, 0.906),
        "both_new": (0.09, 0.0255),
        "other": (0.01, 0.016),
    },
}

# --------------------------------------------------------------------------------------------
# Blocking
# --------------------------------------------------------------------------------------------

#: Candidate pairs: equal birth key AND one of these: (name, condition on the rows ``l`` and
#: ``r`` of the blocking table, why). The model gives a pair whose first names differ a weight
#: no NIK or household evidence can overcome (twins look like that), so every rule asks for
#: the same first name and what else the name levels that can make a match need; blocking on
#: NKK or NIK alone would only add comparisons that can never become suggestions. Rules whose
#: condition starts with ``l.nt = 1`` pair a single-name row (``l``) with a longer name.
#: Pairs sharing a NIK are added separately (exact-NIK groups).
BLOCKING_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "name",
        "l.nph = r.nph",
        "equal phonetic name: exact names, titles, old spelling and spelling variants",
    ),
    (
        "first_second_initial",
        "l.ft = r.ft AND l.t2i = r.t2i AND l.nt > 1 AND r.nt > 1",
        "same first name and second initial: a last name dropped, a name cut to its initial",
    ),
    (
        "first_last",
        "l.ft = r.ft AND l.lt = r.lt AND l.nt > 1 AND r.nt > 1 AND (l.nt > 2 OR r.nt > 2)",
        "same first and last name: a middle name dropped or cut",
    ),
    (
        "single_kecamatan",
        "l.nt = 1 AND r.nt > 1 AND l.ft = r.ft AND l.kec = r.kec",
        "a single name and a longer one starting with it, NIKs of one kecamatan",
    ),
    (
        "single_kelurahan",
        "l.nt = 1 AND r.nt > 1 AND l.ft = r.ft AND l.kel = r.kel",
        "a single name and a longer one starting with it, in one kelurahan",
    ),
    (
        "single_nkk",
        "l.nt = 1 AND r.nt > 1 AND l.ft = r.ft AND l.nkk = r.nkk",
        "a single name and a longer one starting with it, in one family",
    ),
)

#: The EM session's blocking (see pilkada.engine.dedup._train): birth key and phonetic name,
#: through ``nphk`` (a hash of ``nph``) so that Splink keeps the name comparison in the
#: session (with its m fixed, for its term-frequency adjustment).
EM_BLOCKING = "l.bkey = r.bkey AND l.nphk = r.nphk"


def level_case_sql(comparison: Comparison, sides=TABLE_SIDES) -> str:
    """``CASE WHEN ... THEN 'label' ... END`` for the evidence query."""
    left, right = sides
    parts = []
    for level in comparison.levels:
        if level.sql == "ELSE":
            parts.append(f"ELSE '{level.label}'")
        else:
            parts.append(f"WHEN {level.sql.format(l=left, r=right)} THEN '{level.label}'")
    if not any(p.startswith("ELSE") for p in parts):
        parts.append("ELSE NULL")
    return "CASE " + " ".join(parts) + " END"


def _level_dict(level: Level, params: dict | None, fix_m: bool = False, tf: bool = True) -> dict:
    left, right = SPLINK_SIDES
    out: dict = {
        "sql_condition": level.sql.format(l=left, r=right),
        "label_for_charts": level.label,
    }
    if level.null:
        out["is_null_level"] = True
        return out
    m, u = (params or {}).get(level.label, (None, None))
    m = level.m if m is None else m
    u = level.u if u is None else u
    out["m_probability"] = _clip(m)
    out["u_probability"] = _clip(u)
    if level.fixed:
        out["fix_m_probability"] = True
        out["fix_u_probability"] = True
    elif fix_m:
        out["fix_m_probability"] = True
    if level.tf_column and tf:
        out["tf_adjustment_column"] = level.tf_column
        out["tf_adjustment_weight"] = 1.0
        # The TF column is not the column the level compares (nkey_tf vs nkey): the level's
        # own u is the base the adjustment replaces.
        out["disable_tf_exact_match_detection"] = True
    return out


def _clip(p: float) -> float:
    return min(max(float(p), 1e-9), 1.0)


def splink_settings(
    *,
    probability: float = PRIOR_PROBABILITY,
    params: dict[str, dict[str, tuple[float, float]]] | None = None,
    max_iterations: int = 25,
    em_convergence: float = 1e-4,
    fix_m: tuple[str, ...] = (),
    tf: bool = True,
) -> dict:
    """Splink settings for the model, with ``params`` (comparison -> label -> (m, u)) or the
    priors. Blocking rules are not part of it: candidate pairs are computed outside Splink and
    registered with ``register_blocked_pairs_for_predict``."""
    comparisons = []
    for comparison in COMPARISONS:
        cparams = (params or {}).get(comparison.name)
        comparisons.append(
            {
                "output_column_name": comparison.name,
                "comparison_description": comparison.description,
                "comparison_levels": [
                    _level_dict(lv, cparams, comparison.name in fix_m, tf)
                    for lv in comparison.levels
                ],
            }
        )
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "rid",
        "probability_two_random_records_match": probability,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "max_iterations": max_iterations,
        "em_convergence": em_convergence,
    }


def prior_settings() -> dict:
    """The documented prior model (see :data:`PRIOR_PARAMS`)."""
    return splink_settings(probability=PRIOR_PROBABILITY, params=PRIOR_PARAMS, tf=False)


def params_from_settings(settings: dict) -> tuple[float, dict[str, dict[str, tuple[float, float]]]]:
    """(probability, comparison -> label -> (m, u)) of a Splink settings dict."""
    params: dict[str, dict[str, tuple[float, float]]] = {}
    for comparison in settings["comparisons"]:
        levels = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            u = level.get("u_probability")
            if m is None or u is None:
                continue
            levels[level["label_for_charts"]] = (float(m), float(u))
        params[comparison["output_column_name"]] = levels
    return float(settings["probability_two_random_records_match"]), params


def weights_table(settings: dict) -> list[dict]:
    """One row per level: comparison, label, m, u, match weight (log2 m/u) -- the model card."""
    rows = []
    _, params = params_from_settings(settings)
    for comparison in COMPARISONS:
        for level in comparison.levels:
            if level.null:
                continue
            m, u = params.get(comparison.name, {}).get(level.label, (level.m, level.u))
            m, u = _clip(m), _clip(u)
            rows.append(
                {
                    "comparison": comparison.name,
                    "level": level.label,
                    "description": level.description,
                    "m": m,
                    "u": u,
                    "match_weight": math.log2(m / u),
                }
            )
    return rows


def copy_settings(settings: dict) -> dict:
    return copy.deepcopy(settings)
