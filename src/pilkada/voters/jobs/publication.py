"""Job kinds: publication -- `voters.publish` (DPS, DPSHP, DPT snapshot and recap)."""

from __future__ import annotations

from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election


@register("voters.publish", unit="baris", action="voters.publish")
def publish_job(*, job, progress, election, kind, region_code=None):
    """Publish a list in the background; the result is the snapshot's summary."""
    from pilkada.voters.services.publication import publish_list

    snap = publish_list(
        election=Election.objects.get(slug=election),
        kind=kind,
        actor=job_actor(job),
        region_code=region_code,
        progress=progress,
    )
    return {
        "snapshot": snap.pk,
        "kind": snap.kind,
        "version": snap.version,
        "region": snap.region_code,
        "rows": snap.rows,
        "sha256": snap.sha256,
    }
