"""The verfak pages through Django's test client: the PPS's kelurahan list (scope, masking,
objections first, search), HTMX records with the counts out of band, a held supporter's
choice, progress per area, the records Bawaslu observes, the CSV upload and the deadline
button."""

from __future__ import annotations

import pytest

from pilkada.audit.models import AuditEntry
from pilkada.candidacy.models import FactualCheck, Supporter
from pilkada.candidacy.services import verfak
from pilkada.core.masking import mask_nik

from .verfak_support import *  # noqa: F403
from .verfak_support import CIDENG, GAMBIR, UTARA

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
LIST = f"/pencalonan/verfak/kelurahan/{GAMBIR}/"


def get(client, url, **kw):
    return client.get(url, secure=True, **kw)


def post(client, url, data, **kw):
    return client.post(url, data, secure=True, headers=HX, **kw)


def unmasked_logs():
    return AuditEntry.objects.filter(action="personal_data.unmasked").count()


@pytest.fixture
def gambir_rows(pairs, in_verfak):
    a, b = pairs
    rows = in_verfak(a, 3, rt="001", rw="002")
    rows += in_verfak(b, 1, start=20, rt="005", rw="003")
    rows += in_verfak(a, 1, start=30, region_code=CIDENG)
    return rows


def test_pps_goes_to_its_kelurahan_and_sees_it_unmasked(
    client, pps_gambir, gambir_rows, django_assert_max_num_queries
):
    client.force_login(pps_gambir)
    response = get(client, "/pencalonan/verfak/")
    assert response.status_code == 302 and response["Location"].endswith(LIST)
    before = unmasked_logs()
    with django_assert_max_num_queries(16):
        response = get(client, LIST)
    assert response.status_code == 200
    html = response.content.decode()
    mine = [r for r in gambir_rows if r.region_code == GAMBIR]
    for r in mine:
        assert r.nik in html and r.nama in html
    other = next(r for r in gambir_rows if r.region_code == CIDENG)
    assert other.nik not in html
    assert html.count('data-testid="supporter"') == 4
    assert unmasked_logs() == before + 1
    entry = AuditEntry.objects.filter(action="personal_data.unmasked").latest("seq")
    assert sorted(int(i) for i in entry.new["ids"]) == sorted(r.pk for r in mine)


def test_another_kelurahans_pps_is_refused(client, pps_other, gambir_rows):
    client.force_login(pps_other)
    assert get(client, LIST).status_code == 403
    one = gambir_rows[0]
    assert get(client, f"/pencalonan/verfak/pendukung/{one.pk}/").status_code == 403
    response = post(client, f"/pencalonan/verfak/pendukung/{one.pk}/catat/",
                    {"outcome": "met_confirms"})  # fmt: skip
    assert response.status_code == 403
    assert not FactualCheck.objects.exists()


def test_bawaslu_sees_masked_and_cannot_record(client, panwascam_gambir, gambir_rows):
    client.force_login(panwascam_gambir)
    before = unmasked_logs()
    html = get(client, LIST).content.decode()
    one = gambir_rows[0]
    assert one.nik not in html and mask_nik(one.nik) in html
    assert one.nama not in html
    assert 'data-testid="confirms"' not in html
    assert unmasked_logs() == before
    response = post(client, f"/pencalonan/verfak/pendukung/{one.pk}/catat/",
                    {"outcome": "met_confirms"})  # fmt: skip
    assert response.status_code == 403


def test_an_lo_sees_only_its_own_pair(client, lo_a, pairs, gambir_rows):
    client.force_login(lo_a)
    html = get(client, LIST).content.decode()
    assert html.count('data-testid="supporter"') == 3
    b_row = next(r for r in gambir_rows if r.pair_id == pairs[1].pk)
    assert mask_nik(b_row.nik) not in html
    assert get(client, f"{LIST}?paslon={pairs[1].pk}").status_code == 403
    assert get(client, f"/pencalonan/verfak/pendukung/{b_row.pk}/").status_code == 403


