"""Reads of the synchronisation (DP4 against the previous DPT), scoped by role and region:
counts per region with a drill from the province down to the kelurahan, and the previous
voters missing from the DP4 (masked) for coklit to follow up."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from pilkada.accounts import permissions
from pilkada.core.masking import mask_address, mask_birth_date, mask_nik
from pilkada.regions.models import Region

from ..models import SyncMatch, SyncRegionCount, SyncRun, Voter

__all__ = ["count_rows", "latest_run", "masked_missing", "missing_voters", "region_count"]

VIEW_ACTION = "voters.sync"


def _allowed(user, region_code: str | None) -> bool:
    return user is None or isinstance(user, str) or permissions.can(user, VIEW_ACTION, region_code)


def latest_run(*, election) -> SyncRun | None:
    return SyncRun.objects.filter(election=election).first()


@dataclass
class CountRow:
    code: str
    name: str
    level: str
    counts: SyncRegionCount
    drill: bool


def region_count(*, user, election, region_code: str) -> SyncRegionCount | None:
    if not _allowed(user, region_code):
        raise PermissionDenied(f"{VIEW_ACTION}: region {region_code} is outside your scope")
    run = latest_run(election=election)
    if run is None:
        return None
    return SyncRegionCount.objects.filter(run=run, region_code=region_code).first()


def count_rows(*, user, election, parent: str | None = None) -> list[CountRow]:
    """The counts of the regions directly under ``parent`` (default: the user's own region,
    or the election's), from the last run. Refused outside the user's scope."""
    if parent is None:
        own = getattr(user, "region_code", "") if user is not None else ""
        parent = own if own and own.startswith(election.region_code) else election.region_code
    if not _allowed(user, parent):
        raise PermissionDenied(f"{VIEW_ACTION}: region {parent} is outside your scope")
    run = latest_run(election=election)
    if run is None:
        return []
    regions = list(Region.objects.filter(parent_id=parent).order_by("code"))
    counts = {
        c.region_code: c
        for c in SyncRegionCount.objects.filter(
            run=run, region_code__in=[r.code for r in regions]
        )
    }
    return [
        CountRow(
            code=r.code,
            name=r.name,
            level=r.level,
            counts=counts.get(r.code) or SyncRegionCount(region_code=r.code),
            drill=r.level != "kelurahan",
        )
        for r in regions
    ]


def missing_voters(*, user, election, region_code: str) -> QuerySet[Voter]:
    """Previous-DPT voters missing from the DP4 in ``region_code`` (a kelurahan or higher),
    for coklit follow-up; the caller masks them with :func:`masked_missing`."""
    if not _allowed(user, region_code):
        raise PermissionDenied(f"{VIEW_ACTION}: region {region_code} is outside your scope")
    ids = SyncMatch.objects.filter(
        election=election,
        method=SyncMatch.Method.MISSING,
        kelurahan_code__startswith=region_code,
    ).values("voter_id")
    return Voter.objects.filter(pk__in=ids).order_by("kelurahan_code", "nama", "pk")


def masked_missing(voter: Voter, *, unmasked: bool = False) -> dict:
    """The row shown or exported for a missing previous voter."""
    return {
        "voter_id": voter.pk,
        "nik": voter.nik if unmasked else mask_nik(voter.nik),
        "nama": voter.nama,
        "tanggal_lahir": (
            (voter.tanggal_lahir.isoformat() if voter.tanggal_lahir else "")
            if unmasked
            else mask_birth_date(voter.tanggal_lahir)
        ),
        "alamat": (
            f"{voter.alamat} RT {voter.rt}/RW {voter.rw}"
            if unmasked
            else mask_address(voter.alamat, voter.rt, voter.rw)
        ),
        "kelurahan_code": voter.kelurahan_code,
    }
