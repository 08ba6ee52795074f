"""Which officer may act on which body, on top of ``accounts.permissions`` (role and region).

UU 10/2016 and PKPU 8/2022: KPU kab/kota forms the PPK and the PPS; the PPS forms the KPPS
(Pasal 21: "dibentuk oleh PPS atas nama KPU Kabupaten/Kota") and recruits the Pantarlih.
KPU Provinsi may act everywhere in its province (it steps in for a kab/kota).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from pilkada.accounts.permissions import can, is_operator
from pilkada.accounts.roles import Role

from .models.bodies import Body

__all__ = ["BODY_RECRUITERS", "can_for_body", "require_for_body"]

#: The roles that recruit, check, rank and seat each body.
BODY_RECRUITERS: dict[str, frozenset[str]] = {
    Body.PPK: frozenset({Role.KPU_PROVINSI, Role.KPU_KABKOTA}),
    Body.PPS: frozenset({Role.KPU_PROVINSI, Role.KPU_KABKOTA}),
    Body.KPPS: frozenset({Role.KPU_PROVINSI, Role.KPU_KABKOTA, Role.PPS}),
    Body.PANTARLIH: frozenset({Role.KPU_PROVINSI, Role.KPU_KABKOTA, Role.PPS}),
}


def can_for_body(user, action: str, *, body: str, region_code: str) -> bool:
    """``action`` (an ``adhoc.*`` permission) on ``body`` in the area ``region_code``."""
    if not can(user, action, region_code):
        return False
    if is_operator(user) or action in ("adhoc.view", "adhoc.view_unmasked"):
        return True
    return getattr(user, "role", "") in BODY_RECRUITERS[str(body)]


def require_for_body(user, action: str, *, body: str, region_code: str) -> None:
    if not can_for_body(user, action, body=body, region_code=region_code):
        raise PermissionDenied(f"{action} on {body} {region_code}")
