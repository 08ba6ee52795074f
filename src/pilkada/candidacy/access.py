"""Who may act for which pair: the region rule of ``accounts.permissions`` plus the pair rule
for liaison officers. An LO (role ``lo``, linked by :class:`~.models.PairLiaison`) acts only
for its own pair and never sees another pair's supporters; every other role is judged by
action and region alone."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role

from .models import Pair, PairLiaison


def liaison_pair_id(user) -> int | None:
    """The pair an LO acts for (None for other users, or an LO not yet linked)."""
    if getattr(user, "role", "") != Role.LO:
        return None
    link = PairLiaison.objects.filter(user=user).values_list("pair_id", flat=True).first()
    return link


def can_for_pair(user, action: str, pair: Pair) -> bool:
    """``permissions.can`` over the election's region, and for an LO: only its own pair."""
    if not permissions.can(user, action, pair.election.region_code):
        return False
    if getattr(user, "role", "") == Role.LO:
        return liaison_pair_id(user) == pair.pk
    return True


def require_for_pair(user, action: str, pair: Pair) -> None:
    """Raise PermissionDenied with the reason unless :func:`can_for_pair`."""
    permissions.require(user, action, pair.election.region_code)
    if getattr(user, "role", "") == Role.LO and liaison_pair_id(user) != pair.pk:
        raise PermissionDenied(f"an LO acts only for its own pair, not for {pair.name}")


def visible_pairs(user, *, election):
    """The pairs ``user`` may see the supporters of (candidacy.support_view): every pair of
    the election, or an LO's own pair only."""
    pairs = Pair.objects.filter(election=election).order_by("ballot_number", "id")
    role = getattr(user, "role", "")
    if permissions.is_operator(user):
        return pairs
    if role not in permissions.ACTION_ROLES["candidacy.support_view"]:
        return pairs.none()
    if role == Role.LO:
        return pairs.filter(pk=liaison_pair_id(user) or 0)
    # KPU, Bawaslu, PPK, PPS: the rows they see are scoped by region in the selectors.
    return pairs
