"""Bawaslu's oversight of candidacy (issue 4 part 8): the writes.

* :func:`recommend` -- Bawaslu records a recommendation (saran perbaikan / rekomendasi)
  against a supporter, a supporter batch, a pair or a KPU decision (an audit entry, by its
  ``seq``), action ``candidacy.recommend``;
* :func:`answer_recommendation` -- KPU answers it: followed, or not followed with the
  reasons, action ``candidacy.recommendation_answer``; a recommendation is answered once;
* :func:`export_supporters` -- a pair's supporter list as CSV, masked, audited before the
  first byte is written.

Scope: a recommendation on a supporter is made and answered in the supporter's region (a
Panwascam for its kecamatan, KPU kab/kota for its city); one on a batch, a pair or a
decision concerns the whole election, so the Bawaslu and KPU at the election's level make
and answer it. Each write has its audit entry in the same transaction.
"""

from __future__ import annotations

import csv

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.models import AuditEntry
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.schedule.models import Election

from ..models import BawasluRecommendation, Pair, SupportBatch, Supporter
from ..selectors import oversight as selectors

__all__ = [
    "TEXT_MAX",
    "TEXT_MIN",
    "ExportResult",
    "OversightRefused",
    "answer_recommendation",
    "export_supporters",
    "recommend",
]

TEXT_MIN = 10
TEXT_MAX = 5000
Subject = BawasluRecommendation.Subject
Status = BawasluRecommendation.Status


class OversightRefused(ValidationError):
    """Refused for its input; nothing was written. ``code`` is stable."""


def _actor_name(actor) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else actor.get_username()


def _text(value, *, what: str) -> str:
    text = (value or "").strip()
    if len(text) < TEXT_MIN:
        raise OversightRefused(
            _("%(what)s wajib diisi (paling sedikit %(n)d huruf).") % {"what": what, "n": TEXT_MIN},
            code="text_required",
        )
    if len(text) > TEXT_MAX:
        raise OversightRefused(
            _("%(what)s terlalu panjang (paling banyak %(n)d huruf).")
            % {"what": what, "n": TEXT_MAX},
            code="too_long",
        )
    return text


def _subject(*, election: Election, subject: str, object_id) -> tuple[int, Pair | None, str]:
    """(object id, the pair concerned, the region) of a recommendation's subject."""
    if subject not in Subject.values:
        raise OversightRefused(
            _("Pokok rekomendasi %(s)s tidak dikenal: pilih %(all)s.")
            % {"s": subject or "-", "all": ", ".join(Subject.values)},
            code="unknown_subject",
        )
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        raise OversightRefused(_("Nomor id tidak valid."), code="unknown_object") from None
    missing = OversightRefused(
        _("Tidak ada %(s)s dengan id %(id)s di pemilihan ini.")
        % {"s": Subject(subject).label.lower(), "id": pk},
        code="unknown_object",
    )
    if subject == Subject.SUPPORTER:
        row = Supporter.objects.select_related("pair").filter(election=election, pk=pk).first()
        if row is None:
            raise missing
        return pk, row.pair, row.region_code
    if subject == Subject.BATCH:
        batch = SupportBatch.objects.select_related("pair").filter(election=election, pk=pk)
        batch = batch.first()
        if batch is None:
            raise missing
        return pk, batch.pair, ""
    if subject == Subject.PAIR:
        pair = Pair.objects.filter(election=election, pk=pk).first()
        if pair is None:
            raise missing
        return pk, pair, ""
    if not AuditEntry.objects.filter(seq=pk).exists():
        raise missing
    return pk, None, ""