def test_search_by_name_rt_and_rw(client, pps_gambir, gambir_rows):
    client.force_login(pps_gambir)

    def shown(query):
        html = get(client, f"{LIST}?partial=list&{query}", headers=HX).content.decode()
        return html.count('data-testid="supporter"')

    assert shown("q=pendukung+2") == 2  # PENDUKUNG 2 and PENDUKUNG 20
    assert shown("rt=5") == 1 and shown("rt=005") == 1
    assert shown("rw=2") == 3
    assert shown("q=tidak+ada") == 0


def test_objections_are_flagged_first(client, pps_gambir, gambir_rows, objection):
    last = gambir_rows[3]
    objection(last)
    client.force_login(pps_gambir)
    html = get(client, LIST).content.decode()
    first = html.index('data-testid="supporter"')
    assert html.index(f'id="s-{last.pk}"') < html.index('data-testid="supporter"', first + 1)
    assert 'data-testid="flag-objection"' in html


def test_record_in_place_with_counts(client, pps_gambir, gambir_rows, audit_log):
    client.force_login(pps_gambir)
    one, two, three = gambir_rows[:3]
    html = post(client, f"/pencalonan/verfak/pendukung/{one.pk}/catat/",
                {"outcome": "met_confirms", "method": "visit"}).content.decode()  # fmt: skip
    assert 'data-testid="saved"' in html and 'data-testid="badge-ms"' in html
    assert 'hx-swap-oob="true"' in html and 'data-testid="count-ms">1<' in html
    # Denial without the form number: the form again, with the reason, nothing written.
    html = post(client, f"/pencalonan/verfak/pendukung/{two.pk}/catat/",
                {"outcome": "met_denies", "form": "denies"}).content.decode()  # fmt: skip
    assert 'data-testid="supporter-form"' in html and "nomor formulir" in html.lower()
    assert Supporter.objects.get(pk=two.pk).verfak_status == "pending"
    html = post(client, f"/pencalonan/verfak/pendukung/{two.pk}/catat/",
                {"outcome": "met_denies", "denial_form": "F-12", "form": "denies"}
                ).content.decode()  # fmt: skip
    assert 'data-testid="badge-tms"' in html
    html = post(client, f"/pencalonan/verfak/pendukung/{three.pk}/catat/",
                {"outcome": "not_found"}).content.decode()  # fmt: skip
    assert 'data-testid="badge-not-found"' in html and 'data-testid="deadline"' in html
    assert "13 Mei 2024" in html or "13 May 2024" in html
    assert 'data-testid="count-awaiting">1<' in html
    assert [e.action for e in audit_log() if e.action.startswith("candidacy.verfak")] == [
        "candidacy.verfak.met_confirms",
        "candidacy.verfak.met_denies",
        "candidacy.verfak.not_found",
    ]


def test_the_forms_open_in_place(client, pps_gambir, gambir_rows):
    client.force_login(pps_gambir)
    one = gambir_rows[0]
    for form in ("denies", "deceased"):
        html = get(client, f"/pencalonan/verfak/pendukung/{one.pk}/?form={form}",
                   headers=HX).content.decode()  # fmt: skip
        assert 'data-testid="supporter-form"' in html
    verfak.record_factual_check(supporter=one, actor=pps_gambir, outcome="met_confirms")
    html = get(client, f"/pencalonan/verfak/pendukung/{one.pk}/?form=riwayat").content.decode()
    assert 'data-testid="history"' in html and "pps-gambir" in html


def test_a_held_supporter_chooses_and_both_cards_change(client, pps_gambir, held):
    row_a, row_b = held
    client.force_login(pps_gambir)
    html = get(client, LIST).content.decode()
    assert html.count('data-testid="flag-held"') == 2
    assert f'data-testid="choose-{row_a.pair_id}"' in html
    html = post(client, f"/pencalonan/verfak/pendukung/{row_a.pk}/pilih/",
                {"pair": str(row_b.pair_id), "method": "visit"}).content.decode()  # fmt: skip
    assert f'id="s-{row_b.pk}"' in html and html.count('hx-swap-oob="true"') >= 2
    assert Supporter.objects.get(pk=row_b.pk).verfak_status == "ms"
    assert Supporter.objects.get(pk=row_a.pk).verfak_outcome == "chose_other_pair"


