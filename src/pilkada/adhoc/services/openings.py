"""Openings (formasi) derived from the data: PPK per kecamatan, PPS per kelurahan, KPPS and
Pantarlih per TPS (the Pantarlih count from the TPS's voters), see :mod:`..rules`.

Deriving again (after TPS formation changed the TPS) keeps the openings of areas that still
exist, updates their seats, adds new areas and removes areas that are gone -- unless someone
applied there or was seated there: those stay, with their seats, and are reported.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q

from pilkada.audit.services import record_audit
from pilkada.regions.models import Region, Tps
from pilkada.voters.models import Voter

from ..models import Application, Body, Member, Opening
from ..rules import jumlah_anggota

__all__ = ["derive_openings", "tps_voters"]


def tps_voters(*, election) -> dict[str, int]:
    """Voters per TPS code on the election's current register (DP4 and coklit rows that are
    not TMS, with a TPS)."""
    rows = (
        Voter.objects.filter(election=election, tps_code__isnull=False)
        .filter(source__in=[Voter.Source.DP4, Voter.Source.COKLIT])
        .exclude(status=Voter.Status.TMS)
        .values("tps_code")
        .annotate(n=Count("id"))
    )
    return {r["tps_code"]: r["n"] for r in rows}


def _wanted(*, election) -> dict[tuple[str, str], tuple[int, int | None]]:
    prefix = election.region_code
    wanted: dict[tuple[str, str], tuple[int, int | None]] = {}
    for code in Region.objects.filter(level="kecamatan", code__startswith=prefix).values_list(
        "code", flat=True
    ):
        wanted[(Body.PPK, code)] = (jumlah_anggota(Body.PPK), None)
    for code in Region.objects.filter(level="kelurahan", code__startswith=prefix).values_list(
        "code", flat=True
    ):
        wanted[(Body.PPS, code)] = (jumlah_anggota(Body.PPS), None)
    voters = tps_voters(election=election)
    for code in Tps.objects.filter(code__startswith=prefix).values_list("code", flat=True):
        n = voters.get(code, 0)
        wanted[(Body.KPPS, code)] = (jumlah_anggota(Body.KPPS), n)
        wanted[(Body.PANTARLIH, code)] = (jumlah_anggota(Body.PANTARLIH, tps_voters=n), n)
    return wanted


def derive_openings(*, election, actor) -> dict:
    """Create or update the election's openings from its regions, TPS and register.

    Returns counts: created, updated, unchanged, removed, kept (gone from the data but with
    applications or members), and seats per body."""
    with transaction.atomic():
        wanted = _wanted(election=election)
        existing = {(o.body, o.region_code): o for o in Opening.objects.filter(election=election)}
        created = [
            Opening(election=election, body=b, region_code=c, seats=s, voters=v)
            for (b, c), (s, v) in wanted.items()
            if (b, c) not in existing
        ]
        Opening.objects.bulk_create(created, batch_size=5000)
        changed = []
        for key, opening in existing.items():
            if key in wanted and (opening.seats, opening.voters) != wanted[key]:
                opening.seats, opening.voters = wanted[key]
                changed.append(opening)
        Opening.objects.bulk_update(changed, ["seats", "voters"], batch_size=5000)
        gone = [key for key in existing if key not in wanted]
        used = _areas_in_use(election=election, keys=gone)
        removable = [existing[k].pk for k in gone if k not in used]
        Opening.objects.filter(pk__in=removable).delete()
        seats = {
            body: sum(s for (b, _), (s, _) in wanted.items() if b == body) for body in Body.values
        }
        summary = {
            "created": len(created),
            "updated": len(changed),
            "unchanged": len(existing) - len(changed) - len(gone),
            "removed": len(removable),
            "kept": sorted(f"{b}:{c}" for b, c in used),
            "seats": seats,
            "areas": {body: sum(1 for (b, _) in wanted if b == body) for body in Body.values},
        }
        record_audit(
            actor=actor,
            action="adhoc.openings_derive",
            object_type="schedule.Election",
            object_id=election.pk,
            new=summary,
        )
    return summary


def _areas_in_use(*, election, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    if not keys:
        return set()
    match = Q()
    for body, code in keys:
        match |= Q(body=body, region_code=code)
    used = set(
        Application.objects.filter(match, election=election).values_list("body", "region_code")
    )
    used |= set(Member.objects.filter(match, election=election).values_list("body", "region_code"))
    return used
