import pytest
from django.contrib.auth import get_user_model

from pilkada.accounts.roles import Role
from pilkada.schedule.services import ensure_demo_election

User = get_user_model()


@pytest.fixture
def election(db):
    return ensure_demo_election()


def make_user(username, role="", region_code="", **extra):
    return User.objects.create_user(
        username=username, password=None, role=role, region_code=region_code, **extra
    )


@pytest.fixture
def kpu_dki(db):
    return make_user("kpu-dki", Role.KPU_PROVINSI, "31")


@pytest.fixture
def kpu_jabar(db):
    return make_user("kpu-jabar", Role.KPU_PROVINSI, "32")


@pytest.fixture
def kpu_jaksel(db):
    return make_user("kpu-jaksel", Role.KPU_KABKOTA, "3171")


@pytest.fixture
def pps(db):
    return make_user("pps-gambir", Role.PPS, "3171011001")


@pytest.fixture
def operator(db):
    return make_user("operator", is_superuser=True)
