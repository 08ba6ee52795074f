"""Starting and running background jobs."""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django.utils import timezone

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit

from .models import Job
from .progress import ProgressWriter
from .registry import get_kind

log = logging.getLogger(__name__)


def start_job(*, kind: str, actor, params: dict, region_code: str = "") -> Job:
    """Queue a job of ``kind`` with ``params``; returns it at once (status queued).

    The actor needs the kind's permission action for ``region_code``; the start is audited.
    The job runs in a worker (`pilkada jobs worker`, started by `pilkada serve`).
    """
    from .tasks import run_job

    job_kind = get_kind(kind)
    if job_kind.action and actor is not None and not isinstance(actor, str):
        permissions.require(actor, job_kind.action, region_code or None)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params,
            actor_id=getattr(actor, "pk", None),
            actor=actor if isinstance(actor, str) else getattr(actor, "username", "system"),
            region_code=region_code,
        )
        record_audit(
            actor=actor,
            action="jobs.start",
            object_type="jobs.Job",
            object_id=str(job.pk),
            new={"kind": kind, "params": params},
        )
        transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def run(job_id) -> Job:
    """Run a queued job now (the worker calls this). Failures are recorded on the job, not
    raised: the job's own function is responsible for leaving the database as it was."""
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return job
    kind = get_kind(job.kind)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    progress = ProgressWriter(job.pk, unit=kind.unit)
    progress(0, message="mulai")
    progress.flush()
    try:
        result = kind.function(job=job, progress=progress, **job.params)
    except Exception as error:  # the job's failure is data for the officer, not a crash
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}",
        )
        progress.state.message = "gagal"
        progress.flush()
        log.debug("".join(traceback.format_exception(error)))
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.DONE, finished_at=timezone.now(), result=result
        )
        progress.state.message = "selesai"
        progress.flush()
    job.refresh_from_db()
    return job
