"""The coklit and TPS pages through Django's test client: the Pantarlih's list (unmasked,
logged once per view), HTMX marks, scope, progress drill-down, the TPS page and its job
button, and `pilkada voters coklit-progress`."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.accounts.roles import Role
from pilkada.audit.models import AuditEntry
from pilkada.jobs.models import Job
from pilkada.voters.models import CoklitRecord, Voter
from pilkada.voters.services import coklit
from pilkada.voters.services.tps import form_tps_for_election

from .test_coklit_service import new_nik
from .test_tps_service import CAP, KEL_A, KEL_B, build_register

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def make_user(username, role, region):
    return get_user_model().objects.create_user(
        username=username, password=None, role=role, region_code=region
    )


@pytest.fixture
def formed(election, dp4_file, election_today):
    build_register(election, dp4_file, election_today)
    form_tps_for_election(election=election, actor=None, cap=CAP)
    return election


@pytest.fixture
def tps_a(formed):
    return Voter.objects.filter(kelurahan_code=KEL_A).order_by("tps_code").first().tps_code


@pytest.fixture
def pantarlih(tps_a):
    return make_user("pantarlih-a", Role.PANTARLIH, tps_a)


def login(client, user):
    client.force_login(user)
    return client


def get(client, url, **kw):
    return client.get(url, secure=True, **kw)


def post(client, url, data, **kw):
    return client.post(url, data, secure=True, headers=HX, **kw)


def test_the_pantarlih_goes_to_their_tps_and_sees_it_unmasked(
    client, pantarlih, tps_a, django_assert_max_num_queries
):
    login(client, pantarlih)
    response = get(client, "/pemilih/coklit/")
    assert response.status_code == 302 and response["Location"].endswith(f"/tps/{tps_a}/")
    before = AuditEntry.objects.filter(action="personal_data.unmasked").count()
    with django_assert_max_num_queries(14):
        response = get(client, f"/pemilih/coklit/tps/{tps_a}/")
    assert response.status_code == 200
    voters = list(Voter.objects.filter(tps_code=tps_a))
    html = response.content.decode()
    for v in voters:
        assert v.nik in html and v.nama in html  # unmasked at the door
    logged = AuditEntry.objects.filter(action="personal_data.unmasked").order_by("seq")
    assert logged.count() == before + 1
    assert logged.last().new["count"] == len(voters) and logged.last().object_id == (
        "voters.coklit_list"
    )


def test_search_by_name_returns_the_families_part(client, pantarlih, tps_a):
    target = Voter.objects.filter(tps_code=tps_a).order_by("pk").last()
    login(client, pantarlih)
    response = get(
        client, f"/pemilih/coklit/tps/{tps_a}/?q={target.nama.lower()}&partial=families",
        headers=HX,
    )  # fmt: skip
    html = response.content.decode()
    assert "<html" not in html and target.nama in html
    assert html.count('data-testid="voter"') == 1


def test_another_tps_is_forbidden(client, pantarlih, tps_a):
    other = Voter.objects.exclude(tps_code=tps_a).filter(kelurahan_code=KEL_A).first()
    login(client, pantarlih)
    assert get(client, f"/pemilih/coklit/tps/{other.tps_code}/").status_code == 403
    response = post(client, f"/pemilih/coklit/pemilih/{other.pk}/ms/", {})
    assert response.status_code == 403
    assert Voter.objects.get(pk=other.pk).status == "pending"


def test_marks_in_place_return_the_card_and_the_counts(client, pantarlih, tps_a):
    v = Voter.objects.filter(tps_code=tps_a).order_by("pk").first()
    login(client, pantarlih)
    response = post(client, f"/pemilih/coklit/pemilih/{v.pk}/ms/", {})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="badge-ms"' in html
    assert 'id="tps-counts"' in html and 'hx-swap-oob="true"' in html
    # TMS without a note: the card comes back with the reason, nothing saved
    response = post(client, f"/pemilih/coklit/pemilih/{v.pk}/tms/", {"tms_code": "1", "note": ""})
    assert 'data-testid="errors"' in response.content.decode()
    assert Voter.objects.get(pk=v.pk).status == "ms"
    response = post(
        client, f"/pemilih/coklit/pemilih/{v.pk}/tms/", {"tms_code": "1", "note": "surat kematian"}
    )
    assert Voter.objects.get(pk=v.pk).tms_code == 1


def test_the_correction_form_changes_only_what_differs(client, pantarlih, tps_a):
    v = Voter.objects.filter(tps_code=tps_a).order_by("pk").first()
    login(client, pantarlih)
    form = get(client, f"/pemilih/coklit/pemilih/{v.pk}/?edit=1", headers=HX)
    assert 'name="alamat"' in form.content.decode()
    data = {
        "nama": v.nama, "nik": v.nik, "nkk": v.nkk, "tempat_lahir": v.tempat_lahir,
        "tanggal_lahir": v.tanggal_lahir.isoformat(), "jenis_kelamin": v.jenis_kelamin,
        "status_kawin": v.status_kawin, "alamat": "JL. KENANGA NO. 3", "rt": v.rt, "rw": v.rw,
        "disabilitas": str(v.disabilitas), "ktp_el": "1" if v.ktp_el else "0", "form": "edit",
    }  # fmt: skip
    post(client, f"/pemilih/coklit/pemilih/{v.pk}/ubah/", data)
    record = CoklitRecord.objects.get(voter_id=v.pk)
    assert set(record.new) == {"alamat", "quality_flags"}
    assert Voter.objects.get(pk=v.pk).alamat == "JL. KENANGA NO. 3"


def test_a_new_voter_from_the_family_form(client, pantarlih, tps_a):
    v = Voter.objects.filter(tps_code=tps_a).order_by("pk").first()
    login(client, pantarlih)
    url = f"/pemilih/coklit/tps/{tps_a}/baru/"
    data = {"nkk": v.nkk, "nik": new_nik(), "nama": "Budi", "status_kawin": "B"}
    response = post(client, url, data)
    assert response.status_code == 200 and "BUDI" in response.content.decode()
    assert Voter.objects.filter(source="coklit", tps_code=tps_a).count() == 1
    response = post(client, url, {"nkk": v.nkk, "nik": new_nik(), "nama": "Budi"})
    assert 'data-testid="new-errors"' in response.content.decode()


def test_the_pps_may_work_on_any_tps_of_its_kelurahan(client, formed):
    pps = make_user("pps-a", Role.PPS, KEL_A)
    login(client, pps)
    response = get(client, "/pemilih/coklit/")
    assert response["Location"].endswith("/pemilih/coklit/progres/")
    page = get(client, "/pemilih/coklit/progres/").content.decode()
    for code in set(Voter.objects.filter(kelurahan_code=KEL_A).values_list("tps_code", flat=True)):
        assert f'href="/pemilih/coklit/tps/{code}/"' in page
        assert get(client, f"/pemilih/coklit/tps/{code}/").status_code == 200
    other = Voter.objects.filter(kelurahan_code=KEL_B).first().tps_code
    assert get(client, f"/pemilih/coklit/tps/{other}/").status_code == 403


def test_progress_drills_down_and_is_scoped(client, formed, pantarlih, tps_a):
    v = Voter.objects.filter(tps_code=tps_a).first()
    coklit.mark_ms(voter=v, actor=pantarlih)
    kpu = make_user("kpu-dki", Role.KPU_PROVINSI, "31")
    login(client, kpu)
    page = get(client, "/pemilih/coklit/progres/").content.decode()
    assert 'data-code="3171"' in page and 'data-code="3172"' in page
    page = get(client, f"/pemilih/coklit/progres/?wilayah={KEL_A}").content.decode()
    assert f'data-code="{tps_a}"' in page
    ppk = make_user("ppk", Role.PPK, "317102")
    login(client, ppk)
    assert get(client, f"/pemilih/coklit/progres/?wilayah={KEL_A}").status_code == 403
    bawaslu = make_user("panwascam", Role.BAWASLU, "317101")
    login(client, bawaslu)
    assert get(client, f"/pemilih/coklit/progres/?wilayah={KEL_A}").status_code == 200
    assert get(client, f"/pemilih/coklit/tps/{tps_a}/").status_code == 403  # read-only


def test_the_tps_page_and_its_formation_button(client, formed):
    kpu = make_user("kpu-3171", Role.KPU_KABKOTA, "3171")
    login(client, kpu)
    page = get(client, "/pemilih/tps/").content.decode()
    assert 'data-testid="tps-form"' in page and f'data-code="{KEL_A}"' in page
    assert 'data-code="3172011001"' not in page  # outside the city
    page = get(client, f"/pemilih/tps/?wilayah={KEL_A}").content.decode()
    codes = set(Voter.objects.filter(kelurahan_code=KEL_A).values_list("tps_code", flat=True))
    for code in codes:
        assert f'data-code="{code}"' in page
    response = client.post("/pemilih/tps/bentuk/", {"cap": str(CAP)}, secure=True)
    job = Job.objects.get(kind="voters.tps_form")
    assert response.status_code == 302 and str(job.pk) in response["Location"]
    assert job.region_code == "3171" and job.params["cap"] == CAP
    pps = make_user("pps-a", Role.PPS, KEL_A)
    login(client, pps)
    assert 'data-testid="tps-form"' not in get(client, "/pemilih/tps/").content.decode()
    client.post("/pemilih/tps/bentuk/", {}, secure=True)
    assert Job.objects.count() == 1


def run_cli(*args):
    out = io.StringIO()
    call_command("voters", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_progress(formed, pantarlih, tps_a):
    v = Voter.objects.filter(tps_code=tps_a).first()
    coklit.mark_tms(voter=v, actor=pantarlih, tms_code=4, note="surat pindah")
    data = json.loads(run_cli("coklit-progress", "--json"))
    assert data["region_code"] == "31" and data["total"]["tms_by_code"] == {"4": 1}
    assert {r["code"] for r in data["rows"]} == {"3171", "3172"}
    data = json.loads(run_cli("coklit-progress", "--region", tps_a, "--json"))
    assert data["rows"][0]["tms"] == 1
    text = run_cli("coklit-progress", "--region", KEL_A)
    assert "TOTAL" in text and tps_a in text
    with pytest.raises(CommandError) as bad:
        run_cli("coklit-progress", "--region", "31.7")
    assert bad.value.returncode == 2
    with pytest.raises(CommandError) as refused:
        run_cli("coklit-progress", "--region", KEL_B, "--as", "pantarlih-a")
    assert refused.value.returncode == 3


def test_forms_load_on_demand(client, pantarlih, tps_a):
    """The TPS page carries no per-voter forms (600 voters stay light on a phone); the TMS
    form with the evidence hints and the new-voter form come by HTMX."""
    v = Voter.objects.filter(tps_code=tps_a).order_by("pk").first()
    login(client, pantarlih)
    page = get(client, f"/pemilih/coklit/tps/{tps_a}/").content.decode()
    assert 'data-testid="tms-evidence"' not in page and 'name="nik"' not in page
    tms = get(client, f"/pemilih/coklit/pemilih/{v.pk}/?form=tms", headers=HX).content.decode()
    assert 'data-testid="tms-evidence"' in tms and coklit.tms_evidence(1) in tms
    new = get(client, f"/pemilih/coklit/tps/{tps_a}/baru/?nkk={v.nkk}", headers=HX)
    assert 'name="nik"' in new.content.decode() and v.nkk in new.content.decode()
