"""Background jobs through the real django-tasks database queue and its worker."""

import json
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse

from pilkada.accounts.models import User
from pilkada.jobs.models import Job
from pilkada.jobs.progress import read_progress
from pilkada.jobs.registry import register
from pilkada.jobs.services import start_job

# The worker closes its database connection between tasks, as in production: these tests
# commit for real (transaction=True) instead of running inside a rolled-back transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@register("test.count", unit="baris")
def count_job(*, job, progress, upto):
    for i in range(1, upto + 1):
        progress(i, total=upto)
    return {"counted": upto}


@register("test.fail")
def failing_job(*, job, progress):
    progress(3, total=10)
    raise ValueError("kolom nik tidak ada")


def start(kind, actor="test", **params):
    return start_job(kind=kind, actor=actor, params=params)


def test_a_job_is_queued_then_run_by_the_worker(audit_log):
    job = start("test.count", upto=1000)
    assert job.status == Job.Status.QUEUED
    assert [e.action for e in audit_log()] == ["jobs.start"]
    call_command("jobs", "worker", "--batch")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result == {"counted": 1000}
    progress = read_progress(job.pk)
    assert (progress.done, progress.total, progress.unit) == (1000, 1000, "baris")
    assert progress.percent == 100


def test_a_failing_job_is_recorded_not_raised():
    job = start("test.fail")
    call_command("jobs", "worker", "--batch")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "kolom nik tidak ada" in job.error
    assert read_progress(job.pk).message == "gagal"


def test_unknown_kind_is_refused():
    with pytest.raises(KeyError, match="unknown job kind"):
        start_job(kind="test.nope", actor="test", params={})


def test_cli_show_json_and_exit_status(capsys):
    done = start("test.count", upto=5)
    failed = start("test.fail")
    call_command("jobs", "worker", "--batch")
    call_command("jobs", "show", str(done.pk), "--json")
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "done" and shown["result"] == {"counted": 5}
    with pytest.raises(Exception, match="the job failed"):
        call_command("jobs", "show", str(failed.pk))
    with pytest.raises(Exception, match="no job"):
        call_command("jobs", "show", str(uuid.uuid4()))


def test_job_page_for_its_starter_only(client, demo_live):
    pps = User.objects.get(username="pps-3171011001")
    other = User.objects.get(username="ppk-317101")
    job = start("test.count", actor=pps, upto=3)
    client.force_login(pps)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'data-status="queued"' in html and "hx-trigger" in html  # polls while unfinished
    call_command("jobs", "worker", "--batch")
    html = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert 'data-status="done"' in html and "hx-trigger" not in html
    assert "counted" in html
    client.force_login(other)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
