"""moves: reads of the voter register — DPTb lists, DPK lists, voter counts per TPS.

Lists are scoped by role and region and masked by default (:mod:`pilkada.core.masking`);
a role with ``voters.view_unmasked`` may ask for the full data, and every unmasked read is
logged with ``log_unmasked_access``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.core.masking import (
    log_unmasked_access,
    mask_address,
    mask_birth_date,
    mask_name,
    mask_nik,
)
from pilkada.engine import moves as rules
from pilkada.schedule.models import Election

from ..models import DpkVoter, Voter, VoterMove
from ..services.moves import DPT_SOURCES, dpt_voters

__all__ = [
    "TpsVoterCount",
    "dpk_rows",
    "dptb_rows",
    "find_voter_for_move",
    "moved_out_q",
    "on_origin_list_q",
    "reason_choices",
    "voter_counts_per_tps",
]


def _is_system(actor) -> bool:
    return actor is None or isinstance(actor, str)


def reason_choices() -> list[tuple[str, str, bool]]:
    """(code, translated label, sudden?) of every reason, in the regulation's order."""
    return [(r.code.value, _(r.label), r.sudden) for r in rules.REASONS.values()]


def reason_label(code: str) -> str:
    try:
        return _(rules.REASONS[rules.MoveReason(code)].label)
    except ValueError:
        return code


def moved_out_q(voter_field: str = "pk") -> Q:
    """Voters with an active DPTb move: off their origin TPS list (for other areas' lists)."""
    active = VoterMove.objects.filter(
        voter_id=OuterRef(voter_field), status=VoterMove.Status.ACTIVE
    )
    return Q(Exists(active))


def on_origin_list_q(voter_field: str = "pk") -> Q:
    """Voters still voting at their own TPS (no active move)."""
    return ~moved_out_q(voter_field)


def _may_unmask(actor, region_code: str | None) -> bool:
    if _is_system(actor):
        return True
    return permissions.can(actor, "voters.view_unmasked", region_code)


# --- search by NIK (the register form) ------------------------------------------------------


def find_voter_for_move(*, actor, election: Election, nik: str) -> dict | None:
    """The DPT record of ``nik`` for an officer registering a move (form A in hand).

    A PPS of the destination must see a voter of another kelurahan, so the search crosses
    the region scope, but only by an exact NIK, only for roles that may register moves,
    and every answer that shows a record is logged as unmasked access. None: not on the DPT.
    """
    if not _is_system(actor):
        permissions.require(actor, "voters.dptb_register", None)
    digits = "".join((nik or "").split())
    if len(digits) != 16 or not digits.isdigit():
        return None
    voters = list(
        dpt_voters(election)
        .filter(nik=digits)
        .only(
            "pk",
            "nik",
            "nama",
            "tanggal_lahir",
            "jenis_kelamin",
            "alamat",
            "rt",
            "rw",
            "kelurahan_code",
            "tps_code",
            "status",
        )
        .order_by("pk")[:2]
    )
    if not voters:
        return None
    voter = voters[0]
    move = (
        VoterMove.objects.filter(voter=voter, status=VoterMove.Status.ACTIVE)
        .order_by("-pk")
        .first()
    )
    log_unmasked_access(
        actor=actor,
        what="voters.dptb_search",
        object_type="voters.voter",
        object_ids=[v.pk for v in voters],
        reason="DPTb registration (form A)",
    )
    return {
        "id": voter.pk,
        "nik": voter.nik,
        "nama": voter.nama,
        "tanggal_lahir": voter.tanggal_lahir,
        "jenis_kelamin": voter.jenis_kelamin,
        "alamat": voter.alamat,
        "rt": voter.rt,
        "rw": voter.rw,
        "kelurahan_code": voter.kelurahan_code,
        "tps_code": voter.tps_code,
        "status": voter.status,
        "twice": len(voters) > 1,
        "active_move": _move_dict(move, voter, unmasked=True) if move else None,
    }


# --- DPTb lists ------------------------------------------------------------------------------


def _move_dict(move: VoterMove, voter: Voter, *, unmasked: bool) -> dict:
    return {
        "id": move.pk,
        "voter_id": voter.pk,
        "nik": voter.nik if unmasked else mask_nik(voter.nik),
        "nama": voter.nama if unmasked else mask_name(voter.nama),
        "jenis_kelamin": voter.jenis_kelamin,
        "reason": move.reason,
        "reason_label": reason_label(move.reason),
        "form_a_number": move.form_a_number,
        "origin_tps": move.origin_tps_code,
        "destination_kelurahan": move.destination_kelurahan_code,
        "destination_tps": move.destination_tps_code,
        "ballot": move.ballot,
        "entitlement": move.entitlement,
        "deadline": move.deadline,
        "status": move.status,
        "registered_by": move.registered_by,
        "registered_on": move.registered_on,
        "cancelled_by": move.cancelled_by,
        "cancelled_on": move.cancelled_on,
    }


