"""The schedule pages: everyone reads; only KPU Provinsi of the election's region edits."""

import datetime as dt

import pytest
from django.urls import reverse

from pilkada.accounts.models import User
from pilkada.audit.models import AuditEntry
from pilkada.schedule.models import Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def coklit(demo):
    return Stage.objects.get(election=demo.election, code__contains="coklit")


def test_public_reads_the_schedule_without_edit_buttons(client, demo, coklit):
    html = client.get(reverse("schedule:list")).content.decode()
    assert coklit.name in html
    assert reverse("schedule:edit", args=[coklit.pk]) not in html


@pytest.mark.parametrize("username", ["kpu-3171", "pps-3171011001", "bawaslu-prov", "polda"])
def test_others_cannot_edit(client, demo, coklit, username):
    client.force_login(User.objects.get(username=username))
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("schedule:edit", args=[coklit.pk]), {"start": "2024-06-20", "end": "2024-07-24"}
    )
    assert response.status_code == 403
    coklit.refresh_from_db()
    assert coklit.start == dt.date(2024, 6, 24)
    assert AuditEntry.objects.count() == before


def test_kpu_provinsi_moves_a_window_and_it_is_audited(client, demo, coklit):
    client.force_login(User.objects.get(username="kpu-prov"))
    html = client.get(reverse("schedule:list")).content.decode()
    assert reverse("schedule:edit", args=[coklit.pk]) in html
    response = client.post(
        reverse("schedule:edit", args=[coklit.pk]), {"start": "2024-06-25", "end": "2024-07-24"}
    )
    assert response.status_code == 200
    assert 'data-testid="saved"' in response.content.decode()
    coklit.refresh_from_db()
    assert coklit.start == dt.date(2024, 6, 25)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "schedule.stage.update"
    assert entry.actor == "kpu-prov"
    assert entry.old["start"] == "2024-06-24" and entry.new["start"] == "2024-06-25"


def test_an_invalid_window_comes_back_with_the_reason(client, demo, coklit):
    client.force_login(User.objects.get(username="kpu-prov"))
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("schedule:edit", args=[coklit.pk]), {"start": "2024-07-30", "end": "2024-07-01"}
    )
    html = response.content.decode()
    assert 'data-testid="errors"' in html
    coklit.refresh_from_db()
    assert coklit.start == dt.date(2024, 6, 24)
    assert AuditEntry.objects.count() == before
