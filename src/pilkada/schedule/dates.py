"""Dates as the schedule reads and writes them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _


def human_date(day: dt.date) -> str:
    """``24 Juni 2024`` (``24 June 2024`` in English): the active language's month names."""
    return formats.date_format(day, "j F Y")


def parse_date(value: dt.date | str) -> dt.date:
    """A date, or an ISO ``YYYY-MM-DD`` string; ValidationError otherwise."""
    if isinstance(value, dt.datetime):
        raise ValidationError(
            _("Tanggal %(value)s tidak valid (format YYYY-MM-DD)."), params={"value": value}
        )
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("Tanggal %(value)s tidak valid (format YYYY-MM-DD)."),
            code="invalid_date",
            params={"value": value},
        ) from None
