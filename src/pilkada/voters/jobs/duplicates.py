"""Job kind ``voters.duplicates``: duplicate detection started from the web page, run in the
background with the same service as `pilkada voters duplicates --run`."""

from __future__ import annotations

from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election

from ..services.duplicates import PERMISSION, detect_duplicates

KIND = "voters.duplicates"


@register(KIND, unit="%", action=PERMISSION)
def duplicates_job(*, job, progress, election_id):
    run = detect_duplicates(
        election=Election.objects.get(pk=election_id),
        actor=job_actor(job),
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
