"""Reads of the voter register."""

from __future__ import annotations

from ..models import RegionVoterCount


def voter_counts(*, election, region_codes) -> dict[str, RegionVoterCount]:
    """Voter counts of the given regions (aggregates only: no personal data)."""
    rows = RegionVoterCount.objects.filter(election=election, region_code__in=list(region_codes))
    return {r.region_code: r for r in rows}
