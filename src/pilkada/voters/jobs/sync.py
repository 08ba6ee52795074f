"""Job kind ``voters.sync``: the DP4 synchronised with the previous DPT, started from the web
page, run in the background with the same service as `pilkada voters sync`."""

from __future__ import annotations

from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election

from ..services.sync import PERMISSION, synchronise

KIND = "voters.sync"


@register(KIND, unit="%", action=PERMISSION)
def sync_job(*, job, progress, election_id):
    run = synchronise(
        election=Election.objects.get(pk=election_id),
        actor=job_actor(job),
        progress=progress,
    )
    return {
        "baris DP4": run.dp4_rows,
        "ditemukan (NIK)": run.found_by_nik,
        "ditemukan (nama, tgl lahir)": run.found_by_fuzzy,
        "pemilih baru": run.new,
        "di antaranya genap 17": run.new_turning_17,
        "baris DPT lama": run.previous_rows,
        "tidak ada di DP4": run.missing,
        "cocok": run.reconciles,
        "run": run.pk,
    }
