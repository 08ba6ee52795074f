"""TPS formation: assign the voters of each kelurahan to polling stations (TPS). No Django.

The rules (PKPU 7/2024 on the voter lists, and issue 3 part 6), in priority order:

1. at most ``cap`` voters per TPS (600 in 2024; a setting, passed in by the caller);
2. a TPS lies within one kelurahan/desa;
3. a family (the voters of one NKK within the kelurahan) is never split, unless it alone is
   larger than ``cap`` -- then it is cut into consecutive TPS and reported;
4. as few TPS as the cap allows: ``ceil(voters / cap)`` per kelurahan;
5. an RT is kept whole where the cap (and rule 4) allows: as few TPS boundaries as possible
   fall inside an RT, and an RT that must be split is split across consecutive TPS;
6. neighbours go together: the voters are laid out in RW, RT, street/house number, NKK order
   and every TPS is a contiguous stretch of that sequence; cuts on RW edges are preferred;
7. the TPS are balanced (cut points near ``j * voters / K``) as the last tie-break;
8. deterministic: the same voters in any row order give the same plan; TPS numbers run
   001, 002, ... in RW/RT order (900-999 are special TPS and never produced here).

How (see docs/tps_formation.md for the full argument):

* **Units.** Families are the atoms of the sequence (a family larger than ``cap`` becomes one
  unit per member). A family whose members are recorded in different RTs sits at the RT of
  most of its members.
* **Cut DP per kelurahan.** With ``K`` TPS, cut ``j`` can only lie between the backward-greedy
  and the forward-greedy positions (the classic window of contiguous partitioning), which is at
  most the slack ``K*cap - n`` wide. A dynamic programme over those windows (one NumPy step per
  TPS, never a Python loop per voter) picks the cuts minimising, lexicographically, family
  splits, RT splits, cuts that are not on an RW edge, and the distance from the balanced cut.
  ``K`` is the contiguous minimum found by a forward greedy.
* **Exact minimum.** When no family-aligned contiguous partition reaches ``ceil(n/cap)`` (the
  families at the cuts waste a few seats each), the DP is run again with cuts allowed inside
  an RT at any voter position and the cut is realised by reordering whole families *within
  that RT* (a small subset-sum). The family order inside an RT has no meaning beyond the
  address, so this costs nothing but an RT split that the count forces anyway. If that cannot
  be realised the kelurahan keeps the contiguous minimum (one TPS more) and is reported.
* **Re-running** (``previous=`` the last assignment): every family keeps the TPS of most of
  its members (new members join it); a new family goes, where there is room, to the TPS of
  its RT, else to the TPS of its neighbours in the sequence, else to the TPS next to that one
  in the kelurahan's chain of TPS. A kelurahan where a TPS overflows or a new family found no
  room is re-cut: its existing TPS become blocks in chain order (a family that moved house
  stays in its old block) and a layered version of the same DP moves the block boundaries,
  minimising the number of voters who change TPS (cut ``j`` costs the voters on its wrong
  side), and opens a new TPS (the next free number) only where the existing ones cannot hold
  the kelurahan's voters. Untouched kelurahan keep every assignment.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np
import polars as pl

from pilkada.regions.codes import TPS_SPECIAL_FROM

__all__ = [
    "BALLOT_RESERVE",
    "DEFAULT_CAP",
    "TpsDiagnostics",
    "TpsPlan",
    "ballots_for_tps",
    "count_moved",
    "form_tps",
    "tps_needed",
]

#: Voters per TPS in the 2024 Pilkada (PKPU 7/2024). Callers pass the election's setting.
DEFAULT_CAP = 600
#: Reserve ballots per TPS as a share of its DPT (PKPU 17/2024: surat suara cadangan 2.5 %).
BALLOT_RESERVE = 0.025
#: Ordinary TPS numbers are 1..899; 900..999 are TPS lokasi khusus, never formed here.
TPS_LAST_ORDINARY = TPS_SPECIAL_FROM - 1

# Edge classes: where a cut between unit i-1 and unit i falls.
EDGE_RW = 0  # between two RWs
EDGE_RT = 1  # between two RTs of one RW
EDGE_FAMILY = 2  # between two families inside one RT (an RT split)
EDGE_SPLIT = 3  # between two members of a family larger than the cap (a family split)
EDGE_REORDER = 4  # inside a family: only realisable by reordering the families of the RT

_INF = np.int64(1) << np.int64(62)
_REQUIRED = ("voter_id", "kelurahan_code", "rw", "rt", "nkk")


# ============================================================================================
# Small rules
# ============================================================================================


def tps_needed(voters_in_kelurahan: int, cap: int = DEFAULT_CAP) -> int:
    """The fewest TPS a kelurahan of ``voters_in_kelurahan`` voters needs: ``ceil(n / cap)``
    (0 for an empty kelurahan). The bound every formation is measured against."""
    _check_int("voters_in_kelurahan", voters_in_kelurahan, minimum=0)
    _check_int("cap", cap, minimum=1)
    return -(-voters_in_kelurahan // cap)


def ballots_for_tps(dpt: int, reserve: float = BALLOT_RESERVE) -> int:
    """Ballots to deliver to a TPS: its DPT plus the reserve, rounded up.

    PKPU 17/2024 (pemungutan dan penghitungan suara in the Pilkada) fixes the reserve ballots
    (surat suara cadangan) at 2.5 % of the DPT of each TPS, for replacing damaged ballots and
    for DPTb/DPK voters; a part of a ballot is rounded up to a whole one. The 2024 general
    elections used 2 % instead, so ``reserve`` is a parameter. The share is taken exactly
    (``0.025`` is 1/40, not the nearest float): ``ballots_for_tps(600) == 615``,
    ``ballots_for_tps(250) == 257``.
    """
    _check_int("dpt", dpt, minimum=0)
    if isinstance(reserve, bool) or not isinstance(reserve, int | float | Fraction):
        raise TypeError("reserve must be a number")
    share = Fraction(str(reserve)) if isinstance(reserve, float) else Fraction(reserve)
    if share < 0 or share > 1:
        raise ValueError(f"reserve must be between 0 and 1: {reserve}")
    return dpt + math.ceil(dpt * share)


def _check_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}: {value}")


# ============================================================================================
# Result
# ============================================================================================


@dataclass(frozen=True)
class TpsDiagnostics:
    """Totals of a plan. ``moved_voters`` and the other re-run counts are None from scratch."""

    cap: int
    voters: int
    kelurahan: int
    tps: int
    #: sum over kelurahan of ceil(voters / cap)
    tps_minimum: int
    #: kelurahan with more TPS than ceil(voters / cap), and why (see ``TpsPlan.kelurahan``)
    kelurahan_above_minimum: int
    #: families (NKK within a kelurahan) over more than one TPS; only families above the cap
    families_split: int
    voters_in_split_families: int
    rts: int
    #: RTs over more than one TPS
    rts_split: int
    #: RTs whose family order was changed to reach the minimum count exactly
    rts_reordered: int
    #: TPS that start a new RW without ending on an RW edge, i.e. span two or more RWs
    tps_spanning_rws: int
    smallest_tps: int
    largest_tps: int
    moved_voters: int | None = None
    #: of the moved voters, those whose kelurahan changed (their old TPS cannot hold them)
    moved_with_kelurahan: int | None = None
    new_voters: int | None = None
    removed_voters: int | None = None
    tps_opened: int | None = None
    tps_closed: int | None = None
    kelurahan_recut: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TpsPlan:
    """A TPS formation.

    * ``assignment``: one row per voter -- ``voter_id, kelurahan_code, tps_number, tps_code``
      (and ``previous_tps_code``, ``moved`` on a re-run), sorted by kelurahan, TPS and the
      RW/RT/family sequence (the order of the DPT of each TPS).
    * ``tps``: one row per TPS -- ``kelurahan_code, tps_number, tps_code, voters, families,
      rts, rws, rw_first, rt_first, rw_last, rt_last, split_families`` (+ ``opened`` on a
      re-run). RW/RT are those the families are placed by (see the module docstring).
    * ``kelurahan``: one row per kelurahan -- ``kelurahan_code, voters, tps, tps_minimum,
      rts, rts_split, families_split, rts_reordered, method`` (+ ``moved`` on a re-run).
      ``method`` is ``dp`` (contiguous, minimal), ``dp-reorder`` (minimal by reordering
      families inside an RT), ``dp-contiguous-plus`` (one above the minimum: no family-whole
      partition reaches it), ``kept`` or ``recut`` (re-run).
    * ``families_split``: the families larger than the cap -- ``kelurahan_code, nkk, voters,
      tps``.
    """

    assignment: pl.DataFrame
    tps: pl.DataFrame
    kelurahan: pl.DataFrame
    families_split: pl.DataFrame
    diagnostics: TpsDiagnostics
    cap: int

    @property
    def tps_count(self) -> int:
        return self.tps.height


# ============================================================================================
# Entry point
# ============================================================================================


def form_tps(
    voters: pl.DataFrame,
    *,
    cap: int = DEFAULT_CAP,
    previous: pl.DataFrame | None = None,
    min_tps_voters: int | None = None,
) -> TpsPlan:
    """Form the TPS of every kelurahan in ``voters``.

    ``voters`` has ``voter_id`` (unique), ``kelurahan_code`` (10 digits, dotted or not),
    ``rw``, ``rt``, ``nkk`` and optionally ``alamat`` (orders the families inside an RT by
    street and house number). A voter without NKK is a family of one.

    ``previous`` is the assignment of the last plan (``voter_id`` and ``tps_code``): the
    plan then changes as few assignments as possible (module docstring). TPS numbers of the
    previous plan are kept; new TPS take the next free numbers.

    ``min_tps_voters`` (default ``cap // 4``): no TPS formed from scratch (or opened on a
    re-run) is smaller, unless the kelurahan itself is; this keeps the RT rule from producing a
    TPS of a handful of voters. It is dropped for a kelurahan where it cannot be met.
    """
    _check_int("cap", cap, minimum=1)
    if min_tps_voters is None:
        min_tps_voters = max(1, cap // 4)
    _check_int("min_tps_voters", min_tps_voters, minimum=1)
    min_tps_voters = min(min_tps_voters, cap)
    prepared = _prepare(voters, cap)
    prev = _previous_frame(previous) if previous is not None else None
    return _Former(prepared, cap, min_tps_voters, prev).run()


def count_moved(previous: pl.DataFrame, current: pl.DataFrame) -> int:
    """Voters present in both assignments (``voter_id``, ``tps_code``) whose TPS differs."""
    joined = previous.select("voter_id", pl.col("tps_code").alias("_old")).join(
        current.select("voter_id", pl.col("tps_code").alias("_new")), on="voter_id", how="inner"
    )
    return int(joined.filter(pl.col("_old") != pl.col("_new")).height)


# ============================================================================================
# Preparation: families, the sequence, units and edge classes (all vectorised)
# ============================================================================================


@dataclass
class _Prepared:
    voter_ids: pl.Series  # in sequence order (family sequence, then voter_id)
    v_unit: np.ndarray  # unit of each voter (sequence order)
    kel_codes: list[str]
    # per family, in sequence order
    f_size: np.ndarray
    f_nkk: pl.Series  # the NKK as given (null when the voter had none)
    f_area: np.ndarray  # RW code << 22 | RT code (see _area_codes)
    oversize: np.ndarray
    # per unit
    u_size: np.ndarray
    u_fam: np.ndarray
    u_kel: np.ndarray
    u_rt: np.ndarray  # RT group id (global)
    u_rw: np.ndarray  # RW group id (global)
    u_edge: np.ndarray  # class of the edge before the unit (first of a kelurahan: EDGE_RW)
    kel_start: np.ndarray  # unit offsets per kelurahan, length n_kel + 1
    area_labels: dict[str, dict[int, str]]  # "rw"/"rt": code -> label


_AREA_TEXT = 1_000_000  # codes of RW/RT written with letters start here
_AREA_NULL = 2_000_000  # a missing RW/RT sorts last
_AREA_SHIFT = 22


def _area_codes(column: pl.Series) -> tuple[np.ndarray, dict[int, str]]:
    """RW/RT as sortable integers: "003", " 3" and 3 are all 3 (label "003"); text ("3A",
    "II") follows the numbers in alphabetical order; a missing one sorts last. Worked out on
    the distinct values (a few hundred) and mapped back. Returns the codes and the labels of
    the text codes."""
    column = column.cast(pl.Utf8)
    distinct = column.unique().drop_nulls()
    text = distinct.str.strip_chars()
    num = text.cast(pl.Int64, strict=False).clip(0, _AREA_TEXT - 1)
    label = text.str.to_uppercase()
    is_word = num.is_null() & (text != "")
    words = sorted(set(label.filter(is_word).to_list()))
    labels = {_AREA_TEXT + i: w for i, w in enumerate(words)}
    word_code = {w: c for c, w in labels.items()}
    codes = [
        int(nv) if nv is not None else word_code.get(lv, _AREA_NULL)
        for nv, lv in zip(num.to_list(), label.to_list(), strict=True)
    ]
    mapped = column.replace_strict(
        distinct, pl.Series(codes, dtype=pl.Int64), default=_AREA_NULL, return_dtype=pl.Int64
    )
    return mapped.to_numpy(), labels


def _area_label(code: int, labels: dict[int, str]) -> str | None:
    if code >= _AREA_NULL:
        return None
    if code >= _AREA_TEXT:
        return labels[code]
    return f"{code:03d}"


def _kelurahan_codes(column: pl.Series) -> np.ndarray:
    """The kelurahan code of each voter as a 10-digit integer; dotted or not, on the distinct
    values. ValueError naming the first bad one."""
    column = column.cast(pl.Utf8)
    distinct = column.unique().drop_nulls()
    text = distinct.str.strip_chars()
    norm = text.str.replace_all(".", "", literal=True)
    good = text.str.contains(r"^(?:[0-9]{10}|[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4})$")
    if column.null_count() or not good.all():
        ok = column.replace_strict(distinct, good, default=False, return_dtype=pl.Boolean)
        ok = ok.fill_null(False)
        n_bad = int((~ok).sum())
        first = column.filter(~ok)[0]
        raise ValueError(
            f"{n_bad} voter(s) have no valid 10-digit kelurahan code (first: {first!r})"
        )
    return column.replace_strict(distinct, norm.cast(pl.Int64), return_dtype=pl.Int64).to_numpy()


def _prepare(voters: pl.DataFrame, cap: int) -> _Prepared:
    if not isinstance(voters, pl.DataFrame):
        raise TypeError("voters must be a polars DataFrame")
    missing = [c for c in _REQUIRED if c not in voters.columns]
    if missing:
        raise ValueError(f"voters lack the column(s) {', '.join(missing)}")
    voter_id = voters["voter_id"]
    if voter_id.null_count():
        raise ValueError("voter_id must not be empty")
    if voter_id.n_unique() != voters.height:
        raise ValueError("voter_id must be unique")
    alamat = (
        voters["alamat"].cast(pl.Utf8)
        if "alamat" in voters.columns
        else pl.Series("alamat", [None] * voters.height, dtype=pl.Utf8)
    )
    kel_raw = _kelurahan_codes(voters["kelurahan_code"])
    rw, rw_labels = _area_codes(voters["rw"])
    rt, rt_labels = _area_codes(voters["rt"])
    area_raw = rw * (1 << _AREA_SHIFT) + rt
    # Family key: a 16-digit NKK as an integer; anything else (a damaged NKK, or none: a family
    # of one) ranked among the few such keys.
    nkk = voters["nkk"].cast(pl.Utf8).str.strip_chars()
    nkk = pl.select(pl.when(nkk == "").then(None).otherwise(nkk)).to_series().alias("nkk")
    fk = pl.select(
        pl.when(nkk.str.contains(r"^[0-9]{16}$")).then(nkk.cast(pl.Int64, strict=False))
    ).to_series()
    odd = fk.is_null()
    fk_raw = fk.fill_null(-1).to_numpy()
    fr_raw = np.full(voters.height, -1, dtype=np.int64)
    if odd.any():
        keys = pl.select(
            pl.when(nkk.is_null())
            .then(pl.lit("#") + voter_id.cast(pl.Utf8))
            .otherwise(nkk)
            .filter(odd)
        ).to_series()
        fr_raw[odd.to_numpy()] = keys.rank("dense").cast(pl.Int64).to_numpy()
    if voter_id.dtype.is_integer():
        vid_key = voter_id.to_numpy()
    else:
        vid_key = voter_id.rank("ordinal").cast(pl.Int64).to_numpy()
    # Voters grouped by family: kelurahan, family key, voter_id.
    key_order = np.lexsort((vid_key, fr_raw, fk_raw, kel_raw))
    n = key_order.size
    kel_i, fk_i, fk_r = kel_raw[key_order], fk_raw[key_order], fr_raw[key_order]
    area = area_raw[key_order]
    del kel_raw, fk_raw, fr_raw, area_raw, vid_key
    new_fam = np.ones(n, dtype=bool)
    if n > 1:
        new_fam[1:] = (kel_i[1:] != kel_i[:-1]) | (fk_i[1:] != fk_i[:-1]) | (fk_r[1:] != fk_r[:-1])
    fs = np.flatnonzero(new_fam)  # first voter of each family (key order)
    v_fam_key = np.cumsum(new_fam) - 1
    f_size_k = np.diff(np.append(fs, n)).astype(np.int64)
    # A family sits at the RW/RT of most of its members (ties: the first in RW/RT order); its
    # address is that of its first member there (by voter_id).
    f_area_k = area[fs] if n else np.zeros(0, dtype=np.int64)
    f_addr_k = fs.copy()
    if n:
        mixed = np.minimum.reduceat(area, fs) != np.maximum.reduceat(area, fs)
        if mixed.any():
            rows = np.flatnonzero(mixed[v_fam_key])
            sub = pl.DataFrame({"fam": v_fam_key[rows], "area": area[rows], "row": rows})
            mode = (
                sub.group_by("fam", "area")
                .agg(pl.len().alias("n"), pl.col("row").min())
                .sort(["fam", "n", "area"], descending=[False, True, False])
                .unique("fam", keep="first", maintain_order=True)
            )
            f_area_k[mode["fam"].to_numpy()] = mode["area"].to_numpy()
            f_addr_k[mode["fam"].to_numpy()] = mode["row"].to_numpy()
    fam_k = pl.DataFrame(
        {
            "kel_i": kel_i[fs] if n else np.zeros(0, dtype=np.int64),
            "area": f_area_k,
            "alamat": alamat.gather(key_order[f_addr_k]),
            "fk_i": fk_i[fs] if n else np.zeros(0, dtype=np.int64),
            "fk_r": fk_r[fs] if n else np.zeros(0, dtype=np.int64),
        }
    ).with_columns(
        pl.col("alamat").str.replace(r"\s*\bNO\.?\s*[0-9].*$", "").alias("street"),
        pl.col("alamat")
        .str.extract(r"\bNO\.?\s*([0-9]+)", 1)
        .cast(pl.Int64, strict=False)
        .alias("house"),
    )
    # The sequence: kelurahan, RW, RT, street, house number, address, family key.
    seq_of_key = (
        fam_k.with_row_index("k")
        .sort(["kel_i", "area", "street", "house", "alamat", "fk_i", "fk_r"], nulls_last=True)["k"]
        .to_numpy()
        .astype(np.int64)
    )  # family (key order) at each sequence position
    n_fam = seq_of_key.size
    f_seq = np.empty(n_fam, dtype=np.int64)
    f_seq[seq_of_key] = np.arange(n_fam)
    f_size = f_size_k[seq_of_key]
    f_area = f_area_k[seq_of_key]
    f_kel = kel_i[fs][seq_of_key] if n else np.zeros(0, dtype=np.int64)
    f_nkk = nkk.gather(key_order[fs[seq_of_key]]) if n else pl.Series("nkk", [], dtype=pl.Utf8)
    # Voters in sequence order: family sequence, then voter_id (already the order within).
    v_order = np.argsort(f_seq[v_fam_key], kind="stable")
    v_fam = f_seq[v_fam_key][v_order]

    oversize = f_size > cap
    f_first_voter = np.zeros(n_fam, dtype=np.int64)
    f_units = np.where(oversize, f_size, 1)
    f_unit_start = np.zeros(n_fam, dtype=np.int64)
    if n_fam:
        f_first_voter[1:] = np.cumsum(f_size)[:-1]
        f_unit_start[1:] = np.cumsum(f_units)[:-1]
    member = np.arange(n, dtype=np.int64) - f_first_voter[v_fam]
    v_unit = f_unit_start[v_fam] + np.where(oversize[v_fam], member, 0)

    new_kel = np.ones(n_fam, dtype=bool)
    new_rw = np.ones(n_fam, dtype=bool)
    new_rt = np.ones(n_fam, dtype=bool)
    if n_fam > 1:
        new_kel[1:] = f_kel[1:] != f_kel[:-1]
        new_rw[1:] = new_kel[1:] | ((f_area[1:] >> _AREA_SHIFT) != (f_area[:-1] >> _AREA_SHIFT))
        new_rt[1:] = new_kel[1:] | (f_area[1:] != f_area[:-1])
    f_kel_idx = np.cumsum(new_kel) - 1
    f_rw = np.cumsum(new_rw) - 1
    f_rt = np.cumsum(new_rt) - 1

    u_fam = np.repeat(np.arange(n_fam, dtype=np.int64), f_units)
    u_size = np.where(oversize[u_fam], 1, f_size[u_fam]).astype(np.int64)
    u_kel, u_rw, u_rt = f_kel_idx[u_fam], f_rw[u_fam], f_rt[u_fam]
    u_edge = np.full(u_fam.size, EDGE_RW, dtype=np.int8)
    if u_fam.size > 1:
        same_rw = u_rw[1:] == u_rw[:-1]
        same_rt = u_rt[1:] == u_rt[:-1]
        same_fam = u_fam[1:] == u_fam[:-1]
        u_edge[1:] = np.where(
            ~same_rw,
            EDGE_RW,
            np.where(~same_rt, EDGE_RT, np.where(same_fam, EDGE_SPLIT, EDGE_FAMILY)),
        )
    n_kel = int(f_kel_idx[-1]) + 1 if n_fam else 0
    kel_start = np.searchsorted(u_kel, np.arange(n_kel + 1), side="left")
    kel_codes = [f"{int(c):010d}" for c in f_kel[new_kel]]
    return _Prepared(
        voter_ids=voter_id.gather(key_order[v_order]),
        v_unit=v_unit,
        kel_codes=kel_codes,
        f_size=f_size,
        f_nkk=f_nkk,
        f_area=f_area,
        oversize=oversize,
        u_size=u_size,
        u_fam=u_fam,
        u_kel=u_kel,
        u_rt=u_rt,
        u_rw=u_rw,
        u_edge=u_edge,
        kel_start=kel_start,
        area_labels={"rw": rw_labels, "rt": rt_labels},
    )


def _previous_frame(previous: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(previous, pl.DataFrame):
        raise TypeError("previous must be a polars DataFrame")
    if "voter_id" not in previous.columns:
        raise ValueError("previous lacks the column voter_id")
    if "tps_code" in previous.columns:
        code = pl.col("tps_code").cast(pl.Utf8).str.replace_all(".", "", literal=True)
    elif {"kelurahan_code", "tps_number"} <= set(previous.columns):
        code = pl.col("kelurahan_code").cast(pl.Utf8).str.replace_all(
            ".", "", literal=True
        ) + pl.col("tps_number").cast(pl.Utf8).str.zfill(3)
    else:
        raise ValueError("previous needs tps_code (or kelurahan_code and tps_number)")
    out = previous.select(pl.col("voter_id"), code.alias("prev_code")).filter(
        pl.col("prev_code").str.contains(r"^[0-9]{13}$")
    )
    if out["voter_id"].n_unique() != out.height:
        raise ValueError("previous has a voter_id more than once")
    return out


# ============================================================================================
# The cut DP
# ============================================================================================


def _greedy(pos: np.ndarray, cap: int) -> tuple[int, np.ndarray]:
    """Forward greedy over candidate positions: the fewest contiguous chunks of at most
    ``cap`` and the greedy cut indices (fwd[j] = index of the furthest reachable cut)."""
    last = pos.size - 1
    cuts = [0]
    idx = 0
    while idx < last:
        nxt = int(np.searchsorted(pos, pos[idx] + cap, side="right")) - 1
        if nxt <= idx:
            raise AssertionError("a unit larger than the cap")  # units never exceed the cap
        cuts.append(nxt)
        idx = nxt
    return len(cuts) - 1, np.asarray(cuts, dtype=np.int64)


def _windows(pos: np.ndarray, k: int, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """For ``k`` chunks, the index window [lo[j], hi[j]] of cut j (j = 0..k): cut j lies at or
    after the backward-greedy position of the last k-j chunks and at or before the
    forward-greedy position of the first j chunks; every chunk holds at least one unit."""
    last = pos.size - 1
    fwd = np.empty(k + 1, dtype=np.int64)
    fwd[0] = 0
    for j in range(1, k + 1):
        fwd[j] = int(np.searchsorted(pos, pos[fwd[j - 1]] + cap, side="right")) - 1
    bwd = np.empty(k + 1, dtype=np.int64)
    bwd[0] = last
    for m in range(1, k + 1):
        bwd[m] = int(np.searchsorted(pos, pos[bwd[m - 1]] - cap, side="left"))
    j = np.arange(k + 1)
    lo = np.maximum(bwd[k - j], j)
    hi = np.minimum(fwd, last - (k - j))
    lo[0] = hi[0] = 0
    lo[k] = hi[k] = last
    return lo, hi


def _range_min(values: np.ndarray, left: np.ndarray, right: np.ndarray):
    """Minimum and its (leftmost) index of ``values[left[i] : right[i] + 1]`` for every i,
    by a sparse table. ``left <= right`` must hold."""
    n = values.size
    levels_v = [values]
    levels_i = [np.arange(n, dtype=np.int64)]
    width = 1
    while 2 * width <= n:
        pv, pi = levels_v[-1], levels_i[-1]
        a, b = pv[:-width], pv[width:]
        right_better = b < a
        levels_v.append(np.where(right_better, b, a))
        levels_i.append(np.where(right_better, pi[width:], pi[:-width]))
        width *= 2
    length = right - left + 1
    level = np.floor(np.log2(length)).astype(np.int64)
    # guard against float rounding at exact powers of two
    level = np.where((1 << (level + 1)) <= length, level + 1, level)
    level = np.where((1 << level) > length, level - 1, level)
    out_v = np.empty(left.size, dtype=np.int64)
    out_i = np.empty(left.size, dtype=np.int64)
    for lev in np.flatnonzero(np.bincount(level)):
        sel = level == lev
        vv, ii = levels_v[lev], levels_i[lev]
        a_pos = left[sel]
        b_pos = right[sel] - (1 << int(lev)) + 1
        av, bv = vv[a_pos], vv[b_pos]
        right_better = bv < av
        out_v[sel] = np.where(right_better, bv, av)
        out_i[sel] = np.where(right_better, ii[b_pos], ii[a_pos])
    return out_v, out_i


def _cut_dp(pos, edge_cost, k, cap, min_chunk, stage_cost, windows=None):
    """Cut the sequence (candidate cut positions ``pos``, cumulative voters, pos[0] = 0) into
    ``k`` chunks of at most ``cap`` voters and at least ``min_chunk[j]`` (chunk j = 1..k),
    minimising sum of ``edge_cost[i] + stage_cost(j, lo, hi)[i - lo]`` over the cuts.
    Returns the k-1 cut indices, or None if no cut meets the constraints."""
    last = pos.size - 1
    if k == 1:
        return np.zeros(0, dtype=np.int64) if pos[last] <= cap else None
    lo, hi = windows if windows is not None else _windows(pos, k, cap)
    if np.any(lo > hi):
        return None
    prev_lo, prev_hi = 0, 0
    prev_dp = np.zeros(1, dtype=np.int64)
    back: list[np.ndarray] = []
    for j in range(1, k + 1):
        a, b = int(lo[j]), int(hi[j])
        x = pos[a : b + 1]
        kl = np.maximum(np.searchsorted(pos, x - cap, side="left"), prev_lo)
        kr = np.minimum(np.searchsorted(pos, x - min_chunk[j], side="right") - 1, prev_hi)
        ok = kl <= kr
        ql = np.where(ok, kl - prev_lo, 0)
        qr = np.where(ok, kr - prev_lo, 0)
        val, arg = _range_min(prev_dp, ql, qr)
        ok &= val < _INF
        if j < k:
            val = val + edge_cost[a : b + 1] + stage_cost(j, a, b)
        dp = np.where(ok, val, _INF)
        back.append(arg + prev_lo)
        prev_lo, prev_hi, prev_dp = a, b, dp
    if prev_dp[0] >= _INF:
        return None
    cuts = np.empty(k - 1, dtype=np.int64)
    i = last
    for j in range(k, 1, -1):
        i = int(back[j - 1][i - int(lo[j])])
        cuts[j - 2] = i
    return cuts


def _scratch_costs(k: int, cap: int) -> np.ndarray:
    """Cost of a cut by its edge class, from scratch: lexicographic weights, each above the
    largest possible sum of everything below it over the k-1 cuts. Below all of them is the
    balance term, at most ``cap`` per cut."""
    w_rw = k * (cap + 1)  # a cut that is not on an RW edge
    w_re = (k + 1) * w_rw  # a cut that needs the families of an RT reordered
    w_rt = (k + 1) * w_re  # an RT split
    w_fam = (k + 2) * w_rt  # a family split
    if (k + 1) * (w_fam + w_rt + w_re + w_rw + cap) >= int(_INF):
        raise ValueError("too many TPS in one kelurahan for the cut DP's integer costs")
    return np.array([0, w_rw, w_rw + w_rt, w_rw + w_rt + w_fam, w_rw + w_rt + w_re], dtype=np.int64)


def _chunks_of(cuts: np.ndarray, n_units: int) -> np.ndarray:
    """Chunk index (0-based) of each unit given the cut indices (cut i is before unit i)."""
    return np.searchsorted(cuts, np.arange(n_units), side="right")


# ============================================================================================
# One kelurahan from scratch
# ============================================================================================


@dataclass
class _KelResult:
    chunk: np.ndarray  # chunk (0-based) of each unit, in the kelurahan's unit order
    order: np.ndarray | None  # new unit order (a permutation) when RTs were reordered
    method: str
    rts_reordered: int = 0


def _balanced_cost(n: int, k: int, cap: int):
    """Distance of a cut from the balanced position j*n/k, capped at ``cap``."""

    def cost(j: int, pos_slice: np.ndarray) -> np.ndarray:
        target = (2 * j * n + k) // (2 * k)
        return np.minimum(np.abs(pos_slice - target), cap)

    return cost


def _scratch_kelurahan(sizes, edge, rt, cap, min_size) -> _KelResult:
    m = sizes.size
    pos = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(sizes, out=pos[1:])
    n = int(pos[-1])
    k_min = -(-n // cap)
    k, _ = _greedy(pos, cap)
    method = "dp"
    if k > k_min:
        reordered = _scratch_reorder(sizes, edge, rt, pos, k_min, n, cap, min_size)
        if reordered is not None:
            return reordered
        method = "dp-contiguous-plus"
    cuts = _solve_scratch(pos, edge, k, n, cap, min_size)
    return _KelResult(chunk=_chunks_of(cuts, m), order=None, method=method)


def _solve_scratch(pos, edge, k, n, cap, min_size):
    ecost = np.zeros(pos.size, dtype=np.int64)
    ecost[1:-1] = _scratch_costs(k, cap)[edge[1 : pos.size - 1]]
    balanced = _balanced_cost(n, k, cap)

    def stage(j, a, b):
        return balanced(j, pos[a : b + 1])

    windows = _windows(pos, k, cap)
    floor = min(min_size, n // k) if k > 1 else 1
    cuts = _cut_dp(pos, ecost, k, cap, np.full(k + 1, max(floor, 1)), stage, windows)
    if cuts is None:
        cuts = _cut_dp(pos, ecost, k, cap, np.ones(k + 1, dtype=np.int64), stage, windows)
    if cuts is None:
        raise AssertionError("cut DP infeasible with the greedy count")
    return cuts


def _scratch_reorder(sizes, edge, rt, pos, k, n, cap, min_size):
    """Reach ``k = ceil(n/cap)`` by cutting inside RTs at any voter position, realised by
    reordering whole families within the RT. None if the DP or the realisation fails."""
    # Voter-granular candidate positions 0..n; unit edges keep their class, positions inside a
    # family are EDGE_REORDER.
    vedge = np.full(n, EDGE_REORDER, dtype=np.int8)
    vedge[pos[1:-1]] = edge[1:]
    vpos = np.arange(n + 1, dtype=np.int64)
    try:
        cuts_v = _solve_scratch(vpos, vedge, k, n, cap, min_size)
    except AssertionError:
        return None
    inside = ~np.isin(cuts_v, pos)
    if not inside.any():  # cannot happen (the contiguous minimum was larger), but be safe
        return _KelResult(
            chunk=_chunks_of(np.searchsorted(pos, cuts_v), sizes.size), order=None, method="dp"
        )
    order = np.arange(sizes.size, dtype=np.int64)
    unit_of_cut = np.searchsorted(pos, cuts_v[inside], side="right") - 1
    rts = np.unique(rt[unit_of_cut])
    for r in rts:
        ua = int(np.searchsorted(rt, r, side="left"))
        ub = int(np.searchsorted(rt, r, side="right"))
        start, end = int(pos[ua]), int(pos[ub])
        offsets = cuts_v[(cuts_v > start) & (cuts_v < end)] - start
        targets = np.diff(np.concatenate([[0], offsets, [end - start]]))
        new = _partition_exact(list(range(ua, ub)), sizes[ua:ub].tolist(), targets.tolist())
        if new is None:
            return None
        order[ua:ub] = new
    new_pos = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes[order], out=new_pos[1:])
    cut_idx = np.searchsorted(new_pos, cuts_v)
    if not np.array_equal(new_pos[cut_idx], cuts_v):
        return None
    chunk_in_order = _chunks_of(cut_idx, sizes.size)
    chunk = np.empty(sizes.size, dtype=np.int64)
    chunk[order] = chunk_in_order
    return _KelResult(chunk=chunk, order=order, method="dp-reorder", rts_reordered=int(rts.size))


def _partition_exact(items: list[int], sizes: list[int], targets: list[int]) -> list[int] | None:
    """Split ``items`` (the families of one RT, in order) into consecutive groups whose sizes
    are exactly ``targets``, disturbing the order as little as possible: each group is a
    subset of the families left whose sum is its target, chosen with the smallest possible
    last index (so only families near the cut change sides). None if no subset exists."""
    remaining = list(zip(items, sizes, strict=True))
    out: list[int] = []
    for target in targets[:-1]:
        pick = _subset_sum([s for _, s in remaining], target)
        if pick is None:
            return None
        chosen = set(pick)
        out.extend(remaining[i][0] for i in pick)
        remaining = [r for i, r in enumerate(remaining) if i not in chosen]
    if sum(s for _, s in remaining) != targets[-1]:
        return None
    out.extend(item for item, _ in remaining)
    return out


def _subset_sum(sizes: list[int], target: int) -> list[int] | None:
    """Indices of a subset of ``sizes`` adding up to ``target``, preferring earlier items."""
    mask = (1 << (target + 1)) - 1
    reach = [1]
    for s in sizes:
        reach.append((reach[-1] | (reach[-1] << s)) & mask)
    if not (reach[-1] >> target) & 1:
        return None
    pick = []
    t = target
    for i in range(len(sizes) - 1, -1, -1):
        if t == 0:
            break
        if (reach[i] >> t) & 1:
            continue
        pick.append(i)
        t -= sizes[i]
    return sorted(pick)


# ============================================================================================
# One kelurahan on a re-run
# ============================================================================================


def _recut_kelurahan(sizes, edge, weight, rank, n_old, k, cap, new_min):
    """Re-cut a kelurahan into ``k`` contiguous chunks: its ``n_old`` existing TPS, in chain
    order, and ``k - n_old`` new ones placed wherever they cost least.

    Minimises, lexicographically, family splits, voters moved, RT splits and cuts off RW
    edges. ``rank[u]`` (1..n_old) is the existing TPS that unit u was in and ``weight[u]`` how
    many of its voters were there (0 for new voters). With ``e`` new chunks among the first
    j, the chunks up to cut j hold the existing TPS of rank <= j - e, so cut j costs the
    weight on its wrong side: units before it of a higher rank plus units after it of a lower
    or equal one. Summed over the cuts that counts each voter once per TPS boundary between
    its old and its new TPS: exactly the moved voters when nobody moves past a neighbouring
    TPS, an upper bound otherwise. A DP layer per number of new chunks so far finds where the
    new TPS go. Returns (chunk of each unit 0-based, is_new per chunk)."""
    m = sizes.size
    extra = k - n_old
    pos = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(sizes, out=pos[1:])
    n = int(pos[-1])
    w_rw = 1
    w_rt = k + 1
    w_move = (k + 1) ** 2
    w_fam = w_move * (n * k + 1)
    if (k + 1) * (w_fam + w_move * n + w_rt + w_rw) >= int(_INF):
        raise ValueError("too many TPS in one kelurahan for the cut DP's integer costs")
    table = np.array([0, w_rw, w_rw + w_rt, w_rw + w_rt + w_fam, w_rw + w_rt], dtype=np.int64)
    ecost = np.zeros(m + 1, dtype=np.int64)
    ecost[1:-1] = table[edge[1:]]
    lo, hi = _windows(pos, k, cap)
    if np.any(lo > hi):
        raise AssertionError("re-cut windows empty")
    weight = weight.astype(np.int64)
    rank = rank.astype(np.int64)
    pref_w = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(weight, out=pref_w[1:])
    w_le = np.cumsum(np.bincount(rank, weights=weight, minlength=n_old + 1)).astype(np.int64)

    def moves(j: int, e: int, a: int, b: int) -> np.ndarray:
        """Moved-voter cost of cut j at candidates a..b when e of the first j chunks are new."""
        t = j - e  # existing TPS of rank <= t lie before the cut
        before = np.bincount(rank[:a], weights=weight[:a], minlength=n_old + 1)
        a_le = int(before[: t + 1].sum())
        base = pref_w[a] - a_le + (w_le[min(t, n_old)] - a_le)
        delta = np.where(rank[a:b] > t, weight[a:b], -weight[a:b])
        cost = np.empty(b - a + 1, dtype=np.int64)
        cost[0] = base
        np.cumsum(delta, out=cost[1:])
        cost[1:] += base
        return cost

    layers = extra + 1
    prev = [np.full(1, _INF, dtype=np.int64) for _ in range(layers)]
    prev[0][0] = 0
    prev_lo, prev_hi = 0, 0
    back = []  # per stage: (arg per layer, came_from_new per layer)
    for j in range(1, k + 1):
        a, b = int(lo[j]), int(hi[j])
        x = pos[a : b + 1]
        kl = np.maximum(np.searchsorted(pos, x - cap, side="left"), prev_lo)
        kr_old = np.minimum(np.searchsorted(pos, x - 1, side="right") - 1, prev_hi)
        kr_new = np.minimum(np.searchsorted(pos, x - new_min, side="right") - 1, prev_hi)
        cur, args, flags = [], [], []
        for e in range(layers):
            best = np.full(b - a + 1, _INF, dtype=np.int64)
            arg = np.zeros(b - a + 1, dtype=np.int64)
            flag = np.zeros(b - a + 1, dtype=bool)
            if 1 <= j - e <= n_old:  # chunk j is an existing TPS
                ok = kl <= kr_old
                val, where = _range_min(
                    prev[e], np.where(ok, kl - prev_lo, 0), np.where(ok, kr_old - prev_lo, 0)
                )
                take = ok & (val < best)
                best = np.where(take, val, best)
                arg = np.where(take, where + prev_lo, arg)
            if e >= 1:  # chunk j is new
                ok = kl <= kr_new
                val, where = _range_min(
                    prev[e - 1], np.where(ok, kl - prev_lo, 0), np.where(ok, kr_new - prev_lo, 0)
                )
                take = ok & (val < best)
                best = np.where(take, val, best)
                arg = np.where(take, where + prev_lo, arg)
                flag = np.where(take, True, flag)
            if j < k:
                finite = best < _INF
                add = ecost[a : b + 1] + w_move * moves(j, e, a, b)
                best = np.where(finite, best + add, _INF)
            cur.append(best)
            args.append(arg)
            flags.append(flag)
        back.append((args, flags))
        prev, prev_lo, prev_hi = cur, a, b
    if prev[extra][0] >= _INF:
        return None
    cuts = np.empty(k - 1, dtype=np.int64)
    is_new = np.zeros(k, dtype=bool)
    i, e = m, extra
    for j in range(k, 0, -1):
        args, flags = back[j - 1]
        off = i - int(lo[j])
        came_new = bool(flags[e][off])
        is_new[j - 1] = came_new
        i = int(args[e][off])
        if came_new:
            e -= 1
        if j > 1:
            cuts[j - 2] = i
    return _chunks_of(cuts, m), is_new


# ============================================================================================
# The whole plan
# ============================================================================================


class _Former:
    def __init__(self, p: _Prepared, cap: int, min_size: int, prev: pl.DataFrame | None):
        self.p = p
        self.cap = cap
        self.min_size = min_size
        self.prev = prev
        n_units = p.u_size.size
        self.u_number = np.zeros(n_units, dtype=np.int64)
        self.u_order = np.arange(n_units, dtype=np.int64)  # final sequence position
        n_kel = len(p.kel_codes)
        self.kel_method = ["dp"] * n_kel
        self.kel_reordered = np.zeros(n_kel, dtype=np.int64)

    # ---- driver ----------------------------------------------------------------------------

    def run(self) -> TpsPlan:
        p = self.p
        if self.prev is None:
            for kel in range(len(p.kel_codes)):
                self._scratch(kel)
            extra = None
        else:
            extra = self._rerun()
        return self._build(extra)

    def _slice(self, kel: int) -> tuple[int, int]:
        return int(self.p.kel_start[kel]), int(self.p.kel_start[kel + 1])

    def _scratch(self, kel: int) -> None:
        p = self.p
        a, b = self._slice(kel)
        sizes = p.u_size[a:b]
        n = int(sizes.sum())
        if tps_needed(n, self.cap) > TPS_LAST_ORDINARY:
            raise ValueError(
                f"kelurahan {p.kel_codes[kel]} has {n} voters: more than "
                f"{TPS_LAST_ORDINARY} TPS of {self.cap}"
            )
        res = _scratch_kelurahan(sizes, p.u_edge[a:b], p.u_rt[a:b], self.cap, self.min_size)
        number = res.chunk + 1
        if number.max() > TPS_LAST_ORDINARY:
            raise ValueError(
                f"kelurahan {p.kel_codes[kel]} would need TPS numbers above {TPS_LAST_ORDINARY}"
            )
        self.u_number[a:b] = number
        if res.order is not None:
            # final sequence position of each unit
            self.u_order[a + res.order] = np.arange(a, b, dtype=np.int64)
        self.kel_method[kel] = res.method
        self.kel_reordered[kel] = res.rts_reordered

    # ---- re-run ----------------------------------------------------------------------------

    def _rerun(self) -> dict:
        p, cap = self.p, self.cap
        n_units = p.u_size.size
        prev = self.prev.select(
            "voter_id",
            "prev_code",
            pl.col("prev_code").str.slice(0, 10).cast(pl.Int64).alias("kel"),
            pl.col("prev_code").str.slice(10, 3).cast(pl.Int64).alias("num"),
        )
        joined = pl.DataFrame({"voter_id": p.voter_ids}).join(
            prev, on="voter_id", how="left", maintain_order="left"
        )
        self.v_prev_code = joined["prev_code"]
        kel_int = np.array([int(c) for c in p.kel_codes], dtype=np.int64)
        v_kel = kel_int[p.u_kel[p.v_unit]] if p.v_unit.size else np.zeros(0, dtype=np.int64)
        prev_kel = joined["kel"].fill_null(-1).to_numpy()
        prev_num = joined["num"].fill_null(0).to_numpy()
        valid = (prev_kel == v_kel) & (prev_num >= 1) & (prev_num <= TPS_LAST_ORDINARY)
        pn = np.where(valid, prev_num, 0)
        # Home of each unit: the previous TPS of most of its voters (ties: lower number).
        home = np.zeros(n_units, dtype=np.int64)
        weight = np.zeros(n_units, dtype=np.int64)
        if n_units:
            starts = np.searchsorted(p.v_unit, np.arange(n_units))
            hi = np.maximum.reduceat(pn, starts)
            lo = np.minimum.reduceat(np.where(pn > 0, pn, TPS_SPECIAL_FROM), starts)
            count = np.add.reduceat((pn > 0).astype(np.int64), starts)
            same = (hi > 0) & (hi == lo)
            home[same] = hi[same]
            weight[same] = count[same]
            mixed = (hi > 0) & (hi != lo)
            if mixed.any():
                rows = np.flatnonzero(mixed[p.v_unit] & (pn > 0))
                homes = (
                    pl.DataFrame({"unit": p.v_unit[rows], "prev_num": pn[rows]})
                    .group_by("unit", "prev_num")
                    .agg(pl.len().alias("w"))
                    .sort(["unit", "w", "prev_num"], descending=[False, True, False])
                    .unique("unit", keep="first", maintain_order=True)
                )
                hu = homes["unit"].to_numpy()
                home[hu] = homes["prev_num"].to_numpy()
                weight[hu] = homes["w"].to_numpy()
        old = home > 0
        size = p.u_size
        # Global TPS key: kel * 1000 + number.
        key = p.u_kel * 1000 + home
        n_keys = (len(p.kel_codes) + 1) * 1000
        load = np.bincount(key[old], weights=size[old], minlength=n_keys).astype(np.int64)

        # New units: family TPS (done above through the unit), else RT TPS, else neighbours.
        placed = old.copy()
        units = pl.DataFrame(
            {
                "u": np.arange(n_units),
                "kel": p.u_kel,
                "rt": p.u_rt,
                "home": np.where(old, home, 0),
                "size": size,
            }
        )
        rt_tps = (
            units.filter(pl.col("home") > 0)
            .group_by("rt", "home")
            .agg(pl.col("size").sum().alias("s"))
            .sort(["rt", "s", "home"], descending=[False, True, False])
            .with_columns(pl.int_range(pl.len()).over("rt").alias("r"))
        )
        candidates = []
        for r in range(3):
            c = np.zeros(n_units, dtype=np.int64)
            sub = rt_tps.filter(pl.col("r") == r).select("rt", "home")
            if sub.height:
                tab = np.zeros(int(p.u_rt.max()) + 1 if n_units else 1, dtype=np.int64)
                tab[sub["rt"].to_numpy()] = sub["home"].to_numpy()
                c = tab[p.u_rt]
            candidates.append(c)
        nb = units.select(
            pl.when(pl.col("home") > 0).then(pl.col("home")).otherwise(None).alias("h"), "kel"
        )
        prev_nb = nb.select(pl.col("h").forward_fill().over("kel"))["h"].fill_null(0)
        next_nb = nb.select(pl.col("h").backward_fill().over("kel"))["h"].fill_null(0)
        candidates += [prev_nb.to_numpy().astype(np.int64), next_nb.to_numpy().astype(np.int64)]
        # Last, the TPS on either side of that one in the kelurahan's chain of TPS (ordered by
        # the median sequence position of their voters): the next-door neighbours.
        chain = (
            pl.DataFrame({"kel": p.u_kel[old], "home": home[old], "u": np.flatnonzero(old)})
            .group_by("kel", "home")
            .agg(pl.col("u").median().alias("m"))
            .sort("kel", "m", "home")
            .with_columns(
                pl.col("home").shift(1).over("kel").fill_null(0).alias("before"),
                pl.col("home").shift(-1).over("kel").fill_null(0).alias("after"),
            )
        )
        base = np.zeros(n_units, dtype=np.int64)
        for cand in candidates:
            base = np.where(base > 0, base, cand)
        base_key = p.u_kel * 1000 + base
        for side in ("before", "after"):
            table = np.zeros(n_keys, dtype=np.int64)
            table[(chain["kel"] * 1000 + chain["home"]).to_numpy()] = chain[side].to_numpy()
            candidates.append(np.where(base > 0, table[base_key], 0))
        for cand in candidates:
            want = (~placed) & (cand > 0)
            if not want.any():
                continue
            idx = np.flatnonzero(want)
            ckey = p.u_kel[idx] * 1000 + cand[idx]
            order = np.argsort(ckey, kind="stable")  # by TPS, then sequence
            idx, ckey = idx[order], ckey[order]
            s = size[idx]
            csum = np.cumsum(s)
            group_start = np.r_[True, ckey[1:] != ckey[:-1]]
            offset = np.maximum.accumulate(np.where(group_start, csum - s, 0))
            running = csum - offset
            ok = load[ckey] + running <= cap
            # prefix acceptance per TPS: once a unit does not fit, later ones of that TPS wait
            bad = np.where(ok, 0, 1)
            bad_before = np.cumsum(bad) - bad
            group_bad0 = np.maximum.accumulate(np.where(group_start, bad_before, 0))
            ok &= (bad_before - group_bad0) == 0
            acc = idx[ok]
            home[acc] = cand[acc]
            placed[acc] = True
            np.add.at(load, ckey[ok], s[ok])
        # Where a unit that found no room belongs: its RT's TPS, else its neighbours'.
        prefer = home.copy()
        for cand in candidates:
            prefer = np.where(prefer > 0, prefer, cand)
        overflow_keys = np.flatnonzero(load > cap)
        need = np.zeros(len(p.kel_codes), dtype=bool)
        need[overflow_keys // 1000] = True
        need[p.u_kel[~placed]] = True
        has_old = np.zeros(len(p.kel_codes), dtype=bool)
        has_old[p.u_kel[old]] = True
        prev_numbers = (
            self.prev.with_columns(pl.col("prev_code").str.slice(0, 10).alias("kel"))
            .with_columns(pl.col("prev_code").str.slice(10, 3).cast(pl.Int64).alias("num"))
            .filter(pl.col("num") <= TPS_LAST_ORDINARY)
            .select("kel", "num")
            .unique()
        )
        recut = 0
        for kel in range(len(p.kel_codes)):
            a, b = self._slice(kel)
            if not has_old[kel]:
                self._scratch(kel)
                self.kel_method[kel] = "scratch"
                continue
            if not need[kel]:
                self.u_number[a:b] = home[a:b]
                self.kel_method[kel] = "kept"
                continue
            recut += 1
            self._recut(kel, a, b, prefer, weight, old, prev_numbers)
        return {"recut": recut, "prev_numbers": prev_numbers}

    def _recut(self, kel, a, b, home, weight, old, prev_numbers) -> None:
        """Re-cut kelurahan ``kel`` (units a..b). ``home`` is each unit's TPS (old, placed,
        or preferred when it found no room)."""
        p, cap = self.p, self.cap
        sizes = p.u_size[a:b]
        n = int(sizes.sum())
        k_home = home[a:b]
        k_old = old[a:b]
        numbers = np.unique(k_home[k_old])
        # Chain order of the existing TPS: by the median position of their old voters.
        idx = np.arange(b - a)
        medians = np.array([np.median(idx[k_old & (k_home == t)]) for t in numbers])
        chain = numbers[np.lexsort((numbers, medians))]
        rank_of_number = np.zeros(TPS_SPECIAL_FROM, dtype=np.int64)
        rank_of_number[chain] = np.arange(1, chain.size + 1)
        rank = np.where(k_old, rank_of_number[k_home], 0)
        w = np.where(k_old, weight[a:b], 0)
        # The re-cut sequence: the existing TPS as blocks in chain order (each in RW/RT
        # order), new units inside the block of the TPS they belong to. Only the block
        # boundaries move, so a family that moved house keeps its TPS unless it sits where a
        # boundary has to shift. When the blocks' family edges waste so many seats that this
        # needs a TPS more than the plain RW/RT sequence, the plain sequence is used instead.
        blocks = np.lexsort((idx, rank_of_number[k_home]))
        perm, k = blocks, 0
        for order in (blocks, idx):
            pos = np.zeros(b - a + 1, dtype=np.int64)
            np.cumsum(sizes[order], out=pos[1:])
            k_order = max(_greedy(pos, cap)[0], chain.size)
            if k == 0 or k_order < k:
                perm, k = order, k_order
            if k == chain.size:
                break
        g_fam, g_rw, g_rt = p.u_fam[a:b][perm], p.u_rw[a:b][perm], p.u_rt[a:b][perm]
        edge = np.full(perm.size, EDGE_RW, dtype=np.int8)
        if perm.size > 1:
            edge[1:] = np.where(
                g_rw[1:] != g_rw[:-1],
                EDGE_RW,
                np.where(
                    g_rt[1:] != g_rt[:-1],
                    EDGE_RT,
                    np.where(g_fam[1:] == g_fam[:-1], EDGE_SPLIT, EDGE_FAMILY),
                ),
            )
        sizes_p, w_p, rank_p = sizes[perm], w[perm], rank[perm]
        floor = min(self.min_size, n // k)
        result = _recut_kelurahan(sizes_p, edge, w_p, rank_p, chain.size, k, cap, floor)
        if result is None:
            result = _recut_kelurahan(sizes_p, edge, w_p, rank_p, chain.size, k, cap, 1)
        if result is None:
            raise AssertionError("re-cut DP infeasible")
        chunk_p, is_new = result
        chunk = np.empty_like(chunk_p)
        chunk[perm] = chunk_p
        number_of_chunk = np.zeros(k, dtype=np.int64)
        number_of_chunk[~is_new] = chain
        # existing chunks keep their numbers, new ones take the next free numbers
        used = set(prev_numbers.filter(pl.col("kel") == p.kel_codes[kel])["num"].to_list()) | set(
            chain.tolist()
        )
        nxt = max(used) + 1 if used else 1
        for c in np.flatnonzero(is_new):
            while nxt in used and nxt <= TPS_LAST_ORDINARY:
                nxt += 1
            if nxt > TPS_LAST_ORDINARY:
                free = [x for x in range(1, TPS_LAST_ORDINARY + 1) if x not in used]
                if not free:
                    raise ValueError(f"kelurahan {p.kel_codes[kel]}: no free TPS number left")
                nxt = free[0]
            number_of_chunk[c] = nxt
            used.add(nxt)
        self.u_number[a:b] = number_of_chunk[chunk]
        self.kel_method[kel] = "recut"

    # ---- output ----------------------------------------------------------------------------

    def _build(self, extra: dict | None) -> TpsPlan:
        p, cap = self.p, self.cap
        n_kel = len(p.kel_codes)
        kel_series = pl.Series("kelurahan_code", p.kel_codes, dtype=pl.Utf8)
        # Units in output order: kelurahan, TPS number, sequence position.
        order = np.lexsort((self.u_order, self.u_number, p.u_kel))
        u_kel, u_num = p.u_kel[order], self.u_number[order]
        n_units = order.size
        new_tps = np.ones(n_units, dtype=bool)
        if n_units > 1:
            new_tps[1:] = (u_kel[1:] != u_kel[:-1]) | (u_num[1:] != u_num[:-1])
        t_start = np.flatnonzero(new_tps)
        t_end = np.append(t_start[1:], n_units) - 1
        u_tps = np.cumsum(new_tps) - 1  # TPS index of each unit (output order)
        n_tps = t_start.size
        fam_o, rt_o, rw_o = p.u_fam[order], p.u_rt[order], p.u_rw[order]

        def distinct_per_tps(values: np.ndarray) -> np.ndarray:
            pairs = np.unique(u_tps * (int(values.max(initial=0)) + 1) + values)
            return np.bincount(pairs // (int(values.max(initial=0)) + 1), minlength=n_tps)

        t_kel = u_kel[t_start] if n_tps else np.zeros(0, dtype=np.int64)
        t_num = u_num[t_start] if n_tps else np.zeros(0, dtype=np.int64)
        t_voters = np.add.reduceat(p.u_size[order], t_start) if n_tps else t_num
        big = p.oversize[fam_o] if n_units else np.zeros(0, dtype=bool)
        f_area = p.f_area
        first_area = f_area[fam_o[t_start]] if n_tps else t_num
        last_area = f_area[fam_o[t_end]] if n_tps else t_num
        rw_l, rt_l = p.area_labels["rw"], p.area_labels["rt"]
        mask = (1 << _AREA_SHIFT) - 1
        tps = pl.DataFrame(
            {
                "_kel": t_kel,
                "tps_number": t_num.astype(np.int16),
                "voters": t_voters.astype(np.int64),
                "families": distinct_per_tps(fam_o),
                "rts": distinct_per_tps(rt_o),
                "rws": distinct_per_tps(rw_o),
                "rw_first": [_area_label(int(a) >> _AREA_SHIFT, rw_l) for a in first_area],
                "rt_first": [_area_label(int(a) & mask, rt_l) for a in first_area],
                "rw_last": [_area_label(int(a) >> _AREA_SHIFT, rw_l) for a in last_area],
                "rt_last": [_area_label(int(a) & mask, rt_l) for a in last_area],
                "split_families": np.bincount(
                    np.unique(u_tps[big] * (p.f_size.size + 1) + fam_o[big]) // (p.f_size.size + 1),
                    minlength=n_tps,
                ),
            },
            schema_overrides={
                "rw_first": pl.Utf8,
                "rt_first": pl.Utf8,
                "rw_last": pl.Utf8,
                "rt_last": pl.Utf8,
            },
        ).with_columns(_codes(kel_series, "_kel").alias("kelurahan_code"))
        tps = tps.with_columns(
            (pl.col("kelurahan_code") + pl.col("tps_number").cast(pl.Utf8).str.zfill(3)).alias(
                "tps_code"
            )
        )

        # Voters in output order: by their unit's output rank, members in sequence order.
        rank = np.empty(n_units, dtype=np.int64)
        rank[order] = np.arange(n_units)
        v_rank = rank[p.v_unit]
        v_order = np.argsort(v_rank, kind="stable")
        v_tps = u_tps[v_rank[v_order]]
        assignment = pl.DataFrame(
            {"voter_id": p.voter_ids.gather(v_order), "_tps": v_tps}
        ).with_columns(
            pl.lit(tps["kelurahan_code"]).gather(pl.col("_tps")).alias("kelurahan_code"),
            pl.lit(tps["tps_number"]).gather(pl.col("_tps")).alias("tps_number"),
            pl.lit(tps["tps_code"]).gather(pl.col("_tps")).alias("tps_code"),
        )
        cols = ["voter_id", "kelurahan_code", "tps_number", "tps_code"]
        if extra is not None:
            assignment = assignment.with_columns(
                self.v_prev_code.gather(v_order).alias("previous_tps_code")
            ).with_columns(
                (
                    pl.col("previous_tps_code").is_not_null()
                    & (pl.col("previous_tps_code") != pl.col("tps_code"))
                ).alias("moved")
            )
            cols += ["previous_tps_code", "moved"]
        assignment = assignment.select(cols)

        # RTs and families split.
        rt_tps = np.unique(rt_o * (n_tps + 1) + u_tps) if n_units else np.zeros(0, np.int64)
        rt_n = np.bincount(rt_tps // (n_tps + 1), minlength=int(p.u_rt.max(initial=-1)) + 1)
        rt_kel = np.zeros(rt_n.size, dtype=np.int64)
        rt_kel[p.u_rt] = p.u_kel
        present = rt_n > 0
        kel_rts = np.bincount(rt_kel[present], minlength=n_kel)
        kel_rts_split = np.bincount(rt_kel[present & (rt_n > 1)], minlength=n_kel)
        fam_tps = np.unique(fam_o[big] * (n_tps + 1) + u_tps[big])
        fam_n = np.bincount(fam_tps // (n_tps + 1), minlength=p.f_size.size)
        split = np.flatnonzero(fam_n > 1)
        split_kel = p.u_kel[np.searchsorted(p.u_fam, split)] if split.size else split
        families_split = pl.DataFrame(
            {
                "_kel": split_kel.astype(np.int64),
                "nkk": p.f_nkk.gather(split) if split.size else pl.Series([], dtype=pl.Utf8),
                "voters": p.f_size[split].astype(np.int64),
                "tps": fam_n[split].astype(np.int64),
            }
        ).with_columns(_codes(kel_series, "_kel").alias("kelurahan_code"))
        families_split = families_split.select("kelurahan_code", "nkk", "voters", "tps")

        kel_voters = np.bincount(p.u_kel, weights=p.u_size, minlength=n_kel).astype(np.int64)
        kelurahan = pl.DataFrame(
            {
                "kelurahan_code": kel_series,
                "voters": kel_voters,
                "tps": np.bincount(t_kel, minlength=n_kel).astype(np.int64),
                "tps_minimum": (kel_voters + cap - 1) // cap,
                "rts": kel_rts.astype(np.int64),
                "rts_split": kel_rts_split.astype(np.int64),
                "families_split": np.bincount(split_kel, minlength=n_kel).astype(np.int64),
                "rts_reordered": self.kel_reordered,
                "method": pl.Series(self.kel_method, dtype=pl.Utf8),
            }
        )
        tps_cols = [
            "kelurahan_code", "tps_number", "tps_code", "voters", "families", "rts", "rws",
            "rw_first", "rt_first", "rw_last", "rt_last", "split_families",
        ]  # fmt: skip
        moved = moved_kel = new_voters = removed = opened = closed = None
        if extra is not None:
            prev_numbers = extra["prev_numbers"]
            old = prev_numbers.select(
                pl.col("kel").alias("kelurahan_code"),
                pl.col("num").cast(pl.Int16).alias("tps_number"),
            )
            tps = tps.join(
                old.with_columns(pl.lit(False).alias("opened")),
                on=["kelurahan_code", "tps_number"],
                how="left",
                maintain_order="left",
            ).with_columns(pl.col("opened").fill_null(True))
            tps_cols.append("opened")
            opened = int(tps["opened"].sum())
            closed = old.join(
                tps.select("kelurahan_code", "tps_number"),
                on=["kelurahan_code", "tps_number"],
                how="anti",
            ).height
            per_kel = (
                assignment.filter(pl.col("moved"))
                .group_by("kelurahan_code")
                .agg(
                    pl.len().alias("moved"),
                    (pl.col("previous_tps_code").str.slice(0, 10) != pl.col("kelurahan_code"))
                    .sum()
                    .alias("_other"),
                )
            )
            kelurahan = kelurahan.join(
                per_kel, on="kelurahan_code", how="left", maintain_order="left"
            ).with_columns(
                pl.col("moved").fill_null(0).cast(pl.Int64),
                pl.col("_other").fill_null(0).cast(pl.Int64),
            )
            moved = int(kelurahan["moved"].sum())
            moved_kel = int(kelurahan["_other"].sum())
            kelurahan = kelurahan.drop("_other")
            new_voters = int(assignment["previous_tps_code"].null_count())
            removed = self.prev.join(
                assignment.select("voter_id"), on="voter_id", how="anti"
            ).height
        tps_out = tps.select(tps_cols)

        diag = TpsDiagnostics(
            cap=cap,
            voters=int(kel_voters.sum()),
            kelurahan=n_kel,
            tps=n_tps,
            tps_minimum=int(kelurahan["tps_minimum"].sum()),
            kelurahan_above_minimum=int((kelurahan["tps"] > kelurahan["tps_minimum"]).sum()),
            families_split=int(split.size),
            voters_in_split_families=int(p.f_size[split].sum()),
            rts=int(kel_rts.sum()),
            rts_split=int(kel_rts_split.sum()),
            rts_reordered=int(self.kel_reordered.sum()),
            tps_spanning_rws=int((tps_out["rws"] > 1).sum()),
            smallest_tps=int(t_voters.min()) if n_tps else 0,
            largest_tps=int(t_voters.max()) if n_tps else 0,
            moved_voters=moved,
            moved_with_kelurahan=moved_kel,
            new_voters=new_voters,
            removed_voters=removed,
            tps_opened=opened,
            tps_closed=closed,
            kelurahan_recut=extra["recut"] if extra is not None else None,
        )
        return TpsPlan(
            assignment=assignment,
            tps=tps_out,
            kelurahan=kelurahan,
            families_split=families_split,
            diagnostics=diag,
            cap=cap,
        )


def _codes(codes: pl.Series, index: str) -> pl.Expr:
    """The kelurahan code of each row from its index into ``codes``."""
    return pl.lit(codes, dtype=pl.Utf8).gather(pl.col(index))
