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

from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.regions.codes import level_of as _level_of

from .roles import ROLE_SCOPE_LEVELS, Role

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
    "regions.tps_edit": KPU,  # KPU kab/kota sets the TPS of its city
    "schedule.edit": frozenset({R.KPU_PROVINSI}),
    "accounts.manage": KPU,
    "voters.import": KPU,
    # The voter register (issue 3). Scope still applies: a PPS acts in its kelurahan, a
    # Pantarlih on its TPS area.
    "voters.view": frozenset({*KPU, R.PPK, R.PPS, R.PANTARLIH, R.KPPS, R.BAWASLU}),
    "voters.view_unmasked": frozenset({*KPU, R.PPS, R.PANTARLIH}),  # each view is logged
    "voters.export": frozenset({*KPU, R.BAWASLU}),  # masked unless voters.view_unmasked
    "voters.sync": KPU,
    "voters.review_duplicates": KPU,
    "voters.tps_form": KPU,
    "voters.coklit": frozenset({R.PANTARLIH, R.PPS}),
    "voters.coklit_progress": frozenset({*KPU, R.PPK, R.PPS, R.PANTARLIH, R.BAWASLU}),
    "voters.publish": KPU,  # DPS, DPSHP, DPT (scope decides kab/kota vs provinsi recap)
    "voters.recap_view": frozenset({*KPU, R.PPK, R.PPS, R.BAWASLU, R.AGENCY, R.DUKCAPIL, R.LO}),
    "voters.dps_response_resolve": frozenset({*KPU, R.PPS}),
    "voters.ktp_el_view": frozenset({R.DUKCAPIL, *KPU, R.BAWASLU}),
    "voters.ktp_el_issue": frozenset({R.DUKCAPIL}),
    "voters.dptb_register": frozenset({*KPU, R.PPS}),
    "voters.dpk_record": frozenset({R.KPPS}),
    # Candidacy (issue 4). An LO acts only for its own pair (candidacy.models.PairLiaison):
    # the pair check is in candidacy's selectors and services, on top of these.
    "candidacy.view": ALL_ROLES,  # pairs, their status and the published results
    "candidacy.pair_manage": KPU,  # register pairs, checklist, penetapan, ballot draw
    "candidacy.lists_upload": KPU,  # NIK lists (TNI, Polri, ASN, organisers, party members)
    "candidacy.support_view": frozenset({*KPU, R.PPK, R.PPS, R.BAWASLU, R.LO}),
    "candidacy.support_view_unmasked": frozenset({*KPU, R.PPS}),  # each view is logged
    "candidacy.support_upload": frozenset({*KPU, R.LO}),
    "candidacy.support_verify": KPU,
    "candidacy.verfak": frozenset({R.PPS, *KPU}),
    "candidacy.objection_view": frozenset({*KPU, R.BAWASLU}),
    "candidacy.objection_resolve": KPU,
    "candidacy.recommend": frozenset({R.BAWASLU}),
    "candidacy.recommendation_answer": KPU,
    # Ad hoc bodies (issue 5). KPU kab/kota recruits PPK and PPS; the PPS recruits KPPS and
    # Pantarlih for KPU kab/kota: which body an officer may act on is in adhoc.access, on top.
    "adhoc.view": frozenset({*KPU, R.PPK, R.PPS, R.BAWASLU}),  # applications, NIK masked
    "adhoc.overview": frozenset({*KPU, R.PPK, R.PPS, R.BAWASLU, R.AGENCY}),  # seats, no names
    "adhoc.view_unmasked": frozenset({*KPU, R.PPS}),  # each view is logged
    "adhoc.openings_manage": KPU,
    "adhoc.check": frozenset({*KPU, R.PPS}),  # run the checks, record the document check
    "adhoc.scores": frozenset({*KPU, R.PPS}),  # written test and interview scores, ranking
    "adhoc.seat": frozenset({*KPU, R.PPS}),  # seating (SK) and replacement (PAW)
}


def level_of(region_code: str) -> str | None:
    """The level of a KPU-style region code by its length (ASCII digits only), or None."""
    return _level_of(region_code)


def _active(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_operator(user: User) -> bool:
    return bool(_active(user) and user.is_superuser and not getattr(user, "role", ""))


def has_valid_scope(user: User) -> bool:
    """An active user with a role and a region code at a level the role may hold.

    A user whose stored scope is broken (e.g. "3", which would prefix-match provinces 31-39)
    gets no access at all rather than a wrong one.
    """
    role = getattr(user, "role", "")
    code = getattr(user, "region_code", "")
    return _active(user) and bool(role) and bool(code) and valid_scope(role, code)


def _normalize(region_code: str) -> str | None:
    """The undotted code, or None when malformed (never prefix-match a malformed code)."""
    try:
        return normalize_region_code(region_code, allow_tps=True)
    except InvalidRegionCode:
        return None


def in_scope(user: User, region_code: str | None) -> bool:
    """True when ``region_code`` lies inside the user's region (the same or a descendant).

    ``None`` means "not tied to a region" (e.g. the election's schedule): then any scoped
    user is in scope. A malformed code (wrong length, non-digits, e.g. "31710110010") is
    never in anyone's scope except an operator's.
    """
    if is_operator(user):
        return True
    if not has_valid_scope(user):
        return False
    if region_code is None:
        return True
    code = _normalize(region_code)
    return code is not None and code.startswith(user.region_code)


def can(user: User, action: str, region_code: str | None = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``region_code``."""
    if action not in ACTION_ROLES:
        raise KeyError(f"unknown action {action!r}: add it to ACTION_ROLES")
    if is_operator(user):
        return True
    if not _active(user) or getattr(user, "role", "") not in ACTION_ROLES[action]:
        return False
    return in_scope(user, region_code)


def require(user: User, action: str, region_code: str | None = None) -> None:
    """Raise PermissionDenied, with the reason, unless ``can(user, action, region_code)``."""
    if can(user, action, region_code):
        return
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(f"{action}: login required")
    if not user.is_active:
        raise PermissionDenied(f"{action}: account {user.username} is deactivated")
    if user.role not in ACTION_ROLES[action]:
        raise PermissionDenied(f"{action}: role {user.role or '-'} may not do this")
    if not has_valid_scope(user):
        raise PermissionDenied(
            f"{action}: your region {user.region_code or '-'} is not valid for role {user.role}"
        )
    if region_code is not None and _normalize(region_code) is None:
        raise PermissionDenied(f"{action}: {region_code!r} is not a valid region code")
    raise PermissionDenied(
        f"{action}: region {region_code} is outside your scope {user.region_code or '-'}"
    )


def scope_q(user: User, field: str = "code") -> Q:
    """A filter that keeps only rows whose region code ``field`` is inside the user's scope.

    Selectors apply it to every scoped query; an unscoped user gets an always-false filter.
    """
    if is_operator(user):
        return Q()
    if not has_valid_scope(user):
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": user.region_code})


def valid_scope(role: str, region_code: str) -> bool:
    """Whether ``region_code`` is at a level the role can be scoped to."""
    level = level_of(region_code)
    return level is not None and level in ROLE_SCOPE_LEVELS.get(role, ())
