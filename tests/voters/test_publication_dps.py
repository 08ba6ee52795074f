"""The public DPS announcement per kelurahan (masked names, paginated, rate-limited) and the
tanggapan: recorded within the announcement window, resolved by PPS/KPU in scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from pilkada.accounts.roles import Role
from pilkada.core.masking import mask_name
from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import DpsResponse, Voter
from pilkada.voters.selectors.publication import dps_response_counts
from pilkada.voters.services.publication import (
    ResponseRefused,
    masa_pengumuman_dps,
    publish_list,
    resolve_dps_response,
    submit_dps_response,
)

from .test_publication_snapshots import make_register, user

pytestmark = pytest.mark.django_db
KEL = "3171011001"


@pytest.fixture(autouse=True)
def fast_public(settings):
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dps(election, dp4_file, election_today):
    make_register(election, dp4_file, election_today)
    return publish_list(election=election, kind="dps", actor="test")


def first_row(kel=KEL):
    """(voter, tps_code, nomor) of the first listed voter of a kelurahan, as the page numbers."""
    voter = (
        Voter.objects.filter(kelurahan_code=kel)
        .exclude(status="tms")
        .order_by("rw", "rt", "nkk", "nama", "pk")
        .first()
    )
    return voter, voter.tps_code, 1


def submit(election, **changes):
    _voter, tps, nomor = first_row()
    data = dict(
        election=election,
        kelurahan_code=KEL,
        kind="meninggal",
        responder_name="Ketua RT 001",
        responder_contact="0812000000",
        note="meninggal Mei 2024",
        tps_code=tps,
        nomor=nomor,
    )
    data.update(changes)
    return submit_dps_response(**data)


# --- the announcement page ------------------------------------------------------------


def test_the_announcement_shows_masked_names_only(client, dps, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("voters:dps_announcement", args=[KEL]))
    assert response.status_code == 200
    html = response.content.decode()
    listed = Voter.objects.filter(kelurahan_code=KEL).exclude(status="tms")
    assert html.count('data-testid="name"') == listed.count()
    for voter in listed:
        assert voter.nama not in html
        assert mask_name(voter.nama) in html
        assert voter.nik not in html and voter.nkk not in html
        assert voter.alamat not in html
        assert voter.tanggal_lahir.isoformat() not in html
        assert voter.tanggal_lahir.strftime("%d-%m-%Y") not in html
    assert "Tanggapi" in html


def test_the_announcement_is_paginated(client, dps, settings):
    settings.PILKADA_DPS_PAGE_SIZE = 5
    url = reverse("voters:dps_announcement", args=[KEL])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert first.count('data-testid="name"') == 5
    assert 'data-testid="pages"' in first
    assert second.count('data-testid="name"') >= 1
    assert client.get(url, {"page": "x"}).status_code == 200


def test_no_dps_announced_is_404(client, election, dp4_file, election_today):
    make_register(election, dp4_file, election_today)
    assert client.get(reverse("voters:dps_announcement", args=[KEL])).status_code == 404
    assert client.get(reverse("voters:dps_announcement", args=["9999999999"])).status_code == 404


def test_the_announcement_pages_are_rate_limited(client, dps, settings):
    settings.PILKADA_DPS_PAGE_RATES = ["3/m"]
    url = reverse("voters:dps_announcement", args=[KEL])
    codes = [client.get(url).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_announcement_index_lists_kelurahan(client, dps):
    html = client.get(reverse("voters:dps_announcement_index")).content.decode()
    assert KEL in html
    response = client.get(reverse("voters:dps_announcement_index"), {"kelurahan": KEL})
    assert response.status_code == 302


# --- tanggapan ------------------------------------------------------------------------


def test_a_tanggapan_is_recorded_by_its_row_and_audited(dps, audit_log):
    voter, tps, _nomor = first_row()
    response = submit(dps.election)
    assert response.voter_id == voter.pk and response.snapshot_id == dps.pk
    assert (response.tps_code, response.nomor, response.status) == (tps, 1, "open")
    entry = next(e for e in audit_log() if e.action == "voters.dps_response.submit")
    assert entry.new["voter_id"] == voter.pk and entry.new["kind"] == "meninggal"
    assert "Ketua RT 001" not in str(entry.new)  # the responder is masked in the log


def test_a_tanggapan_through_the_public_form(client, dps):
    _voter, tps, nomor = first_row()
    url = reverse("voters:dps_response", args=[KEL])
    form = client.get(url, {"tps": tps, "nomor": nomor})
    assert form.status_code == 200
    response = client.post(
        url,
        {"tps": tps, "nomor": nomor, "kind": "pindah", "name": "Warga", "contact": "08123",
         "note": "pindah ke Bogor"},
    )  # fmt: skip
    assert response.status_code == 200
    assert 'data-testid="response-done"' in response.content.decode()
    assert DpsResponse.objects.get().kind == "pindah"


def test_a_missing_voter_needs_a_note_and_names_no_row(client, dps):
    url = reverse("voters:dps_response", args=[KEL])
    bad = client.post(url, {"kind": "belum_terdaftar", "name": "Warga", "contact": "08"})
    assert bad.status_code == 400
    assert not DpsResponse.objects.exists()
    ok = client.post(
        url,
        {"kind": "belum_terdaftar", "name": "Warga", "contact": "08", "note": "Adik saya, RT 3"},
    )
    assert ok.status_code == 200
    assert DpsResponse.objects.get().voter_id is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nomor": 999}, "no_row"),
        ({"tps_code": "3171011002001"}, "no_row"),
        ({"kind": "bogus"}, "bad_kind"),
        ({"responder_name": " "}, "responder"),
        ({"kelurahan_code": "3201011001"}, "no_dps"),
    ],
)
def test_bad_tanggapan_is_refused(dps, changes, code):
    with pytest.raises(ResponseRefused) as exc:
        submit(dps.election, **changes)
    assert exc.value.refusal == code
    assert not DpsResponse.objects.exists()


def test_a_tanggapan_outside_the_announcement_is_refused(client, dps, election_today):
    first, last = masa_pengumuman_dps(dps.published_on)
    assert (first, last) == (dt.date(2024, 8, 1), dt.date(2024, 8, 10))  # 10 days
    election_today("2024-08-10")
    submit(dps.election)  # the last day still counts
    election_today("2024-08-11")
    with pytest.raises(ResponseRefused) as exc:
        submit(dps.election)
    assert exc.value.refusal == "outside_announcement"
    election_today("2024-07-31")
    with pytest.raises(ResponseRefused):
        submit(dps.election)
    _voter, tps, nomor = first_row()
    election_today("2024-08-11")
    response = client.post(
        reverse("voters:dps_response", args=[KEL]),
        {"tps": tps, "nomor": nomor, "kind": "meninggal", "name": "A", "contact": "B"},
    )
    assert response.status_code == 400
    assert "Masa pengumuman" in response.content.decode()
    assert DpsResponse.objects.count() == 1
    page = client.get(reverse("voters:dps_announcement", args=[KEL])).content.decode()
    assert 'data-testid="closed"' in page and "Tanggapi" not in page


def test_a_tanggapan_outside_the_stage_is_refused(dps, election_today, settings):
    settings.PILKADA_DPS_ANNOUNCEMENT_DAYS = 400
    election_today("2024-10-01")  # the voter-list stage has closed
    with pytest.raises(StageClosed):
        submit(dps.election)


def test_the_tanggapan_form_is_rate_limited(client, dps, settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["2/m"]
    url = reverse("voters:dps_response", args=[KEL])
    codes = [
        client.post(
            url, {"kind": "belum_terdaftar", "name": "A", "contact": "B", "note": "C"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert DpsResponse.objects.count() == 2


# --- resolution -------------------------------------------------------------------------


def test_an_accepted_tanggapan_marks_the_voter_tms(dps, audit_log):
    response = submit(dps.election)
    pps = user("pps-1001", Role.PPS, KEL)
    resolve_dps_response(
        response=response, actor=pps, accepted=True, resolution="akta kematian diperiksa"
    )
    voter = Voter.objects.get(pk=response.voter_id)
    assert (voter.status, voter.tms_code) == ("tms", 1)
    assert "akta kematian diperiksa" in voter.tms_note and f"#{response.pk}" in voter.tms_note
    response.refresh_from_db()
    assert (response.status, response.resolved_by) == ("accepted", "pps-1001")
    entry = next(e for e in audit_log() if e.action == "voters.dps_response.resolve")
    assert entry.old["voter"]["status"] != "tms" and entry.new["voter"]["tms_code"] == 1
    # Resolved once only.
    with pytest.raises(ResponseRefused):
        resolve_dps_response(response=response, actor=pps, accepted=False, resolution="x")


def test_a_rejected_tanggapan_needs_a_reason_and_changes_no_voter(dps):
    response = submit(dps.election, kind="pindah")
    before = Voter.objects.get(pk=response.voter_id).status
    pps = user("pps-1001", Role.PPS, KEL)
    with pytest.raises(ResponseRefused):
        resolve_dps_response(response=response, actor=pps, accepted=False, resolution="  ")
    resolve_dps_response(
        response=response, actor=pps, accepted=False, resolution="masih tinggal di alamat"
    )
    assert Voter.objects.get(pk=response.voter_id).status == before
    assert DpsResponse.objects.get().status == "rejected"


def test_resolution_across_the_scope_is_refused(client, dps):
    response = submit(dps.election)
    other_pps = user("pps-1002", Role.PPS, "3171011002")
    with pytest.raises(PermissionDenied):
        resolve_dps_response(response=response, actor=other_pps, accepted=True, resolution="x")
    pantarlih = user("pantarlih-1", Role.PANTARLIH, KEL + "001")
    with pytest.raises(PermissionDenied):
        resolve_dps_response(response=response, actor=pantarlih, accepted=True, resolution="x")
    client.force_login(other_pps)
    url = reverse("voters:dps_response_resolve", args=[response.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "accept", "resolution": "x"}).status_code == 403
    html = client.get(reverse("voters:dps_responses")).content.decode()
    assert f"{response.pk}</td>" not in html
    assert dps_response_counts(user=other_pps, election=dps.election) == []
    assert DpsResponse.objects.get().status == "open"


def test_pps_resolves_through_the_page_and_counts_update(client, dps):
    a = submit(dps.election)
    submit(dps.election, kind="belum_terdaftar", tps_code="", nomor=None, note="Budi, RT 2")
    pps = user("pps-1001", Role.PPS, KEL)
    counts = dps_response_counts(user=pps, election=dps.election)
    assert [(c["kelurahan_code"], c["open"], c["resolved"]) for c in counts] == [(KEL, 2, 0)]
    client.force_login(pps)
    page = client.get(reverse("voters:dps_responses")).content.decode()
    assert reverse("voters:dps_response_resolve", args=[a.pk]) in page
    detail = client.get(reverse("voters:dps_response_resolve", args=[a.pk]))
    assert detail.status_code == 200
    response = client.post(
        reverse("voters:dps_response_resolve", args=[a.pk]),
        {"decision": "accept", "resolution": "surat kematian dari RT"},
    )
    assert response.status_code == 302
    counts = dps_response_counts(user=pps, election=dps.election)
    assert [(c["open"], c["accepted"], c["resolved"]) for c in counts] == [(1, 1, 1)]
    kpu = user("kpu-3171", Role.KPU_KABKOTA, "3171")
    assert dps_response_counts(user=kpu, election=dps.election)[0]["resolved"] == 1


def test_the_dpshp_records_the_tanggapan_still_open(dps, audit_log):
    response = submit(dps.election)
    dpshp = publish_list(election=dps.election, kind="dpshp", actor="test")
    assert dpshp.summary["open_responses"] == 1
    entry = next(e for e in audit_log() if e.object_id == str(dpshp.pk))
    assert entry.new["open_responses"] == 1
    pps = user("pps-1001", Role.PPS, KEL)
    resolve_dps_response(response=response, actor=pps, accepted=False, resolution="tidak benar")
    again = publish_list(election=dps.election, kind="dpshp", actor="test")
    assert (again.version, again.summary["open_responses"]) == (2, 0)
