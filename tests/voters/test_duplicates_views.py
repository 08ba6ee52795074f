"""Pages of the duplicates review queue: list, filters, detail, masking, decisions, the job."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pilkada.jobs import services as jobs
from pilkada.jobs.models import Job
from pilkada.voters.models import DuplicateGroup, DuplicateRun, Voter
from pilkada.voters.services.duplicates import detect_duplicates

from .duplicates_support import (
    AFTER_DAY,
    REVIEW_DAY,
    duplicate_rows,
    kpu_kabkota,
    load,
    voter_by_line,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(election, dp4_file, election_today, kpu_dki):
    load(election, dp4_file, duplicate_rows())
    election_today(REVIEW_DAY)
    detect_duplicates(election=election, actor=kpu_dki)
    return election


def login(client, user):
    client.force_login(user)
    return client


def probable_group():
    return DuplicateGroup.objects.get(members__voter_id=voter_by_line(23).pk)


def test_queue_lists_groups_with_counts(register, client, kpu_dki, django_assert_max_num_queries):
    login(client, kpu_dki)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("voters:duplicates"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="dup-row"') == 4
    assert 'data-testid="count-open">4<' in html
    assert "Dua orang dengan satu NIK?" in html
    assert 'data-testid="run-detection"' in html


def test_queue_filters(register, client, kpu_dki):
    login(client, kpu_dki)
    url = reverse("voters:duplicates")
    conflict = client.get(url, {"jenis": "conflict"}).content.decode()
    assert conflict.count('data-testid="dup-row"') == 1
    kel = client.get(url, {"kelurahan": "31.72.01.1001"}).content.decode()
    assert kel.count('data-testid="dup-row"') == 1
    heavy = client.get(url, {"bobot_min": "1000"}).content.decode()
    assert heavy.count('data-testid="dup-row"') == 0
    bad = client.get(url, {"bobot_min": "abc", "status": "bogus", "hal": "x"})
    assert bad.status_code == 200


def test_queue_scoped_to_the_kabkota(register, client):
    login(client, kpu_kabkota("3171"))
    html = client.get(reverse("voters:duplicates")).content.decode()
    assert html.count('data-testid="dup-row"') == 3  # not the group across kab/kota
    cross = DuplicateGroup.objects.get(region_code="31")
    assert client.get(reverse("voters:duplicate_detail", args=[cross.pk])).status_code == 404
    assert 'data-testid="run-detection"' not in html  # the province runs detection


def test_queue_refused_to_other_roles(register, client, pps):
    login(client, pps)
    assert client.get(reverse("voters:duplicates")).status_code == 403


def test_detail_masked_side_by_side(register, client, kpu_dki, audit_log):
    login(client, kpu_dki)
    group = probable_group()
    n = len(audit_log())
    html = client.get(reverse("voters:duplicate_detail", args=[group.pk])).content.decode()
    voter = voter_by_line(23)
    assert voter.nik not in html and voter.nik[:6] + "********" in html
    assert voter.tanggal_lahir.isoformat() not in html
    assert 'class="agree" data-field="nama"' in html
    assert 'class="differ" data-field="nik"' in html or 'class="partial" data-field="nik"' in html
    assert "bobot" in html and 'data-testid="unmask"' in html
    assert len(audit_log()) == n


def test_unmask_is_logged(register, client, kpu_dki, audit_log):
    login(client, kpu_dki)
    group = probable_group()
    html = client.get(
        reverse("voters:duplicate_detail", args=[group.pk]), {"buka": "1"}
    ).content.decode()
    assert voter_by_line(23).nik in html
    entry = audit_log()[-1]
    assert entry.action == "personal_data.unmasked" and entry.object_id == "voters.duplicate_detail"


def test_unmask_refused_without_permission(register, client, django_user_model):
    from pilkada.accounts.roles import Role

    bawaslu = django_user_model.objects.create_user(
        username="bawaslu", password=None, role=Role.BAWASLU, region_code="31"
    )
    login(client, bawaslu)
    url = reverse("voters:duplicate_detail", args=[probable_group().pk])
    assert client.get(url, {"buka": "1"}).status_code == 403


def test_confirm_post(register, client, kpu_dki):
    login(client, kpu_dki)
    group = probable_group()
    kept = voter_by_line(3)
    response = client.post(
        reverse("voters:duplicate_confirm", args=[group.pk]), {"keep": kept.pk}
    )
    assert response.status_code == 200
    assert voter_by_line(23).tms_code == 2
    html = response.content.decode()
    assert 'data-testid="dup-saved"' in html and 'data-testid="undo"' in html
    again = client.post(reverse("voters:duplicate_confirm", args=[group.pk]), {"keep": kept.pk})
    assert again.status_code == 409 and "already decided" in again.content.decode()


def test_reject_post_htmx_fragment(register, client, kpu_dki):
    login(client, kpu_dki)
    group = probable_group()
    response = client.post(
        reverse("voters:duplicate_reject", args=[group.pk]),
        {"note": "kembar"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div class="card" id="dup-decision"')
    group.refresh_from_db()
    assert group.status == "rejected"


def test_bad_voter_id_in_form(register, client, kpu_dki):
    login(client, kpu_dki)
    group = probable_group()
    response = client.post(
        reverse("voters:duplicate_confirm", args=[group.pk]), {"remove": ["abc"]},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200 and 'data-testid="dup-error"' in response.content.decode()
    assert not Voter.objects.filter(status="tms").exists()


def test_post_needs_csrf(register, kpu_dki):
    client = Client(enforce_csrf_checks=True)
    client.force_login(kpu_dki)
    response = client.post(reverse("voters:duplicate_confirm", args=[probable_group().pk]))
    assert response.status_code == 403
    assert not Voter.objects.filter(status="tms").exists()


def test_get_on_decision_not_allowed(register, client, kpu_dki):
    login(client, kpu_dki)
    assert client.get(reverse("voters:duplicate_confirm", args=[1])).status_code == 405


def test_stage_closed_on_the_page(register, client, kpu_dki, election_today):
    login(client, kpu_dki)
    election_today(AFTER_DAY)
    group = probable_group()
    html = client.get(reverse("voters:duplicate_detail", args=[group.pk])).content.decode()
    assert 'data-testid="confirm"' not in html
    response = client.post(reverse("voters:duplicate_confirm", args=[group.pk]))
    assert response.status_code == 409 and "sudah ditutup" in response.content.decode()
    assert client.post(reverse("voters:duplicates_run")).status_code == 403


def test_start_detection_job(register, client, kpu_dki):
    login(client, kpu_dki)
    response = client.post(reverse("voters:duplicates_run"))
    job = Job.objects.get(kind="voters.duplicates")
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    job = jobs.run(job.pk)
    assert job.status == "done", job.error
    assert job.result["kelompok"] == 4
    assert DuplicateRun.objects.count() == 2


def test_start_detection_refused_to_kabkota(register, client):
    login(client, kpu_kabkota("3171"))
    assert client.post(reverse("voters:duplicates_run")).status_code == 403
    assert not Job.objects.exists()
