"""Openings derived from the regions, the TPS and the register (services.openings)."""

import json

import pytest
from django.core.management import call_command

from pilkada.adhoc.models import Member, Opening
from pilkada.adhoc.services.openings import derive_openings
from pilkada.audit.models import AuditEntry
from pilkada.regions.models import Region, Tps

from .conftest import KELURAHAN


def _seats(election, body):
    return {o.region_code: o.seats for o in Opening.objects.filter(election=election, body=body)}


def test_one_opening_per_area_with_the_seats_of_the_rules(election, kpu_dki, make_tps):
    make_tps(number=1, voters=400)
    make_tps(number=2, voters=401)
    out = derive_openings(election=election, actor=kpu_dki)
    kecamatan = Region.objects.filter(level="kecamatan", code__startswith="31").count()
    kelurahan = Region.objects.filter(level="kelurahan", code__startswith="31").count()
    assert out["areas"] == {"ppk": kecamatan, "pps": kelurahan, "kpps": 2, "pantarlih": 2}
    assert out["seats"] == {
        "ppk": 5 * kecamatan, "pps": 3 * kelurahan, "kpps": 14, "pantarlih": 1 + 2,
    }  # fmt: skip
    assert _seats(election, "pantarlih") == {f"{KELURAHAN}001": 1, f"{KELURAHAN}002": 2}
    assert set(_seats(election, "ppk").values()) == {5}
    entry = AuditEntry.objects.filter(action="adhoc.openings_derive").get()
    assert entry.new["created"] == out["created"] == kecamatan + kelurahan + 4


def test_deriving_again_updates_adds_and_removes(election, kpu_dki, make_tps, make_application):
    make_tps(number=1, voters=10)
    tps2 = make_tps(number=2, voters=10)
    derive_openings(election=election, actor=kpu_dki)
    # TPS 1 grows above 400 voters; TPS 2 is gone but someone applied there; TPS 3 is new.
    make_tps(number=3, voters=0)
    from pilkada.voters.models import Voter

    Voter.objects.filter(tps_code=tps2.code).update(tps_code=f"{KELURAHAN}001")
    Voter.objects.bulk_create(
        Voter(election=election, nkk="1", nik=str(i), nama="X", kelurahan_code=KELURAHAN,
              status="ms", tps_code=f"{KELURAHAN}001")
        for i in range(390)
    )  # fmt: skip
    make_application(body="kpps", region_code=tps2.code)
    Tps.objects.filter(code=tps2.code).delete()
    out = derive_openings(election=election, actor=kpu_dki)
    assert out["created"] == 2  # KPPS and Pantarlih of TPS 3
    assert out["updated"] == 2  # both of TPS 1: 20 -> 410 voters, Pantarlih 1 -> 2 seats
    # TPS 2's Pantarlih opening goes; its KPPS opening stays: someone applied there.
    assert out["removed"] == 1
    assert out["kept"] == [f"kpps:{tps2.code}"]
    assert _seats(election, "pantarlih")[f"{KELURAHAN}001"] == 2
    assert f"{KELURAHAN}002" in _seats(election, "kpps")  # kept: it has an application
    # Without the application the gone TPS's openings are removed.
    from pilkada.adhoc.models import Application

    Application.objects.all().delete()
    assert not Member.objects.exists()
    out = derive_openings(election=election, actor=kpu_dki)
    assert out["removed"] == 1 and out["kept"] == []


def test_pantarlih_counts_only_voters_still_on_the_list(election, kpu_dki, make_tps):
    from pilkada.voters.models import Voter

    tps = make_tps(number=1, voters=402)
    ids = list(Voter.objects.filter(tps_code=tps.code).values_list("id", flat=True)[:2])
    Voter.objects.filter(id__in=ids).update(status="tms", tms_code=1)
    derive_openings(election=election, actor=kpu_dki)
    opening = Opening.objects.get(body="pantarlih", region_code=tps.code)
    assert (opening.voters, opening.seats) == (400, 1)


@pytest.mark.django_db
def test_cli_derives_and_prints_json(election, make_tps, capsys):
    make_tps(number=1, voters=401)
    call_command("adhoc", "openings", "--derive", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["derived"]["areas"]["pantarlih"] == 1
    rows = {r["body"]: r for r in out["openings"]}
    assert rows["pantarlih"] == {"body": "pantarlih", "areas": 1, "seats": 2}
    assert rows["kpps"]["seats"] == 7
