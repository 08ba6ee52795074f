"""Verifikasi faktual (issue 4 part 5): the PPS meets every supporter of its kelurahan who
passed verifikasi administrasi (``vermin_status`` ms or held; ``verfak_status`` pending) and
records what happened (PKPU 8/2024).

Every record is one call here. In one transaction it writes the
:class:`~pilkada.candidacy.models.FactualCheck` (the history: a supporter may have several,
the latest decides), the supporter's ``verfak_status`` / ``verfak_outcome`` and overall
``status`` (:func:`pilkada.candidacy.rules.status_dukungan`), the citizen's objection when
there is one (met and denies: upheld; met and confirms: dismissed) and the audit entries,
after three checks:

* the permission ``candidacy.verfak`` on the supporter's kelurahan (a PPS there, KPU above);
* the stage gate: ``candidacy.verfak`` must be open (dukungan perseorangan, PKPU 2/2024);
* the not-found deadline (:func:`batas_waktu_menghadirkan_pendukung`): once it has passed,
  a later "met" record is refused with the reason, and :func:`expire_not_found` makes the
  supporter TMS.

The outcomes:

* ``met_confirms`` -- met and confirms the support: MS;
* ``met_denies`` -- met and denies it: TMS, with the number of the signed denial form;
* ``not_found`` -- not found at the address: pending while the pair may still bring the
  supporter to an agreed place or a video call, TMS after the deadline;
* ``deceased`` -- TMS;
* ``chose_other_pair`` -- a supporter listed by two pairs (vermin ``held``) says which pair
  they support (:func:`record_held_choice`): MS on that pair's row, ``chose_other_pair`` TMS
  on the other pairs' rows, in one transaction.

Bad input raises :class:`VerfakRefused` (a ``ValidationError`` with a stable ``code`` and an
Indonesian message) and nothing is written. :func:`apply_verfak_file` applies a CSV of
outcomes (the PPS or KPU office typing up paper forms) through the same functions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.schedule.gate import StageClosed, require_open

from .. import rules
from ..models import FactualCheck, Pair, Supporter, SupportObjection

__all__ = [
    "ACTION",
    "DEFAULT_NOT_FOUND_DAYS",
    "RECORDABLE_OUTCOMES",
    "ExpireResult",
    "VerfakFileRefused",
    "VerfakFileResult",
    "VerfakRefused",
    "apply_verfak_file",
    "batas_waktu_menghadirkan_pendukung",
    "expire_not_found",
    "not_found_since",
    "record_factual_check",
    "record_held_choice",
    "verfak_status_of",
]

#: The stage action and the permission action.
ACTION = "candidacy.verfak"
#: Days the pair has, after the PPS did not find a supporter, to bring them to the PPS or an
#: agreed place, or to a video call. As recalled from PKPU 8/2024 (and PKPU 3/2017 before
#: it): 3 days. Not checked against the text here: a setting, PILKADA_VERFAK_NOT_FOUND_DAYS.
DEFAULT_NOT_FOUND_DAYS = 3

Outcome = FactualCheck.Outcome
#: What a PPS records for one supporter row (chose_other_pair comes from a held choice).
RECORDABLE_OUTCOMES = (Outcome.CONFIRMS, Outcome.DENIES, Outcome.NOT_FOUND, Outcome.DECEASED)
#: Outcomes that say the PPS met the supporter: refused after the not-found deadline.
MET_OUTCOMES = frozenset({Outcome.CONFIRMS, Outcome.DENIES, Outcome.CHOSE_OTHER})
#: Facts about the person, not about one listing: they apply to every pair's row of a held
#: supporter.
PERSON_OUTCOMES = frozenset({Outcome.NOT_FOUND, Outcome.DECEASED})
DENIAL_FORM_MAX = 60
NOTE_MAX = 1000
IN_VERFAK = (Supporter.VerfakStatus.PENDING, Supporter.VerfakStatus.MS, Supporter.VerfakStatus.TMS)


class VerfakRefused(ValidationError):
    """A record refused for its input; nothing was written. ``code`` is stable (tests, the
    CLI, the API), the message is for the officer."""


# ============================================================================================
# The rules
# ============================================================================================


def not_found_days() -> int:
    return int(getattr(settings, "PILKADA_VERFAK_NOT_FOUND_DAYS", DEFAULT_NOT_FOUND_DAYS))


def batas_waktu_menghadirkan_pendukung(*, tidak_ditemui_pada: dt.date) -> dt.date:
    """The last day the pair may bring a supporter the PPS did not find to the PPS or a place
    agreed with it, or to a video call (PKPU 8/2024, verifikasi faktual of support: "Pendukung
    tidak dapat ditemui"). The number of days is the setting PILKADA_VERFAK_NOT_FOUND_DAYS,
    default 3 as recalled from PKPU 8/2024 (and PKPU 3/2017 before it), counted from the day
    the PPS first did not find the supporter. After it, the supporter is TMS."""
    return tidak_ditemui_pada + dt.timedelta(days=not_found_days())


def verfak_status_of(outcome: str, *, deadline_passed: bool = False) -> str:
    """``verfak_status`` after ``outcome``: met and confirms is MS; denies, deceased and chose
    another pair are TMS; not found is pending until the deadline, TMS after it."""
    if outcome == Outcome.CONFIRMS:
        return Supporter.VerfakStatus.MS
    if outcome == Outcome.NOT_FOUND and not deadline_passed:
        return Supporter.VerfakStatus.PENDING
    if outcome in (Outcome.DENIES, Outcome.DECEASED, Outcome.CHOSE_OTHER, Outcome.NOT_FOUND):
        return Supporter.VerfakStatus.TMS
    raise ValueError(f"unknown outcome {outcome!r}")


def not_found_since(outcomes: list[tuple[str, dt.date]]) -> dt.date | None:
    """From a supporter's records, oldest first as ``(outcome, recorded_on)``: the day the
    current "not found" began (the first of the trailing run of not-found records), or None
    when the latest record is not "not found". A second visit that also fails does not
    extend the deadline."""
    since = None
    for outcome, day in reversed(outcomes):
        if outcome != Outcome.NOT_FOUND:
            break
        since = day
    return since


# ============================================================================================
# Recording
# ============================================================================================


def _actor_name(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def _clean_outcome(outcome) -> str:
    value = str(outcome or "").strip().lower()
    if value not in Outcome.values:
        raise VerfakRefused(
            _("Hasil %(o)s tidak dikenal: pilih salah satu dari %(all)s.")
            % {"o": outcome or "-", "all": ", ".join(RECORDABLE_OUTCOMES)},
            code="unknown_outcome",
        )
    if value == Outcome.CHOSE_OTHER:
        raise VerfakRefused(
            _("'Memilih pasangan lain' dicatat dengan memilih pasangan yang didukung."),
            code="use_held_choice",
        )
    return value


def _clean_method(method) -> str:
    value = str(method or FactualCheck.Method.VISIT).strip().lower()
    value = {"video": FactualCheck.Method.VIDEO, "kunjungan": FactualCheck.Method.VISIT}.get(
        value, value
    )
    if value not in FactualCheck.Method.values:
        raise VerfakRefused(
            _("Cara verifikasi %(m)s tidak dikenal: pilih %(all)s.")
            % {"m": method, "all": ", ".join(FactualCheck.Method.values)},
            code="unknown_method",
        )
    return value


def _clean_text(value, *, limit: int, what: str) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise VerfakRefused(
            _("%(what)s terlalu panjang (paling banyak %(n)d huruf).") % {"what": what, "n": limit},
            code="too_long",
        )
    return text


def _clean_denial_form(value) -> str:
    text = _clean_text(value, limit=DENIAL_FORM_MAX, what=_("Nomor formulir"))
    if not text:
        raise VerfakRefused(
            _(
                "Pendukung yang menyatakan tidak mendukung mengisi formulir pernyataan: "
                "nomor formulir wajib diisi."
            ),
            code="denial_form_required",
        )
    return text


def _locked_rows(pks: list[int]) -> list[Supporter]:
    return list(
        Supporter.objects.select_for_update(of=("self",))
        .select_related("election", "pair")
        .filter(pk__in=pks)
        .order_by("pk")
    )


def _row(supporter) -> Supporter:
    pk = supporter.pk if isinstance(supporter, Supporter) else supporter
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise VerfakRefused(_("Pendukung tidak ditemukan."), code="unknown_supporter") from None
    rows = _locked_rows([pk])
    if not rows:
        raise VerfakRefused(_("Pendukung tidak ditemukan."), code="unknown_supporter")
    return rows[0]


def _check_row(row: Supporter, *, actor) -> None:
    """Permission on the supporter's kelurahan, the stage window, and that the row is in
    verifikasi faktual at all."""
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, ACTION, row.region_code or "-")
    require_open(election=row.election, action=ACTION)
    if row.verfak_status not in IN_VERFAK:
        raise VerfakRefused(
            _(
                "Pendukung ini tidak diverifikasi faktual: hanya pendukung yang memenuhi "
                "syarat verifikasi administrasi yang diverifikasi faktual."
            ),
            code="not_in_verfak",
        )
    if not row.region_code:
        raise VerfakRefused(
            _("Pendukung belum mempunyai kelurahan: tidak ada PPS yang memverifikasinya."),
            code="no_kelurahan",
        )


def _history(rows: list[Supporter]) -> dict[int, list[tuple[str, dt.date]]]:
    out: dict[int, list[tuple[str, dt.date]]] = {r.pk: [] for r in rows}
    for sid, outcome, day in (
        FactualCheck.objects.filter(supporter_id__in=list(out))
        .order_by("supporter_id", "created_at", "id")
        .values_list("supporter_id", "outcome", "recorded_on")
    ):
        out[sid].append((outcome, day))
    return out


def _refuse_after_deadline(row: Supporter, history, *, today: dt.date) -> None:
    since = not_found_since(history)
    if since is None:
        return
    deadline = batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=since)
    if today > deadline:
        raise VerfakRefused(
            _(
                "Pendukung tidak ditemui pada %(since)s; batas waktu menghadirkan pendukung "
                "(%(days)d hari) berakhir %(deadline)s. Dukungan ini tidak memenuhi syarat dan "
                "tidak dapat lagi dicatat ditemui."
            )
            % {
                "since": since.isoformat(),
                "days": not_found_days(),
                "deadline": deadline.isoformat(),
            },
            code="deadline_passed",
        )


def _state(row: Supporter) -> dict:
    return {
        "verfak_status": row.verfak_status,
        "verfak_outcome": row.verfak_outcome,
        "status": row.status,
    }


def _follow_objections(row: Supporter, *, outcome: str, actor, today, check) -> list[int]:
    """A citizen objected ("I did not give this support"): met and denies upholds it, met
    and confirms dismisses it. Withdrawn objections stay withdrawn."""
    if outcome == Outcome.DENIES:
        new = SupportObjection.Status.UPHELD
    elif outcome == Outcome.CONFIRMS:
        new = SupportObjection.Status.DISMISSED
    else:
        return []
    changed = []
    objections = SupportObjection.objects.select_for_update().filter(supporter=row)
    for objection in objections.exclude(status__in=[new, SupportObjection.Status.WITHDRAWN]):
        old = objection.status
        objection.status = new
        objection.resolved_by = _actor_name(actor)
        objection.resolved_on = today
        objection.resolution_note = _("Verifikasi faktual: %(o)s (catatan #%(id)d)") % {
            "o": check.get_outcome_display(),
            "id": check.pk,
        }
        objection.save(update_fields=["status", "resolved_by", "resolved_on", "resolution_note"])
        record_audit(
            actor=actor,
            action=f"candidacy.objection.{new}",
            object_type="candidacy.SupportObjection",
            object_id=objection.pk,
            old={"status": old},
            new={"status": new, "supporter": row.pk, "factual_check": check.pk},
        )
        changed.append(objection.pk)
    return changed


def _apply(row: Supporter, *, actor, outcome: str, method: str, denial_form: str, note: str,
           today: dt.date, history=()) -> FactualCheck:  # fmt: skip
    """Write one record and its consequences. ``history``: the row's earlier records
    ``(outcome, day)``, so that a further "not found" after the deadline stays TMS."""
    deadline_passed = False
    if outcome == Outcome.NOT_FOUND:
        since = not_found_since([*history, (outcome, today)])
        deadline_passed = today > batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=since)
    old = _state(row)
    check = FactualCheck.objects.create(
        supporter=row,
        outcome=outcome,
        method=method,
        denial_form=denial_form,
        note=note,
        recorded_by=_actor_name(actor),
        recorded_on=today,
    )
    row.verfak_outcome = outcome
    row.verfak_status = verfak_status_of(outcome, deadline_passed=deadline_passed)
    row.status = rules.status_dukungan(
        vermin_status=row.vermin_status, verfak_status=row.verfak_status, objected=row.objected
    )
    row.save(update_fields=["verfak_outcome", "verfak_status", "status"])
    objections = _follow_objections(row, outcome=outcome, actor=actor, today=today, check=check)
    new = {
        **_state(row),
        "factual_check": check.pk,
        "pair": row.pair_id,
        "method": method,
        **({"denial_form": denial_form} if denial_form else {}),
        **({"note": note} if note else {}),
        **({"objections": objections} if objections else {}),
    }
    record_audit(
        actor=actor,
        action=f"candidacy.verfak.{outcome}",
        object_type="candidacy.Supporter",
        object_id=row.pk,
        old=old,
        new=new,
    )
    return check


def _held_rows(row: Supporter) -> list[Supporter]:
    """Every pair's row of a supporter listed by several pairs (vermin ``held``), locked,
    this row included; just this row when it is not held."""
    if row.vermin_status != Supporter.VerminStatus.HELD:
        return [row]
    pks = list(
        Supporter.objects.filter(
            election_id=row.election_id, nik=row.nik, vermin_status=Supporter.VerminStatus.HELD
        ).values_list("pk", flat=True)
    )
    rows = _locked_rows(pks)
    return rows or [row]


def record_factual_check(
    *,
    supporter,
    actor,
    outcome: str,
    method: str = FactualCheck.Method.VISIT,
    denial_form: str = "",
    note: str = "",
) -> list[FactualCheck]:
    """Record what the PPS found for one supporter row; returns the records written.

    On a held supporter (listed by two pairs): met and confirms is the choice of this row's
    pair (:func:`record_held_choice`); not found and deceased apply to every pair's row (they
    are facts about the person); met and denies applies to this row only."""
    outcome = _clean_outcome(outcome)
    method = _clean_method(method)
    note = _clean_text(note, limit=NOTE_MAX, what=_("Catatan"))
    denial_form = (
        _clean_denial_form(denial_form)
        if outcome == Outcome.DENIES
        else _clean_text(denial_form, limit=DENIAL_FORM_MAX, what=_("Nomor formulir"))
    )
    with transaction.atomic():
        row = _row(supporter)
        _check_row(row, actor=actor)
        if row.vermin_status == Supporter.VerminStatus.HELD and outcome == Outcome.CONFIRMS:
            return record_held_choice(
                supporter=row, actor=actor, pair=row.pair_id, method=method, note=note
            )
        rows = _held_rows(row) if outcome in PERSON_OUTCOMES else [row]
        for r in rows:
            if r.pk != row.pk:
                _check_row(r, actor=actor)
        today = clock.today()
        history = _history(rows)
        if outcome in MET_OUTCOMES:
            _refuse_after_deadline(row, history[row.pk], today=today)
        return [
            _apply(r, actor=actor, outcome=outcome, method=method, denial_form=denial_form,
                   note=note, today=today, history=history[r.pk])
            for r in rows
        ]  # fmt: skip


def record_held_choice(
    *,
    supporter,
    actor,
    pair: int | Pair | None,
    method: str = FactualCheck.Method.VISIT,
    denial_form: str = "",
    note: str = "",
) -> list[FactualCheck]:
    """A supporter listed by several pairs (vermin ``held``, ``double_other_pair``) says which
    pair they support: MS (met and confirms) on that pair's row, TMS ``chose_other_pair`` on
    every other pair's row -- one transaction, each row with its record and audit entry.
    ``pair=None``: they support none of them (met and denies on every row, with the denial
    form number)."""
    method = _clean_method(method)
    note = _clean_text(note, limit=NOTE_MAX, what=_("Catatan"))
    pair_id = pair.pk if isinstance(pair, Pair) else pair
    if pair_id in ("", "none"):
        pair_id = None
    if pair_id is None:
        denial_form = _clean_denial_form(denial_form)
    else:
        try:
            pair_id = int(pair_id)
        except (TypeError, ValueError):
            raise VerfakRefused(_("Pasangan tidak dikenal."), code="unknown_pair") from None
        denial_form = _clean_text(denial_form, limit=DENIAL_FORM_MAX, what=_("Nomor formulir"))
    with transaction.atomic():
        row = _row(supporter)
        _check_row(row, actor=actor)
        if row.vermin_status != Supporter.VerminStatus.HELD:
            raise VerfakRefused(
                _("Pendukung ini hanya didukungkan ke satu pasangan: catat hasilnya biasa."),
                code="not_held",
            )
        rows = _held_rows(row)
        for r in rows:
            if r.pk != row.pk:
                _check_row(r, actor=actor)
        if pair_id is not None and pair_id not in {r.pair_id for r in rows}:
            raise VerfakRefused(
                _("Pendukung ini tidak didukungkan ke pasangan itu."), code="unknown_pair"
            )
        today = clock.today()
        history = _history(rows)
        for r in rows:
            _refuse_after_deadline(r, history[r.pk], today=today)
        checks = []
        chosen = next((r for r in rows if r.pair_id == pair_id), None)
        for r in rows:
            if pair_id is None:
                outcome, form, text = Outcome.DENIES, denial_form, note
            elif r.pk == chosen.pk:
                outcome, form, text = Outcome.CONFIRMS, denial_form, note
            else:
                outcome, form = Outcome.CHOSE_OTHER, ""
                text = _("Memilih mendukung %(pair)s.") % {"pair": chosen.pair.name}
                text = f"{text} {note}".strip()
            checks.append(
                _apply(r, actor=actor, outcome=outcome, method=method, denial_form=form,
                       note=text, today=today)
            )  # fmt: skip
        return checks


# ============================================================================================
# After the deadline
# ============================================================================================


@dataclass
class ExpireResult:
    checked: int = 0
    expired: list[int] = field(default_factory=list)
    on: dt.date | None = None

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "expired": len(self.expired),
            "supporter_ids": self.expired,
            "on": self.on.isoformat() if self.on else None,
            "deadline_days": not_found_days(),
        }


def expire_not_found(*, election, actor, on: dt.date | None = None) -> ExpireResult:
    """Supporters not found whose deadline (:func:`batas_waktu_menghadirkan_pendukung`) has
    passed without a later record become TMS (outcome stays ``not_found``): in the actor's
    scope, set-based, one audit entry listing the supporters. Safe to run again (only rows
    still pending change). Not tied to the stage window: the last deadlines run past it."""
    today = on or clock.today()
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, ACTION, None)
    result = ExpireResult(on=today)
    with transaction.atomic():
        candidates = Supporter.objects.select_for_update().filter(
            election=election,
            verfak_status=Supporter.VerfakStatus.PENDING,
            verfak_outcome=Outcome.NOT_FOUND,
        )
        if actor is not None and not isinstance(actor, str):
            candidates = candidates.filter(permissions.scope_q(actor, "region_code"))
        ids = list(candidates.order_by("pk").values_list("pk", flat=True))
        result.checked = len(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = [Supporter(pk=pk) for pk in chunk]
            for pk, history in _history(rows).items():
                since = not_found_since(history)
                if since and today > batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=since):
                    result.expired.append(pk)
        for start in range(0, len(result.expired), 500):
            # verfak TMS makes the overall status TMS whatever vermin and objections say.
            Supporter.objects.filter(pk__in=result.expired[start : start + 500]).update(
                verfak_status=Supporter.VerfakStatus.TMS, status=Supporter.Status.TMS
            )
        if result.expired:
            record_audit(
                actor=actor,
                action="candidacy.verfak.not_found_expired",
                object_type="schedule.Election",
                object_id=election.slug,
                old={"verfak_status": "pending", "verfak_outcome": Outcome.NOT_FOUND},
                new={
                    "verfak_status": "tms",
                    "status": "tms",
                    "count": len(result.expired),
                    "supporter_ids": result.expired,
                    "on": today.isoformat(),
                    "deadline_days": not_found_days(),
                },
            )
    return result


# ============================================================================================
# Outcomes from a file
# ============================================================================================

FILE_COLUMNS = ("nik", "outcome", "method", "denial_form", "note")
#: An optional column: the pair a held supporter chose (its id).
PAIR_COLUMN = "paslon"
MAX_FILE_ROWS = 100_000


class VerfakFileRefused(Exception):
    """The file as a whole cannot be applied (unreadable, columns missing, window closed);
    ``returncode`` for the command line."""

    def __init__(self, message: str, returncode: int = 2):
        super().__init__(message)
        self.returncode = returncode


@dataclass
class VerfakFileResult:
    """``applied``: rows applied per outcome asked for; ``records``: FactualCheck rows written
    per outcome (a held supporter's choice writes one per pair listing them)."""

    rows: int = 0
    applied: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    rejected: list[dict] = field(default_factory=list)

    @property
    def applied_total(self) -> int:
        return sum(self.applied.values())

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "applied": self.applied_total,
            "by_outcome": dict(sorted(self.applied.items())),
            "records": dict(sorted(self.records.items())),
            "rejected": len(self.rejected),
            "reconciles": self.rows == self.applied_total + len(self.rejected),
            "rejects": self.rejected,
        }

    def write_rejects(self, path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=["line", "nik", "reason"])
            writer.writeheader()
            writer.writerows(self.rejected)


