"""Job kind ``voters.import``: a DP4 or previous-DPT file uploaded on the web, imported in the
background with the same service as `pilkada voters import`."""

from __future__ import annotations

from django.conf import settings

from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election

from ..services.imports import import_voter_file, job_progress


@register("voters.import", unit="baris", action="voters.import")
def import_job(*, job, progress, election_id, kind, path, file_name=""):
    result = import_voter_file(
        election=Election.objects.get(pk=election_id),
        path=settings.DATA_DIR / path,
        kind=kind,
        actor=job_actor(job),
        progress=job_progress(progress),
    )
    data = result.as_dict()
    return {
        "berkas": file_name or data["file"],
        "jenis": data["kind"],
        "dibaca": data["read"],
        "diterima": data["accepted"],
        "ditandai": data["flagged"],
        "ditolak": data["rejected"],
        "cocok": data["reconciles"],
        "batch": data["batch_id"],
    }
