"""The import page: upload, refusals before anything is kept, the background job, the report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilkada.jobs.models import Job
from pilkada.jobs.services import run
from pilkada.voters.models import ImportBatch, Voter

from .conftest import csv_text, person

URL = "/pemilih/impor/"


def upload(text: str, name="dp4.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def uploads_dir(settings, election):
    return settings.DATA_DIR / "uploads" / str(election.pk)


def test_url_name():
    assert reverse("voters:import") == URL


@pytest.mark.django_db
def test_upload_queues_a_job_that_imports_with_the_officer_as_actor(
    client, election, kpu_dki, settings, audit_log
):
    client.force_login(kpu_dki)
    rows = [person(i) for i in range(1, 6)] + [person(6, nik="12AB")]
    response = client.post(URL, {"kind": "dp4", "file": upload(csv_text(rows))})
    job = Job.objects.get(kind="voters.import")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", kwargs={"job_id": job.pk})
    assert job.actor == "kpu-dki" and job.params["kind"] == "dp4"
    assert not Voter.objects.exists()  # nothing imported until the job runs

    run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert (job.result["diterima"], job.result["ditandai"], job.result["ditolak"]) == (5, 1, 0)
    assert job.result["cocok"] is True
    batch = ImportBatch.objects.get(election=election, kind="dp4")
    assert batch.imported_by == "kpu-dki" and batch.rows == 6
    assert [e.action for e in audit_log()] == ["jobs.start", "voters.import"]

    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kind="dp4"' in html
    flag = next(iter(batch.report["flags"]))
    assert flag.startswith("nik_") and flag in html  # the flag counts are on the page


@pytest.mark.django_db
def test_outside_the_window_nothing_is_kept(client, election, kpu_dki, settings, election_today):
    election_today("2024-07-01")  # coklit, after the DP4 handover
    client.force_login(kpu_dki)
    response = client.post(URL, {"kind": "dp4", "file": upload(csv_text([person(1)]))})
    assert response.status_code == 400
    assert 'data-testid="import-error"' in response.content.decode()
    assert not Job.objects.exists()
    assert not uploads_dir(settings, election).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "dp4"}, "Pilih berkas"),
        ({"kind": "dp5", "file": "x"}, "unknown kind"),
        ({"kind": "dp4", "file": ""}, "empty"),
    ],
)
def test_bad_uploads_are_refused(client, election, kpu_dki, settings, data, message):
    client.force_login(kpu_dki)
    if "file" in data:
        data = {**data, "file": upload(data["file"]) if data["file"] else upload("")}
    response = client.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_pps_may_not_import_or_see_the_province_batches(client, election, pps):
    client.force_login(pps)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"kind": "dp4", "file": upload("x")}).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_broken_file_fails_the_job_and_changes_nothing(client, election, kpu_dki):
    client.force_login(kpu_dki)
    client.post(URL, {"kind": "dp4", "file": upload("nama,alamat\nSITI,JL\n")})
    job = Job.objects.get()
    run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "nik" in job.error.lower()
    assert not ImportBatch.objects.exists() and not Voter.objects.exists()
