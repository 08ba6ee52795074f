"""The election clock.

In production the election runs on the real date in Asia/Jakarta. For demos, tests and the
training of officers (KPU trains KPPS on simulations before voting day) the setting
PILKADA_TODAY fixes the date. Every stage window is judged by this clock, never by
``date.today()`` directly.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    """The election's current date."""
    fixed = getattr(settings, "PILKADA_TODAY", None)
    if fixed:
        if isinstance(fixed, dt.date):
            return fixed
        return dt.date.fromisoformat(str(fixed))
    return timezone.localdate()


def is_fixed() -> bool:
    """True when the clock is fixed by PILKADA_TODAY (a simulation or training run)."""
    return bool(getattr(settings, "PILKADA_TODAY", None))
