"""Job kind ``candidacy.support_upload``: a supporter file uploaded on the web, read,
verified and loaded in the background with the same service as `pilkada candidacy support
import`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from pilkada.jobs.registry import register
from pilkada.jobs.selectors import job_actor
from pilkada.schedule.models import Election
from pilkada.voters.services.imports import job_progress

from ..models import Pair
from ..services.support import upload_support_file


def _back(job) -> str:
    return reverse("candidacy:support_pair", args=[job.params["pair_id"]])


@register("candidacy.support_upload", unit="baris", action="candidacy.support_upload", back=_back)
def support_upload_job(*, job, progress, election_id, pair_id, round, path, file_name=""):
    stored = Path(settings.DATA_DIR) / path
    try:
        result = upload_support_file(
            election=Election.objects.get(pk=election_id),
            pair=Pair.objects.get(pk=pair_id),
            path=stored,
            actor=job_actor(job),
            round=round,
            progress=job_progress(progress),
            file_name=file_name,
        )
    finally:
        stored.unlink(missing_ok=True)
    data = result.as_dict()
    v = data["verification"]["by_status"]
    return {
        "berkas": file_name,
        "putaran": data["round"],
        "dibaca": data["read"],
        "diterima": data["accepted"],
        "ditandai": data["flagged"],
        "ditolak": data["rejected"],
        "cocok": data["reconciles"],
        "MS": v.get("ms", 0),
        "TMS": v.get("tms", 0),
        "ditahan": v.get("held", 0),
    }
