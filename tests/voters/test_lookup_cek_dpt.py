"""cek DPT: the public check of one's registration (issue 3 part 8)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_http_date

from pilkada.regions.models import Tps
from pilkada.voters.models import Voter
from pilkada.voters.selectors import lookup as selectors
from pilkada.voters.views.lookup import (
    FRAGMENT_BLOCK,
    PAGE_BLOCK,
    forget_public_election,
    lookup_counts,
    reset_lookup_counts,
)

from .conftest import make_nik_for

URL = "/cek-dpt/"
BORN = dt.date(1990, 4, 1)


@pytest.fixture(autouse=True)
def public_settings(settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1000/m"]
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.0
    cache.clear()
    forget_public_election()
    yield
    cache.clear()
    forget_public_election()


def voter(election, serial, **fields):
    data = {
        "election": election,
        "nik": make_nik_for(serial, "P", BORN),
        "nkk": "3171012805180001",
        "nama": f"SITI NURHALIZA {serial}",
        "tanggal_lahir": BORN,
        "jenis_kelamin": "P",
        "alamat": "JL. KENANGA NO. 7",
        "kelurahan_code": "3171011001",
        "status": Voter.Status.MS,
    }
    data.update(fields)
    return Voter.objects.create(**data)


@pytest.fixture
def people(election):
    Tps.build("3171011001004", address="Halaman SDN Gambir 01").save()
    return {
        "listed": voter(election, 1, tps_code="3171011001004"),
        "no_tps": voter(election, 2, status=Voter.Status.PENDING),
        "tms": voter(
            election, 3, status=Voter.Status.TMS, tms_code=1, tms_note="AKTA KEMATIAN 123"
        ),
        "old": voter(election, 4, source=Voter.Source.DPT_LAMA, tps_code="3171011001004"),
    }


def post(client, nik):
    return client.post(URL, {"nik": nik})


def test_the_empty_form_is_public(client, election):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="nik"' in response.content.decode()


def test_a_listed_voter_sees_the_masked_name_and_the_tps_and_nothing_else(client, people):
    v = people["listed"]
    response = post(client, v.nik)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="listed"' in page
    assert "S**I N*******A 1" in page  # mask_name
    assert "TPS 004" in page
    assert "Halaman SDN Gambir 01" in page
    assert "Gambir" in page  # kelurahan / kecamatan names
    assert "Jakarta Pusat" in page  # the kab/kota's short name
    for secret in (v.nama, v.nik, v.nik[6:], v.nkk, "KENANGA", "1990", v.nik[-4:]):
        assert secret not in page


def test_a_voter_without_a_tps_is_told_so(client, people):
    page = post(client, people["no_tps"].nik).content.decode()
    assert 'data-outcome="no_tps"' in page
    assert "TPS belum ditetapkan" in page
    assert "S**I N*******A 2" in page


def test_a_tms_voter_is_told_only_not_registered(client, people):
    page = post(client, people["tms"].nik).content.decode()
    assert 'data-outcome="tms"' in page
    assert "tidak terdaftar sebagai pemilih" in page
    for secret in ("AKTA", "Meninggal", "N*******A", "Gambir"):
        assert secret not in page  # no reason, no name, no region


def test_an_unknown_nik_gets_the_registration_hints(client, people):
    page = post(client, make_nik_for(77, "P", BORN)).content.decode()
    assert 'data-outcome="not_found"' in page
    assert "tidak ditemukan" in page
    assert "DPTb" in page and "DPK" in page


def test_the_previous_dpt_is_not_this_elections_list(client, people):
    page = post(client, people["old"].nik).content.decode()
    assert 'data-outcome="not_found"' in page


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "NIK belum diisi"),
        ("317101410190001", "16 angka"),  # 15 digits
        ("31710141019000011", "16 angka"),  # 17 digits
        ("3171O14101900001", "hanya berisi angka"),
        ("3171019901900001", "bukan NIK yang sah"),  # day 99: no birth date
        ("3171014101900000", "bukan NIK yang sah"),  # serial 0000
        ("9971014101900001", "bukan NIK yang sah"),  # no such province
        ("1" * 200, "16 angka"),
    ],
)
def test_a_malformed_nik_gets_a_clear_message(client, people, raw, message):
    response = post(client, raw)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="cek-error"' in page
    assert message in page
    assert "data-outcome" not in page


def test_spaces_and_dots_in_a_nik_are_accepted(client, people):
    nik = people["listed"].nik
    page = post(client, f"{nik[:6]} {nik[6:12]}.{nik[12:]}").content.decode()
    assert 'data-outcome="listed"' in page


def test_a_nik_listed_twice_answers_with_the_row_on_the_list(client, election, people):
    nik = make_nik_for(9, "P", BORN)
    voter(election, 9, nik=nik, status=Voter.Status.TMS, tms_code=2, nama="DEWI A")
    voter(election, 10, nik=nik, tps_code="3171011001004", nama="DEWI B")
    page = post(client, nik).content.decode()
    assert 'data-outcome="listed"' in page
    assert "D**I B" in page


def test_hit_and_miss_run_the_same_queries(client, people):
    client.get(URL)  # the election is read once, then cached
    counts = {}
    for name, nik in [
        ("listed", people["listed"].nik),
        ("no_tps", people["no_tps"].nik),
        ("tms", people["tms"].nik),
        ("miss", make_nik_for(55, "P", BORN)),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert post(client, nik).status_code == 200
        counts[name] = [q["sql"].replace(nik, "?") for q in queries.captured_queries]
    assert counts["listed"] == counts["no_tps"] == counts["tms"] == counts["miss"]
    assert len(counts["miss"]) == 1  # one query answers, whatever the answer
    assert "voters_voter" in counts["miss"][0]


def test_the_lookup_is_one_query(people, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.cek_dpt(election=people["listed"].election, nik=people["listed"].nik)
    with django_assert_num_queries(1):
        selectors.cek_dpt(election=people["listed"].election, nik=make_nik_for(99, "P", BORN))


def test_every_answer_has_the_same_size(client, people):
    sizes = {
        len(post(client, nik).content)
        for nik in [
            people["listed"].nik,
            people["no_tps"].nik,
            people["tms"].nik,
            make_nik_for(56, "P", BORN),
            "12345",
        ]
    }
    assert len(sizes) == 1
    assert sizes.pop() % PAGE_BLOCK == 0


def htmx(client, nik, **extra):
    return client.post(URL, {"nik": nik}, HTTP_HX_REQUEST="true", **extra)


def test_with_htmx_the_answer_is_a_fragment_of_one_size(client, people):
    responses = [
        htmx(client, nik)
        for nik in [people["listed"].nik, people["tms"].nik, make_nik_for(60, "P", BORN), "1"]
    ]
    pages = [r.content.decode() for r in responses]
    assert all(r.status_code == 200 for r in responses)
    assert all(p.startswith('<div id="cek-answer"') and "<html" not in p for p in pages)
    assert 'data-outcome="listed"' in pages[0] and "TPS 004" in pages[0]
    assert 'data-outcome="tms"' in pages[1]
    assert 'data-outcome="not_found"' in pages[2]
    assert 'data-testid="cek-error"' in pages[3]
    assert {len(r.content) for r in responses} == {FRAGMENT_BLOCK}


def test_with_htmx_a_client_over_the_limit_gets_the_429_fragment(client, settings, people):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1/m"]
    assert htmx(client, people["listed"].nik).status_code == 200
    limited = htmx(client, people["listed"].nik)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    page = limited.content.decode()
    assert 'data-testid="rate-limited"' in page and "<html" not in page
    assert "S**I" not in page


def test_a_client_over_the_limit_gets_the_429_page(client, settings, people):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["3/m"]
    statuses = [post(client, people["listed"].nik).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = post(client, make_nik_for(57, "P", BORN))
    assert limited.status_code == 429
    assert 'data-testid="rate-limited"' in limited.content.decode()
    assert "S**I" not in limited.content.decode()
    # Another client is not affected; the empty form is never counted.
    assert client.get(URL).status_code == 200
    other = client.post(URL, {"nik": people["listed"].nik}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_lookups_are_counted_without_the_nik(client, people, caplog):
    reset_lookup_counts()
    with caplog.at_level(logging.INFO, logger="pilkada.voters.lookup"):
        post(client, people["listed"].nik)
        post(client, people["tms"].nik)
        post(client, make_nik_for(58, "P", BORN))
        post(client, "123")
    counts = lookup_counts()
    assert counts == {"listed": 1, "no_tps": 0, "tms": 1, "not_found": 1, "invalid": 1}
    text = caplog.text
    assert "outcome=listed" in text
    for v in people.values():
        assert v.nik not in text and v.nik[6:] not in text


def test_the_nik_is_not_echoed_in_the_form(client, people):
    nik = make_nik_for(59, "P", BORN)
    page = post(client, nik).content.decode()
    assert nik not in page
    assert 'value="' + nik not in page


def test_english_page(client, election):
    client.cookies["django_language"] = "en"
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_the_answer_is_escaped(client, election):
    v = voter(election, 61, nama="<SCRIPT>ALERT</SCRIPT>", tps_code="3171011001004")
    page = htmx(client, v.nik).content.decode()
    assert "<S" not in page.replace("<SECTION", "").replace("<section", "")
    assert "&lt;" in page


def test_every_answer_is_never_cached_as_django_says_it(client, settings, people):
    reference = HttpResponse()
    add_never_cache_headers(reference)
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["2/m"]
    responses = [
        client.get(URL),
        post(client, people["listed"].nik),
        htmx(client, make_nik_for(63, "P", BORN)),
        post(client, "12345"),  # over the limit: 429
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    for response in responses:
        assert response["Cache-Control"] == reference["Cache-Control"]
        assert parse_http_date(response["Expires"])


def test_a_changed_election_shows_at_once(client, election):
    assert election.name in client.get(URL).content.decode()
    election.name = "Pemilihan Uji Coba"
    election.save()
    assert "Pemilihan Uji Coba" in client.get(URL).content.decode()


def test_lookups_are_counted_on_the_election_clocks_day(client, settings, people):
    reset_lookup_counts()
    settings.PILKADA_TODAY = dt.date(2024, 5, 1)
    post(client, people["listed"].nik)
    settings.PILKADA_TODAY = dt.date(2024, 5, 2)
    post(client, people["listed"].nik)
    post(client, "123")
    assert lookup_counts(dt.date(2024, 5, 1))["listed"] == 1
    assert lookup_counts(dt.date(2024, 5, 2)) == {
        "listed": 1,
        "no_tps": 0,
        "tms": 0,
        "not_found": 0,
        "invalid": 1,
    }


def test_a_name_beyond_ascii_is_padded_to_the_same_size(client, election, people):
    v = voter(election, 62, nama="ŞİTİ NÜRHALİZA", tps_code="3171011001004")
    answer = htmx(client, v.nik)
    assert "Ş**İ N*******A" in answer.content.decode()
    assert len(answer.content) == FRAGMENT_BLOCK
    assert len(post(client, v.nik).content) == len(post(client, people["listed"].nik).content)


def test_on_postgresql_the_lookup_statement_is_prepared_on_the_connection(people):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL only")
    election = people["listed"].election
    for nik in (people["listed"].nik, make_nik_for(64, "P", BORN), people["tms"].nik):
        selectors.cek_dpt(election=election, nik=nik)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    # One statement, planned once, reused by every lookup; Django's own queries (the
    # fixtures' inserts, this one) are not prepared.
    assert len(statements) == 1
    assert "voters_voter" in statements[0]


@pytest.mark.parametrize(
    "options, threshold",
    [({}, selectors.PREPARE_ONLY_WHEN_ASKED), ({"prepare_threshold": None}, None)],
)
def test_prepared_statements_can_still_be_turned_off_in_the_database_options(
    db, options, threshold
):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL only")
    pg = connection.get_new_connection(connection.get_connection_params())
    try:
        assert pg.prepare_threshold is None  # as Django opens it
        selectors._pg_cursor(pg, options=options)
        assert pg.prepare_threshold == threshold
    finally:
        pg.close()
