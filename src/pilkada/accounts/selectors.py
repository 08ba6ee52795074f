"""Reads of user accounts, scoped: KPU sees the accounts inside its region."""

from __future__ import annotations

from django.db.models import QuerySet

from pilkada.regions.codes import normalize_region_code

from .models import User
from .permissions import can, is_operator, scope_q


def user_list(
    *, viewer: User | None, role: str | None = None, region_code: str | None = None
) -> QuerySet[User]:
    """Accounts the viewer may manage, by region then username.

    ``viewer`` None is the system (the operator's command line) and sees every account,
    operators included; an operator likewise. A KPU officer sees the accounts scoped inside
    its region (never the operators); anyone else sees none. ``region_code`` narrows to a
    subtree, ``role`` to one role.
    """
    qs = User.objects.all()
    if viewer is not None and not is_operator(viewer):
        if not can(viewer, "accounts.manage"):
            return User.objects.none()
        qs = qs.filter(scope_q(viewer, "region_code"))
    if role is not None:
        qs = qs.filter(role=role)
    if region_code is not None:
        qs = qs.filter(region_code__startswith=normalize_region_code(region_code, allow_tps=True))
    return qs.order_by("region_code", "username")
