"""Job kinds: tps -- TPS formation in the background (kind ``voters.tps_form``)."""

from django.contrib.auth import get_user_model

from pilkada.jobs.registry import register
from pilkada.schedule.models import Election

from ..services.tps import ACTION, form_tps_for_election


@register(ACTION, unit="langkah", action=ACTION)
def tps_form_job(*, job, progress, election_id, cap=None, region_code=None):
    """Run :func:`form_tps_for_election` as the officer who started the job."""
    actor = job.actor or "system"
    if job.actor_id is not None:
        actor = get_user_model().objects.get(pk=job.actor_id)
    election = Election.objects.get(pk=election_id)
    result = form_tps_for_election(
        election=election, actor=actor, cap=cap, progress=progress, region_code=region_code
    )
    data = result.as_dict(per_kelurahan=False)
    keys = (
        "region_code", "cap", "voters", "tps", "tps_minimum", "moved_voters",
        "families_split", "rts_split", "tps_created", "unplaced", "seconds",
    )  # fmt: skip
    return {k: data[k] for k in keys}
