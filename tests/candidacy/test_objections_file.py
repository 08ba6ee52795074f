"""Objections from cek NIK dukungan: "Saya tidak memberikan dukungan ini" (issue 4 part 7)."""

from __future__ import annotations

import json
import re

import pytest

from pilkada.candidacy.models import Supporter, SupportObjection
from pilkada.candidacy.services import objections as services
from pilkada.candidacy.services.objections import ObjectionRefused, file_objection
from pilkada.schedule.gate import StageClosed

from .cek_nik_support import *  # noqa: F403
from .cek_nik_support import free_port, list_supporter, nik_of, objection_post

URL = "/cek-nik-dukungan/keberatan/"
RECEIPT = re.compile(r"^KB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def pairs(make_pair):
    return make_pair("DHARMA - KUN"), make_pair("PASANGAN KEDUA")


def file(election, nik, **overrides):
    data = {
        "contact_name": "Budi Santoso",
        "contact_phone": "081234567890",
        "declared": True,
        "consent": True,
    }
    data.update(overrides)
    return file_objection(election=election, nik=nik, **data)


def test_an_objection_marks_the_support_tms_pending_verfak_and_is_audited(
    client, election, pairs, audit_log
):
    a, _ = pairs
    s = list_supporter(election, a, nik_of(1), vermin_status="ms", status="pending")
    response = client.post(URL, objection_post(s.nik, [a.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="objection-receipt"' in page
    objection = SupportObjection.objects.get()
    assert RECEIPT.match(objection.receipt) and objection.receipt in page
    assert (objection.pair, objection.supporter, objection.status) == (a, s, "open")
    assert objection.contact_name == "Budi Santoso" and objection.contact_phone
    assert objection.statement.startswith("PERNYATAAN (versi 1)")
    assert "tidak pernah menandatangani" in objection.statement
    s.refresh_from_db()
    assert (s.objected, s.status, s.verfak_status) == (True, "tms", "pending")
    # The answer now says the objection is being processed; no form again.
    assert 'data-status="objection_open"' in page and "objection-form" not in page
    assert s.nik not in page
    (entry,) = [e for e in audit_log() if e.action == "candidacy.objection.file"]
    assert entry.actor == "anonymous" and entry.object_id == str(objection.pk)
    assert entry.new["supporter"] == s.pk and entry.new["receipt"] == objection.receipt
    assert entry.old["supporters"][0]["status"] == "pending"
    assert entry.new["supporters"][0]["status"] == "tms"
    assert entry.new["declaration_version"] == "1" and entry.new["consent_data_use"] is True
    text = json.dumps([entry.old, entry.new])
    for secret in (s.nik, s.nik[6:], "Budi Santoso", "081234567890", "0812 3456 7890"):
        assert secret not in text
    assert entry.new["phone_given"] is True and entry.new["email_given"] is False


def test_before_vermin_the_support_is_tms_and_not_yet_on_the_verfak_list(election, pairs):
    s = list_supporter(election, pairs[0], nik_of(2))  # vermin pending
    file(election, s.nik)
    s.refresh_from_db()
    assert (s.objected, s.status, s.verfak_status) == (True, "tms", "na")


def test_a_held_supporter_goes_on_the_verfak_list(election, pairs):
    s = list_supporter(election, pairs[0], nik_of(3), vermin_status="held")
    file(election, s.nik)
    s.refresh_from_db()
    assert (s.status, s.verfak_status) == ("tms", "pending")


def test_after_verfak_said_ms_the_objection_is_recorded_for_kpu(election, pairs):
    s = list_supporter(election, pairs[0], nik_of(4), vermin_status="ms", verfak_status="ms",
                       status="ms")  # fmt: skip
    filing = file(election, s.nik)
    s.refresh_from_db()
    # status_dukungan: verfak MS outweighs the objection; KPU sees the open objection.
    assert (s.objected, s.status, s.verfak_status) == (True, "ms", "ms")
    assert filing.objections[0].status == "open"


def test_two_pairs_one_chosen(client, election, pairs):
    a, b = pairs
    nik = nik_of(5)
    sa = list_supporter(election, a, nik, vermin_status="held")
    sb = list_supporter(election, b, nik, vermin_status="held")
    page = client.post(URL, objection_post(nik, [b.pk])).content.decode()
    objection = SupportObjection.objects.get()
    assert objection.pair == b and RECEIPT.match(objection.receipt)
    sa.refresh_from_db()
    sb.refresh_from_db()
    assert (sa.objected, sb.objected) == (False, True)
    # a is still objectable: the form is offered for it alone.
    assert 'data-status="objection_open"' in page
    assert page.count('name="pair"') == 1 and f'value="{a.pk}"' in page


def test_two_pairs_at_once_get_one_number_with_suffixes(election, pairs):
    a, b = pairs
    nik = nik_of(6)
    list_supporter(election, a, nik)
    list_supporter(election, b, nik)
    filing = file(election, nik)
    receipts = sorted(o.receipt for o in filing.objections)
    assert RECEIPT.match(filing.receipt)
    assert receipts == [f"{filing.receipt}-1", f"{filing.receipt}-2"]
    assert Supporter.objects.filter(nik=nik, objected=True).count() == 2


def test_a_double_listing_for_one_pair_is_one_objection_on_every_row(election, pairs):
    a, _ = pairs
    nik = nik_of(7)
    first = list_supporter(election, a, nik, vermin_status="ms")
    second = list_supporter(election, a, nik, vermin_status="tms",
                            vermin_reason="double_same_pair", status="tms")  # fmt: skip
    filing = file(election, nik)
    (objection,) = filing.objections
    assert objection.supporter == first
    assert set(Supporter.objects.filter(objected=True).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"contact_name": "  "}, "name_missing"),
        ({"contact_name": "x" * 201}, "name_too_long"),
        ({"contact_phone": "", "contact_email": ""}, "contact_missing"),
        ({"contact_phone": "telepon saya"}, "phone_invalid"),
        ({"contact_phone": "12345"}, "phone_invalid"),
        ({"contact_phone": "+62 812 3456 7890 1234"}, "phone_invalid"),  # 17 digits
        ({"contact_phone": "0812-3456-789a"}, "phone_invalid"),
        ({"contact_email": "budi@"}, "email_invalid"),
        ({"statement": "x" * 2001}, "statement_too_long"),
        ({"declared": False}, "not_declared"),
        ({"consent": False}, "no_consent"),
        ({"pair_ids": []}, "no_pair"),
        ({"pair_ids": [999999]}, "unknown_pair"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(election, pairs, audit_log, overrides, code):
    s = list_supporter(election, pairs[0], nik_of(8), vermin_status="ms")
    with pytest.raises(ObjectionRefused) as info:
        file(election, s.nik, **overrides)
    assert code in info.value.codes
    s.refresh_from_db()
    assert not s.objected and s.status == "pending"
    assert not SupportObjection.objects.exists()
    assert not [e for e in audit_log() if e.action.startswith("candidacy.objection")]


@pytest.mark.parametrize("phone", ["08123456", "+62 812-3456-7890", "(021) 3456 7890"])
def test_phone_numbers_as_people_write_them(election, pairs, phone):
    s = list_supporter(election, pairs[0], nik_of(21))
    assert file(election, s.nik, contact_phone=phone).objections[0].contact_phone == phone


def test_an_email_alone_is_enough_contact(election, pairs):
    s = list_supporter(election, pairs[0], nik_of(9))
    filing = file(election, s.nik, contact_phone="", contact_email="budi@example.org")
    assert filing.objections[0].contact_email == "budi@example.org"


def test_the_page_shows_every_error_and_keeps_what_was_typed_but_the_nik(client, election, pairs):
    s = list_supporter(election, pairs[0], nik_of(10))
    body = objection_post(s.nik, [pairs[0].pk], contact_phone="", contact_email="bukan-email",
                          consent=None, contact_name="Siti <b>")  # fmt: skip
    page = client.post(URL, body).content.decode()
    assert 'data-testid="objection-errors"' in page
    assert "Alamat email tidak sah" in page and "persetujuan" in page
    assert 'value="bukan-email"' in page and "Siti &lt;b&gt;" in page
    assert s.nik not in page
    assert not SupportObjection.objects.exists()


def test_an_unlisted_nik_cannot_be_objected_to(client, election, pairs):
    with pytest.raises(ObjectionRefused) as info:
        file(election, nik_of(11))
    assert info.value.codes == ["not_listed"]
    page = client.post(URL, objection_post(nik_of(11), [pairs[0].pk])).content.decode()
    assert 'data-outcome="not_listed"' in page and not SupportObjection.objects.exists()


def test_a_malformed_nik_in_the_objection_is_a_clear_error(client, election, pairs):
    page = client.post(URL, objection_post("3171", [pairs[0].pk])).content.decode()
    assert 'data-testid="cek-error"' in page and "16 angka" in page
    assert not SupportObjection.objects.exists()


def test_a_second_objection_is_refused_while_one_is_open_or_decided(election, pairs):
    s = list_supporter(election, pairs[0], nik_of(12), vermin_status="ms")
    first = file(election, s.nik).objections[0]
    with pytest.raises(ObjectionRefused) as info:
        file(election, s.nik)
    assert info.value.codes == ["already_objected"]
    services.resolve_objection(objection=first, actor=None, status="dismissed", note="ok")
    with pytest.raises(ObjectionRefused):
        file(election, s.nik)
    SupportObjection.objects.filter(pk=first.pk).update(status="withdrawn")
    assert file(election, s.nik).objections  # a withdrawn one does not stand in the way


def test_outside_the_window_nothing_is_recorded(client, election, pairs, election_today):
    s = list_supporter(election, pairs[0], nik_of(13))
    election_today("2024-08-20")
    with pytest.raises(StageClosed):
        file(election, s.nik)
    page = client.post(URL, objection_post(s.nik, [pairs[0].pk])).content.decode()
    assert 'data-testid="objection-closed"' in page
    assert 'data-testid="objection-receipt"' not in page
    assert not SupportObjection.objects.exists()
    s.refresh_from_db()
    assert not s.objected


def test_receipts_are_random_and_not_from_the_nik():
    receipts = {services.new_receipt() for _ in range(500)}
    assert len(receipts) == 500
    assert all(RECEIPT.match(r) for r in receipts)


def test_the_same_nik_twice_gets_different_receipts(election, pairs):
    a, b = pairs
    nik = nik_of(14)
    list_supporter(election, a, nik)
    list_supporter(election, b, nik)
    r1 = file(election, nik, pair_ids=[a.pk]).receipt
    r2 = file(election, nik, pair_ids=[b.pk]).receipt
    assert r1 != r2


def test_the_objection_has_its_own_rate_limit(client, settings, election, pairs):
    s = list_supporter(election, pairs[0], nik_of(15))
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["2/m"]
    bad = objection_post(s.nik, [pairs[0].pk], consent=None)
    assert [client.post(URL, bad).status_code for _ in range(3)] == [200, 200, 429]
    # The lookup is another group: still answered.
    assert client.post("/cek-nik-dukungan/", {"nik": s.nik}).status_code == 200
    limited = client.post(URL, bad, HTTP_HX_REQUEST="true")
    assert limited.status_code == 429 and "<html" not in limited.content.decode()


def test_a_get_of_the_objection_url_goes_back_to_the_form(client, election):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/cek-nik-dukungan/"


def test_with_htmx_the_receipt_replaces_the_answer_box(client, election, pairs):
    s = list_supporter(election, pairs[0], nik_of(16))
    response = client.post(URL, objection_post(s.nik, [pairs[0].pk]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.startswith('<div id="cek-answer"') and "<html" not in page
    assert SupportObjection.objects.get().receipt in page


# --- the receipt by mail, through a real SMTP server on loopback --------------------


def test_the_receipt_is_mailed_when_an_email_is_given(
    client, election, pairs, smtp_server, django_capture_on_commit_callbacks
):
    s = list_supporter(election, pairs[0], nik_of(17))
    body = objection_post(s.nik, [pairs[0].pk], contact_email="budi@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, body)
    assert 'data-testid="receipt-mail"' in response.content.decode()
    (message,) = smtp_server.wait_for(1)
    receipt = SupportObjection.objects.get().receipt
    assert message["To"] == "budi@example.org"
    assert receipt in message["Subject"]
    text = smtp_server.body(message)
    assert receipt in text and "DHARMA - KUN" in text
    assert s.nik not in text and s.nik[6:] not in text and "BUDI" not in text
    assert smtp_server.envelopes[0][1] == ["budi@example.org"]


def test_no_email_no_mail(election, pairs, smtp_server, django_capture_on_commit_callbacks):
    s = list_supporter(election, pairs[0], nik_of(18))
    with django_capture_on_commit_callbacks(execute=True):
        filing = file(election, s.nik)
    assert filing.mail == "none"
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_a_rolled_back_objection_sends_no_mail(
    election, pairs, smtp_server, django_capture_on_commit_callbacks
):
    s = list_supporter(election, pairs[0], nik_of(19))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        filing = file(election, s.nik, contact_email="budi@example.org")
    assert filing.mail == "pending" and len(callbacks) == 1  # only once committed
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_a_mail_that_fails_keeps_the_objection(
    election, pairs, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = free_port()  # nobody listens there
    s = list_supporter(election, pairs[0], nik_of(20))
    with django_capture_on_commit_callbacks(execute=True):
        filing = file(election, s.nik, contact_email="budi@example.org")
    assert filing.mail == "failed"
    assert SupportObjection.objects.filter(receipt=filing.receipt).exists()
