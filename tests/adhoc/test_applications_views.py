"""The officers' pages of the applications: the scoped list (tests try to cross the scope),
masking and the logged unmasked view, document downloads, the "run the checks" button (HTMX
and plain) and the document check form."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from pilkada.adhoc.models import Application, ApplicationDocument

from .conftest import KECAMATAN, KELURAHAN

TPS = KELURAHAN + "001"
OTHER_KEL = "3171011002"
JAKSEL_KEL = "3174011001"


@pytest.fixture
def apps(make_application):
    return {
        "kpps": make_application("kpps", TPS, education="sd"),
        "pps": make_application("pps"),
        "ppk": make_application("ppk", KECAMATAN),
        "other_kel": make_application("kpps", OTHER_KEL + "001", domicile_code=OTHER_KEL),
        "jaksel": make_application("pps", JAKSEL_KEL, domicile_code=JAKSEL_KEL),
    }


def listed(client, **params) -> set[str]:
    response = client.get(reverse("adhoc:applications"), params)
    assert response.status_code == 200
    return {r["number"] for r in response.context["rows"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("pps_gambir", {"kpps", "pps"}),
        ("ppk_gambir", {"kpps", "pps", "ppk", "other_kel"}),
        ("kpu_jakpus", {"kpps", "pps", "ppk", "other_kel"}),
        ("kpu_jaksel", {"jaksel"}),
        ("bawaslu_dki", {"kpps", "pps", "ppk", "other_kel", "jaksel"}),
    ],
)
def test_the_list_is_scoped(client, apps, who, sees, request):
    client.force_login(request.getfixturevalue(who))
    assert listed(client) == {apps[k].number for k in sees}
    # Asking for a region outside the scope gives nothing, not the region.
    if who == "pps_gambir":
        assert listed(client, wilayah=OTHER_KEL) == set()


@pytest.mark.django_db
def test_anonymous_and_roles_without_the_permission(client, apps, django_user_model):
    response = client.get(reverse("adhoc:applications"))
    assert response.status_code == 302
    lo = django_user_model.objects.create_user(username="lo", role="lo", region_code="31")
    client.force_login(lo)
    assert client.get(reverse("adhoc:applications")).status_code == 403


@pytest.mark.django_db
def test_the_list_masks_and_filters(client, apps, kpu_jakpus):
    from pilkada.adhoc.services.eligibility import run_checks

    run_checks(election=apps["kpps"].election, actor=kpu_jakpus)
    client.force_login(kpu_jakpus)
    response = client.get(reverse("adhoc:applications"))
    body = response.content.decode()
    for app in apps.values():
        assert app.nik not in body
        assert app.nama not in body
    assert listed(client, status="ineligible") == {apps["kpps"].number}
    assert listed(client, alasan="education_below_minimum") == {apps["kpps"].number}
    assert listed(client, alasan="party_member") == set()
    assert listed(client, alasan="not-a-code") == set()
    assert listed(client, badan="ppk") == {apps["ppk"].number}
    assert response.context["counts"]["by_reason"]["education_below_minimum"] == 1


@pytest.mark.django_db
def test_run_the_checks_with_htmx(client, apps, pps_gambir, audit_log):
    client.force_login(pps_gambir)
    page = client.get(reverse("adhoc:applications"))
    assert page.context["can_check"] is True
    response = client.post(
        reverse("adhoc:applications_check"), {"badan": "", "wilayah": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'data-testid="check-result"' in response.content
    apps["kpps"].refresh_from_db()
    apps["pps"].refresh_from_db()
    assert apps["kpps"].eligibility == "ineligible"
    assert apps["pps"].eligibility == "pending"  # KPU checks the PPS
    assert [e.action for e in audit_log()] == ["adhoc.check"]
    # The PPS asking for the PPS body is refused, in place.
    response = client.post(
        reverse("adhoc:applications_check"), {"badan": "pps"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert b'data-testid="check-error"' in response.content


def test_a_large_scope_runs_the_checks_as_a_background_job(
    client, apps, kpu_dki, settings, audit_log
):
    """Above PILKADA_ADHOC_CHECK_INLINE_MAX applications the page queues job kind
    ``adhoc.check`` (same service, same officer) instead of checking inside the request."""
    from pilkada.jobs.models import Job
    from pilkada.jobs.services import run

    settings.PILKADA_ADHOC_CHECK_INLINE_MAX = 3
    client.force_login(kpu_dki)
    response = client.post(
        reverse("adhoc:applications_check"), {"badan": "", "wilayah": ""}, HTTP_HX_REQUEST="true"
    )
    job = Job.objects.get(kind="adhoc.check")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("jobs:detail", kwargs={"job_id": job.pk})
    assert job.params["region_prefix"] == "31" and job.actor == "kpu-dki"
    apps["kpps"].refresh_from_db()
    assert apps["kpps"].eligibility == "pending"  # queued, not run in the request
    run(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["lamaran"] == 5
    apps["kpps"].refresh_from_db()
    assert apps["kpps"].eligibility == "ineligible"
    assert [e.action for e in audit_log()] == ["jobs.start", "adhoc.check"]
    # Up to the setting, the page checks inside the request as before.
    settings.PILKADA_ADHOC_CHECK_INLINE_MAX = 5
    response = client.post(reverse("adhoc:applications_check"), {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and Job.objects.count() == 1


@pytest.mark.django_db
def test_bawaslu_reads_without_the_buttons(client, apps, bawaslu_dki):
    client.force_login(bawaslu_dki)
    page = client.get(reverse("adhoc:applications"))
    assert page.context["can_check"] is False
    assert b'data-testid="run-checks"' not in page.content
    response = client.post(reverse("adhoc:applications_check"), {})
    assert response.status_code == 302
    apps["kpps"].refresh_from_db()
    assert apps["kpps"].eligibility == "pending"


@pytest.mark.django_db
def test_detail_masked_by_default_unmasked_on_request_and_logged(
    client, apps, pps_gambir, audit_log
):
    client.force_login(pps_gambir)
    url = reverse("adhoc:application", args=[apps["kpps"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert apps["kpps"].nik not in page.content.decode()
    assert audit_log() == []
    page = client.get(url, {"buka": "1"})
    assert apps["kpps"].nik in page.content.decode()
    entry = audit_log()[-1]
    assert entry.action == "personal_data.unmasked"
    assert entry.new["ids"] == [str(apps["kpps"].pk)]


@pytest.mark.django_db
def test_detail_cannot_be_unmasked_or_reached_outside_the_role_or_scope(
    client, apps, bawaslu_dki, pps_gambir, ppk_gambir, audit_log
):
    client.force_login(bawaslu_dki)
    page = client.get(reverse("adhoc:application", args=[apps["kpps"].pk]), {"buka": "1"})
    assert page.status_code == 200
    assert apps["kpps"].nik not in page.content.decode()
    client.force_login(ppk_gambir)
    page = client.get(reverse("adhoc:application", args=[apps["kpps"].pk]), {"buka": "1"})
    assert apps["kpps"].nik not in page.content.decode()
    assert audit_log() == []
    client.force_login(pps_gambir)
    for key in ("other_kel", "jaksel", "ppk"):
        url = reverse("adhoc:application", args=[apps[key].pk])
        assert client.get(url).status_code == 404, key


@pytest.fixture
def ktp(apps, settings):
    doc = ApplicationDocument(
        application=apps["kpps"], kind="ktp", content_type="application/pdf", size=9,
        sha256="-", original_name="ktp.pdf",
    )  # fmt: skip
    doc.file.save("ktp.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return doc


@pytest.mark.django_db
def test_documents_download_logged_for_the_roles_that_need_them(
    client, apps, ktp, pps_gambir, bawaslu_dki, ppk_gambir, audit_log
):
    url = reverse("adhoc:application_document", args=[apps["kpps"].pk, "ktp"])
    client.force_login(pps_gambir)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n"
    assert audit_log()[-1].object_id == "adhoc.application_document"
    for user in (bawaslu_dki, ppk_gambir):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(pps_gambir)
    missing = reverse("adhoc:application_document", args=[apps["kpps"].pk, "ijazah"])
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_document_check_form(client, apps, pps_gambir, audit_log):
    client.force_login(pps_gambir)
    url = reverse("adhoc:application_documents_check", args=[apps["kpps"].pk])
    client.post(url, {"documents_ok": "0", "note": ""})
    apps["kpps"].refresh_from_db()
    assert apps["kpps"].documents_ok is None  # a note is needed
    client.post(url, {"documents_ok": "0", "note": "Ijazah tidak terbaca"})
    apps["kpps"].refresh_from_db()
    assert apps["kpps"].documents_ok is False
    assert apps["kpps"].documents_note == "Ijazah tidak terbaca"
    client.post(url, {"documents_ok": "1"})
    apps["kpps"].refresh_from_db()
    assert apps["kpps"].documents_ok is True
    assert [e.action for e in audit_log()] == ["adhoc.documents_check"] * 2
    # The PPS does not check PPS applications (KPU does).
    client.post(reverse("adhoc:application_documents_check", args=[apps["pps"].pk]),
                {"documents_ok": "1"})  # fmt: skip
    assert Application.objects.get(pk=apps["pps"].pk).documents_ok is None
