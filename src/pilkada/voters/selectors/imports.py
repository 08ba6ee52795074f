"""Imports: the batches of an election and the import jobs, for the import page."""

from __future__ import annotations

from pilkada.accounts import permissions
from pilkada.jobs.selectors import visible_jobs

from ..models import ImportBatch


def import_batches(*, election, user) -> list[ImportBatch]:
    """The election's current batch of each kind (aggregate counts only), for roles that may
    see the register of the election's region; empty otherwise."""
    if not (
        permissions.can(user, "voters.import", election.region_code)
        or permissions.can(user, "voters.view", election.region_code)
    ):
        return []
    return list(ImportBatch.objects.filter(election=election).order_by("kind"))


def import_jobs(*, user, limit: int = 10):
    jobs = visible_jobs(user=user).filter(kind="voters.import").order_by("-created_at")
    return list(jobs[:limit])