def recommend(
    *, election: Election, actor, subject: str, object_id, text: str, pair=None
) -> BawasluRecommendation:
    """Bawaslu's recommendation against a supporter, batch, pair or KPU decision (the audit
    entry's ``seq``; ``pair`` optionally names the pair a decision concerns)."""
    text = _text(text, what=_("Isi rekomendasi"))
    pk, subject_pair, region = _subject(election=election, subject=subject, object_id=object_id)
    if subject == Subject.DECISION and pair not in (None, ""):
        subject_pair = Pair.objects.filter(election=election, pk=pair).first()
        if subject_pair is None:
            raise OversightRefused(_("Pasangan tidak dikenal."), code="unknown_pair")
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, "candidacy.recommend", region or election.region_code)
    with transaction.atomic():
        rec = BawasluRecommendation.objects.create(
            election=election,
            subject=subject,
            object_id=pk,
            pair=subject_pair,
            region_code=region,
            text=text,
            created_by=_actor_name(actor),
            created_on=clock.today(),
        )
        record_audit(
            actor=actor,
            action="candidacy.recommendation.create",
            object_type="candidacy.BawasluRecommendation",
            object_id=rec.pk,
            new={
                "subject": subject,
                "object_id": pk,
                "pair": rec.pair_id,
                "region_code": region,
                "text": text,
            },
        )
    return rec


def answer_recommendation(*, recommendation, actor, followed: bool, answer: str):
    """KPU's answer: ``followed`` (what was done) or not followed (the reasons). Both need
    the text; a recommendation is answered once."""
    text = _text(
        answer,
        what=_("Tindak lanjut") if followed else _("Alasan tidak ditindaklanjuti"),
    )
    pk = recommendation.pk if isinstance(recommendation, BawasluRecommendation) else recommendation
    with transaction.atomic():
        rec = (
            BawasluRecommendation.objects.select_for_update(of=("self",))
            .select_related("election")
            .filter(pk=pk)
            .first()
        )
        if rec is None:
            raise OversightRefused(_("Rekomendasi tidak ditemukan."), code="unknown_object")
        if actor is not None and not isinstance(actor, str):
            region = rec.region_code or rec.election.region_code
            permissions.require(actor, "candidacy.recommendation_answer", region)
        if rec.status != Status.OPEN:
            raise OversightRefused(
                _("Rekomendasi ini sudah dijawab pada %(d)s oleh %(by)s.")
                % {"d": rec.answered_on.isoformat() if rec.answered_on else "-",
                   "by": rec.answered_by or "-"},
                code="already_answered",
            )  # fmt: skip
        rec.status = Status.FOLLOWED if followed else Status.NOT_FOLLOWED
        rec.answer = text
        rec.answered_by = _actor_name(actor)
        rec.answered_on = clock.today()
        rec.save(update_fields=["status", "answer", "answered_by", "answered_on"])
        record_audit(
            actor=actor,
            action="candidacy.recommendation.answer",
            object_type="candidacy.BawasluRecommendation",
            object_id=rec.pk,
            old={"status": Status.OPEN},
            new={"status": rec.status, "answer": text},
        )
    return rec


class ExportResult:
    def __init__(self, *, pair: Pair, rows: int, filters: dict):
        self.pair, self.rows, self.filters = pair, rows, filters

    def as_dict(self) -> dict:
        return {"pair": self.pair.pk, "rows": self.rows, "filters": self.filters, "masked": True}


def _safe_cell(value) -> str:
    """Keep a spreadsheet from reading a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Line:
    """A file-like object whose ``write`` returns the line (for csv.writer in a generator)."""

    def write(self, value: str) -> str:
        return value


def export_supporters(*, user, election: Election, pair_id, filters=None):
    """A pair's supporters in the user's region (filters as the list page) as masked CSV:
    returns ``(ExportResult, lines)``, ``lines`` an iterator of CSV lines (header first) read
    from the database as it is consumed. The export is audited (``candidacy.support.export``:
    who, which pair, the filters and the number of rows) before this returns, so before a
    byte is written."""
    pair = selectors.visible_pair(user=user, election=election, pair_id=pair_id)
    rows, clean, total = selectors.supporter_rows(
        user=user, election=election, pair=pair, filters=filters
    )
    with transaction.atomic():
        record_audit(
            actor=user,
            action="candidacy.support.export",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            new={"rows": total, "masked": True, "filters": clean, "election": election.slug},
        )
    writer = csv.writer(_Line(), lineterminator="\n")

    def lines():
        yield writer.writerow(selectors.EXPORT_COLUMNS)
        for r in rows:
            yield writer.writerow([_safe_cell(r[c]) for c in selectors.EXPORT_COLUMNS])

    return ExportResult(pair=pair, rows=total, filters=clean), lines()
