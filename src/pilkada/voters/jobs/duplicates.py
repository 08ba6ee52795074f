"""Job kind ``voters.duplicates``: duplicate detection started from the web page, run in the
background with the same service as `pilkada voters duplicates --run`."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from pilkada.jobs.registry import register
from pilkada.schedule.models import Election

from ..services.duplicates import PERMISSION, detect_duplicates

KIND = "voters.duplicates"


@register(KIND, unit="%", action=PERMISSION)
def duplicates_job(*, job, progress, election_id):
    actor = None
    if job.actor_id:
        actor = get_user_model().objects.get(pk=job.actor_id)
    run = detect_duplicates(
        election=Election.objects.get(pk=election_id),
        actor=actor if actor is not None else job.actor,
        progress=progress,
    )
    return {
        "pemilih diperiksa": run.rows,
        "kelompok": run.groups,
        "NIK sama": run.exact_groups,
        "kemungkinan": run.probable_groups,
        "dua orang satu NIK?": run.conflict_groups,
        "penolakan diterapkan": run.rejections_applied,
        "detik": run.seconds,
        "run": run.pk,
    }
