"""Reads for the home page: the election, its stages, and the region tree with voter counts,
composed from the apps' own selectors and scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from pilkada.accounts.permissions import has_valid_scope, in_scope, is_operator
from pilkada.regions import selectors as regions
from pilkada.regions.models import Region
from pilkada.schedule import selectors as schedule
from pilkada.schedule.models import Election
from pilkada.voters.selectors import voter_counts


@dataclass
class RegionRow:
    code: str
    dotted: str
    name: str
    level: str
    has_children: bool
    total: int | None
    laki_laki: int | None
    perempuan: int | None


@dataclass
class StageRow:
    name: str
    start: object
    end: object
    status: str
    is_sub: bool


def current_election() -> Election | None:
    """The installation's election (the only one loaded, else the latest voting day)."""
    return Election.objects.order_by("-voting_day", "slug").first()


def stage_rows(*, election: Election, today) -> list[StageRow]:
    return [
        StageRow(
            name=s.name,
            start=s.start,
            end=s.end,
            status=schedule.Window.of(s).status(today),
            is_sub=bool(s.parent_code),
        )
        for s in schedule.stages(election=election)
    ]


def _rows(election, region_list) -> list[RegionRow]:
    counts = voter_counts(election=election, region_codes=[r.code for r in region_list])
    out = []
    for region in region_list:
        c = counts.get(region.code)
        out.append(
            RegionRow(
                code=region.code,
                dotted=region.dotted,
                name=region.name,
                level=region.level,
                has_children=getattr(region, "n_children", 0) > 0,
                total=c.total if c else 0,
                laki_laki=c.laki_laki if c else 0,
                perempuan=c.perempuan if c else 0,
            )
        )
    return out


def is_public_viewer(user) -> bool:
    """The anonymous public sees the whole tree of aggregate counts (no personal data)."""
    return not user.is_authenticated


def home_root(*, user, election: Election) -> tuple[list[Region], list[RegionRow]]:
    """(breadcrumb above the user's region, rows: the region itself, then what is under it).

    The public and operators start at the election's region; an officer at their own scope
    (a KPPS or Pantarlih, whose scope is a TPS, at the TPS's kelurahan, seeing their TPS).
    """
    if is_public_viewer(user) or is_operator(user):
        root_code = election.region_code
    elif has_valid_scope(user):
        root_code = user.region_code[:10]
    else:
        return [], []
    root = regions.subtree(root_code=root_code, depth=0).first()
    if root is None:
        return [], []
    crumbs = regions.ancestors(root.code)
    rows = _rows(election, [root])
    if root.level == "kelurahan":
        viewer = None if is_public_viewer(user) else user
        rows += [tps_row(t) for t in regions.tps_of(root.code, user=viewer)]
    else:
        rows += child_rows(user=user, election=election, code=root.code)
    return crumbs, rows


def tps_row(tps) -> RegionRow:
    """A TPS in the tree; voter counts per TPS come with TPS formation (the voter list)."""
    return RegionRow(
        code=tps.code, dotted=tps.dotted, name=tps.label, level="tps", has_children=False,
        total=None, laki_laki=None, perempuan=None,
    )  # fmt: skip


def child_rows(*, user, election: Election, code: str) -> list[RegionRow]:
    """The regions under ``code`` the user may see, with counts. Raises PermissionDenied
    for a region outside the user's view (a PPS asking for a neighbouring kelurahan)."""
    if not is_public_viewer(user) and not in_scope(user, code):
        # An officer may open only regions inside their scope.
        raise PermissionDenied(f"region {code} is outside your scope")
    kids = regions.children(code)
    if not is_public_viewer(user):
        kids = kids.filter(regions.visible_q(user))
    return _rows(election, list(kids))


def current_election_or_404() -> Election:
    """:func:`current_election` for a page: 404 when no election is loaded yet."""
    from django.http import Http404

    election = current_election()
    if election is None:
        raise Http404("no election loaded")
    return election