def dptb_rows(
    *,
    actor,
    election: Election,
    region_code: str,
    direction: str = "in",
    include_cancelled: bool = False,
    unmasked: bool = False,
    limit: int = 2000,
) -> list[dict]:
    """The moves into (``direction="in"``: the DPTb list of the destination) or out of
    (``"out"``: voters who left the origin TPS list) a region (kelurahan, TPS, or above).

    Needs ``voters.view`` on ``region_code``; rows are filtered again by the actor's scope.
    Masked unless ``unmasked`` and the actor has ``voters.view_unmasked`` (logged).
    """
    if direction not in ("in", "out"):
        raise ValueError("direction must be 'in' or 'out'")
    code = (region_code or "").replace(".", "")
    if not code.isdigit() or len(code) > 13:
        raise ValueError(f"invalid region code {region_code!r}")
    if not _is_system(actor):
        permissions.require(actor, "voters.view", code)
    if direction == "in":
        field = "destination_kelurahan_code" if len(code) <= 10 else "destination_tps_code"
    else:
        field = "origin_kelurahan_code" if len(code) <= 10 else "origin_tps_code"
    qs = VoterMove.objects.filter(election=election, **{f"{field}__startswith": code})
    if not _is_system(actor):
        qs = qs.filter(permissions.scope_q(actor, field))
    if not include_cancelled:
        qs = qs.filter(status=VoterMove.Status.ACTIVE)
    moves = list(
        qs.select_related("voter").order_by(
            "destination_tps_code" if direction == "in" else "origin_tps_code", "pk"
        )[:limit]
    )
    show = unmasked and _may_unmask(actor, code)
    if show and moves:
        log_unmasked_access(
            actor=actor,
            what=f"voters.dptb_list_{direction}",
            object_type="voters.voter",
            object_ids=[m.voter_id for m in moves],
            reason=f"DPTb list {code}",
        )
    return [_move_dict(m, m.voter, unmasked=show) for m in moves]


# --- DPK -------------------------------------------------------------------------------------


def dpk_rows(*, actor, election: Election, tps_code: str, unmasked: bool = False) -> list[dict]:
    """The DPK of a TPS (or every TPS under a region code), masked unless asked and allowed."""
    code = (tps_code or "").replace(".", "")
    if not code.isdigit() or len(code) > 13:
        raise ValueError(f"invalid region code {tps_code!r}")
    if not _is_system(actor) and not (
        permissions.can(actor, "voters.view", code)
        or permissions.can(actor, "voters.dpk_record", code)
    ):
        raise PermissionDenied(f"voters.view: region {code} is outside your scope")
    qs = DpkVoter.objects.filter(election=election, tps_code__startswith=code).order_by(
        "tps_code", "pk"
    )
    rows = list(qs)
    show = unmasked and _may_unmask(actor, code)
    if show and rows:
        log_unmasked_access(
            actor=actor,
            what="voters.dpk_list",
            object_type="voters.dpkvoter",
            object_ids=[r.pk for r in rows],
            reason=f"DPK list {code}",
        )
    return [
        {
            "id": r.pk,
            "tps_code": r.tps_code,
            "nik": r.nik if show else mask_nik(r.nik),
            "nama": r.nama if show else mask_name(r.nama),
            "jenis_kelamin": r.jenis_kelamin,
            "tanggal_lahir": r.tanggal_lahir.isoformat()
            if show
            else mask_birth_date(r.tanggal_lahir),
            "alamat": r.alamat if show else mask_address(r.alamat, r.rt, r.rw),
            "recorded_by": r.recorded_by,
            "recorded_at": r.recorded_at,
        }
        for r in rows
    ]


