"""Objections to listed support, as KPU and Bawaslu read them (``candidacy.objection_view``):
the list with its filters, the counts per pair and status, one objection by its receipt.

Scope: an objection lies where its supporter is counted (``Supporter.region_code``, the
kelurahan). A supporter whose kelurahan is unknown (``""``) is seen by the users whose
scope covers the whole election region. ``user=None`` is the system (the command line).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet

from pilkada.accounts import permissions
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code

from ..models import Pair, SupportObjection

VIEW_PERMISSION = "candidacy.objection_view"
STATUSES = tuple(SupportObjection.Status.values)  # open, upheld, dismissed, withdrawn


class BadFilter(ValueError):
    """A filter value that is not a region code, pair or status."""


def _is_system(user) -> bool:
    return user is None or isinstance(user, str)


def _scope_q(user, election) -> Q:
    if _is_system(user) or permissions.is_operator(user):
        return Q()
    if not permissions.has_valid_scope(user):
        return Q(pk__in=[])
    q = Q(supporter__region_code__startswith=user.region_code)
    if election.region_code.startswith(user.region_code):
        q |= Q(supporter__region_code="")
    return q


def _region(user, region_code: str | None) -> str | None:
    if not region_code:
        return None
    try:
        code = normalize_region_code(region_code)
    except InvalidRegionCode:
        raise BadFilter(f"not a region code: {region_code!r}") from None
    if not _is_system(user) and not permissions.in_scope(user, code):
        raise PermissionDenied(f"{VIEW_PERMISSION}: region {code} is outside your scope")
    return code


def _require_view(user) -> None:
    if not _is_system(user):
        permissions.require(user, VIEW_PERMISSION)


def objections(
    *,
    user,
    election,
    pair_id: int | None = None,
    status: str | None = None,
    region_code: str | None = None,
) -> QuerySet[SupportObjection]:
    """The objections ``user`` may see, newest first, filtered by pair, status and area (a
    region code: the objections of supporters counted inside it)."""
    _require_view(user)
    if status and status not in STATUSES:
        raise BadFilter(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    region = _region(user, region_code)
    qs = SupportObjection.objects.filter(election=election).filter(_scope_q(user, election))
    if pair_id:
        qs = qs.filter(pair_id=pair_id)
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(supporter__region_code__startswith=region)
    return qs.select_related("pair", "supporter").order_by("-created_at", "-id")


@dataclass(frozen=True)
class PairCounts:
    pair_id: int
    pair_name: str
    ballot_number: int | None
    open: int
    upheld: int
    dismissed: int
    withdrawn: int

    @property
    def total(self) -> int:
        return self.open + self.upheld + self.dismissed + self.withdrawn

    def as_dict(self) -> dict:
        return {
            "pair": self.pair_id,
            "name": self.pair_name,
            "ballot_number": self.ballot_number,
            "open": self.open,
            "upheld": self.upheld,
            "dismissed": self.dismissed,
            "withdrawn": self.withdrawn,
            "total": self.total,
        }


def objection_counts(
    *, user, election, region_code: str | None = None, pair_id: int | None = None
) -> list[PairCounts]:
    """Objections per pair and status (one grouped query), every independent pair of the
    election listed even with none, in ballot order."""
    _require_view(user)
    region = _region(user, region_code)
    qs = SupportObjection.objects.filter(election=election).filter(_scope_q(user, election))
    if region:
        qs = qs.filter(supporter__region_code__startswith=region)
    grouped = {
        (r["pair_id"], r["status"]): r["n"]
        for r in qs.values("pair_id", "status").annotate(n=Count("id")).order_by()
    }
    pairs = Pair.objects.filter(election=election).filter(
        Q(path=Pair.Path.INDEPENDENT) | Q(pk__in={p for p, _s in grouped})
    )
    if pair_id:
        pairs = pairs.filter(pk=pair_id)
    out = [
        PairCounts(
            pair_id=p.pk,
            pair_name=p.name,
            ballot_number=p.ballot_number,
            **{s: grouped.get((p.pk, s), 0) for s in STATUSES},
        )
        for p in pairs
    ]
    out.sort(key=lambda c: (c.ballot_number is None, c.ballot_number or 0, c.pair_id))
    return out


def get_objection(*, user, election, receipt: str) -> SupportObjection:
    """One objection by its receipt, if ``user`` may see it (else DoesNotExist)."""
    _require_view(user)
    return objections(user=user, election=election).get(receipt=(receipt or "").strip().upper())
