"""Bawaslu's oversight through the services and selectors: recommendations and KPU's answers
(audited, scoped, answered once), the per-pair overview, the masked supporter list and its
audited export, the objections."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.audit.models import AuditEntry
from pilkada.candidacy.models import BawasluRecommendation, Pair
from pilkada.candidacy.selectors import oversight as selectors
from pilkada.candidacy.services import oversight, verfak
from pilkada.candidacy.services.oversight import OversightRefused
from pilkada.core.masking import mask_nik

from .verfak_support import *  # noqa: F403
from .verfak_support import UTARA, make_user

pytestmark = pytest.mark.django_db
TEXT = "Mohon verifikasi ulang: pendukung menyatakan tidak pernah mendukung."


def test_bawaslu_recommends_and_kpu_answers_both_audited(
    election, pairs, in_verfak, bawaslu_dki, kpu_jakpus, audit_log
):
    (row,) = in_verfak(pairs[0], 1)
    rec = oversight.recommend(election=election, actor=bawaslu_dki, subject="supporter",
                              object_id=row.pk, text=TEXT)  # fmt: skip
    assert rec.status == "open" and rec.pair == pairs[0] and rec.region_code == row.region_code
    assert rec.created_by == "bawaslu-dki"
    rec = oversight.answer_recommendation(
        recommendation=rec,
        actor=kpu_jakpus,
        followed=False,
        answer="Sudah diverifikasi faktual, pendukung hadir.",
    )
    assert rec.status == "not_followed" and rec.answered_by == "kpu-jakpus"  # fmt: skip
    actions = [e.action for e in audit_log()]
    assert actions == ["candidacy.recommendation.create", "candidacy.recommendation.answer"]
    assert audit_log()[1].old == {"status": "open"}
    with pytest.raises(OversightRefused) as error:
        oversight.answer_recommendation(recommendation=rec.pk, actor=kpu_jakpus, followed=True,
                                        answer="Ditindaklanjuti kemudian.")  # fmt: skip
    assert error.value.code == "already_answered"


def test_subjects_and_bad_input(election, pairs, in_verfak, bawaslu_dki, kpu_dki, audit_log):
    a = pairs[0]
    (row,) = in_verfak(a, 1)
    rec = oversight.recommend(election=election, actor=bawaslu_dki, subject="batch",
                              object_id=row.batch_id, text=TEXT)  # fmt: skip
    assert rec.pair == a and rec.region_code == ""
    rec = oversight.recommend(election=election, actor=bawaslu_dki, subject="pair",
                              object_id=a.pk, text=TEXT)  # fmt: skip
    assert rec.pair == a
    seq = AuditEntry.objects.latest("seq").seq
    rec = oversight.recommend(election=election, actor=bawaslu_dki, subject="decision",
                              object_id=seq, text=TEXT, pair=a.pk)  # fmt: skip
    assert rec.subject == "decision" and rec.pair == a
    before = BawasluRecommendation.objects.count()
    cases = [
        ({"subject": "thing", "object_id": 1, "text": TEXT}, "unknown_subject"),
        ({"subject": "supporter", "object_id": 999999, "text": TEXT}, "unknown_object"),
        ({"subject": "pair", "object_id": "x", "text": TEXT}, "unknown_object"),
        ({"subject": "decision", "object_id": 10**9, "text": TEXT}, "unknown_object"),
        ({"subject": "pair", "object_id": a.pk, "text": "singkat"}, "text_required"),
        ({"subject": "pair", "object_id": a.pk, "text": "x" * 5001}, "too_long"),
    ]
    for kwargs, code in cases:
        with pytest.raises(OversightRefused) as error:
            oversight.recommend(election=election, actor=bawaslu_dki, **kwargs)
        assert error.value.code == code
    assert BawasluRecommendation.objects.count() == before
    with pytest.raises(OversightRefused) as error:
        oversight.answer_recommendation(recommendation=rec, actor=kpu_dki, followed=False,
                                        answer="")  # fmt: skip
    assert error.value.code == "text_required"


def test_who_may_recommend_and_answer(
    election, pairs, in_verfak, panwascam_gambir, kpu_jakpus, pps_gambir, lo_a, bawaslu_dki
):
    (gambir,) = in_verfak(pairs[0], 1)
    (utara,) = in_verfak(pairs[0], 1, start=9, region_code=UTARA)
    # A Panwascam recommends on supporters of its kecamatan, not elsewhere nor on a pair.
    oversight.recommend(election=election, actor=panwascam_gambir, subject="supporter",
                        object_id=gambir.pk, text=TEXT)  # fmt: skip
    for subject, pk in (("supporter", utara.pk), ("pair", pairs[0].pk)):
        with pytest.raises(PermissionDenied):
            oversight.recommend(election=election, actor=panwascam_gambir, subject=subject,
                                object_id=pk, text=TEXT)  # fmt: skip
    for actor in (kpu_jakpus, pps_gambir, lo_a):
        with pytest.raises(PermissionDenied):
            oversight.recommend(election=election, actor=actor, subject="supporter",
                                object_id=gambir.pk, text=TEXT)  # fmt: skip
    # KPU Jakarta Pusat answers in its city, not for Jakarta Utara nor on a pair.
    on_utara = oversight.recommend(election=election, actor=bawaslu_dki, subject="supporter",
                                   object_id=utara.pk, text=TEXT)  # fmt: skip
    on_pair = oversight.recommend(election=election, actor=bawaslu_dki, subject="pair",
                                  object_id=pairs[0].pk, text=TEXT)  # fmt: skip
    for rec in (on_utara, on_pair):
        with pytest.raises(PermissionDenied):
            oversight.answer_recommendation(recommendation=rec, actor=kpu_jakpus, followed=True,
                                            answer="Sudah ditindaklanjuti.")  # fmt: skip
    with pytest.raises(PermissionDenied):
        oversight.answer_recommendation(recommendation=on_pair, actor=bawaslu_dki,
                                        followed=True, answer="Sudah ditindaklanjuti.")  # fmt: skip


def test_recommendations_are_listed_in_scope(
    election, pairs, in_verfak, bawaslu_dki, panwascam_gambir
):
    (gambir,) = in_verfak(pairs[0], 1)
    (utara,) = in_verfak(pairs[0], 1, start=9, region_code=UTARA)
    for row in (gambir, utara):
        oversight.recommend(election=election, actor=bawaslu_dki, subject="supporter",
                            object_id=row.pk, text=TEXT)  # fmt: skip
    oversight.recommend(election=election, actor=bawaslu_dki, subject="pair",
                        object_id=pairs[0].pk, text=TEXT)  # fmt: skip
    page = selectors.recommendation_page(user=bawaslu_dki, election=election)
    assert len(page.rows) == 3 and page.counts == {"open": 3}
    page = selectors.recommendation_page(user=panwascam_gambir, election=election)
    assert sorted(r.subject for r in page.rows) == ["pair", "supporter"]
    assert all(r.object_id != utara.pk for r in page.rows if r.subject == "supporter")


def test_overview_counts_reasons_outcomes_objections_and_recommendations(
    election, pairs, in_verfak, add_supporters, objection, pps_gambir, bawaslu_dki,
    panwascam_gambir, django_assert_max_num_queries,
):  # fmt: skip
    a, b = pairs
    r1, r2, r3 = in_verfak(a, 3)
    add_supporters(a, 2, start=50, vermin_status="tms", vermin_reason="under_age", status="tms")
    add_supporters(a, 1, start=60, vermin_status="tms", vermin_reason="nik_invalid",
                   status="tms", region_code=UTARA)  # fmt: skip
    in_verfak(b, 1, start=70)
    verfak.record_factual_check(supporter=r1, actor=pps_gambir, outcome="met_confirms")
    verfak.record_factual_check(supporter=r2, actor=pps_gambir, outcome="not_found")
    objection(r3)
    oversight.recommend(election=election, actor=bawaslu_dki, subject="pair", object_id=a.pk,
                        text=TEXT)  # fmt: skip
    with django_assert_max_num_queries(5):
        rows = {
            o.pair.pk: o.as_dict() for o in selectors.overview(user=bawaslu_dki, election=election)
        }
    oa = rows[a.pk]  # fmt: skip
    assert oa["listed"] == 6
    assert oa["vermin"] == {"ms": 3, "tms": 3}
    assert oa["vermin_reasons"] == {"nik_invalid": 1, "under_age": 2}
    assert oa["verfak_outcomes"] == {"met_confirms": 1, "not_found": 1, "pending": 1}
    assert oa["status"] == {"ms": 1, "pending": 1, "tms": 4}
    assert oa["objections"] == {"open": 1} and oa["recommendations"] == {"open": 1}
    assert rows[b.pk]["listed"] == 1
    # A Panwascam of Gambir sees its kecamatan only.
    local = {o.pair.pk: o for o in selectors.overview(user=panwascam_gambir, election=election)}
    assert local[a.pk].listed == 5 and "nik_invalid" not in local[a.pk].vermin_reasons


def test_the_overview_is_for_kpu_and_bawaslu(election, pps_gambir, lo_a):
    for user in (pps_gambir, lo_a):
        with pytest.raises(PermissionDenied):
            selectors.overview(user=user, election=election)


def test_supporter_list_is_masked_filtered_and_scoped(
    election, pairs, in_verfak, add_supporters, bawaslu_dki, panwascam_gambir, lo_a
):
    a, b = pairs
    rows = in_verfak(a, 2)
    add_supporters(a, 1, start=50, vermin_status="tms", vermin_reason="under_age")
    in_verfak(a, 1, start=60, region_code=UTARA)
    page = selectors.supporter_page(user=bawaslu_dki, election=election, pair_id=a.pk)
    assert page.total == 4
    first = page.rows[0]
    assert first["nik"] == mask_nik(rows[0].nik) and first["nama"] != rows[0].nama
    assert "*" in first["tanggal_lahir"]
    page = selectors.supporter_page(user=bawaslu_dki, election=election, pair_id=a.pk,
                                    filters={"alasan": "under_age", "bogus": "x"})  # fmt: skip
    assert page.total == 1 and page.filters == {"alasan": "under_age"}
    page = selectors.supporter_page(user=bawaslu_dki, election=election, pair_id=a.pk,
                                    filters={"nik": rows[1].nik})  # fmt: skip
    assert page.total == 1 and page.rows[0]["id"] == rows[1].pk
    page = selectors.supporter_page(user=panwascam_gambir, election=election, pair_id=a.pk)
    assert page.total == 3
    assert selectors.supporter_page(user=lo_a, election=election, pair_id=a.pk).total == 4
    with pytest.raises(Pair.DoesNotExist):
        selectors.supporter_page(user=lo_a, election=election, pair_id=b.pk)


def test_export_is_masked_and_audited_before_it_is_written(
    election, pairs, in_verfak, bawaslu_dki, audit_log
):
    a = pairs[0]
    rows = in_verfak(a, 3)
    result, lines = oversight.export_supporters(
        user=bawaslu_dki, election=election, pair_id=a.pk, filters={"status": "pending"}
    )
    (entry,) = audit_log()  # fmt: skip
    assert entry.action == "candidacy.support.export" and entry.object_id == str(a.pk)
    assert entry.new["rows"] == 3 and entry.new["masked"] is True
    assert entry.new["filters"] == {"status": "pending"}
    text = "".join(lines)
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == result.rows == 3
    assert all(r.nik not in text and r.nama not in text for r in rows)
    assert table[0]["nik"] == mask_nik(rows[0].nik)
    assert list(table[0]) == list(selectors.EXPORT_COLUMNS)


def test_export_guards_against_formulas(election, pairs, add_supporters, bawaslu_dki):
    add_supporters(pairs[0], 1, vermin_status="tms", vermin_reason="=HYPERLINK(1)")
    _result, lines = oversight.export_supporters(user=bawaslu_dki, election=election,
                                                 pair_id=pairs[0].pk)  # fmt: skip
    assert "'=HYPERLINK(1)" in "".join(lines)


def test_objections_are_masked_with_counts_per_pair(
    election, pairs, in_verfak, objection, bawaslu_dki, panwascam_gambir, pps_gambir
):
    a, b = pairs
    (r1,) = in_verfak(a, 1)
    (r2,) = in_verfak(b, 1, start=9, region_code=UTARA)
    objection(r1, receipt="R-1")
    objection(r2, receipt="R-2")
    verfak.record_factual_check(supporter=r1, actor=pps_gambir, outcome="met_denies",
                                denial_form="F-1")  # fmt: skip
    page = selectors.objection_page(user=bawaslu_dki, election=election)
    counts = {c["pair"]: c for c in page.counts}
    assert counts[a.pk]["upheld"] == 1 and counts[b.pk]["open"] == 1
    row = next(r for r in page.rows if r["receipt"] == "R-1")
    assert row["status"] == "upheld" and row["nik"] == mask_nik(r1.nik)
    assert row["contact_phone"].endswith("890") and "0812" not in row["contact_phone"]
    assert "Verifikasi faktual" in row["resolution_note"]
    page = selectors.objection_page(user=bawaslu_dki, election=election, status="open")
    assert [r["receipt"] for r in page.rows] == ["R-2"]
    page = selectors.objection_page(user=panwascam_gambir, election=election)
    assert [r["receipt"] for r in page.rows] == ["R-1"]


def test_an_unlinked_lo_sees_nothing(election, pairs, in_verfak):
    from pilkada.accounts.roles import Role

    in_verfak(pairs[0], 1)
    lonely = make_user("lo-lonely", Role.LO, "31")
    with pytest.raises(Pair.DoesNotExist):
        selectors.supporter_page(user=lonely, election=election, pair_id=pairs[0].pk)
