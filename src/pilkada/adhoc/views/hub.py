"""The ad hoc bodies' front page: the pages a user's role may open, in the order of the process
(openings → applications and their checks → selection → seating and replacement → overview),
with the public application form and announcements for everyone."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from pilkada.core import menus
from pilkada.core.selectors import current_election

from . import applications, apply, members, overview, selection

#: The areas whose MENU entries the hub lists, in the order of the process.
AREAS = (apply, applications, selection, members, overview)


def menu_for(user) -> list[dict]:
    return menus.menu_for((entry for area in AREAS for entry in area.MENU), user)


def hub(request):
    return render(
        request,
        "adhoc/hub.html",
        {"election": current_election(), "items": menu_for(request.user)},
    )


urlpatterns = [path("adhoc/", hub, name="hub")]
