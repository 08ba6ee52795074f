"""cek NIK dukungan: the public lookup (issue 4 part 7)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pilkada.candidacy.models import SupportBatch, SupportObjection
from pilkada.candidacy.selectors import cek_nik as selectors
from pilkada.candidacy.views.cek_nik import (
    FRAGMENT_BLOCK,
    PAGE_BLOCK,
    outcome_counts,
    reset_outcome_counts,
)

from .cek_nik_support import *  # noqa: F403
from .cek_nik_support import list_supporter, nik_of

URL = "/cek-nik-dukungan/"


@pytest.fixture
def people(election, make_pair):
    a = make_pair("DHARMA - KUN")
    b = make_pair("PASANGAN KEDUA")
    return {
        "a": a,
        "b": b,
        "pending": list_supporter(election, a, nik_of(1), vermin_status="ms",
                                  verfak_status="pending"),
        "ms": list_supporter(election, a, nik_of(2), nama="SITI AMINAH", vermin_status="ms",
                             verfak_status="ms", status="ms"),
        "tms": list_supporter(election, a, nik_of(3), vermin_status="tms",
                              vermin_reason="barred_occupation", status="tms"),
        "two_a": list_supporter(election, a, nik_of(4), vermin_status="held",
                                verfak_status="pending"),
        "two_b": list_supporter(election, b, nik_of(4), nama="BUDI S", vermin_status="held",
                                verfak_status="pending"),
    }  # fmt: skip


def post(client, nik, **extra):
    return client.post(URL, {"nik": nik}, **extra)


def htmx(client, nik):
    return post(client, nik, HTTP_HX_REQUEST="true")


def test_the_empty_form_is_public(client, election):
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="nik"' in page and "Cek NIK dukungan" in page
    assert 'data-testid="objections-closed-note"' not in page  # inside the window


def test_a_listed_nik_sees_the_pair_the_masked_name_and_the_status(client, people):
    s = people["pending"]
    response = post(client, s.nik)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="listed"' in page
    assert "DHARMA - KUN" in page
    assert "B**I S*****O" in page  # mask_name
    assert 'data-status="pending"' in page and "Sedang diverifikasi" in page
    assert 'data-testid="objection-form"' in page  # inside the window
    for secret in (s.nama, "SANTOSO", s.nik, s.nik[6:], "MAWAR", "1988", "14-07", "JAKARTA",
                   "KARYAWAN", "PASANGAN KEDUA"):  # fmt: skip
        assert secret not in page


@pytest.mark.parametrize(
    "key, status, text",
    [("ms", "ms", "Memenuhi syarat"), ("tms", "tms", "Tidak memenuhi syarat")],
)
def test_each_status_is_told_and_no_reason(client, people, key, status, text):
    page = post(client, people[key].nik).content.decode()
    assert f'data-status="{status}"' in page and text in page
    assert "barred" not in page and "TNI" not in page  # the TMS reason is never public


def test_a_nik_listed_for_two_pairs_sees_both_and_may_choose(client, people):
    page = post(client, people["two_a"].nik).content.decode()
    assert page.count('data-testid="cek-support"') == 2
    assert "DHARMA - KUN" in page and "PASANGAN KEDUA" in page
    assert "B**I S" in page  # the name as the second pair uploaded it, masked
    assert page.count('type="checkbox" name="pair"') == 2


def test_a_double_listing_for_one_pair_is_one_entry(client, election, people):
    s = people["pending"]
    list_supporter(election, people["a"], s.nik, vermin_status="tms",
                   vermin_reason="double_same_pair", status="tms")  # fmt: skip
    page = post(client, s.nik).content.decode()
    assert page.count('data-testid="cek-support"') == 1
    assert 'data-status="pending"' in page  # the listing that counts


def test_a_withdrawn_batch_is_not_listed_support(client, people):
    SupportBatch.objects.filter(pk=people["pending"].batch_id).update(state="withdrawn")
    page = post(client, people["pending"].nik).content.decode()
    assert 'data-outcome="not_listed"' in page


def test_an_unlisted_nik_is_told_so(client, people):
    page = post(client, nik_of(77)).content.decode()
    assert 'data-outcome="not_listed"' in page
    assert 'data-testid="cek-not-listed"' in page
    assert "objection-form" not in page


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "NIK belum diisi"),
        ("317101140788000", "16 angka"),  # 15 digits
        ("31710114078800011", "16 angka"),  # 17 digits
        ("3171O11407880001", "hanya berisi angka"),
        ("3171019907880001", "bukan NIK yang sah"),  # day 99
        ("3171011407880000", "bukan NIK yang sah"),  # serial 0000
        ("9971011407880001", "bukan NIK yang sah"),  # no such province
        ("1" * 200, "16 angka"),
    ],
)
def test_a_malformed_nik_gets_a_clear_message(client, people, raw, message):
    response = post(client, raw)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="cek-error"' in page and message in page
    assert "data-outcome" not in page


def test_spaces_and_dots_in_a_nik_are_accepted(client, people):
    nik = people["pending"].nik
    page = post(client, f"{nik[:6]} {nik[6:12]}.{nik[12:]}").content.decode()
    assert 'data-outcome="listed"' in page


def test_an_objection_in_progress_is_shown_and_not_offered_again(client, people):
    s = people["pending"]
    SupportObjection.objects.create(
        election=s.election, supporter=s, pair=s.pair, receipt="KB-TEST-0000-0001",
        contact_name="X", contact_phone="08123456789", created_on="2024-05-10",
    )  # fmt: skip
    page = post(client, s.nik).content.decode()
    assert 'data-status="objection_open"' in page
    assert "Keberatan Anda sedang diproses" in page
    assert "objection-form" not in page
    assert "KB-TEST" not in page  # the receipt is the reporter's, not anyone's who asks


def test_outside_the_window_the_lookup_answers_but_objections_are_closed(
    client, people, election_today
):
    election_today("2024-08-25")
    assert 'data-testid="objections-closed-note"' in client.get(URL).content.decode()
    page = post(client, people["pending"].nik).content.decode()
    assert 'data-outcome="listed"' in page
    assert 'data-testid="objection-closed"' in page
    assert "objection-form" not in page


def test_hit_and_miss_run_the_same_one_query(client, people):
    client.get(URL)  # the election and the objection window are read once, then cached
    counts = {}
    for name, nik in [
        ("pending", people["pending"].nik),
        ("two", people["two_a"].nik),
        ("tms", people["tms"].nik),
        ("miss", nik_of(55)),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert post(client, nik).status_code == 200
        counts[name] = [q["sql"].replace(nik, "?") for q in queries.captured_queries]
    assert counts["pending"] == counts["two"] == counts["tms"] == counts["miss"]
    assert len(counts["miss"]) == 1
    assert "candidacy_supporter" in counts["miss"][0]


def test_the_lookup_is_one_query(people, django_assert_num_queries):
    election = people["a"].election
    with django_assert_num_queries(1):
        hit = selectors.cek_nik(election=election, nik=people["two_a"].nik)
    with django_assert_num_queries(1):
        miss = selectors.cek_nik(election=election.pk, nik=nik_of(99))
    assert hit.found and len(hit.supports) == 2 and not miss.found


def test_every_answer_has_the_same_size(client, people):
    niks = [people[k].nik for k in ("pending", "ms", "tms", "two_a")] + [nik_of(56), "12345"]
    sizes = {len(post(client, nik).content) for nik in niks}
    assert len(sizes) == 1
    assert sizes.pop() % PAGE_BLOCK == 0


def test_with_htmx_the_answer_is_a_fragment_of_one_size(client, people):
    niks = [people["pending"].nik, people["two_a"].nik, nik_of(60), "1"]
    responses = [htmx(client, nik) for nik in niks]
    pages = [r.content.decode() for r in responses]
    assert all(r.status_code == 200 for r in responses)
    assert all(p.startswith('<div id="cek-answer"') and "<html" not in p for p in pages)
    assert 'data-outcome="listed"' in pages[0] and "csrfmiddlewaretoken" in pages[0]
    assert pages[1].count('data-testid="cek-support"') == 2
    assert 'data-outcome="not_listed"' in pages[2]
    assert 'data-testid="cek-error"' in pages[3]
    assert {len(r.content) for r in responses} == {FRAGMENT_BLOCK}


def test_a_client_over_the_limit_gets_the_429_page(client, settings, people):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["3/m"]
    statuses = [post(client, people["pending"].nik).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = post(client, nik_of(57))
    assert limited.status_code == 429
    assert 'data-testid="rate-limited"' in limited.content.decode()
    assert "DHARMA" not in limited.content.decode()
    assert client.get(URL).status_code == 200  # the empty form is never counted
    other = client.post(URL, {"nik": people["pending"].nik}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_with_htmx_a_client_over_the_limit_gets_the_429_fragment(client, settings, people):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1/m"]
    assert htmx(client, people["pending"].nik).status_code == 200
    limited = htmx(client, people["pending"].nik)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    page = limited.content.decode()
    assert 'data-testid="rate-limited"' in page and "<html" not in page
    assert "DHARMA" not in page


def test_the_cek_dpt_limit_and_this_one_are_counted_apart(client, settings, people):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["2/m"]
    assert client.post("/cek-dpt/", {"nik": nik_of(1)}).status_code == 200
    assert client.post("/cek-dpt/", {"nik": nik_of(1)}).status_code == 200
    assert post(client, people["pending"].nik).status_code == 200


def test_lookups_are_counted_without_the_nik(client, people, caplog):
    reset_outcome_counts()
    with caplog.at_level(logging.INFO, logger="pilkada.candidacy.cek_nik"):
        post(client, people["pending"].nik)
        post(client, people["two_a"].nik)
        post(client, nik_of(58))
        post(client, "123")
    counts = outcome_counts()
    assert {k: counts[k] for k in selectors.OUTCOMES} == {
        "listed": 2,
        "not_listed": 1,
        "invalid": 1,
    }
    assert "outcome=listed" in caplog.text
    for s in (people["pending"], people["two_a"]):
        assert s.nik not in caplog.text and s.nik[6:] not in caplog.text
    assert nik_of(58) not in caplog.text


def test_the_nik_is_not_echoed(client, people):
    for nik in (people["pending"].nik, nik_of(59)):
        page = post(client, nik).content.decode()
        assert nik not in page


def test_the_answer_is_escaped(client, election, make_pair):
    pair = make_pair("<SCRIPT>PAIR</SCRIPT>")
    s = list_supporter(election, pair, nik_of(61), nama="<B>X</B>")
    page = htmx(client, s.nik).content.decode()
    assert "<SCRIPT>" not in page and "&lt;SCRIPT&gt;PAIR" in page
    assert "<B>" not in page


def test_english_page(client, election):
    client.cookies["django_language"] = "en"
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_no_election_no_page(client, db):
    assert client.get(URL).status_code == 404
