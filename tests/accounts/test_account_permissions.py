"""Who may do what, where: tests that try to cross the region scope."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from pilkada.accounts.models import User
from pilkada.accounts.permissions import (
    ACTION_ROLES,
    can,
    in_scope,
    is_operator,
    level_of,
    require,
    scope_q,
    valid_scope,
)
from pilkada.accounts.roles import CODE_LENGTH, Role
from pilkada.regions.models import Region

R = Role


def user(role, region_code, **extra):
    return User(username=f"{role}-{region_code}", role=role, region_code=region_code, **extra)


PPS = user(R.PPS, "3171011001")
PPK = user(R.PPK, "317101")
KPU_KOTA = user(R.KPU_KABKOTA, "3171")
KPU_PROV = user(R.KPU_PROVINSI, "31")
KPPS = user(R.KPPS, "3171011001001")
PANWASCAM = user(R.BAWASLU, "317101")
OPERATOR = User(username="admin", is_superuser=True)


def test_code_length_is_still_exported():
    assert CODE_LENGTH == {"provinsi": 2, "kabkota": 4, "kecamatan": 6, "kelurahan": 10, "tps": 13}


@pytest.mark.parametrize(
    ("who", "code", "expected"),
    [
        # PPS of Gambir (3171011001)
        (PPS, "3171011001", True),
        (PPS, "31.71.01.1001", True),  # dotted is the same code
        (PPS, "3171011001001", True),  # its own TPS
        (PPS, "3171011001901", True),  # its special TPS
        (PPS, "3171011002", False),  # the neighbouring kelurahan (Cideng)
        (PPS, "3171011002001", False),  # a TPS of the neighbour
        (PPS, "317101", False),  # its own kecamatan: above it
        (PPS, "3171", False),
        (PPS, "31", False),
        # PPK of Gambir (317101)
        (PPK, "317101", True),
        (PPK, "3171011006", True),
        (PPK, "317102", False),  # Sawah Besar, the neighbouring kecamatan
        (PPK, "3171021001", False),
        (PPK, "3171", False),
        # KPU Jakarta Pusat
        (KPU_KOTA, "3171081004", True),
        (KPU_KOTA, "3172", False),  # Jakarta Utara
        (KPU_KOTA, "3172011001", False),
        (KPU_KOTA, "3101", False),
        (KPU_KOTA, "31", False),
        # KPU Provinsi DKI
        (KPU_PROV, "3175101008", True),
        (KPU_PROV, "36", False),  # Banten
        (KPU_PROV, "3671", False),
        # KPPS of TPS 001 Gambir
        (KPPS, "3171011001001", True),
        (KPPS, "3171011001002", False),
        (KPPS, "3171011001", False),  # its kelurahan: above it
        # Panwascam (Bawaslu at kecamatan level)
        (PANWASCAM, "3171011003", True),
        (PANWASCAM, "317102", False),
        (PANWASCAM, "3171", False),
    ],
)
def test_in_scope_crossings(who, code, expected):
    assert in_scope(who, code) is expected


@pytest.mark.parametrize(
    "code",
    [
        "31710110010",  # 11 digits: starts with the PPS's code, but is no code at all
        "317101100100",  # 12 digits
        "31710110010011",  # 14 digits
        "3171011001.001",  # half-dotted
        "31.71.01.1001.0001",
        "3171011001ab",
        "3171011001\u0661",  # Arabic-Indic digit one
        "",
        " ",
        "31.71.01.10011",
    ],
)
def test_malformed_codes_are_rejected_not_prefix_matched(code):
    assert not in_scope(PPS, code)
    assert not can(PPS, "regions.view", code)
    assert not in_scope(KPU_PROV, code)
    with pytest.raises(PermissionDenied, match="not a valid region code"):
        require(PPS, "regions.view", code)


def test_levels_have_fixed_lengths():
    assert level_of("3171011001") == "kelurahan"
    assert level_of("31710110010") is None
    assert level_of("3171") == "kabkota"
    assert level_of("317") is None
    assert level_of("\uff13\uff11") is None  # full-width digits
    assert not valid_scope(R.PPS, "31710110010")
    assert not valid_scope(R.PPS, "317101")
    assert valid_scope(R.PPS, "3171011001")
    assert valid_scope(R.BAWASLU, "317101")
    assert not valid_scope(R.KPU_KABKOTA, "31")
    assert not valid_scope("nonsense", "31")


@pytest.mark.parametrize(
    "who",
    [
        user(R.PPS, "3"),  # would prefix-match 31..39
        user(R.PPS, "31710110010"),
        user(R.PPS, "317101"),  # a PPS at kecamatan level: not a valid PPS scope
        user(R.KPU_KABKOTA, "31"),  # KPU kab/kota claiming a province
        user(R.KPU_PROVINSI, ""),
        user(R.PPS, "3171011001", is_active=False),  # deactivated
        user("", "31"),  # no role
    ],
)
def test_a_broken_or_inactive_scope_grants_nothing(who):
    assert not in_scope(who, "3171011001")
    assert not in_scope(who, None)
    assert not can(who, "regions.view", "3171011001")
    assert not can(who, "regions.view")
    with pytest.raises(PermissionDenied):
        require(who, "regions.view", "3171011001")


def test_anonymous_user():
    anon = AnonymousUser()
    assert not is_operator(anon)
    assert not in_scope(anon, "31")
    assert not can(anon, "regions.view")
    with pytest.raises(PermissionDenied, match="login required"):
        require(anon, "regions.view", "31")
    assert scope_q(anon) is not None


def test_superuser_operator_passes_everything():
    assert is_operator(OPERATOR)
    assert can(OPERATOR, "regions.load", "36")
    assert can(OPERATOR, "accounts.manage", "3171011001")
    assert in_scope(OPERATOR, "31710110010")  # operators run repairs; nothing to scope
    require(OPERATOR, "schedule.edit")


def test_superuser_with_a_role_is_scoped_like_the_role():
    boss = user(R.KPU_KABKOTA, "3171", is_superuser=True)
    assert not is_operator(boss)
    assert not can(boss, "accounts.manage", "3172")
    assert not can(boss, "regions.load", "31")


def test_inactive_operator_is_no_operator():
    assert not is_operator(User(username="old-admin", is_superuser=True, is_active=False))


def test_unknown_action_raises():
    with pytest.raises(KeyError, match="unknown action"):
        can(PPS, "regions.destroy", "3171011001")
    with pytest.raises(KeyError):
        can(OPERATOR, "nonsense")
    with pytest.raises(KeyError):
        require(PPS, "nonsense")


def test_roles_of_actions():
    assert can(KPU_PROV, "regions.load", "31")
    assert not can(KPU_KOTA, "regions.load", "3171")
    assert can(KPU_KOTA, "regions.tps_edit", "3171011001001")
    assert not can(PPS, "regions.tps_edit", "3171011001001")
    assert can(KPU_KOTA, "accounts.manage", "3171011001")
    assert not can(KPU_KOTA, "accounts.manage", "3172011001")
    assert not can(PPK, "accounts.manage", "317101")
    assert can(PANWASCAM, "audit.view", "317101")
    assert not can(PANWASCAM, "audit.view", "317102")
    assert not can(PANWASCAM, "regions.load", "317101")
    assert not can(PANWASCAM, "accounts.manage", "317101")
    assert not can(PPS, "audit.view", "3171011001")
    with pytest.raises(PermissionDenied, match="role pps may not"):
        require(PPS, "accounts.manage", "3171011001")
    with pytest.raises(PermissionDenied, match="outside your scope 3171"):
        require(KPU_KOTA, "accounts.manage", "3172")
    for action, roles in ACTION_ROLES.items():
        assert roles <= set(Role), action


@pytest.mark.django_db
def test_scope_q_on_region_querysets(jakarta):
    def visible(who):
        return list(Region.objects.filter(scope_q(who)).values_list("code", flat=True))

    assert visible(PPS) == ["3171011001"]
    assert visible(KPPS) == []  # no region lies inside a TPS
    assert len(visible(PPK)) == 1 + 6
    assert all(c.startswith("317101") for c in visible(PANWASCAM))
    assert len(visible(KPU_KOTA)) == 1 + 8 + 44  # Jakarta Pusat: 8 kecamatan, 44 kelurahan
    assert "3172" not in visible(KPU_KOTA)
    assert len(visible(KPU_PROV)) == 318
    assert len(visible(OPERATOR)) == 318
    assert visible(AnonymousUser()) == []
    assert visible(user(R.PPS, "3")) == []
    assert visible(user(R.PPS, "3171011001", is_active=False)) == []


@pytest.mark.django_db
def test_scope_q_on_another_field(jakarta):
    User.objects.create_user(username="a", role=R.PPS, region_code="3171011001")
    User.objects.create_user(username="b", role=R.PPS, region_code="3172011001")
    qs = User.objects.filter(scope_q(KPU_KOTA, "region_code"))
    assert list(qs.values_list("username", flat=True)) == ["a"]