def test_window_closed_shows_the_reason(client, pps_gambir, gambir_rows, election_today):
    election_today("2024-08-20")
    client.force_login(pps_gambir)
    html = get(client, LIST).content.decode()
    assert 'data-testid="window-closed"' in html and 'data-testid="confirms"' not in html
    html = post(client, f"/pencalonan/verfak/pendukung/{gambir_rows[0].pk}/catat/",
                {"outcome": "met_confirms"}).content.decode()  # fmt: skip
    assert 'data-testid="errors"' in html and "ditutup" in html


def test_progress_drills_down_in_one_grouped_query(
    client, kpu_dki, pps_gambir, pairs, in_verfak, gambir_rows, django_assert_max_num_queries
):
    in_verfak(pairs[0], 2, start=70, region_code=UTARA)
    verfak.record_factual_check(supporter=gambir_rows[0], actor=pps_gambir, outcome="deceased")
    client.force_login(kpu_dki)
    with django_assert_max_num_queries(14):
        html = get(client, "/pencalonan/verfak/progres/").content.decode()
    assert 'data-code="3171"' in html and 'data-code="3172"' in html
    html = get(client, f"/pencalonan/verfak/progres/?wilayah=317101&paslon={pairs[0].pk}")
    html = html.content.decode()
    assert f'data-code="{GAMBIR}"' in html and f'data-code="{CIDENG}"' in html
    row = html[html.index(f'data-code="{GAMBIR}"') :]
    assert 'data-testid="total">3<' in row and 'data-testid="tms">1<' in row


def test_progress_is_scoped(client, pps_other, pps_gambir, gambir_rows):
    client.force_login(pps_other)
    assert get(client, f"/pencalonan/verfak/progres/?wilayah={GAMBIR}").status_code == 403
    client.force_login(pps_gambir)
    html = get(client, "/pencalonan/verfak/progres/").content.decode()
    assert f'data-code="{GAMBIR}"' in html and f'data-code="{CIDENG}"' not in html


def test_bawaslu_observes_every_record_masked(client, bawaslu_dki, pps_gambir, gambir_rows):
    one = gambir_rows[0]
    verfak.record_factual_check(supporter=one, actor=pps_gambir, outcome="met_denies",
                                denial_form="F-77")  # fmt: skip
    client.force_login(bawaslu_dki)
    html = get(client, "/pencalonan/verfak/catatan/").content.decode()
    assert html.count('data-testid="record"') == 1 and "F-77" in html
    assert one.nik not in html and mask_nik(one.nik) in html
    html = get(client, "/pencalonan/verfak/catatan/?hasil=met_confirms").content.decode()
    assert 'data-testid="record"' not in html


def test_upload_a_csv_of_outcomes(client, kpu_jakpus, gambir_rows, bawaslu_dki):
    from django.core.files.uploadedfile import SimpleUploadedFile

    one, two = gambir_rows[:2]
    data = (f"nik,outcome,method,denial_form,note\n{one.nik},met_confirms,visit,,\n"
            f"{two.nik},met_denies,visit,,\n").encode()  # fmt: skip
    client.force_login(kpu_jakpus)
    assert get(client, "/pencalonan/verfak/unggah/").status_code == 200
    response = client.post(
        "/pencalonan/verfak/unggah/",
        {"file": SimpleUploadedFile("hasil.csv", data, "text/csv")},
        secure=True,
    )
    html = response.content.decode()
    assert 'data-testid="upload-result"' in html and 'data-testid="rejects"' in html
    assert Supporter.objects.get(pk=one.pk).verfak_status == "ms"
    assert Supporter.objects.get(pk=two.pk).verfak_status == "pending"
    client.force_login(bawaslu_dki)
    assert get(client, "/pencalonan/verfak/unggah/").status_code == 403


def test_expire_button(client, election, pps_gambir, gambir_rows, election_today):
    one = gambir_rows[0]
    verfak.record_factual_check(supporter=one, actor=pps_gambir, outcome="not_found")
    election_today("2024-05-20")
    client.force_login(pps_gambir)
    html = get(client, "/pencalonan/verfak/progres/").content.decode()
    assert 'data-testid="overdue"' in html
    response = client.post("/pencalonan/verfak/kedaluwarsa/", secure=True)
    assert response.status_code == 302
    assert Supporter.objects.get(pk=one.pk).verfak_status == "tms"
