"""Reads of regions and TPS.

Region names and codes are public reference data (KPU and Kemendagri publish them), so
``get_region``, ``children`` and ``ancestors`` answer anyone; pass ``user`` to ``children`` to
keep only what that user may navigate. ``region_tree`` is the scoped view of the tree: a user
sees the regions inside their scope plus the path from the province down to their scope (a
PPS sees its kelurahan, its kecamatan, kab/kota and province, but no sibling kelurahan).

Codes sort depth-first (a parent's code is its children's prefix), so every query ordered by
code is already in tree order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from pilkada.accounts.permissions import can, has_valid_scope, is_operator, scope_q

from .codes import (
    REGION_LEVELS,
    ancestor_codes,
    level_of,
    normalize_region_code,
    normalize_tps_code,
)
from .models import Region, Tps

__all__ = [
    "RegionNode",
    "ancestors",
    "as_tree",
    "children",
    "get_region",
    "get_tps",
    "region_tree",
    "subtree",
    "tps_of",
    "visible_q",
]


def get_region(code: str) -> Region:
    """The region with this code (dotted or not). Raises ``InvalidRegionCode`` for a
    malformed code and ``Region.DoesNotExist`` for an unknown one."""
    return Region.objects.get(code=normalize_region_code(code))


def get_tps(code: str) -> Tps:
    return Tps.objects.select_related("kelurahan").get(code=normalize_tps_code(code))


def ancestors(code: str, *, include_self: bool = False) -> list[Region]:
    """The regions above ``code`` (a region or TPS code), province first; one query."""
    normalized = normalize_region_code(code, allow_tps=True)
    codes = ancestor_codes(normalized)
    if include_self and level_of(normalized) != "tps":
        codes.append(normalized)
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def visible_q(user, field: str = "code") -> Q:
    """Regions a user may see: inside their scope, or on the path down to it."""
    if is_operator(user):
        return Q()
    if not can(user, "regions.view") or not has_valid_scope(user):
        return Q(pk__in=[])
    path = ancestor_codes(user.region_code)
    return scope_q(user, field) | Q(**{f"{field}__in": path})


def children(code: str | None = None, *, user=None) -> QuerySet[Region]:
    """The regions directly under ``code`` (the provinces when None), by code; with
    ``n_children`` (how many regions each has under it). With ``user``, only those the user
    may see."""
    if code is None:
        qs = Region.objects.filter(level="provinsi")
    else:
        qs = Region.objects.filter(parent_id=normalize_region_code(code))
    if user is not None:
        qs = qs.filter(visible_q(user))
    return qs.annotate(n_children=Count("children")).order_by("code")


def region_tree(
    *, user, root_code: str | None = None, depth: int | None = None
) -> QuerySet[Region]:
    """The regions visible to ``user``, in tree (code) order.

    ``root_code`` keeps the subtree under that region (itself included); ``depth`` keeps that
    many levels below the root (0: the root only; without a root the provinces are depth 0).
    Anonymous and unscoped users see nothing.
    """
    return subtree(root_code=root_code, depth=depth).filter(visible_q(user))


def subtree(*, root_code: str | None = None, depth: int | None = None) -> QuerySet[Region]:
    """The subtree under ``root_code`` to ``depth``, unscoped: for the system (setup, the
    operators' command line) and for the scoped selectors to filter."""
    qs = Region.objects.all()
    top = 0
    if root_code is not None:
        root = normalize_region_code(root_code)
        qs = qs.filter(code__startswith=root)
        top = REGION_LEVELS.index(level_of(root))
    if depth is not None:
        if depth < 0:
            raise ValueError("depth must be >= 0")
        levels = REGION_LEVELS[top : top + depth + 1]
        qs = qs.filter(level__in=levels)
    return qs.order_by("code")


def tps_of(kelurahan_code: str, *, user=None) -> QuerySet[Tps]:
    """The TPS of a kelurahan, by number; with ``user``, only those inside the user's scope
    (a KPPS sees its own TPS; a PPS all of its kelurahan's)."""
    code = normalize_region_code(kelurahan_code)
    qs = Tps.objects.filter(kelurahan_id=code)
    if user is not None:
        qs = qs.filter(scope_q(user))
    return qs.order_by("code")


@dataclass
class RegionNode:
    region: Region
    children: list[RegionNode] = field(default_factory=list)
    hidden_children: int = 0  # children that exist but were not asked for (depth)

    def as_dict(self) -> dict:
        r = self.region
        out = {
            "code": r.code,
            "dotted": r.dotted,
            "level": r.level,
            "kind": r.kind,
            "name": r.name,
            "children": [c.as_dict() for c in self.children],
        }
        if self.hidden_children:
            out["more_children"] = self.hidden_children
        return out


def as_tree(regions) -> list[RegionNode]:
    """Nest a code-ordered list of regions; a region whose parent is absent is a root.
    A leaf annotated with ``n_children`` gets ``hidden_children``: what the depth cut off."""
    nodes: dict[str, RegionNode] = {}
    roots: list[RegionNode] = []
    for region in regions:
        node = RegionNode(region)
        nodes[region.code] = node
        parent = nodes.get(region.parent_id) if region.parent_id else None
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        if not node.children:
            node.hidden_children = getattr(node.region, "n_children", 0) or 0
    return roots
