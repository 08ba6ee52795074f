"""tps: reads of the TPS formation -- voters and ballots per TPS and per kelurahan.

One grouped query per page (voters per kelurahan and TPS; TMS voters are not counted: they
will not be on the DPT), scoped by ``voters.view``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from pilkada.accounts import permissions
from pilkada.engine.tps_formation import ballots_for_tps, tps_needed
from pilkada.regions.codes import normalize_region_code
from pilkada.regions.models import Region
from pilkada.schedule.models import Election

from ..models import Voter
from ..services.tps import tps_max_voters

__all__ = ["KelurahanTps", "TpsOverview", "TpsRow", "tps_overview"]

SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)


@dataclass
class TpsRow:
    code: str
    voters: int

    @property
    def number(self) -> str:
        return self.code[10:]

    @property
    def ballots(self) -> int:
        return ballots_for_tps(self.voters)


@dataclass
class KelurahanTps:
    code: str
    name: str = ""
    voters: int = 0
    unassigned: int = 0
    tps: list[TpsRow] = field(default_factory=list)
    cap: int = 600

    @property
    def tps_count(self) -> int:
        return len(self.tps)

    @property
    def tps_minimum(self) -> int:
        return tps_needed(self.voters, self.cap)

    @property
    def ballots(self) -> int:
        return sum(t.ballots for t in self.tps)

    @property
    def largest(self) -> int:
        return max((t.voters for t in self.tps), default=0)


@dataclass
class TpsOverview:
    region_code: str
    name: str
    cap: int
    kelurahan: list[KelurahanTps]
    crumbs: list[Region]

    @property
    def voters(self) -> int:
        return sum(k.voters for k in self.kelurahan)

    @property
    def tps_count(self) -> int:
        return sum(k.tps_count for k in self.kelurahan)

    @property
    def tps_minimum(self) -> int:
        return sum(k.tps_minimum for k in self.kelurahan)

    @property
    def ballots(self) -> int:
        return sum(k.ballots for k in self.kelurahan)

    @property
    def unassigned(self) -> int:
        return sum(k.unassigned for k in self.kelurahan)

    def as_dict(self) -> dict:
        return {
            "region_code": self.region_code,
            "cap": self.cap,
            "voters": self.voters,
            "tps": self.tps_count,
            "tps_minimum": self.tps_minimum,
            "ballots": self.ballots,
            "unassigned": self.unassigned,
            "kelurahan": [
                {
                    "code": k.code,
                    "name": k.name,
                    "voters": k.voters,
                    "tps": k.tps_count,
                    "tps_minimum": k.tps_minimum,
                    "ballots": k.ballots,
                    "unassigned": k.unassigned,
                }
                for k in self.kelurahan
            ],
        }


def overview_region(*, user, election: Election, region_code: str | None) -> str:
    if region_code:
        code = normalize_region_code(region_code)
    else:
        scope = getattr(user, "region_code", "") or ""
        code = scope[:10] if scope.startswith(election.region_code) else election.region_code
    if not code.startswith(election.region_code):
        code = election.region_code if election.region_code.startswith(code) else code
    if user is not None:
        permissions.require(user, "voters.view", code)
    return code


def tps_overview(*, user, election: Election, region_code: str | None = None) -> TpsOverview:
    """Voters and ballots per TPS of every kelurahan under the region (default: the user's
    scope), from one grouped query. PermissionDenied outside the user's scope."""
    code = overview_region(user=user, election=election, region_code=region_code)
    cap = tps_max_voters()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT kelurahan_code, tps_code, COUNT(*) FROM {Voter._meta.db_table}
            WHERE election_id = %s AND source IN (%s, %s) AND status <> 'tms'
              AND kelurahan_code LIKE %s
            GROUP BY kelurahan_code, tps_code
            ORDER BY kelurahan_code, tps_code
            """,
            [election.pk, *SOURCES, f"{code}%"],
        )
        groups = cursor.fetchall()
    by_kel: dict[str, KelurahanTps] = {}
    for kel, tps, n in groups:
        row = by_kel.setdefault(kel, KelurahanTps(code=kel, cap=cap))
        row.voters += n
        if tps:
            row.tps.append(TpsRow(code=tps, voters=n))
        else:
            row.unassigned += n
    ancestors = [code[:n] for n in (2, 4, 6, 10) if n <= len(code)]
    regions = Region.objects.filter(code__startswith=code, level="kelurahan").values_list(
        "code", "name"
    )
    names = dict(regions)
    for row in by_kel.values():
        row.name = names.get(row.code, "")
    crumbs = list(Region.objects.filter(code__in=ancestors).order_by("code"))
    return TpsOverview(
        region_code=code,
        name=crumbs[-1].name if crumbs else code,
        cap=cap,
        kelurahan=list(by_kel.values()),
        crumbs=crumbs,
    )
