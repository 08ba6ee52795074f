"""Pages of the synchronisation: counts with the region drill, missing voters, the job."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pilkada.jobs import services as jobs
from pilkada.jobs.models import Job
from pilkada.voters.models import SyncRun, Voter
from pilkada.voters.services.sync import synchronise

from .duplicates_support import REVIEW_DAY, kpu_kabkota, load
from .test_sync_service import dp4_rows, previous_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(election, dp4_file, election_today, kpu_dki):
    load(election, dp4_file, dp4_rows())
    load(election, dp4_file, previous_rows(), kind="dpt-lama", name="dpt.csv")
    election_today(REVIEW_DAY)
    synchronise(election=election, actor=kpu_dki)
    return election


def test_counts_drill(register, client, kpu_dki, django_assert_max_num_queries):
    client.force_login(kpu_dki)
    url = reverse("voters:sync")
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert 'data-code="3171"' in html and 'data-testid="sync-total"' in html
    html = client.get(url, {"wilayah": "317101"}).content.decode()
    assert 'data-code="3171011001"' in html and 'data-code="3171011002"' in html
    assert client.get(url, {"wilayah": "x"}).status_code == 404


def test_counts_scope(register, client):
    client.force_login(kpu_kabkota("3172", username="kpu-3172"))
    url = reverse("voters:sync")
    assert client.get(url).status_code == 200  # its own city
    assert client.get(url, {"wilayah": "3171"}).status_code == 403


def test_missing_list_masked_and_unmask_logged(register, client, kpu_dki, audit_log):
    client.force_login(kpu_dki)
    url = reverse("voters:sync_missing")
    html = client.get(url, {"wilayah": "3171011002"}).content.decode()
    suparman = Voter.objects.get(nama="SUPARMAN")
    assert "SUPARMAN" in html and "SUKARNI" not in html
    assert suparman.nik not in html
    html = client.get(url, {"wilayah": "3171011002", "buka": "1"}).content.decode()
    assert suparman.nik in html
    assert audit_log()[-1].object_id == "voters.sync_missing"


def test_missing_refused_outside_scope(register, client, pps):
    client.force_login(pps)
    assert client.get(reverse("voters:sync_missing")).status_code == 403


def test_start_sync_job(register, client, kpu_dki):
    client.force_login(kpu_dki)
    response = client.post(reverse("voters:sync_run"))
    job = Job.objects.get(kind="voters.sync")
    assert response.url == reverse("jobs:detail", args=[job.pk])
    job = jobs.run(job.pk)
    assert job.status == "done", job.error
    assert job.result["tidak ada di DP4"] == 2 and job.result["cocok"] is True
    assert SyncRun.objects.count() == 2