# --- counts per TPS ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TpsVoterCount:
    """Voters of one TPS. ``dpt``: on the DPT at this TPS (moved-out voters included: they
    stay on the DPT, marked); ``dptb_out``: of them, moved away; ``dptb_in``: moved here;
    ``dpk``: recorded on voting day. Who may vote here: dpt - dptb_out + dptb_in + dpk
    (``voters_here``).

    A row whose ``tps_code`` has 10 digits (``unassigned``) holds the moves into that
    kelurahan whose destination TPS is not set yet.
    """

    tps_code: str
    dpt: int
    dptb_in: int
    dptb_out: int
    dpk: int

    @property
    def unassigned(self) -> bool:
        return len(self.tps_code) == 10

    @property
    def voters_here(self) -> int:
        return self.dpt - self.dptb_out + self.dptb_in + self.dpk

    def as_dict(self) -> dict:
        return {**asdict(self), "voters_here": self.voters_here}


_COUNTS_SQL = """
SELECT code, SUM(dpt), SUM(dptb_in), SUM(dptb_out), SUM(dpk) FROM (
    SELECT tps_code AS code, COUNT(*) AS dpt, 0 AS dptb_in, 0 AS dptb_out, 0 AS dpk
    FROM {voter}
    WHERE election_id = %s AND {kel_range} AND tps_code LIKE %s
      AND source IN ({sources}) AND status <> 'tms'
    GROUP BY tps_code
    UNION ALL
    SELECT COALESCE(destination_tps_code, destination_kelurahan_code), 0, COUNT(*), 0, 0
    FROM {move}
    WHERE election_id = %s AND {dest_range} AND status = 'active' AND {dest_column} LIKE %s
    GROUP BY COALESCE(destination_tps_code, destination_kelurahan_code)
    UNION ALL
    SELECT origin_tps_code, 0, 0, COUNT(*), 0
    FROM {move}
    WHERE election_id = %s AND {origin_range} AND status = 'active' AND origin_tps_code LIKE %s
    GROUP BY origin_tps_code
    UNION ALL
    SELECT tps_code, 0, 0, 0, COUNT(*)
    FROM {dpk}
    WHERE election_id = %s AND {tps_range} AND tps_code LIKE %s
    GROUP BY tps_code
) AS t
GROUP BY code
ORDER BY code
"""


def _range(column: str, prefix: str) -> tuple[str, list[str]]:
    """``column`` in the range of codes starting with the digits ``prefix``, written as
    ``>= lo AND < hi`` so that a b-tree index on (election_id, column) serves it on SQLite
    and PostgreSQL whatever the collation (``LIKE 'x%'`` does not use the index on a
    PostgreSQL database with a non-C collation). The LIKE beside it keeps the exact rule."""
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) > len(prefix):  # "99..." has no upper bound of the same length
        return f"{column} >= %s", [prefix]
    return f"({column} >= %s AND {column} < %s)", [prefix, upper]


def voter_counts_per_tps(
    *, election: Election, region_code: str, actor=None
) -> list[TpsVoterCount]:
    """DPT, DPTb-in, DPTb-out and DPK per TPS under ``region_code`` (a province .. a TPS):
    one grouped SQL query (counts, no personal data). With ``actor``, needs
    ``voters.view_counts`` on the region."""
    code = (region_code or "").replace(".", "")
    if not code.isdigit() or len(code) > 13:
        raise ValueError(f"invalid region code {region_code!r}")
    if actor is not None and not _is_system(actor):
        permissions.require(actor, "voters.view_counts", code)
    like = f"{code}%"
    kel = code[:10]
    kel_range, kel_params = _range("kelurahan_code", kel)
    dest_range, dest_params = _range("destination_kelurahan_code", kel)
    origin_range, origin_params = _range("origin_kelurahan_code", kel)
    tps_range, tps_params = _range("tps_code", code)
    sql = _COUNTS_SQL.format(
        voter=connection.ops.quote_name(Voter._meta.db_table),
        move=connection.ops.quote_name(VoterMove._meta.db_table),
        dpk=connection.ops.quote_name(DpkVoter._meta.db_table),
        sources=", ".join("%s" for _ in DPT_SOURCES),
        kel_range=kel_range,
        dest_range=dest_range,
        origin_range=origin_range,
        tps_range=tps_range,
        # A TPS gets only the moves mapped to it; a kelurahan or above also those not yet
        # mapped to a TPS (rows keyed by the kelurahan code).
        dest_column="destination_tps_code" if len(code) == 13 else "destination_kelurahan_code",
    )
    params = [
        election.pk, *kel_params, like, *[str(s) for s in DPT_SOURCES],
        election.pk, *dest_params, like,
        election.pk, *origin_params, like,
        election.pk, *tps_params, like,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        TpsVoterCount(
            tps_code=row[0],
            dpt=int(row[1]),
            dptb_in=int(row[2]),
            dptb_out=int(row[3]),
            dpk=int(row[4]),
        )
        for row in rows
    ]
