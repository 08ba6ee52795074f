"""Who may do what, and where: the one place that decides.

Every view, API endpoint, command and selector asks here. A permission has two parts:

* the **action**: which roles may perform it (``ACTION_ROLES``);
* the **scope**: the region the action touches must lie inside the user's region. Region
  codes are KPU style (no dots) and a code's parent is its prefix, so "inside" is a prefix
  test: a PPS of 3171011001 may act on 3171011001 and its TPS 3171011001001, never on
  3171011002.

Superusers without a role are system operators: they pass every check (they run setup and
imports from the command line); the audit log records what they do like anyone else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .roles import CODE_LENGTH, ROLE_SCOPE_LEVELS, Role

if TYPE_CHECKING:  # pragma: no cover
    from .models import User

R = Role
ALL_ROLES = frozenset(Role)
KPU = frozenset({R.KPU_PROVINSI, R.KPU_KABKOTA})

# action -> roles that may perform it. Later modules add their actions here, so the whole
# policy can be read (and reviewed by Bawaslu) in one table.
ACTION_ROLES: dict[str, frozenset[str]] = {
    # reads
    "regions.view": ALL_ROLES,
    "schedule.view": ALL_ROLES,
    "audit.view": frozenset({R.KPU_PROVINSI, R.KPU_KABKOTA, R.BAWASLU}),
    "voters.view_counts": ALL_ROLES,
    # writes
    "regions.load": frozenset({R.KPU_PROVINSI}),
    "schedule.edit": frozenset({R.KPU_PROVINSI}),
    "accounts.manage": KPU,
}


def level_of(region_code: str) -> str | None:
    """The level of a KPU-style region code by its length, or None if it has no level."""
    for level, length in CODE_LENGTH.items():
        if len(region_code) == length and region_code.isdigit():
            return level
    return None


def is_operator(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser and not user.role)


def in_scope(user: User, region_code: str | None) -> bool:
    """True when ``region_code`` lies inside the user's region (the same or a descendant).

    ``None`` means "not tied to a region" (e.g. the election's schedule): then any scoped
    user is in scope.
    """
    if is_operator(user):
        return True
    if not user.is_authenticated or not user.role or not user.region_code:
        return False
    if region_code is None:
        return True
    code = region_code.replace(".", "")
    return code.startswith(user.region_code)


def can(user: User, action: str, region_code: str | None = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``region_code``."""
    if action not in ACTION_ROLES:
        raise KeyError(f"unknown action {action!r}: add it to ACTION_ROLES")
    if is_operator(user):
        return True
    if not user.is_authenticated or user.role not in ACTION_ROLES[action]:
        return False
    return in_scope(user, region_code)


def require(user: User, action: str, region_code: str | None = None) -> None:
    """Raise PermissionDenied, with the reason, unless ``can(user, action, region_code)``."""
    if can(user, action, region_code):
        return
    if not user.is_authenticated:
        raise PermissionDenied(f"{action}: login required")
    if user.role not in ACTION_ROLES[action]:
        raise PermissionDenied(f"{action}: role {user.role or '-'} may not do this")
    raise PermissionDenied(
        f"{action}: region {region_code} is outside your scope {user.region_code or '-'}"
    )


def scope_q(user: User, field: str = "code") -> Q:
    """A filter that keeps only rows whose region code ``field`` is inside the user's scope.

    Selectors apply it to every scoped query; an unscoped user gets an always-false filter.
    """
    if is_operator(user):
        return Q()
    if not user.is_authenticated or not user.role or not user.region_code:
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": user.region_code})


def valid_scope(role: str, region_code: str) -> bool:
    """Whether ``region_code`` is at a level the role can be scoped to."""
    level = level_of(region_code)
    return level is not None and level in ROLE_SCOPE_LEVELS.get(role, ())
