"""Loading province files into the database: counts, idempotence, renames, rejections that
write nothing, permissions, audit; establishing TPS."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from regions_testdata import BANTEN, JAKARTA

from pilkada.accounts.models import User
from pilkada.accounts.roles import Role
from pilkada.audit.models import AuditEntry
from pilkada.regions.loader import LoadErrorCode, RegionFileError
from pilkada.regions.models import InvalidRegionCode, Region, Tps
from pilkada.regions.services import (
    ensure_tps,
    ensure_tps_codes,
    load_region_file,
    load_shipped_regions,
)

pytestmark = pytest.mark.django_db

KABKOTA = {
    "3101": "Kepulauan Seribu",
    "3171": "Jakarta Pusat",
    "3172": "Jakarta Utara",
    "3173": "Jakarta Barat",
    "3174": "Jakarta Selatan",
    "3175": "Jakarta Timur",
}


def level_counts(prefix=""):
    return {
        level: Region.objects.filter(level=level, code__startswith=prefix).count()
        for level in ("provinsi", "kabkota", "kecamatan", "kelurahan")
    }


def snapshot():
    return (
        list(Region.objects.order_by("code").values_list("code", "name", "kind", "parent_id")),
        AuditEntry.objects.count(),
    )


def test_shipped_jakarta_loads_exactly(audit_log):
    result = load_region_file(path=JAKARTA)
    assert level_counts() == {"provinsi": 1, "kabkota": 6, "kecamatan": 44, "kelurahan": 267}
    assert (result.created, result.updated, result.unchanged) == (318, 0, 0)
    assert {lv: c.created for lv, c in result.counts.items()} == {
        "provinsi": 1, "kabkota": 6, "kecamatan": 44, "kelurahan": 267,
    }  # fmt: skip
    kabkota = Region.objects.filter(level="kabkota")
    assert {r.code: r.short_name for r in kabkota} == KABKOTA
    assert {r.dotted for r in kabkota} == {"31.01", "31.71", "31.72", "31.73", "31.74", "31.75"}
    pusat = Region.objects.get(code="3171")
    assert (pusat.name, pusat.kind, pusat.parent_id) == (
        "Kota Administrasi Jakarta Pusat", "kota", "31",
    )  # fmt: skip
    assert Region.objects.get(code="3101").kind == "kabupaten"
    assert set(Region.objects.filter(level="kelurahan").values_list("kind", flat=True)) == {
        "kelurahan"
    }
    assert Region.objects.get(code="31").parent is None
    assert str(Region.objects.get(code="3171011001")) == "31.71.01.1001 Gambir"
    assert str(result).startswith(
        "regions 31 Daerah Khusus Ibukota Jakarta (31.csv): 318 created, 0 updated"
    )
    # one audit entry for the whole load, inside the load's transaction
    (call,) = audit_log()
    assert call.action == "regions.load"
    assert call.object_type == "regions.Region"
    assert call.object_id == "31"
    assert call.actor == "system"
    assert call.new["sha256"] == result.sha256
    assert call.new["created"] == 318
    assert call.new["counts"]["kelurahan"]["created"] == 267
    entry = AuditEntry.objects.get(action="regions.load")
    assert entry.new["file"] == "31.csv"
    assert entry.actor == "system"


def test_rerun_is_a_no_op(jakarta, audit_log):
    before = snapshot()
    result = load_region_file(path=JAKARTA)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 318)
    assert not result.changed
    assert "no change" in str(result)
    assert snapshot() == before
    assert audit_log() == []  # nothing changed, nothing to record


def test_load_shipped_regions(db):
    results = load_shipped_regions()
    assert [r.province_code for r in results] == ["31"]
    assert load_shipped_regions()[0].changed is False


def test_second_province_loads_beside_the_first(jakarta, write_csv):
    result = load_region_file(path=write_csv(BANTEN, "36.csv"))
    assert (result.province_code, result.province_name, result.created) == ("36", "Banten", 9)
    assert level_counts("36") == {"provinsi": 1, "kabkota": 2, "kecamatan": 2, "kelurahan": 4}
    assert level_counts("31") == {"provinsi": 1, "kabkota": 6, "kecamatan": 44, "kelurahan": 267}
    assert Region.objects.get(code="3601012001").kind == "desa"
    assert Region.objects.get(code="3671011001").kind == "kelurahan"
    assert Region.objects.get(code="3601").kind == "kabupaten"
    # each province's re-run leaves the other alone
    assert not load_region_file(path=JAKARTA).changed
    assert not load_region_file(path=write_csv(BANTEN, "36.csv")).changed


def test_changed_name_updates_the_row_and_is_audited(jakarta, write_csv, audit_log):
    text = JAKARTA.read_text(encoding="utf-8").replace(
        "31.71.01.1002,Cideng", "31.71.01.1002,Cideng Baru"
    )
    result = load_region_file(path=write_csv(text, "31.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 317)
    assert result.counts["kelurahan"].updated == 1
    assert result.renamed == [("3171011002", "Cideng", "Cideng Baru")]
    assert Region.objects.get(code="3171011002").name == "Cideng Baru"
    (call,) = audit_log()
    assert call.old == {"names": {"3171011002": "Cideng"}}
    assert call.new["names"] == {"3171011002": "Cideng Baru"}
    assert call.new["updated"] == 1


def test_renaming_a_kabkota_updates_its_kind(jakarta, write_csv):
    text = JAKARTA.read_text(encoding="utf-8").replace(
        "31.71,Kota Administrasi Jakarta Pusat", "31.71,Kota Jakarta Pusat"
    )
    load_region_file(path=write_csv(text, "31.csv"))
    pusat = Region.objects.get(code="3171")
    assert (pusat.name, pusat.kind, pusat.short_name) == (
        "Kota Jakarta Pusat", "kota", "Jakarta Pusat",
    )  # fmt: skip


def test_region_missing_from_a_new_file_is_reported_not_deleted(jakarta, write_csv, audit_log):
    text = "".join(
        line
        for line in JAKARTA.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("31.75.10.1008,")
    )
    result = load_region_file(path=write_csv(text, "31.csv"))
    assert result.missing == ["3175101008"]
    assert not result.changed
    assert "1 in the database but not in the file (kept)" in str(result)
    assert Region.objects.filter(code="3175101008").exists()
    assert audit_log() == []


BROKEN = {
    "orphan": ("31.76.01,Kecamatan Tanpa Kota\n", 320, LoadErrorCode.ORPHAN),
    "duplicate": ("31.71.01.1001,Gambir Lagi\n", 320, LoadErrorCode.DUPLICATE_CODE),
    "malformed": ("31.71.01.10011,Terlalu Panjang\n", 320, LoadErrorCode.MALFORMED_CODE),
    "two provinces": ("36,Banten\n", 320, LoadErrorCode.MULTIPLE_PROVINCES),
    "empty name": ("31.71.01.1009,\n", 320, LoadErrorCode.EMPTY_NAME),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_writes_nothing(case, jakarta, write_csv, audit_log):
    extra, line, code = BROKEN[case]
    # A rename too, which must not happen either.
    text = JAKARTA.read_text(encoding="utf-8").replace("31.71.01.1002,Cideng", "31.71.01.1002,X")
    before = snapshot()
    with pytest.raises(RegionFileError) as excinfo:
        load_region_file(path=write_csv(text + extra, "31.csv"))
    assert [(e.line, e.code) for e in excinfo.value.errors] == [(line, code)]
    assert snapshot() == before
    assert audit_log() == []


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("code,name\n36,Banten\n", 1, LoadErrorCode.BAD_HEADER),
        ("kode,nama\n36,Banten\n36.01.01,Sumur\n", 3, LoadErrorCode.ORPHAN),
        ("kode,nama\n36,Banten\n36,Banten\n", 3, LoadErrorCode.DUPLICATE_CODE),
        ("kode,nama\n36,Banten\n36.1,Pandeglang\n", 3, LoadErrorCode.MALFORMED_CODE),
        ("kode,nama\n36,Banten\n31,DKI Jakarta\n", 3, LoadErrorCode.MULTIPLE_PROVINCES),
        ("kode,nama\n36,\n", 2, LoadErrorCode.EMPTY_NAME),
    ],
)
def test_broken_first_load_writes_nothing(db, write_csv, text, line, code):
    with pytest.raises(RegionFileError) as excinfo:
        load_region_file(path=write_csv(text))
    assert [(e.line, e.code) for e in excinfo.value.errors] == [(line, code)]
    assert Region.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_bom_prefixed_header_is_fine(db, write_csv):
    result = load_region_file(path=write_csv("\ufeff" + BANTEN, "36.csv"))
    assert result.created == 9


def test_failure_during_the_write_rolls_everything_back(db, write_csv, monkeypatch):
    import pilkada.regions.services as services

    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record_audit", broken_audit)
    with pytest.raises(RuntimeError):
        load_region_file(path=write_csv(BANTEN, "36.csv"))
    assert Region.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_audit_entry_commits_with_the_load(write_csv, audit_log):
    """Outside the test's own transaction: the audit call must open no transaction of
    its own, it runs inside the load's."""
    load_region_file(path=write_csv(BANTEN, "36.csv"))
    assert [(e.action, e.object_id) for e in audit_log()] == [("regions.load", "36")]


