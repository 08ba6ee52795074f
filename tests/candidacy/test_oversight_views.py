"""Bawaslu's pages through Django's test client: the overview, a pair's masked supporter list
and its audited CSV export, the objections, recording a recommendation and KPU's answer;
who may open what."""

from __future__ import annotations

import pytest

from pilkada.audit.models import AuditEntry
from pilkada.candidacy.models import BawasluRecommendation
from pilkada.candidacy.services import oversight
from pilkada.core.masking import mask_nik

from .verfak_support import *  # noqa: F403

pytestmark = pytest.mark.django_db
TEXT = "Mohon diperiksa: warga melapor tidak pernah memberi dukungan."


def get(client, url):
    return client.get(url, secure=True)


def post(client, url, data):
    return client.post(url, data, secure=True)


def test_bawaslu_overview_and_masked_list(
    client, bawaslu_dki, pairs, in_verfak, add_supporters, objection,
    django_assert_max_num_queries,
):  # fmt: skip
    a = pairs[0]
    rows = in_verfak(a, 2)
    add_supporters(a, 1, start=50, vermin_status="tms", vermin_reason="under_age", status="tms")
    objection(rows[0])
    client.force_login(bawaslu_dki)
    with django_assert_max_num_queries(12):
        html = get(client, "/pencalonan/pengawasan/").content.decode()
    assert f'data-pair="{a.pk}"' in html and "under_age" in html
    html = get(client, f"/pencalonan/pengawasan/paslon/{a.pk}/pendukung/").content.decode()
    assert html.count('data-testid="supporter-row"') == 3
    assert rows[0].nik not in html and mask_nik(rows[0].nik) in html
    html = get(
        client, f"/pencalonan/pengawasan/paslon/{a.pk}/pendukung/?vermin=tms&alasan=under_age"
    ).content.decode()
    assert html.count('data-testid="supporter-row"') == 1


def test_export_is_masked_and_audited(client, bawaslu_dki, pairs, in_verfak):
    a = pairs[0]
    rows = in_verfak(a, 2)
    client.force_login(bawaslu_dki)
    response = get(client, f"/pencalonan/pengawasan/paslon/{a.pk}/pendukung/ekspor.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("id,paslon,putaran")
    assert len(text.splitlines()) == 3
    assert all(r.nik not in text for r in rows)
    entry = AuditEntry.objects.filter(action="candidacy.support.export").get()
    assert entry.actor == "bawaslu-dki" and entry.new["rows"] == 2


def test_who_may_open_the_pages(client, pps_gambir, lo_a, pairs, in_verfak, kpu_jakpus):
    a, b = pairs
    in_verfak(a, 1)
    client.force_login(pps_gambir)
    assert get(client, "/pencalonan/pengawasan/").status_code == 403
    assert get(client, "/pencalonan/pengawasan/tanggapan/").status_code == 403
    client.force_login(lo_a)
    assert get(client, f"/pencalonan/pengawasan/paslon/{a.pk}/pendukung/").status_code == 200
    assert get(client, f"/pencalonan/pengawasan/paslon/{b.pk}/pendukung/").status_code == 404
    assert get(client, f"/pencalonan/pengawasan/paslon/{b.pk}/pendukung/ekspor.csv"
               ).status_code == 404  # fmt: skip
    client.force_login(kpu_jakpus)
    assert get(client, "/pencalonan/pengawasan/").status_code == 200


def test_objections_page(client, bawaslu_dki, pairs, in_verfak, objection):
    (row,) = in_verfak(pairs[0], 1)
    objection(row, receipt="R-77")
    client.force_login(bawaslu_dki)
    html = get(client, "/pencalonan/pengawasan/tanggapan/").content.decode()
    assert "R-77" in html and 'data-testid="objection-total">1<' in html
    assert "081234567890" not in html and row.nik not in html


def test_bawaslu_records_a_recommendation_and_kpu_answers(
    client, bawaslu_dki, kpu_dki, pairs, in_verfak
):
    (row,) = in_verfak(pairs[0], 1)
    client.force_login(bawaslu_dki)
    html = get(client, f"/pencalonan/pengawasan/rekomendasi/?subjek=supporter&id={row.pk}")
    assert 'data-testid="recommend-form"' in html.content.decode()
    response = post(client, "/pencalonan/pengawasan/rekomendasi/",
                    {"subject": "supporter", "object_id": "x", "text": TEXT})  # fmt: skip
    assert response.status_code == 400 and 'data-testid="errors"' in response.content.decode()
    response = post(client, "/pencalonan/pengawasan/rekomendasi/",
                    {"subject": "supporter", "object_id": str(row.pk), "text": TEXT})  # fmt: skip
    rec = BawasluRecommendation.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{rec.pk}/")
    html = get(client, f"/pencalonan/pengawasan/rekomendasi/{rec.pk}/").content.decode()
    assert TEXT in html and 'data-testid="answer-form"' not in html
    client.force_login(kpu_dki)
    html = get(client, f"/pencalonan/pengawasan/rekomendasi/{rec.pk}/").content.decode()
    assert 'data-testid="answer-form"' in html
    url = f"/pencalonan/pengawasan/rekomendasi/{rec.pk}/jawab/"
    response = post(client, url, {"decision": "not_followed", "answer": ""})
    assert response.status_code == 400
    response = post(client, url, {"decision": "not_followed",
                                  "answer": "Pendukung hadir dan membenarkan."})  # fmt: skip
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.status == "not_followed" and rec.answered_by == "kpu-dki"
    html = get(client, "/pencalonan/pengawasan/rekomendasi/").content.decode()
    assert 'data-testid="count-not-followed">1<' in html


def test_kpu_cannot_recommend_and_bawaslu_cannot_answer(
    client, election, bawaslu_dki, kpu_dki, pairs
):
    client.force_login(kpu_dki)
    response = post(client, "/pencalonan/pengawasan/rekomendasi/",
                    {"subject": "pair", "object_id": str(pairs[0].pk), "text": TEXT})  # fmt: skip
    assert response.status_code == 403
    rec = oversight.recommend(election=election, actor=bawaslu_dki, subject="pair",
                              object_id=pairs[0].pk, text=TEXT)  # fmt: skip
    client.force_login(bawaslu_dki)
    response = post(client, f"/pencalonan/pengawasan/rekomendasi/{rec.pk}/jawab/",
                    {"decision": "followed", "answer": "Saya menjawab sendiri."})  # fmt: skip
    assert response.status_code == 403
