"""Reading the region tree, scoped by role and region; tests try to cross the scope."""

import pytest
from django.contrib.auth.models import AnonymousUser

from pilkada.accounts.models import User
from pilkada.accounts.roles import Role
from pilkada.regions.models import InvalidRegionCode, Region
from pilkada.regions.selectors import (
    ancestors,
    as_tree,
    children,
    get_region,
    region_tree,
    tps_of,
)
from pilkada.regions.services import ensure_tps_codes

pytestmark = pytest.mark.django_db

PATH = ["31", "3171", "317101", "3171011001"]
GAMBIR_KELURAHAN = [f"317101100{n}" for n in range(1, 7)]


def user(role, region_code, **extra):
    return User(username=f"{role}-{region_code}", role=role, region_code=region_code, **extra)


def codes(qs):
    return [r.code for r in qs]


def test_pps_sees_its_kelurahan_and_the_path_up_not_its_siblings(jakarta):
    pps = user(Role.PPS, "3171011001")
    assert codes(region_tree(user=pps)) == PATH


def test_kpps_sees_the_path_to_its_tps(jakarta):
    assert codes(region_tree(user=user(Role.KPPS, "3171011001001"))) == PATH


def test_ppk_sees_its_kecamatan_not_the_neighbour(jakarta):
    ppk = user(Role.PPK, "317101")
    assert codes(region_tree(user=ppk)) == ["31", "3171", "317101", *GAMBIR_KELURAHAN]
    assert codes(region_tree(user=ppk, root_code="317102")) == []


def test_kpu_kabkota_sees_its_city_only(jakarta):
    kpu = user(Role.KPU_KABKOTA, "3171")
    visible = codes(region_tree(user=kpu))
    assert visible[:2] == ["31", "3171"]
    assert all(c == "31" or c.startswith("3171") for c in visible)
    assert (
        len(visible)
        == 1 + 1 + 8 + Region.objects.filter(level="kelurahan", code__startswith="3171").count()
    )
    assert codes(region_tree(user=kpu, root_code="3172")) == []


def test_province_and_operator_see_everything(jakarta):
    assert region_tree(user=user(Role.KPU_PROVINSI, "31")).count() == 318
    operator = User(username="admin", is_superuser=True)
    assert region_tree(user=operator).count() == 318


@pytest.mark.parametrize(
    "who",
    [
        AnonymousUser(),
        User(username="norole", region_code="31"),  # no role
        user(Role.PPS, ""),  # no region
        user(Role.PPS, "3"),  # broken scope: would prefix-match 31..39
        user(Role.PPS, "31710110010"),  # 11 digits
        user(Role.PPS, "317101"),  # PPS scoped to a kecamatan: not valid for the role
        user(Role.PPS, "3171011001", is_active=False),
        User(username="staff", is_superuser=True, role=Role.PPS, region_code=""),
    ],
)
def test_users_without_a_valid_scope_see_nothing(jakarta, who):
    assert codes(region_tree(user=who)) == []
    assert codes(children("3171", user=who)) == []


def test_other_province_is_invisible(jakarta, write_csv):
    from regions_testdata import BANTEN

    from pilkada.regions.services import load_region_file

    load_region_file(path=write_csv(BANTEN, "36.csv"))
    kpu_banten = user(Role.KPU_PROVINSI, "36")
    visible = codes(region_tree(user=kpu_banten))
    assert visible[0] == "36"
    assert len(visible) == 9
    assert codes(region_tree(user=kpu_banten, root_code="31")) == []


def test_root_and_depth(jakarta):
    kpu = user(Role.KPU_PROVINSI, "31")
    assert codes(region_tree(user=kpu, depth=0)) == ["31"]
    assert codes(region_tree(user=kpu, depth=1)) == [
        "31", "3101", "3171", "3172", "3173", "3174", "3175",
    ]  # fmt: skip
    assert codes(region_tree(user=kpu, root_code="31.71.01", depth=0)) == ["317101"]
    assert codes(region_tree(user=kpu, root_code="317101", depth=1)) == [
        "317101", *GAMBIR_KELURAHAN,
    ]  # fmt: skip
    pps = user(Role.PPS, "3171011001")
    assert codes(region_tree(user=pps, root_code="3171", depth=1)) == ["3171", "317101"]
    with pytest.raises(ValueError):
        region_tree(user=kpu, depth=-1)
    with pytest.raises(InvalidRegionCode):
        region_tree(user=kpu, root_code="31710")


def test_region_tree_is_one_query(jakarta, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(region_tree(user=user(Role.KPU_KABKOTA, "3171")))


def test_children_ancestors_get_region(jakarta):
    assert codes(children()) == ["31"]
    assert codes(children("31")) == ["3101", "3171", "3172", "3173", "3174", "3175"]
    assert [r.n_children for r in children("31")] == [2, 8, 6, 8, 10, 10]
    assert codes(children("31.71.01")) == GAMBIR_KELURAHAN
    assert codes(children("3171011001")) == []
    pps = user(Role.PPS, "3171011001")
    assert codes(children("317101", user=pps)) == ["3171011001"]
    assert codes(children("31", user=pps)) == ["3171"]
    assert codes(ancestors("3171011001001")) == PATH
    assert codes(ancestors("31.71.01.1001")) == PATH[:3]
    assert codes(ancestors("3171011001", include_self=True)) == PATH
    assert codes(ancestors("31")) == []
    assert get_region("31.71").name == "Kota Administrasi Jakarta Pusat"
    with pytest.raises(Region.DoesNotExist):
        get_region("3176")
    with pytest.raises(InvalidRegionCode):
        get_region("31710110010")


def test_tps_of_is_scoped(jakarta):
    ensure_tps_codes(actor=None, codes=["3171011001001", "3171011001002", "3171011001901"])
    assert codes(tps_of("3171011001")) == ["3171011001001", "3171011001002", "3171011001901"]
    kpps = user(Role.KPPS, "3171011001002")
    assert codes(tps_of("3171011001", user=kpps)) == ["3171011001002"]
    assert codes(tps_of("3171011001", user=user(Role.PPS, "3171011002"))) == []
    assert len(codes(tps_of("3171011001", user=user(Role.PPS, "3171011001")))) == 3


def test_as_tree_nests_and_counts_what_was_cut(jakarta):
    kpu = user(Role.KPU_PROVINSI, "31")
    from django.db.models import Count

    qs = region_tree(user=kpu, depth=1).annotate(n_children=Count("children"))
    (root,) = as_tree(qs)
    assert root.region.code == "31"
    assert [c.region.code for c in root.children][:2] == ["3101", "3171"]
    assert root.hidden_children == 0
    assert root.children[1].hidden_children == 8
    data = root.as_dict()
    assert data["children"][1]["more_children"] == 8
