"""Pages of pairs: the list and the add form, a pair's page and its forms, windows shown
with their reason, the LO's scope, penetapan and the draw, the basis page and the party
import, and the public pages (minimum support, the published pairs)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilkada.candidacy.models import CandidacyBasis, Pair, PairLiaison, PartyVote
from pilkada.candidacy.services import pairs as services

from .pairs_support import (
    DKI_LAST_DPT,
    DRAW_DAY,
    PARTY_CSV,
    REGISTER_DAY,
    SET_DAY,
    add_candidates,
    all_documents,
    candidate_nik,
    load_basis,
    mark_documents,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def basis(election):
    return load_basis(election)


def html_of(response) -> str:
    return response.content.decode()


def test_list_for_kpu_with_add_form(
    client, election, basis, kpu_dki, make_pair, django_assert_max_num_queries
):
    for i in range(3):
        pair = make_pair(f"P{i}")
        add_candidates(pair, actor=kpu_dki, serial=10 * i + 1)
    client.force_login(kpu_dki)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("candidacy:pairs"))
    html = html_of(response)
    assert html.count('data-testid="pair-row"') == 3
    assert 'data-testid="pair-add-form"' in html and 'value="A"' in html


def test_add_pair_through_the_form(client, election, basis, kpu_dki):
    client.force_login(kpu_dki)
    response = client.post(
        reverse("candidacy:pair_add"),
        {"nama": "Koalisi Baru", "jalur": "party", "partai": ["C", "D"]},
    )
    pair = Pair.objects.get(name="Koalisi Baru")
    assert response.status_code == 302 and response.url == reverse(
        "candidacy:pair_detail", args=[pair.pk]
    )
    assert sorted(pair.parties.values_list("party__code", flat=True)) == ["C", "D"]
    page = html_of(client.get(response.url))
    assert "75,000" in page or "75.000" in page  # the coalition's votes
    assert "Memenuhi ambang batas." in page


def test_refusal_reasons_are_shown(client, election, basis, kpu_dki):
    client.force_login(kpu_dki)
    client.post(reverse("candidacy:pair_add"), {"nama": "A1", "jalur": "party", "partai": "A"})
    response = client.post(
        reverse("candidacy:pair_add"), {"nama": "A2", "jalur": "party", "partai": "A"}, follow=True
    )
    html = html_of(response)
    assert "Satu partai hanya dapat mencalonkan satu pasangan." in html
    assert "Partai A sudah mencalonkan pasangan A1." in html


def test_the_window_reason_is_shown(client, election, basis, kpu_dki, election_today):
    pair = services.add_pair(
        election=election, actor=kpu_dki, name="P", independent=False, party_codes=["A"]
    )
    client.force_login(kpu_dki)
    response = client.post(
        reverse("candidacy:pair_register", args=[pair.pk]),
        {"dokumen": all_documents(pair)},
        follow=True,
    )
    assert "Tahap &#x27;Pendaftaran pasangan calon&#x27; belum dibuka" in html_of(response)
    assert Pair.objects.get(pk=pair.pk).status == "prospective"


def test_officers_without_pair_manage_cannot_write(
    client, election, basis, pps_gambir, kpu_jakpus, make_pair
):
    pair = make_pair("P")
    for user in (pps_gambir, kpu_jakpus):
        client.force_login(user)
        assert client.get(reverse("candidacy:pairs")).status_code == 200
        assert (
            client.post(
                reverse("candidacy:pair_add"), {"nama": "X", "jalur": "independent"}
            ).status_code
            == 403
        )
        assert client.post(reverse("candidacy:pair_check", args=[pair.pk])).status_code == 403
        assert 'data-testid="pair-add-form"' not in html_of(client.get(reverse("candidacy:pairs")))
    assert Pair.objects.count() == 1


def test_lo_sees_only_its_own_pair(client, election, make_pair):
    own = make_pair("Milik LO", lo_username="lo-a")
    other = make_pair("Pasangan lain")
    client.force_login(PairLiaison.objects.get(pair=own).user)
    html = html_of(client.get(reverse("candidacy:pairs")))
    assert "Milik LO" in html and "Pasangan lain" not in html
    assert client.get(reverse("candidacy:pair_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("candidacy:pair_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("candidacy:pair_check", args=[own.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, election, make_pair):
    pair = make_pair("P")
    response = client.get(reverse("candidacy:pair_detail", args=[pair.pk]))
    assert response.status_code == 302 and "masuk" in response.url


def test_candidate_form_masks_the_nik_on_the_page(client, election, kpu_dki, make_pair):
    pair = make_pair("P")
    client.force_login(kpu_dki)
    nik = candidate_nik(born=dt.date(1970, 5, 17))
    client.post(
        reverse("candidacy:pair_candidate", args=[pair.pk]),
        {
            "kedudukan": "head",
            "nama": "Budi Santoso",
            "nik": nik,
            "tanggal_lahir": "1970-05-17",
            "jenis_kelamin": "L",
            "pekerjaan": "Dosen",
        },
    )
    html = html_of(client.get(reverse("candidacy:pair_detail", args=[pair.pk])))
    assert "Budi Santoso" in html and nik not in html and nik[:6] + "********" in html
    bad = client.post(
        reverse("candidacy:pair_candidate", args=[pair.pk]),
        {
            "kedudukan": "deputy",
            "nama": "X",
            "nik": nik[:-1] + "0",
            "tanggal_lahir": "1971-05-17",
            "jenis_kelamin": "L",
        },
        follow=True,
    )
    assert "NIK calon tidak sah: zero_serial" in html_of(bad)
    assert pair.candidates.count() == 1


def test_register_check_and_decide_on_the_page(client, election, basis, kpu_dki, election_today):
    pair = services.add_pair(
        election=election, actor=kpu_dki, name="P", independent=False, party_codes=["A"]
    )
    add_candidates(pair, actor=kpu_dki)
    election_today(REGISTER_DAY)
    client.force_login(kpu_dki)
    docs = all_documents(pair)
    refused = client.post(
        reverse("candidacy:pair_register", args=[pair.pk]), {"dokumen": docs[:-1]}, follow=True
    )
    assert "Dokumen belum lengkap (1): Pas foto terbaru (calon wakil kepala daerah)." in html_of(
        refused
    )
    client.post(reverse("candidacy:pair_register", args=[pair.pk]), {"dokumen": docs})
    pair.refresh_from_db()
    assert pair.status == "registered"
    response = client.post(
        reverse("candidacy:pair_document", args=[pair.pk]),
        {"kode": "skck.head", "status": "tms", "catatan": "palsu"},
        follow=True,
    )
    assert "Hasil penelitian dokumen disimpan." in html_of(response)
    for code in docs[1:]:
        if code != "skck.head":
            services.record_document(pair=pair, actor=kpu_dki, code=code, status="ms")
    services.record_document(pair=pair, actor=kpu_dki, code=docs[0], status="ms")
    response = client.post(reverse("candidacy:pair_check", args=[pair.pk]), follow=True)
    html = html_of(response)
    assert "Pasangan tidak memenuhi syarat." in html and "palsu" in html
    assert 'data-testid="status-note"' in html
    assert Pair.objects.get(pk=pair.pk).status == "ineligible"


def test_liaison_form(client, election, kpu_dki, make_pair):
    pair = make_pair("P")
    client.force_login(kpu_dki)
    url = reverse("candidacy:pair_liaison", args=[pair.pk])
    differ = client.post(
        url, {"username": "lo-p", "password": "Sandi-Kuat-2024!", "password2": "lain"}, follow=True
    )
    assert "Kedua kata sandi berbeda." in html_of(differ)
    client.post(
        url,
        {
            "username": "lo-p",
            "password": "Sandi-Kuat-2024!",
            "password2": "Sandi-Kuat-2024!",
            "nama_lengkap": "LO P",
        },
    )
    assert PairLiaison.objects.get(pair=pair).user.username == "lo-p"


def test_penetapan_and_seeded_draw_pages(client, election, basis, kpu_dki, election_today):
    pairs = []
    for i, code in enumerate(["A", "E"]):
        pair = services.add_pair(
            election=election,
            actor=kpu_dki,
            name=f"Pasangan {code}",
            independent=False,
            party_codes=[code],
        )
        add_candidates(pair, actor=kpu_dki, serial=10 * i + 1)
        pairs.append(pair)
    election_today(REGISTER_DAY)
    for pair in pairs:
        services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
        mark_documents(pair, actor=kpu_dki)
        services.check_requirements(pair=pair, actor=kpu_dki)
    client.force_login(kpu_dki)
    published = reverse("candidacy:pairs_published")
    assert 'data-testid="not-yet"' in html_of(client.get(published))
    early = client.post(reverse("candidacy:penetapan_set"), follow=True)
    assert "belum dibuka" in html_of(early)
    election_today(SET_DAY)
    page = html_of(client.get(reverse("candidacy:penetapan")))
    assert 'data-testid="penetapan-form"' in page
    done = client.post(reverse("candidacy:penetapan_set"), follow=True)
    assert "2 pasangan calon ditetapkan." in html_of(done)
    assert 'data-testid="draw-seed-form"' in html_of(done)
    election_today(DRAW_DAY)
    client.post(reverse("candidacy:ballot_draw"), {"cara": "benih", "benih": "1234"})
    numbers = dict(Pair.objects.values_list("pk", "ballot_number"))
    order = services.seeded_order(
        seed="1234", election_slug=election.slug, pair_ids=sorted(numbers)
    )
    assert [numbers[pid] for pid, _digest in order] == [1, 2]
    client.logout()
    html = html_of(client.get(published))  # public
    assert html.count('data-testid="published-row"') == 2
    assert "CALON KEPALA" in html and "Ditetapkan pada 22 September 2024" in html


def test_manual_draw_form_refuses_a_repeated_number(
    client, election, basis, kpu_dki, election_today, make_pair
):
    a, b = make_pair("A"), make_pair("B")
    Pair.objects.update(status=Pair.Status.SET)
    election_today(DRAW_DAY)
    client.force_login(kpu_dki)
    response = client.post(
        reverse("candidacy:ballot_draw"), {f"nomor_{a.pk}": "1", f"nomor_{b.pk}": "1"}, follow=True
    )
    assert "masing-masing tepat satu kali" in html_of(response)
    client.post(reverse("candidacy:ballot_draw"), {f"nomor_{a.pk}": "2", f"nomor_{b.pk}": "1"})
    assert dict(Pair.objects.values_list("pk", "ballot_number")) == {a.pk: 2, b.pk: 1}


# --- basis and party votes -------------------------------------------------------------------


def test_basis_page_suggests_and_sets(client, election, kpu_dki):
    client.force_login(kpu_dki)
    page = html_of(client.get(reverse("candidacy:basis")))
    assert 'data-testid="basis-form"' in page
    client.post(
        reverse("candidacy:basis_set"),
        {"dpt_terakhir": "8.252.897", "sumber": "DPT", "dpt_ambang": "", "suara_dprd": ""},
    )
    basis = CandidacyBasis.objects.get()
    assert basis.previous_dpt_total == DKI_LAST_DPT and basis.dpt_total is None
    bad = client.post(reverse("candidacy:basis_set"), {"dpt_terakhir": "banyak"}, follow=True)
    assert "bukan bilangan bulat" in html_of(bad)


def test_party_import_page_shows_errors_by_line(client, election, kpu_dki):
    client.force_login(kpu_dki)
    url = reverse("candidacy:party_votes_import")
    bad = SimpleUploadedFile("partai.csv", b"kode,nama,suara_sah\nA,Partai A,satu\n")
    response = client.post(url, {"berkas": bad})
    assert response.status_code == 400
    html = html_of(response)
    assert html.count('data-testid="import-error"') == 1 and "suara_sah" in html
    assert not PartyVote.objects.exists()
    good = SimpleUploadedFile("partai.csv", PARTY_CSV.encode())
    response = client.post(url, {"berkas": good}, follow=True)
    assert "5 partai diimpor dari partai.csv" in html_of(response)
    assert PartyVote.objects.count() == 5


def test_party_import_needs_kpu(client, election, bawaslu_dki):
    client.force_login(bawaslu_dki)
    assert client.get(reverse("candidacy:basis")).status_code == 200
    good = SimpleUploadedFile("partai.csv", PARTY_CSV.encode())
    assert client.post(reverse("candidacy:party_votes_import"), {"berkas": good}).status_code == 403


# --- public: the minimum support ---------------------------------------------------------------


def test_minimum_page_and_json_are_public(client, election):
    page = html_of(client.get(reverse("candidacy:minimum")))
    assert 'data-testid="no-basis"' in page
    load_basis(election)
    html = html_of(client.get(reverse("candidacy:minimum")))
    assert 'data-testid="minimum">618,968<' in html or 'data-testid="minimum">618.968<' in html
    assert 'data-testid="spread">4<' in html
    data = client.get(reverse("candidacy:minimum_json")).json()
    assert data["independent"] == {
        "previous_dpt_total": 8_252_897,
        "previous_dpt_source": "",
        "percent": "7.5",
        "minimum": 618_968,
        "area_level": "kabkota",
        "areas_total": 6,
        "spread_needed": 4,
    }
    assert data["party"]["percent"] == "7.5" and data["party"]["votes_needed"] == 75_000
    assert data["party"]["dpt_source"] == "previous_dpt_total"


def test_pair_page_queries_do_not_grow_with_the_checklist(
    client, election, basis, kpu_dki, election_today, django_assert_max_num_queries
):
    pair = services.add_pair(
        election=election, actor=kpu_dki, name="P", independent=False, party_codes=["C", "D"]
    )
    add_candidates(pair, actor=kpu_dki)
    election_today(REGISTER_DAY)
    services.register_pair(pair=pair, actor=kpu_dki, received=all_documents(pair))
    client.force_login(kpu_dki)
    with django_assert_max_num_queries(20):
        html = html_of(client.get(reverse("candidacy:pair_detail", args=[pair.pk])))
    assert html.count('<tr data-code="') == 30  # 29 documents + the coalition agreement
    assert 'data-testid="check-form"' in html
