"""Creating accounts: scope validation, who may create whom, audit; the demo accounts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pilkada.accounts.models import User
from pilkada.accounts.permissions import valid_scope
from pilkada.accounts.roles import Role
from pilkada.accounts.selectors import user_list
from pilkada.accounts.services import create_operator, create_user, ensure_demo_accounts
from pilkada.audit.models import AuditEntry
from pilkada.regions.models import Region, Tps

pytestmark = pytest.mark.django_db
R = Role
PASSWORD = "kotak-suara-2024"


def make(actor, username, role, region_code, **extra):
    return create_user(
        actor=actor, username=username, password=PASSWORD, role=role,
        region_code=region_code, **extra,
    )  # fmt: skip


@pytest.fixture
def kpu_prov(jakarta):
    return make(None, "kpu-prov", R.KPU_PROVINSI, "31")


@pytest.fixture
def kpu_pusat(jakarta):
    return make(None, "kpu-3171", R.KPU_KABKOTA, "31.71")


def test_create_user_stores_the_undotted_scope_and_audits_without_password(jakarta, audit_log):
    user = make(None, "pps-gambir", R.PPS, "31.71.01.1001", full_name=" Siti Aminah ")
    user.refresh_from_db()
    assert (user.role, user.region_code, user.full_name) == (R.PPS, "3171011001", "Siti Aminah")
    assert user.check_password(PASSWORD)
    (call,) = audit_log()
    assert call.action == "accounts.create"
    assert call.object_type == "accounts.User"
    assert call.object_id == str(user.pk)
    assert call.new["region_code"] == "3171011001"
    entry = AuditEntry.objects.get(action="accounts.create")
    text = repr(entry.old) + repr(entry.new)
    assert PASSWORD not in text
    assert "password" not in text
    assert user.password not in text


@pytest.mark.parametrize(
    ("role", "region", "field"),
    [
        (R.PPS, "317101", "region_code"),  # a PPS sits at a kelurahan
        (R.PPS, "31710110010", "region_code"),  # malformed
        (R.PPS, "3171019999", "region_code"),  # well formed, not loaded
        (R.KPPS, "3171019999001", "region_code"),  # TPS of an unknown kelurahan
        (R.KPPS, "3171011001", "region_code"),  # KPPS sits at a TPS
        (R.KPU_KABKOTA, "31", "region_code"),
        (R.KPU_PROVINSI, "36", "region_code"),  # Banten is not loaded
        (R.LO, "317101", "region_code"),
        (R.PPS, "", "region_code"),
        ("camat", "317101", "role"),
        ("", "31", "role"),
    ],
)
def test_create_user_refuses_an_invalid_scope_or_region(jakarta, role, region, field):
    with pytest.raises(ValidationError) as excinfo:
        make(None, "someone", role, region)
    assert field in excinfo.value.message_dict
    assert not User.objects.filter(username="someone").exists()


def test_tps_scope_needs_only_the_kelurahan(jakarta):
    user = make(None, "kpps-1", R.KPPS, "3171011001005")
    assert user.region_code == "3171011001005"
    assert not Tps.objects.exists()


def test_kpu_kabkota_creates_accounts_only_inside_its_city(kpu_pusat, audit_log):
    pps = make(kpu_pusat, "pps-cideng", R.PPS, "3171011002")
    assert pps.region_code == "3171011002"
    assert audit_log()[-1].actor == kpu_pusat.username
    with pytest.raises(PermissionDenied, match="outside your scope"):
        make(kpu_pusat, "pps-penjaringan", R.PPS, "3172011001")
    with pytest.raises(PermissionDenied):
        make(kpu_pusat, "kpu-prov-2", R.KPU_PROVINSI, "31")  # no escalation upwards
    with pytest.raises(PermissionDenied):
        make(kpu_pusat, "kpu-3172", R.KPU_KABKOTA, "3172")
    assert not User.objects.filter(username__in=["pps-penjaringan", "kpu-3172"]).exists()


def test_kpu_provinsi_creates_anywhere_in_its_province(kpu_prov):
    make(kpu_prov, "kpu-3172", R.KPU_KABKOTA, "3172")
    make(kpu_prov, "panwascam-317101", R.BAWASLU, "317101")


def test_officers_who_do_not_manage_accounts_are_refused(jakarta):
    pps = make(None, "pps-1", R.PPS, "3171011001")
    panwascam = make(None, "panwascam-1", R.BAWASLU, "317101")
    for actor in (pps, panwascam):
        with pytest.raises(PermissionDenied, match="may not"):
            make(actor, "kpps-x", R.KPPS, "3171011001001")
    inactive = make(None, "kpu-old", R.KPU_KABKOTA, "3171")
    inactive.is_active = False
    with pytest.raises(PermissionDenied, match="deactivated"):
        make(inactive, "kpps-y", R.KPPS, "3171011001001")


def test_duplicate_username_and_weak_password(jakarta):
    make(None, "pps-1", R.PPS, "3171011001")
    with pytest.raises(ValidationError) as excinfo:
        make(None, "pps-1", R.PPS, "3171011002")
    assert "username" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        create_user(
            actor=None, username="pps-2", password="password", role=R.PPS,
            region_code="3171011002",
        )  # fmt: skip
    assert "password" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        make(None, "bad name!", R.PPS, "3171011002")
    assert User.objects.count() == 1


def test_operator_creation(jakarta, kpu_prov, audit_log):
    op = create_operator(actor=None, username="root2", password=PASSWORD)
    assert op.is_superuser and op.is_staff and not op.role
    assert audit_log()[-1].action == "accounts.create_operator"
    with pytest.raises(PermissionDenied):
        create_operator(actor=kpu_prov, username="sneaky", password=PASSWORD)
    create_operator(actor=op, username="root3", password=PASSWORD)


def test_user_list_is_scoped(kpu_prov, kpu_pusat):
    make(None, "pps-gambir", R.PPS, "3171011001")
    make(None, "pps-penjaringan", R.PPS, "3172011001")
    make(None, "kpps-gambir", R.KPPS, "3171011001001")
    create_operator(actor=None, username="root", password=PASSWORD)

    def names(viewer, **kw):
        return [u.username for u in user_list(viewer=viewer, **kw)]

    assert names(kpu_pusat) == ["kpu-3171", "pps-gambir", "kpps-gambir"]
    assert "root" not in names(kpu_prov)
    assert "pps-penjaringan" in names(kpu_prov)
    assert "root" in names(None)
    pps = User.objects.get(username="pps-gambir")
    assert names(pps) == []
    assert names(kpu_prov, role=R.PPS) == ["pps-gambir", "pps-penjaringan"]
    assert names(kpu_prov, region_code="31.72") == ["pps-penjaringan"]


EXPECTED_DEMO = [
    ("kpu-prov", "kpu_provinsi", "31"),
    ("kpu-3101", "kpu_kabkota", "3101"),
    ("ppk-310101", "ppk", "310101"),
    ("pps-3101011001", "pps", "3101011001"),
    ("kpps-3101011001001", "kpps", "3101011001001"),
    ("pantarlih-3101011001001", "pantarlih", "3101011001001"),
    ("bawaslu-prov", "bawaslu", "31"),
    ("panwascam-310101", "bawaslu", "310101"),
    ("dukcapil-prov", "dukcapil", "31"),
    ("polda", "agency", "31"),
    ("lo-demo", "lo", "31"),
    ("admin", "", ""),
]


def test_demo_accounts(jakarta, audit_log):
    accounts = ensure_demo_accounts(province_code="31", password="demo")
    assert [(u, r, c) for u, r, c, _ in accounts] == EXPECTED_DEMO
    descriptions = dict((u, d) for u, _, _, d in accounts)
    assert descriptions["pps-3101011001"] == "PPS Kelurahan Pulau Panggang"
    assert descriptions["kpu-3101"] == "KPU Kabupaten Administrasi Kepulauan Seribu"
    assert Tps.objects.filter(code="3101011001001").exists()
    for username, role, code, _ in accounts:
        u = User.objects.get(username=username)
        assert u.check_password("demo")
        if role:
            assert (u.role, u.region_code) == (role, code)
            assert valid_scope(u.role, u.region_code)
        else:
            assert u.is_superuser and not u.role
    first_audit = len(audit_log())
    assert first_audit == 13  # 12 accounts and TPS 001
    # idempotent
    before = list(User.objects.order_by("pk").values_list("username", "password"))
    assert ensure_demo_accounts(province_code="31", password="demo") == accounts
    assert list(User.objects.order_by("pk").values_list("username", "password")) == before
    assert len(audit_log()) == first_audit
    assert Tps.objects.count() == 1


def test_demo_accounts_at_a_chosen_kabkota(jakarta):
    accounts = ensure_demo_accounts(province_code="31", password="demo", kabkota_code="31.71")
    assert [u for u, *_ in accounts][1:6] == [
        "kpu-3171", "ppk-317101", "pps-3171011001", "kpps-3171011001001",
        "pantarlih-3171011001001",
    ]  # fmt: skip
    with pytest.raises(Region.DoesNotExist):
        ensure_demo_accounts(province_code="31", password="demo", kabkota_code="3671")


def test_demo_accounts_never_rescope_an_existing_account(jakarta):
    make(None, "kpu-prov", R.KPU_KABKOTA, "3171")
    with pytest.raises(ValueError, match="kpu-prov"):
        ensure_demo_accounts(province_code="31", password="demo")
    assert User.objects.count() == 1  # all or nothing
    assert not Tps.objects.exists()


def test_demo_accounts_need_the_province(db):
    with pytest.raises(Region.DoesNotExist):
        ensure_demo_accounts(province_code="31", password="demo")


def test_an_account_without_a_usable_password_for_a_one_time_link(jakarta, audit_log):
    """Seated ad hoc members get their account this way: no password anyone knows, set by
    the member through a one-time link; an empty password is still refused."""
    user = create_user(
        actor=None, username="pps-invite", password=None, role=R.PPS,
        region_code="3171011001", email=" siti@example.org ",
    )  # fmt: skip
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert user.email == "siti@example.org"
    assert [e.action for e in audit_log()] == ["accounts.create"]
    with pytest.raises(ValidationError) as exc:
        create_user(actor=None, username="pps-empty", password="", role=R.PPS,
                    region_code="3171011001")  # fmt: skip
    assert "password" in exc.value.message_dict
