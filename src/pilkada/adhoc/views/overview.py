"""The overview page (issue 5 part 6), under ``adhoc/ikhtisar/``: seats filled and open per
body, drilling down one region level at a time; women among the seated against the 30 %
rule; the TPS still without a full KPPS or Pantarlih, most urgent first. Read-only for every
role that may read it (Bawaslu and agencies included). The view only calls the overview
selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pilkada.core import clock
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.codes import CODE_LENGTH
from pilkada.regions.models import Region

from ..models import BODY_LEVEL, Body
from ..selectors.overview import OVERVIEW, body_deadlines, overview, urgent_tps

#: (url name, label, what it is for, permission action; None = public), for the hub.
MENU: list[tuple] = [
    (
        "adhoc:overview",
        _("Ikhtisar badan ad hoc"),
        _("kursi terisi dan kosong, keterwakilan perempuan, TPS yang belum lengkap"),
        OVERVIEW,
    ),
]

#: Urgent TPS shown on the page (the CLI's --json gives all).
URGENT_SHOWN = 100


def _floor(user, election) -> str:
    """The widest region the user may open (theirs; the election's for an operator)."""
    return user.region_code if getattr(user, "role", "") else election.region_code


def _parent(code: str) -> str:
    shorter = [n for n in sorted(set(CODE_LENGTH.values())) if n < len(code)]
    return code[: shorter[-1]] if shorter else ""


@login_required
@require_GET
def overview_page(request):
    election = _election()
    get = request.GET
    body = get.get("badan", "")
    if body and body not in Body.values:
        raise Http404("no such body")
    data = overview(
        user=request.user, election=election, body=body, region_code=get.get("wilayah", "")
    )
    prefix = data["region_code"]
    urgent, urgent_total = urgent_tps(
        user=request.user, election=election, body=body, region_code=prefix, limit=URGENT_SHOWN
    )
    codes = {g.region_code for groups in data["groups"].values() for g in groups} | {prefix}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    groups = [
        {
            "body": b,
            "label": Body(b).label,
            "area_level": BODY_LEVEL[b],
            "rows": [
                {
                    "row": g,
                    "name": names.get(g.region_code, ""),
                    "drill": len(g.region_code) < CODE_LENGTH[BODY_LEVEL[b]],
                }
                for g in rows
            ],
        }
        for b, rows in data["groups"].items()
    ]
    context = {
        "election": election,
        "prefix": prefix,
        "prefix_name": names.get(prefix, ""),
        "parent": _parent(prefix) if len(prefix) > len(_floor(request.user, election)) else "",
        "body": body,
        "bodies": Body.choices,
        "totals": [(Body(r.body).label, r) for r in data["bodies"]],
        "groups": groups,
        "urgent": urgent,
        "urgent_total": urgent_total,
        "urgent_shown": URGENT_SHOWN,
        "deadlines": {Body(b).label: d for b, d in body_deadlines(election=election).items()},
        "today": clock.today(),
    }  # fmt: skip
    return render(request, "adhoc/overview/overview.html", context)


urlpatterns = [path("adhoc/ikhtisar/", overview_page, name="overview")]
