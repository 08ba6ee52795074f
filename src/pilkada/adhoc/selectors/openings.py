"""Openings: seats per body, in total and per area."""

from __future__ import annotations

from django.db.models import Count, Sum

from ..models import Body, Opening

__all__ = ["openings_summary"]


def openings_summary(*, election, region_prefix: str = "") -> list[dict]:
    """Per body: the number of areas and seats (within ``region_prefix`` when given)."""
    rows = (
        Opening.objects.filter(election=election, region_code__startswith=region_prefix)
        .values("body")
        .annotate(areas=Count("id"), seats=Sum("seats"))
    )
    found = {r["body"]: r for r in rows}
    return [
        {
            "body": body,
            "areas": found.get(body, {}).get("areas", 0),
            "seats": found.get(body, {}).get("seats") or 0,
        }
        for body in Body.values
    ]