def _read_rows(data: bytes | str | Path) -> list[tuple[int, dict]]:
    if isinstance(data, bytes):
        raw = data
    else:
        try:
            raw = Path(data).read_bytes()
        except OSError as exc:
            raise VerfakFileRefused(f"cannot read {data}: {exc}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise VerfakFileRefused("the file is not UTF-8 text (save it as CSV UTF-8).") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise VerfakFileRefused("the file is empty.")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in ("nik", "outcome") if c not in header]
    if missing:
        raise VerfakFileRefused(
            f"missing column(s) {', '.join(missing)}; expected {','.join(FILE_COLUMNS)}."
        )
    rows = []
    for values in reader:
        number = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        if len(values) > len(header):
            row["_extra"] = "1"
        rows.append((number, row))
        if len(rows) > MAX_FILE_ROWS:
            raise VerfakFileRefused(f"more than {MAX_FILE_ROWS:,} rows; split the file.")
    return rows


def apply_verfak_file(*, election, actor, data, pair: Pair | int | None = None) -> VerfakFileResult:
    """Apply a CSV of outcomes (columns ``nik,outcome,method,denial_form,note``, optional
    ``paslon``: the pair a held supporter chose) through :func:`record_factual_check` and
    :func:`record_held_choice`, with the actor's scope and the stage window. ``pair`` limits
    the file to one pair's supporters. Every row is applied or rejected with its line and
    reason (``rows = applied + rejected``); the whole file is one transaction (each row in a
    savepoint), so an interrupted run changes nothing."""
    rows = _read_rows(data)
    try:
        require_open(election=election, action=ACTION)
    except StageClosed as exc:
        raise VerfakFileRefused(f"refused: {exc.decision.reason}", returncode=3) from None
    pair_id = pair.pk if isinstance(pair, Pair) else pair
    result = VerfakFileResult(rows=len(rows))
    niks = {r["nik"] for _, r in rows if r.get("nik")}
    found: dict[str, list[tuple[int, int, str]]] = {}
    listed = Supporter.objects.filter(election=election, nik__in=niks, verfak_status__in=IN_VERFAK)
    if pair_id is not None:
        listed = listed.filter(pair_id=pair_id)
    for pk, nik, pid, vermin in listed.order_by("pk").values_list(
        "pk", "nik", "pair_id", "vermin_status"
    ):
        found.setdefault(nik, []).append((pk, pid, vermin))
    with transaction.atomic():
        for line, row in rows:
            reason = _apply_file_row(row, found, actor=actor, result=result)
            if reason:
                result.rejected.append({"line": line, "nik": row.get("nik", ""), "reason": reason})
    return result


def _apply_file_row(row: dict, found: dict, *, actor, result: VerfakFileResult) -> str:
    if row.get("_extra"):
        return "more values than columns (a comma inside a note? quote it)"
    nik = row.get("nik", "")
    matches = found.get(nik, [])
    if not nik:
        return "nik: empty"
    if not matches:
        return "nik: not in verifikasi faktual (of this pair)"
    chosen = row.get(PAIR_COLUMN, "")
    held = all(m[2] == Supporter.VerminStatus.HELD for m in matches)
    if len(matches) > 1 and not held:
        return "nik: listed more than once; record it with `verfak record --supporter ID`"
    outcome = row.get("outcome", "").strip().lower()
    kwargs = {
        "actor": actor,
        "method": row.get("method", ""),
        "denial_form": row.get("denial_form", ""),
        "note": row.get("note", ""),
    }
    try:
        with transaction.atomic():
            if chosen or (len(matches) > 1 and outcome == Outcome.DENIES):
                # A held supporter: the pair they chose, or none of them.
                if chosen and outcome != Outcome.CONFIRMS:
                    return f"paslon: given with outcome {outcome!r}; use met_confirms"
                checks = record_held_choice(supporter=matches[0][0], pair=chosen or None, **kwargs)
            elif len(matches) > 1 and outcome == Outcome.CONFIRMS:
                return "nik: listed by several pairs; give the pair chosen (column paslon)"
            else:
                checks = record_factual_check(supporter=matches[0][0], outcome=outcome, **kwargs)
    except ValidationError as exc:
        return "; ".join(str(m) for m in exc.messages)
    except StageClosed as exc:
        return f"refused: {exc.decision.reason}"
    except PermissionDenied as exc:
        return f"outside your area: {exc}"
    result.applied[outcome] = result.applied.get(outcome, 0) + 1
    for check in checks:
        result.records[check.outcome] = result.records.get(check.outcome, 0) + 1
    return ""
