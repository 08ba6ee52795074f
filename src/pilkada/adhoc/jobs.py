"""Job kind ``adhoc.check``: the system's eligibility checks of a large scope (a province's
applications) in the background, with the same service as `pilkada adhoc check`."""

from __future__ import annotations

from django.urls import reverse

from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election

from .services.eligibility import run_checks


def _back(job) -> str:
    return reverse("adhoc:applications")


@register("adhoc.check", unit="lamaran", action="adhoc.check", back=_back)
def checks_job(*, job, progress, election_id, body="", region_prefix=""):
    progress(0, message="memeriksa syarat")
    outcome = run_checks(
        election=Election.objects.get(pk=election_id),
        actor=job_actor(job),
        body=body or None,
        region_prefix=region_prefix,
    )
    progress(outcome.applications, total=outcome.applications, message="selesai")
    return {
        "lamaran": outcome.applications,
        "memenuhi syarat": outcome.by_eligibility.get("eligible", 0),
        "tidak memenuhi syarat": outcome.by_eligibility.get("ineligible", 0),
        **{f"alasan {code}": n for code, n in outcome.by_reason.items() if n},
    }
