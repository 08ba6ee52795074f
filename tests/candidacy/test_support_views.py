"""The support pages: results per stage and area, the upload as a background job, the
supporter list masked (unmasking logged), LO and PPS scope, the rejects file."""

import pytest

from pilkada.candidacy.models import CandidacyBasis, SupportBatch
from pilkada.candidacy.services.support import upload_support_file
from pilkada.jobs.models import Job

from .support_support import register, row, support_csv, voter


@pytest.fixture
def loaded(election, make_pair, kpu_dki, tmp_path):
    register(election, [voter(election, i) for i in range(1, 6)]
             + [voter(election, 9, kel="3172011001")])  # fmt: skip
    CandidacyBasis.objects.create(election=election, previous_dpt_total=40)
    pair = make_pair("Dharma - Kun", lo_username="lo-dk")
    upload_support_file(
        election=election, pair=pair, actor=kpu_dki,
        path=support_csv(tmp_path, [row(1), row(2), row(9), row(99), ["bad"]]),
    )  # fmt: skip
    return pair


def test_pair_page_shows_result_reasons_and_areas(client, kpu_dki, loaded):
    client.force_login(kpu_dki)
    page = client.get(f"/pencalonan/dukungan/{loaded.pk}/").content.decode()
    assert 'data-testid="result-vermin"' in page and 'data-reason="not_in_register"' in page
    assert 'data-code="3171"' in page and 'data-code="3172"' in page
    drill = client.get(f"/pencalonan/dukungan/{loaded.pk}/?wilayah=3171").content.decode()
    assert 'data-code="317101"' in drill
    index = client.get("/pencalonan/dukungan/").content.decode()
    assert f'data-pair="{loaded.pk}"' in index


def test_supporters_are_masked_and_unmasking_is_logged(client, kpu_dki, loaded, audit_log):
    client.force_login(kpu_dki)
    page = client.get(f"/pencalonan/dukungan/{loaded.pk}/pendukung/").content.decode()
    assert "W***A 1" in page and "WARGA 1" not in page
    full = client.get(f"/pencalonan/dukungan/{loaded.pk}/pendukung/?buka=1").content.decode()
    assert "WARGA 1" in full
    assert any(e.action == "personal_data.unmasked" for e in audit_log())
    only_tms = client.get(f"/pencalonan/dukungan/{loaded.pk}/pendukung/?status=tms")
    assert only_tms.content.decode().count('data-testid="supporter"') == 1


def test_lo_sees_its_own_pair_only_and_pps_its_area(client, loaded, make_pair, pps_gambir):
    from django.contrib.auth import get_user_model

    other = make_pair("Lain")
    lo = get_user_model().objects.get(username="lo-dk")
    client.force_login(lo)
    assert client.get(f"/pencalonan/dukungan/{loaded.pk}/").status_code == 200
    assert client.get(f"/pencalonan/dukungan/{other.pk}/").status_code == 404
    masked = client.get(f"/pencalonan/dukungan/{loaded.pk}/pendukung/?buka=1").content.decode()
    assert "WARGA 1" not in masked  # an LO may not unmask
    client.force_login(pps_gambir)
    rows = client.get(f"/pencalonan/dukungan/{loaded.pk}/pendukung/").content.decode()
    # Its kelurahan's rows: two found in the register there, one not found whose file gives
    # that kelurahan; not the row counted in Jakarta Utara.
    assert rows.count('data-testid="supporter"') == 3


def test_upload_from_the_page_starts_a_job(client, loaded, tmp_path):
    from django.contrib.auth import get_user_model

    lo = get_user_model().objects.get(username="lo-dk")
    client.force_login(lo)
    path = support_csv(tmp_path, [row(3)], name="tambah.csv")
    with open(path, "rb") as f:
        response = client.post(f"/pencalonan/dukungan/{loaded.pk}/", {"file": f, "round": "1"})
    assert response.status_code == 302
    job = Job.objects.get(kind="candidacy.support_upload")
    assert job.params["pair_id"] == loaded.pk
    with open(path, "rb") as f:  # perbaikan is not due: refused on the page
        refused = client.post(f"/pencalonan/dukungan/{loaded.pk}/", {"file": f, "round": "2"})
    assert refused.status_code == 400 and b"support-error" in refused.content


def test_rejects_file_download(client, kpu_dki, loaded):
    batch = SupportBatch.objects.get(pair=loaded)
    client.force_login(kpu_dki)
    response = client.get(f"/pencalonan/dukungan/berkas/{batch.pk}/ditolak/")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("line,column,reason_code")
    assert len(body.splitlines()) == 2
