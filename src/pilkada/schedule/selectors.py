"""Reading the schedule: elections, stages, and the window of an action."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pilkada.core import clock

from .models import Election, Stage


@dataclass(frozen=True)
class Window:
    """The window of one stage: inclusive of ``start`` and ``end`` (Asia/Jakarta dates)."""

    stage_code: str
    stage_name: str
    start: dt.date
    end: dt.date
    parent_code: str = ""
    regulation: str = ""

    @classmethod
    def of(cls, stage: Stage) -> Window:
        return cls(
            stage_code=stage.code,
            stage_name=stage.name,
            start=stage.start,
            end=stage.end,
            parent_code=stage.parent_code,
            regulation=stage.regulation,
        )

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def status(self, day: dt.date) -> str:
        """On ``day``: "open", "upcoming" (not yet open) or "closed" (already closed)."""
        if day < self.start:
            return "upcoming"
        if day > self.end:
            return "closed"
        return "open"


def get_election(*, slug: str | None = None) -> Election:
    """The election ``slug``; without one, the only election loaded.

    Raises Election.DoesNotExist (none, or no such slug) or
    Election.MultipleObjectsReturned (several loaded and no slug given).
    """
    if slug:
        try:
            return Election.objects.get(slug=slug)
        except Election.DoesNotExist:
            raise Election.DoesNotExist(f"no election {slug!r}") from None
    elections = list(Election.objects.order_by("slug")[:11])
    if not elections:
        raise Election.DoesNotExist(
            "no election loaded: run `pilkada schedule load FILE` (or `--demo`)"
        )
    if len(elections) > 1:
        slugs = ", ".join(e.slug for e in elections[:10])
        raise Election.MultipleObjectsReturned(f"several elections ({slugs}): name one")
    return elections[0]


def stages(*, election: Election) -> list[Stage]:
    """The election's stages in schedule order (sub-stages after their parent)."""
    return list(election.stages.order_by("order"))


def action_windows(*, election: Election, action: str) -> list[Window]:
    """Every window in which ``action`` is open (usually one), in schedule order."""
    return [Window.of(s) for s in stages(election=election) if action in (s.actions or [])]


def pick_window(windows: list[Window], day: dt.date) -> Window | None:
    """The window that matters on ``day``: open, else the next to open, else the last closed."""
    if not windows:
        return None
    for window in windows:
        if window.contains(day):
            return window
    upcoming = [w for w in windows if w.start > day]
    if upcoming:
        return min(upcoming, key=lambda w: w.start)
    return max(windows, key=lambda w: w.end)


def action_window(*, election: Election, action: str, on: dt.date | None = None) -> Window | None:
    """The window of ``action`` that matters on ``on`` (default: the election clock's today).

    None when no stage opens the action. See :func:`pick_window`.
    """
    day = on or clock.today()
    return pick_window(action_windows(election=election, action=action), day)


def open_stages(*, election: Election, on: dt.date | None = None) -> list[Stage]:
    day = on or clock.today()
    return [s for s in stages(election=election) if s.contains(day)]


def known_actions(*, election: Election) -> set[str]:
    return {a for s in stages(election=election) for a in (s.actions or [])}
