from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import Job
from .registry import KINDS


def _context(request, job_id):
    try:
        job, progress = selectors.job_with_progress(user=request.user, job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("no such job") from None
    kind = KINDS.get(job.kind)
    back_url = kind.back(job) if kind is not None and kind.back is not None else ""
    return {"job": job, "progress": progress, "back_url": back_url}


@login_required
def job_detail(request, job_id):
    return render(request, "jobs/job_detail.html", _context(request, job_id))


@login_required
def job_status(request, job_id):
    """The status block alone, polled by HTMX until the job has finished."""
    return render(request, "jobs/_job_status.html", _context(request, job_id))
