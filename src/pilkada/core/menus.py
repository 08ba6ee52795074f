"""The front page of each app lists the pages a user's role may open: one entry per page,
``(url name, label, what it is for, permission action; None = public)``."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from pilkada.accounts.permissions import can

__all__ = ["menu_for"]


def menu_for(entries: Iterable[tuple], user) -> list[dict]:
    """The entries ``user`` may open, in order, as {url, label, about, public}."""
    items = []
    for name, label, about, action in entries:
        if action is None or (user.is_authenticated and can(user, action)):
            items.append(
                {"url": reverse(name), "label": label, "about": about, "public": action is None}
            )
    return items
