"""Reading the log: scoped for users, everything for the command line."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from pilkada.accounts.roles import Role
from pilkada.audit import selectors
from pilkada.audit.services import audit_context

from .conftest import write_entries

User = get_user_model()


def test_users_see_their_region_and_need_audit_view(db):
    dki = User.objects.create(username="kpu-dki", role=Role.KPU_PROVINSI, region_code="31")
    jabar = User.objects.create(username="kpu-jabar", role=Role.KPU_PROVINSI, region_code="32")
    jaksel = User.objects.create(username="kpu-jaksel", role=Role.KPU_KABKOTA, region_code="3171")
    pps = User.objects.create(username="pps", role=Role.PPS, region_code="3171011001")
    write_entries(2, actor=jaksel)
    write_entries(1, actor=jabar)
    assert [e.actor for e in selectors.entries(user=dki)] == ["kpu-jaksel", "kpu-jaksel"]
    assert [e.actor for e in selectors.entries(user=jabar)] == ["kpu-jabar"]
    assert len(selectors.entries()) == 3  # the command line
    with pytest.raises(PermissionDenied):
        selectors.entries(user=pps)


def test_entries_for_request(db):
    with audit_context("run-1"):
        write_entries(2)
    write_entries(1)
    assert [e.seq for e in selectors.entries_for_request("run-1")] == [1, 2]


def test_system_entries_are_read_at_province_level_only(db):
    dki = User.objects.create(username="kpu-dki", role=Role.KPU_PROVINSI, region_code="31")
    bawaslu = User.objects.create(username="bawaslu-dki", role=Role.BAWASLU, region_code="31")
    jaksel = User.objects.create(username="kpu-jaksel", role=Role.KPU_KABKOTA, region_code="3171")
    write_entries(1)  # the system (an import, a schedule load)
    write_entries(1, actor=jaksel)
    assert [e.actor for e in selectors.entries(user=dki)] == ["system", "kpu-jaksel"]
    assert [e.actor for e in selectors.entries(user=bawaslu)] == ["system", "kpu-jaksel"]
    assert [e.actor for e in selectors.entries(user=jaksel)] == ["kpu-jaksel"]
