"""Reading jobs: a user sees the jobs they started; overseers of a region see its jobs."""

from django.db.models import Q, QuerySet

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role

from .models import Job
from .progress import read_progress


def visible_jobs(*, user) -> QuerySet[Job]:
    if permissions.is_operator(user):
        return Job.objects.all()
    if not user.is_authenticated:
        return Job.objects.none()
    own = Q(actor_id=user.pk)
    if user.role == Role.LO:  # a pair's liaison officer: only its own jobs, no other pair's
        return Job.objects.filter(own)
    return Job.objects.filter(own | permissions.scope_q(user, "region_code"))


def job_with_progress(*, user, job_id):
    """(job, progress) for a job the user may see; Job.DoesNotExist otherwise."""
    job = visible_jobs(user=user).get(pk=job_id)
    return job, read_progress(job.pk)


def job_actor(job):
    """Who a job acts as: the User who started it (so its service checks that officer's
    permission and scope, and audits them), or the component name it was started under."""
    from django.contrib.auth import get_user_model

    if job.actor_id is not None:
        return get_user_model().objects.get(pk=job.actor_id)
    return job.actor
