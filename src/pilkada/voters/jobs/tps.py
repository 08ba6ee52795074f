"""Job kinds: tps -- TPS formation in the background (kind ``voters.tps_form``)."""


from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election

from ..services.tps import ACTION, form_tps_for_election


@register(ACTION, unit="langkah", action=ACTION)
def tps_form_job(*, job, progress, election_id, cap=None, region_code=None):
    """Run :func:`form_tps_for_election` as the officer who started the job."""
    election = Election.objects.get(pk=election_id)
    result = form_tps_for_election(
        election=election, actor=job_actor(job), cap=cap, progress=progress, region_code=region_code
    )
    data = result.as_dict(per_kelurahan=False)
    keys = (
        "region_code", "cap", "voters", "tps", "tps_minimum", "moved_voters",
        "families_split", "rts_split", "tps_created", "unplaced", "seconds",
    )  # fmt: skip
    return {k: data[k] for k in keys}
