"""The overview of the ad hoc bodies (issue 5 part 6): seats, filled and open per body and
area; women among the seated against the 30 % rule; and the TPS still without a full KPPS or
Pantarlih, most urgent first, with the days left before the body's deadline.

Scoped by role and region (``adhoc.overview`` where the permission table has it -- KPU,
PPK, PPS, Bawaslu and agencies, read-only -- else ``adhoc.view``). Counts come from two
grouped queries (openings; active members per area), combined in memory: a province is
some 30,000 areas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Count, Q

from pilkada.accounts.permissions import ACTION_ROLES, scope_q
from pilkada.core import clock
from pilkada.regions.codes import CODE_LENGTH
from pilkada.schedule import selectors as schedule

from ..models import BODY_LEVEL, Body, Member, Opening
from ..rules import keterwakilan_perempuan_terpenuhi
from ..rules_members import batas_pembentukan_kpps, batas_pembentukan_pantarlih
from .members import scoped_prefix

__all__ = [
    "OVERVIEW",
    "AreaRow",
    "UrgentTps",
    "body_deadlines",
    "overview",
    "urgent_tps",
]

#: The read permission of the overview (agencies read it too once the table has it).
OVERVIEW = "adhoc.overview" if "adhoc.overview" in ACTION_ROLES else "adhoc.view"
TPS_BODIES = (Body.KPPS, Body.PANTARLIH)
#: The schedule stage whose first day is the Pantarlih's deadline.
COKLIT_STAGE = "coklit"
COKLIT_ACTION = "voters.coklit"


@dataclass
class AreaRow:
    """One body in one area (``level`` "area"), or summed over a region (``areas`` > 1)."""

    body: str
    region_code: str
    areas: int
    seats: int
    filled: int
    open: int
    women: int
    #: Areas whose seated women meet the 30 % rule (rules.keterwakilan_perempuan_terpenuhi).
    women_met: int
    full: int

    @property
    def women_missed(self) -> int:
        return self.areas - self.women_met

    def as_dict(self) -> dict:
        return {**asdict(self), "women_missed": self.women_missed}


@dataclass
class UrgentTps:
    body: str
    tps_code: str
    seats: int
    filled: int
    missing: int
    deadline: dt.date | None
    days_left: int | None

    @property
    def days_late(self) -> int:
        """Days past the deadline (0 when not past)."""
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    def as_dict(self) -> dict:
        out = asdict(self)
        out["deadline"] = self.deadline.isoformat() if self.deadline else None
        return out


def _area_counts(*, user, election, prefix: str, body: str = "") -> list[AreaRow]:
    """One row per (body, area) inside ``prefix``, in code order."""
    openings = Opening.objects.filter(election=election, region_code__startswith=prefix)
    members = Member.objects.filter(
        election=election, region_code__startswith=prefix, state=Member.State.ACTIVE
    )
    if user is not None:
        openings = openings.filter(scope_q(user, "region_code"))
        members = members.filter(scope_q(user, "region_code"))
    if body:
        openings = openings.filter(body=body)
        members = members.filter(body=body)
    seats = {(b, c): s for b, c, s in openings.values_list("body", "region_code", "seats")}
    seated = {
        (r["body"], r["region_code"]): (r["filled"], r["women"])
        for r in members.values("body", "region_code").annotate(
            filled=Count("id"), women=Count("id", filter=Q(application__jenis_kelamin="P"))
        )
    }
    rows = []
    for key in sorted(seats.keys() | seated.keys()):
        n = seats.get(key, 0)
        filled, women = seated.get(key, (0, 0))
        rows.append(
            AreaRow(
                body=key[0], region_code=key[1], areas=1, seats=n, filled=filled,
                open=max(0, n - filled), women=women,
                women_met=int(keterwakilan_perempuan_terpenuhi(women, n)),
                full=int(filled >= n),
            )
        )  # fmt: skip
    return rows


def _sum(rows: list[AreaRow], *, body: str, region_code: str) -> AreaRow:
    total = AreaRow(body, region_code, 0, 0, 0, 0, 0, 0, 0)
    for r in rows:
        total.areas += r.areas
        total.seats += r.seats
        total.filled += r.filled
        total.open += r.open
        total.women += r.women
        total.women_met += r.women_met
        total.full += r.full
    return total


def _group_length(prefix: str, body: str) -> int:
    """The code length one level below ``prefix``, at most the body's area level."""
    area = CODE_LENGTH[BODY_LEVEL[body]]
    longer = sorted(n for n in set(CODE_LENGTH.values()) if n > len(prefix))
    return min(longer[0] if longer else area, area)


def overview(*, user, election, body: str = "", region_code: str = "", areas: bool = False) -> dict:
    """Seats, filled, open and women per body inside ``region_code`` (default: the user's
    region): ``bodies`` the totals per body; ``groups`` per body the regions one level down
    (drill-down); ``areas`` (when asked) every (body, area) row."""
    prefix = scoped_prefix(user=user, election=election, region_code=region_code, action=OVERVIEW)
    rows = _area_counts(user=user, election=election, prefix=prefix, body=body)
    bodies = [body] if body else list(Body.values)
    out: dict = {"region_code": prefix, "bodies": [], "groups": {}}
    for b in bodies:
        mine = [r for r in rows if r.body == b]
        out["bodies"].append(_sum(mine, body=b, region_code=prefix))
        length = _group_length(prefix, b)
        groups: dict[str, list[AreaRow]] = {}
        for r in mine:
            groups.setdefault(r.region_code[:length], []).append(r)
        out["groups"][b] = [_sum(g, body=b, region_code=code) for code, g in sorted(groups.items())]
    if areas:
        out["areas"] = rows
    return out


def body_deadlines(*, election) -> dict[str, dt.date | None]:
    """The day each TPS body must be complete: KPPS by voting day minus the setting
    (rules_members.batas_pembentukan_kpps), Pantarlih by the first day of coklit (the
    schedule's stage "coklit", else the window of the action voters.coklit)."""
    coklit = next(
        (s.start for s in schedule.stages(election=election) if s.code == COKLIT_STAGE), None
    )
    if coklit is None:
        windows = schedule.action_windows(election=election, action=COKLIT_ACTION)
        coklit = min((w.start for w in windows), default=None)
    return {
        Body.KPPS: batas_pembentukan_kpps(election.voting_day),
        Body.PANTARLIH: batas_pembentukan_pantarlih(coklit),
    }


def urgent_tps(
    *, user, election, body: str = "", region_code: str = "", today: dt.date | None = None,
    limit: int | None = None,
) -> tuple[list[UrgentTps], int]:  # fmt: skip
    """TPS whose KPPS or Pantarlih is not full, most urgent first: the fewest days left
    before the body's deadline (past deadlines first, as negative days), then the most
    seats missing, then the code. Returns ``(rows up to limit, total)``."""
    prefix = scoped_prefix(user=user, election=election, region_code=region_code, action=OVERVIEW)
    day = today or clock.today()
    deadlines = body_deadlines(election=election)
    rows = []
    for b in [body] if body else TPS_BODIES:
        if b not in TPS_BODIES:
            continue
        deadline = deadlines[b]
        days = (deadline - day).days if deadline else None
        for r in _area_counts(user=user, election=election, prefix=prefix, body=b):
            if r.filled < r.seats:
                rows.append(UrgentTps(b, r.region_code, r.seats, r.filled, r.seats - r.filled,
                                      deadline, days))  # fmt: skip
    rows.sort(key=lambda u: (u.days_left is None, u.days_left or 0, -u.missing, u.tps_code, u.body))
    total = len(rows)
    return (rows[:limit] if limit is not None else rows), total
