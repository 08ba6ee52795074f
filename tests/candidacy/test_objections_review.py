"""Objections as KPU and Bawaslu see them: the list, the counts per pair and status, the
scope by region, and KPU's resolution by hand (issue 4 part 7)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.candidacy.models import SupportObjection
from pilkada.candidacy.selectors import objections as sel
from pilkada.candidacy.services.objections import (
    ObjectionRefused,
    file_objection,
    resolve_objection,
)

from .cek_nik_support import *  # noqa: F403
from .cek_nik_support import PENJARINGAN, list_supporter, nik_of

LIST_URL = "/pencalonan/keberatan/"


def detail_url(o):
    return f"/pencalonan/keberatan/{o.receipt}/"


def object_to(election, supporter, **extra):
    filing = file_objection(
        election=election, nik=supporter.nik, contact_name="Siti Rahma",
        contact_phone="081299990000", contact_email="siti@example.org",
        declared=True, consent=True, pair_ids=[supporter.pair_id], **extra,
    )  # fmt: skip
    return filing.objections[0]


@pytest.fixture
def world(election, make_pair):
    a, b = make_pair("DHARMA - KUN"), make_pair("PASANGAN KEDUA")
    gambir = list_supporter(election, a, nik_of(1), vermin_status="ms")
    utara = list_supporter(election, a, nik_of(2), vermin_status="ms", region_code=PENJARINGAN,
                           kelurahan_code=PENJARINGAN)  # fmt: skip
    other = list_supporter(election, b, nik_of(3), vermin_status="held")
    unknown = list_supporter(election, b, nik_of(4), region_code="", kelurahan_code="9999")
    return {
        "a": a,
        "b": b,
        "gambir": object_to(election, gambir),
        "utara": object_to(election, utara),
        "other": object_to(election, other),
        "unknown": object_to(election, unknown),
    }


# --- resolution -----------------------------------------------------------------------


def test_kpu_upholds_an_objection(world, kpu_dki, audit_log):
    o = world["gambir"]
    note = "Pemilik NIK datang ke KPU dan menandatangani pernyataan."
    resolved = resolve_objection(objection=o, actor=kpu_dki, status="upheld", note=note)
    assert resolved.status == "upheld" and resolved.resolved_by == "kpu-dki"
    assert resolved.resolved_on.isoformat() == "2024-05-10"
    s = o.supporter
    s.refresh_from_db()
    assert (s.objected, s.status) == (True, "tms")
    (entry,) = [e for e in audit_log() if e.action == "candidacy.objection.resolve"]
    assert entry.actor == "kpu-dki" and entry.new["status"] == "upheld"
    assert entry.new["supporters"][0]["supporter"] == s.pk
    assert s.nik not in str(entry.new) and s.nik not in str(entry.old)


@pytest.mark.parametrize("verfak, expected", [("pending", "pending"), ("ms", "ms")])
def test_a_dismissed_objection_lets_the_checks_decide(world, kpu_dki, verfak, expected):
    o = world["gambir"]
    type(o.supporter).objects.filter(pk=o.supporter_id).update(verfak_status=verfak)
    resolve_objection(objection=o, actor=kpu_dki, status="dismissed", note="Dikonfirmasi.")
    s = o.supporter
    s.refresh_from_db()
    assert (s.objected, s.status) == (False, expected)


def test_upholding_after_verfak_confirmed_is_refused(world, kpu_dki):
    o = world["gambir"]
    type(o.supporter).objects.filter(pk=o.supporter_id).update(verfak_status="ms")
    with pytest.raises(ObjectionRefused) as info:
        resolve_objection(objection=o, actor=kpu_dki, status="upheld", note="x")
    assert info.value.codes == ["verfak_confirmed"]
    o.refresh_from_db()
    assert o.status == "open"


@pytest.mark.parametrize(
    "status, note, code",
    [("upheld", "  ", "note_missing"), ("withdrawn", "x", "bad_status"), ("", "x", "bad_status")],
)
def test_a_resolution_needs_a_decision_and_a_reason(world, kpu_dki, status, note, code):
    with pytest.raises(ObjectionRefused) as info:
        resolve_objection(objection=world["gambir"], actor=kpu_dki, status=status, note=note)
    assert info.value.codes == [code]


def test_an_objection_is_decided_once(world, kpu_dki):
    o = world["gambir"]
    resolve_objection(objection=o, actor=kpu_dki, status="dismissed", note="a")
    with pytest.raises(ObjectionRefused) as info:
        resolve_objection(objection=o, actor=kpu_dki, status="upheld", note="b")
    assert info.value.codes == ["resolved"]


def test_only_kpu_in_scope_resolves(world, bawaslu_dki, pps_gambir, kpu_jakpus):
    for user in (bawaslu_dki, pps_gambir):
        with pytest.raises(PermissionDenied):
            resolve_objection(objection=world["gambir"], actor=user, status="upheld", note="x")
    with pytest.raises(PermissionDenied):  # Jakarta Utara is outside KPU Jakarta Pusat
        resolve_objection(objection=world["utara"], actor=kpu_jakpus, status="upheld", note="x")
    resolve_objection(objection=world["gambir"], actor=kpu_jakpus, status="upheld", note="x")
    assert SupportObjection.objects.filter(status="upheld").count() == 1


# --- reads: scope, filters, counts ----------------------------------------------------


def receipts(qs):
    return {o.receipt for o in qs}


def test_scope_by_region(world, election, kpu_dki, kpu_jakpus, bawaslu_dki, pps_gambir):
    everyone = {world[k].receipt for k in ("gambir", "utara", "other", "unknown")}
    assert receipts(sel.objections(user=kpu_dki, election=election)) == everyone
    assert receipts(sel.objections(user=bawaslu_dki, election=election)) == everyone
    assert receipts(sel.objections(user=None, election=election)) == everyone  # the CLI
    # Jakarta Pusat: its own supporters only; an unknown kelurahan is the province's.
    assert receipts(sel.objections(user=kpu_jakpus, election=election)) == {
        world["gambir"].receipt,
        world["other"].receipt,
    }
    with pytest.raises(PermissionDenied):
        sel.objections(user=pps_gambir, election=election)
    with pytest.raises(PermissionDenied):
        sel.objections(user=kpu_jakpus, election=election, region_code="3172")
    with pytest.raises(sel.BadFilter):
        sel.objections(user=kpu_dki, election=election, region_code="31x")


def test_filters(world, election, kpu_dki):
    by_pair = sel.objections(user=kpu_dki, election=election, pair_id=world["b"].pk)
    assert receipts(by_pair) == {world["other"].receipt, world["unknown"].receipt}
    by_area = sel.objections(user=kpu_dki, election=election, region_code="3172")
    assert receipts(by_area) == {world["utara"].receipt}
    resolve_objection(objection=world["gambir"], actor=kpu_dki, status="upheld", note="x")
    upheld = sel.objections(user=kpu_dki, election=election, status="upheld")
    assert receipts(upheld) == {world["gambir"].receipt}
    with pytest.raises(sel.BadFilter):
        sel.objections(user=kpu_dki, election=election, status="lost")


def test_counts_per_pair_and_status(world, election, kpu_dki, kpu_jakpus, make_pair):
    make_pair("PASANGAN TANPA KEBERATAN")
    make_pair("PARTAI", independent=False)
    resolve_objection(objection=world["gambir"], actor=kpu_dki, status="upheld", note="x")
    resolve_objection(objection=world["other"], actor=kpu_dki, status="dismissed", note="x")
    SupportObjection.objects.filter(pk=world["unknown"].pk).update(status="withdrawn")
    rows = sel.objection_counts(user=kpu_dki, election=election)
    counts = {c.pair_name: c.as_dict() for c in rows}
    assert set(counts) == {"DHARMA - KUN", "PASANGAN KEDUA", "PASANGAN TANPA KEBERATAN"}
    a, b = counts["DHARMA - KUN"], counts["PASANGAN KEDUA"]
    assert (a["open"], a["upheld"], a["dismissed"], a["withdrawn"], a["total"]) == (1, 1, 0, 0, 2)
    assert (b["open"], b["upheld"], b["dismissed"], b["withdrawn"], b["total"]) == (0, 0, 1, 1, 2)
    assert counts["PASANGAN TANPA KEBERATAN"]["total"] == 0
    utara = sel.objection_counts(user=kpu_dki, election=election, region_code="3172")
    assert {c.pair_name: c.total for c in utara}["DHARMA - KUN"] == 1
    rows = sel.objection_counts(user=kpu_jakpus, election=election)
    jakpus = {c.pair_name: c.total for c in rows}
    assert jakpus["DHARMA - KUN"] == 1 and jakpus["PASANGAN KEDUA"] == 1


# --- pages ------------------------------------------------------------------------


def test_the_list_page_for_bawaslu(client, world, bawaslu_dki):
    client.force_login(bawaslu_dki)
    page = client.get(LIST_URL).content.decode()
    assert 'data-testid="objection-counts"' in page
    for key in ("gambir", "utara", "other", "unknown"):
        assert world[key].receipt in page
    s = world["gambir"].supporter
    assert s.nik not in page and "BUDI SANTOSO" not in page  # masked
    assert "B**I S*****O" in page
    assert "Siti Rahma" not in page and "081299990000" not in page  # contact on the detail only


def test_the_list_page_filters_by_area_and_pair(client, world, kpu_dki):
    client.force_login(kpu_dki)
    page = client.get(LIST_URL, {"wilayah": "3172"}).content.decode()
    assert world["utara"].receipt in page and world["gambir"].receipt not in page
    page = client.get(LIST_URL, {"paslon": world["b"].pk, "status": "open"}).content.decode()
    assert world["other"].receipt in page and world["gambir"].receipt not in page
    assert client.get(LIST_URL, {"wilayah": "x1"}).status_code == 404


def test_the_pages_are_closed_to_others(client, world, pps_gambir, kpu_jakpus):
    assert client.get(LIST_URL).status_code == 302  # login first
    client.force_login(pps_gambir)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(detail_url(world["gambir"])).status_code == 403
    client.force_login(kpu_jakpus)
    assert client.get(detail_url(world["utara"])).status_code == 404  # outside the scope
    assert client.get(LIST_URL, {"wilayah": "3172"}).status_code == 403


def test_the_detail_page_shows_the_reporter_and_logs_it(client, world, bawaslu_dki, audit_log):
    o = world["gambir"]
    client.force_login(bawaslu_dki)
    page = client.get(detail_url(o)).content.decode()
    assert "Siti Rahma" in page and "081299990000" in page and "siti@example.org" in page
    assert "PERNYATAAN (versi 1)" in page
    assert 'data-testid="resolve-form"' not in page  # Bawaslu watches, KPU decides
    (entry,) = [e for e in audit_log() if e.action == "personal_data.unmasked"]
    assert entry.actor == "bawaslu-dki" and entry.new["ids"] == [str(o.pk)]
    post = client.post(detail_url(o), {"status": "upheld", "note": "x"})
    assert post.status_code == 403


def test_kpu_resolves_on_the_page(client, world, kpu_dki):
    o = world["gambir"]
    client.force_login(kpu_dki)
    bad = client.post(detail_url(o), {"status": "upheld", "note": ""})
    assert bad.status_code == 400 and 'data-testid="errors"' in bad.content.decode()
    response = client.post(detail_url(o), {"status": "upheld", "note": "Datang ke KPU."},
                           follow=True)  # fmt: skip
    page = response.content.decode()
    assert 'data-testid="resolution"' in page and "Datang ke KPU." in page
    assert 'data-testid="resolve-form"' not in page
    o.refresh_from_db()
    assert o.status == "upheld"


def test_the_cek_nik_answer_follows_the_decision(client, world, kpu_dki):
    o = world["gambir"]
    resolve_objection(objection=o, actor=kpu_dki, status="upheld", note="x")
    page = client.post("/cek-nik-dukungan/", {"nik": o.supporter.nik}).content.decode()
    assert 'data-status="objection_upheld"' in page
    o2 = world["other"]
    resolve_objection(objection=o2, actor=kpu_dki, status="dismissed", note="x")
    page = client.post("/cek-nik-dukungan/", {"nik": o2.supporter.nik}).content.decode()
    assert 'data-status="pending"' in page and "tidak dibenarkan" in page
    assert "objection-form" not in page
