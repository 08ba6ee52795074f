"""Verifying a loaded batch again: new evidence (a NIK list) changes results set-based,
verfak results stay, earlier listings of the pair still come first."""

import pytest

from pilkada.candidacy.models import SupportBatch, Supporter
from pilkada.candidacy.services.lists import upload_nik_list
from pilkada.candidacy.services.support import SupportRefused, reverify_pair, upload_support_file

from .support_support import register, row, support_csv, voter


@pytest.fixture
def reg(election):
    return register(election, [voter(election, i) for i in range(1, 6)])


def test_a_list_uploaded_later_bars_on_reverify(
    election, reg, make_pair, kpu_dki, tmp_path, audit_log
):
    pair = make_pair()
    upload_support_file(
        election=election, pair=pair, actor=kpu_dki,
        path=support_csv(tmp_path, [row(1), row(2), row(3)]),
    )  # fmt: skip
    # Verfak already judged line 3 (serial 2).
    Supporter.objects.filter(pair=pair, line=3).update(verfak_status="ms", status="ms")
    lst = tmp_path / "asn.csv"
    lst.write_text(f"nik\n{reg[0].nik}\n")
    upload_nik_list(election=election, category="asn", path=lst, actor=kpu_dki)
    out = reverify_pair(pair=pair, actor=kpu_dki)
    rows = {s.line: s for s in Supporter.objects.filter(pair=pair)}
    assert (rows[2].vermin_status, rows[2].vermin_reason, rows[2].status) == (
        "tms", "barred_occupation", "tms",
    )  # fmt: skip
    assert rows[2].verfak_status == "na"
    assert (rows[3].vermin_status, rows[3].verfak_status, rows[3].status) == ("ms", "ms", "ms")
    assert rows[4].status == "pending" and rows[4].verfak_status == "pending"
    assert out["counts"]["reasons"]["barred_occupation"] == 1
    assert out["batches"][0]["rows_updated"] == 3
    entry = [e for e in audit_log() if e.action == "candidacy.support_reverify"][-1]
    assert entry.old["by_status"]["ms"] == 3 and entry.new["by_status"]["ms"] == 2


def test_reverify_keeps_the_first_listing_first(election, reg, make_pair, kpu_dki, tmp_path):
    pair = make_pair()
    upload_support_file(
        election=election, pair=pair, actor=kpu_dki, path=support_csv(tmp_path, [row(1)])
    )
    upload_support_file(
        election=election, pair=pair, actor=kpu_dki,
        path=support_csv(tmp_path, [row(1), row(2)], name="b.csv"),
    )  # fmt: skip
    reverify_pair(pair=pair, actor=kpu_dki)
    first, second = SupportBatch.objects.filter(pair=pair).order_by("id")
    assert Supporter.objects.get(batch=first, line=2).vermin_status == "ms"
    again = Supporter.objects.get(batch=second, line=2)
    assert (again.vermin_status, again.vermin_reason) == ("tms", "double_same_pair")


def test_held_rows_are_held_again_and_no_batches_refused(
    election, reg, make_pair, kpu_dki, tmp_path
):
    a, b = make_pair("A"), make_pair("B")
    with pytest.raises(SupportRefused):
        reverify_pair(pair=a, actor=kpu_dki)
    upload_support_file(election=election, pair=a, actor=kpu_dki,
                        path=support_csv(tmp_path, [row(1)]))  # fmt: skip
    upload_support_file(election=election, pair=b, actor=kpu_dki,
                        path=support_csv(tmp_path, [row(1)], name="b.csv"))  # fmt: skip
    reverify_pair(pair=a, actor=kpu_dki)
    assert set(Supporter.objects.values_list("vermin_status", flat=True)) == {"held"}
