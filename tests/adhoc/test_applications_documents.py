"""The officer's document check through the service: who may record it for which body and
area, the note a rejection needs, the stage window, a withdrawn application, the audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.adhoc.models import Application
from pilkada.adhoc.services.documents_check import DocumentsCheckRefused, record_documents_check
from pilkada.schedule.gate import StageClosed

from .conftest import KECAMATAN, KELURAHAN

pytestmark = pytest.mark.django_db
TPS = KELURAHAN + "001"


def test_recorded_with_its_audit_entry(make_application, pps_gambir, audit_log):
    app = make_application("pantarlih", TPS)
    record_documents_check(application=app, actor=pps_gambir, documents_ok=False,
                           note="  Surat sehat kedaluwarsa ")  # fmt: skip
    app.refresh_from_db()
    assert (app.documents_ok, app.documents_note) == (False, "Surat sehat kedaluwarsa")
    (entry,) = audit_log()
    assert entry.action == "adhoc.documents_check"
    assert entry.old == {"documents_ok": None, "documents_note": ""}
    assert entry.new == {"documents_ok": False, "documents_note": "Surat sehat kedaluwarsa"}


@pytest.mark.parametrize(
    ("who", "body", "region"),
    [
        ("pps_gambir", "pps", KELURAHAN),  # KPU recruits the PPS
        ("pps_gambir", "ppk", KECAMATAN),
        ("pps_other", "kpps", TPS),  # another kelurahan's PPS
        ("ppk_gambir", "kpps", TPS),  # a PPK does not recruit
        ("bawaslu_dki", "kpps", TPS),
        ("kpu_jaksel", "pps", KELURAHAN),  # another city
    ],
)
def test_only_the_bodys_recruiters_in_their_area(make_application, request, who, body, region):
    app = make_application(body, region)
    with pytest.raises(PermissionDenied):
        record_documents_check(application=app, actor=request.getfixturevalue(who),
                               documents_ok=True)  # fmt: skip
    assert Application.objects.get(pk=app.pk).documents_ok is None


def test_kpu_checks_ppk_and_pps(make_application, kpu_jakpus):
    for body, region in (("ppk", KECAMATAN), ("pps", KELURAHAN)):
        app = make_application(body, region)
        record_documents_check(application=app, actor=kpu_jakpus, documents_ok=True)
        assert Application.objects.get(pk=app.pk).documents_ok is True


def test_refusals(make_application, pps_gambir, election_today):
    app = make_application("kpps", TPS)
    with pytest.raises(DocumentsCheckRefused) as info:
        record_documents_check(application=app, actor=pps_gambir, documents_ok=False)
    assert info.value.code == "note_required"
    with pytest.raises(DocumentsCheckRefused) as info:
        record_documents_check(application=app, actor=pps_gambir, documents_ok=False,
                               note="x" * 2001)  # fmt: skip
    assert info.value.code == "note_too_long"
    withdrawn = make_application("kpps", TPS, state=Application.State.WITHDRAWN)
    with pytest.raises(DocumentsCheckRefused) as info:
        record_documents_check(application=withdrawn, actor=pps_gambir, documents_ok=True)
    assert info.value.code == "withdrawn"
    election_today("2024-04-01")
    with pytest.raises(StageClosed):
        record_documents_check(application=app, actor=pps_gambir, documents_ok=True)
    assert Application.objects.get(pk=app.pk).documents_ok is None
