"""The recap (A-Rekap) of a published list: reconciliation across levels, the page with its
drill-down and scope, CSV export (page and CLI)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management.base import CommandError
from django.urls import reverse

from pilkada.accounts.roles import Role
from pilkada.engine.recap import RECAP_COUNT_COLUMNS
from pilkada.voters.models import RecapRow, Voter
from pilkada.voters.services.publication import publish_list

from .test_publication_snapshots import make_register, run, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpt(election, dp4_file, election_today):
    make_register(election, dp4_file, election_today, n=40)
    # A second TPS in kelurahan 3171011001 so that the kelurahan has several children.
    ids = list(
        Voter.objects.filter(kelurahan_code="3171011001")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Voter.objects.filter(pk__in=ids[::2]).update(tps_code="3171011001002")
    return publish_list(election=election, kind="dpt", actor="test")


def test_recap_rows_reconcile_across_levels_and_with_the_snapshot(dpt):
    rows = {r.region_code: r for r in RecapRow.objects.filter(snapshot=dpt)}
    assert rows["31"].total == dpt.rows
    assert {r.level for r in rows.values()} == {
        "provinsi",
        "kabkota",
        "kecamatan",
        "kelurahan",
        "tps",
    }
    for code, parent in rows.items():
        kids = [r for r in rows.values() if r.parent_code == code]
        if parent.level == "tps":
            continue
        assert kids, code
        for column in RECAP_COUNT_COLUMNS:
            if parent.level == "kelurahan" and column in ("no_tps",):
                continue
            assert getattr(parent, column) == sum(getattr(k, column) for k in kids), (code, column)
    # Against the register itself: voters per TPS and by sex.
    for code in ("3171011001001", "3171011001002", "3171011002001"):
        listed = Voter.objects.filter(tps_code=code).exclude(status="tms")
        assert rows[code].total == listed.count()
        assert rows[code].laki_laki == listed.filter(jenis_kelamin="L").count()
    assert rows["3171011001"].tps_count == 2 and rows["31"].tps_count == 3
    # The age groups (plus married under-17 and unknown) add up to the total.
    root = rows["31"]
    assert (
        root.age_lt17
        + root.age_17_27
        + root.age_28_43
        + root.age_44_59
        + root.age_60p
        + (root.age_unknown)
        == root.total
    )
    assert root.ktp_el_yes + root.ktp_el_no + root.ktp_el_unknown == root.total
    assert root.laki_laki + root.perempuan + root.sex_unknown == root.total


def test_recap_page_drills_down_from_the_province(client, dpt, django_assert_max_num_queries):
    client.force_login(user("kpu-dki", Role.KPU_PROVINSI, "31"))
    url = reverse("voters:recap")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-region="3171"' in html and "DPT v1" in html
    response = client.get(url, {"snapshot": dpt.pk, "region": "3171011001"})
    html = response.content.decode()
    assert 'data-region="3171011001001"' in html and 'data-region="3171011001002"' in html
    assert "TPS 001" in html


def test_pps_sees_its_kelurahan_only(client, dpt):
    client.force_login(user("pps-1001", Role.PPS, "3171011001"))
    url = reverse("voters:recap")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-region="3171011001001"' in html
    assert 'data-region="3171"' not in html  # no parent totals outside its scope
    assert client.get(url, {"snapshot": dpt.pk, "region": "3171011002"}).status_code == 403
    assert client.get(url, {"snapshot": dpt.pk, "region": "31"}).status_code == 403
    export = client.get(reverse("voters:recap_export", args=[dpt.pk]))
    codes = {row["region_code"] for row in csv.DictReader(io.StringIO(export.content.decode()))}
    assert codes == {"3171011001", "3171011001001", "3171011001002"}
    export = client.get(reverse("voters:recap_export", args=[dpt.pk]), {"region": "3171"})
    assert export.status_code == 403


def test_a_role_without_recap_view_is_refused(client, dpt):
    client.force_login(user("pantarlih-1", Role.PANTARLIH, "3171011001001"))
    assert client.get(reverse("voters:recap")).status_code == 403
    assert client.get(reverse("voters:recap_export", args=[dpt.pk])).status_code == 403


def test_recap_export_csv_from_the_page(client, dpt):
    client.force_login(user("kpu-dki", Role.KPU_PROVINSI, "31"))
    response = client.get(reverse("voters:recap_export", args=[dpt.pk]), {"level": "kelurahan"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["level"] for r in rows} == {"kelurahan"}
    assert sum(int(r["total"]) for r in rows) == dpt.rows
    assert all(0 <= float(r["share_17_40"]) <= 1 for r in rows)


def test_cli_recap_export_and_json(dpt, tmp_path):
    target = tmp_path / "rekap.csv"
    out, _err = run("recap", "--kind", "dpt", "--level", "kelurahan", "--export", str(target))
    assert "wrote 2 recap rows" in out
    rows = list(csv.DictReader(target.open()))
    assert sum(int(r["total"]) for r in rows) == dpt.rows
    out, _err = run("recap", "--snapshot", str(dpt.pk), "--json", "--level", "provinsi")
    data = json.loads(out)
    assert data["recap"][0]["total"] == dpt.rows and data["version"] == 1
    out, _err = run("recap")
    assert "DPT v1" in out and "3171011001001" in out


def test_cli_recap_bad_input(election, dp4_file, election_today):
    make_register(election, dp4_file, election_today)
    with pytest.raises(CommandError) as exc:
        run("recap")
    assert exc.value.returncode == 1 and "nothing published" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("recap", "--level", "desa")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        run("recap", "--snapshot", "999")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        run("recap", "--kind", "dpx")
    assert exc.value.returncode == 2


def test_publication_page_lists_snapshots_and_starts_a_job(client, dpt):
    from pilkada.jobs.models import Job

    client.force_login(user("kpu-dki", Role.KPU_PROVINSI, "31"))
    response = client.get(reverse("voters:publication"))
    assert response.status_code == 200
    assert dpt.sha256[:16] in response.content.decode()
    response = client.post(reverse("voters:publication"), {"kind": "dpshp"})
    job = Job.objects.get(kind="voters.publish")
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert job.params == {"election": dpt.election.slug, "kind": "dpshp", "region_code": "31"}


def test_publication_page_refuses_who_may_not_publish(client, dpt):
    client.force_login(user("pps-1001", Role.PPS, "3171011001"))
    assert client.get(reverse("voters:publication")).status_code == 200  # recap_view: reads
    assert client.post(reverse("voters:publication"), {"kind": "dps"}).status_code == 403