def make_user(username, role, region_code, **extra):
    return User.objects.create_user(
        username=username, password="x", role=role, region_code=region_code, **extra
    )


def test_load_permissions(db, write_csv):
    path = write_csv(BANTEN, "36.csv")
    kpu_jakarta = make_user("kpu-31", Role.KPU_PROVINSI, "31")
    kpu_kota = make_user("kpu-3671", Role.KPU_KABKOTA, "3671")
    with pytest.raises(PermissionDenied, match="outside your scope"):
        load_region_file(path=path, actor=kpu_jakarta)
    with pytest.raises(PermissionDenied, match="may not"):
        load_region_file(path=path, actor=kpu_kota)
    assert Region.objects.count() == 0
    kpu_banten = make_user("kpu-36", Role.KPU_PROVINSI, "36")
    result = load_region_file(path=path, actor=kpu_banten)
    assert result.created == 9
    entry = AuditEntry.objects.get(action="regions.load")
    assert (entry.actor, entry.role, entry.region_code) == ("kpu-36", "kpu_provinsi", "36")


def test_region_table_enforces_code_level_parent(jakarta):
    for bad in (
        Region(code="3176", level="kecamatan", name="x", parent_id="31"),  # wrong level
        Region(code="3176", level="kabkota", name="x", parent_id="3171"),  # wrong parent
        Region(code="32", level="provinsi", name="x", parent_id="31"),  # province with parent
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            bad.save(force_insert=True)


def test_ensure_tps_creates_once_and_audits(jakarta, audit_log):
    tps, created = ensure_tps(actor=None, kelurahan_code="31.71.01.1001", number=1)
    assert created
    assert (tps.code, tps.kelurahan_id, tps.number, tps.is_special) == (
        "3171011001001", "3171011001", 1, False,
    )  # fmt: skip
    again, created = ensure_tps(actor=None, kelurahan_code="3171011001", number=1)
    assert not created
    assert again.code == tps.code
    assert [c.action for c in audit_log()] == ["regions.tps.create"]
    special, _ = ensure_tps(actor=None, kelurahan_code="3171011001", number=901)
    assert special.is_special
    assert list(jakarta_kelurahan_tps()) == ["3171011001001", "3171011001901"]


def jakarta_kelurahan_tps():
    return Region.objects.get(code="3171011001").tps.values_list("code", flat=True)


def test_ensure_tps_refuses_unknown_kelurahan_and_bad_numbers(jakarta):
    with pytest.raises(Region.DoesNotExist):
        ensure_tps(actor=None, kelurahan_code="3171019999", number=1)
    with pytest.raises(InvalidRegionCode):
        ensure_tps(actor=None, kelurahan_code="3171011001", number=0)
    with pytest.raises(InvalidRegionCode):
        ensure_tps(actor=None, kelurahan_code="317101", number=1)
    assert Tps.objects.count() == 0


def test_ensure_tps_permissions(jakarta):
    kpu_pusat = make_user("kpu-3171", Role.KPU_KABKOTA, "3171")
    pps = make_user("pps-3171011001", Role.PPS, "3171011001")
    ensure_tps(actor=kpu_pusat, kelurahan_code="3171011001", number=2)
    with pytest.raises(PermissionDenied):
        ensure_tps(actor=kpu_pusat, kelurahan_code="3172011001", number=1)
    with pytest.raises(PermissionDenied):
        ensure_tps(actor=pps, kelurahan_code="3171011001", number=3)
    assert list(Tps.objects.values_list("code", flat=True)) == ["3171011001002"]


def test_tps_table_enforces_its_rules(jakarta):
    bad = [
        Tps(code="3171011001901", kelurahan_id="3171011001", number=901, is_special=False),
        Tps(code="3171011001001", kelurahan_id="3171011001", number=1, is_special=True),
        Tps(code="3171011002001", kelurahan_id="3171011001", number=1),  # wrong kelurahan
        Tps(code="317101100101", kelurahan_id="3171011001", number=1),  # 12 digits
        Tps(code="3171011001000", kelurahan_id="3171011001", number=0),
    ]
    for tps in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            tps.save(force_insert=True)
    Tps.build("3171011001001").save(force_insert=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tps.build("3171011001001").save(force_insert=True)


def test_ensure_tps_codes_in_bulk(jakarta, audit_log):
    codes = [f"3171011001{n:03d}" for n in range(1, 21)] + ["3171011002901"]
    result = ensure_tps_codes(actor=None, codes=codes)
    assert (result.created, result.existing) == (21, 0)
    assert Tps.objects.filter(is_special=True).count() == 1
    result = ensure_tps_codes(actor=None, codes=codes)
    assert (result.created, result.existing) == (0, 21)
    (call,) = audit_log()
    assert (call.action, call.object_id, call.new["created"]) == (
        "regions.tps.create_many", "317101", 21,
    )  # fmt: skip


def test_ensure_tps_codes_is_all_or_nothing(jakarta):
    with pytest.raises(ValueError, match="3171019999"):
        ensure_tps_codes(actor=None, codes=["3171011001001", "3171019999001"])
    with pytest.raises(InvalidRegionCode):
        ensure_tps_codes(actor=None, codes=["3171011001001", "31710110010"])
    assert Tps.objects.count() == 0
