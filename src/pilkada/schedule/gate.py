"""The stage gate: may this action be done today? Every module asks here.

::

    from pilkada.schedule.gate import require_open

    with transaction.atomic():
        require_open(election=election, action="voters.coklit")  # raises StageClosed
        ...

* :func:`is_open` returns a :class:`Decision` (``.open``, ``.reason``) and never raises;
* :func:`require_open` returns the decision when open and raises :class:`StageClosed`
  otherwise. StageClosed is a ``PermissionDenied`` (the action is not allowed *now*; the
  input is not wrong), so a view that lets it propagate answers 403 with the reason.

The day is ``on`` or the election clock (:func:`pilkada.core.clock.today`, which honours
``PILKADA_TODAY``). Windows include both their first and last day. An action that no stage
opens is refused, with a reason saying so: a missing action code never opens anything.
The reason is translated (Indonesian by default, English available).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pilkada.core import clock

from .dates import human_date
from .models import Election
from .selectors import Window, action_windows, pick_window


@dataclass(frozen=True)
class Decision:
    open: bool
    reason: str
    action: str
    on: dt.date
    election: str  # slug
    window: Window | None = None  # None when no stage opens the action

    def __bool__(self) -> bool:
        return self.open

    def as_dict(self) -> dict:
        window = self.window
        return {
            "open": self.open,
            "reason": self.reason,
            "action": self.action,
            "on": self.on.isoformat(),
            "election": self.election,
            "stage": window.stage_code if window else None,
            "stage_name": window.stage_name if window else None,
            "start": window.start.isoformat() if window else None,
            "end": window.end.isoformat() if window else None,
        }


class StageClosed(PermissionDenied):
    """The action's stage is not open on that day (or no stage opens it)."""

    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision


# (status, single day?) -> reason. Indonesian msgids; English in locale/en.
_REASONS = {
    ("open", False): gettext_lazy(
        "Tahap '%(stage)s' sedang dibuka (%(start)s s.d. %(end)s); hari ini %(today)s."
    ),
    ("upcoming", False): gettext_lazy(
        "Tahap '%(stage)s' belum dibuka: dibuka %(start)s s.d. %(end)s; hari ini %(today)s."
    ),
    ("closed", False): gettext_lazy(
        "Tahap '%(stage)s' sudah ditutup: dibuka %(start)s s.d. %(end)s; hari ini %(today)s."
    ),
    ("open", True): gettext_lazy(
        "Tahap '%(stage)s' sedang dibuka (hanya %(start)s); hari ini %(today)s."
    ),
    ("upcoming", True): gettext_lazy(
        "Tahap '%(stage)s' belum dibuka: hanya pada %(start)s; hari ini %(today)s."
    ),
    ("closed", True): gettext_lazy(
        "Tahap '%(stage)s' sudah ditutup: hanya pada %(start)s; hari ini %(today)s."
    ),
}


def _reason(window: Window, day: dt.date) -> str:
    template = _REASONS[(window.status(day), window.start == window.end)]
    return str(template) % {
        "stage": window.stage_name,
        "start": human_date(window.start),
        "end": human_date(window.end),
        "today": human_date(day),
    }


def is_open(*, election: Election, action: str, on: dt.date | None = None) -> Decision:
    """Whether ``action`` is open for ``election`` on ``on`` (default: the election clock)."""
    day = on or clock.today()
    windows = action_windows(election=election, action=action)
    window = pick_window(windows, day)
    if window is None:
        reason = _(
            "Tidak ada tahap dalam jadwal '%(election)s' yang membuka kegiatan '%(action)s'; "
            "kegiatan ini ditolak."
        ) % {"election": election.name, "action": action}
        return Decision(False, reason, action, day, election.slug, None)
    return Decision(window.contains(day), _reason(window, day), action, day, election.slug, window)


def require_open(*, election: Election, action: str, on: dt.date | None = None) -> Decision:
    """The open decision for ``action``, or raise :class:`StageClosed` carrying it."""
    decision = is_open(election=election, action=action, on=on)
    if not decision.open:
        raise StageClosed(decision)
    return decision
