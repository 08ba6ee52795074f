"""Writing the schedule: load an election and its stages, move a stage's window.

The gate every module asks (is this action open today?) is :mod:`pilkada.schedule.gate`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit

from .dates import human_date, parse_date
from .models import Election, Stage

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_ELECTION_FILE = DATA_DIR / "demo_pilgub_dki_2024.json"

ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
CODE_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
REGION_LENGTH = {
    Election.Kind.GUBERNUR: 2,
    Election.Kind.BUPATI: 4,
    Election.Kind.WALIKOTA: 4,
}
# Stage fields a re-load keeps in step with the template. Dates are not among them: once
# loaded, a window moves only through update_stage (KPU Provinsi, audited).
STAGE_META_FIELDS = (
    "name",
    "order",
    "parent_code",
    "regulation",
    "actions",
    "is_voting_day",
    "source",
    "note",
)


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    start: dt.date
    end: dt.date
    order: int
    parent_code: str = ""
    regulation: str = ""
    actions: tuple[str, ...] = ()
    is_voting_day: bool = False
    source: str = ""
    note: str = ""

    def meta(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in STAGE_META_FIELDS}
        values["actions"] = list(self.actions)
        return values

    def audit_value(self) -> dict[str, Any]:
        return {"code": self.code, "start": self.start, "end": self.end, **self.meta()}


@dataclass(frozen=True)
class ElectionSpec:
    slug: str
    name: str
    kind: str
    region_code: str
    voting_day: dt.date
    year: int
    schedule: str
    stages: tuple[StageSpec, ...]

    def audit_value(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind,
            "region_code": self.region_code,
            "voting_day": self.voting_day,
            "year": self.year,
            "schedule": self.schedule,
        }


@dataclass
class LoadResult:
    election: Election
    created: bool = False
    stages_created: list[str] = field(default_factory=list)
    stages_updated: list[str] = field(default_factory=list)
    # Stages whose dates in the file differ from the database (moved by KPU, or the file
    # changed): the database keeps its dates.
    date_differences: list[str] = field(default_factory=list)


# --- reading files -----------------------------------------------------------------------


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("Berkas %(path)s tidak dapat dibaca: %(error)s"),
            code="unreadable",
            params={"path": path, "error": exc},
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            _("Berkas %(path)s tidak dapat dibaca: %(error)s"),
            code="unreadable",
            params={"path": path, "error": "not a JSON object"},
        )
    return data


def _required(data: dict, key: str, path: Path) -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise ValidationError(
            _("Berkas %(path)s: kolom %(field)s wajib diisi."),
            code="required",
            params={"path": path, "field": key},
        )
    return value


def _schedule_path(schedule: str, election_file: Path) -> Path:
    """A shipped schedule by name ("pilkada2024"), or a .json path relative to the file."""
    if schedule.endswith(".json"):
        return (Path(election_file).parent / schedule).resolve()
    if not CODE_RE.match(schedule.replace("_", "-")):
        raise ValidationError(
            _("Jadwal %(schedule)s tidak ditemukan (%(path)s)."),
            code="no_schedule",
            params={"schedule": schedule, "path": "-"},
        )
    return DATA_DIR / f"{schedule}.json"


def read_schedule(path: Path) -> tuple[StageSpec, ...]:
    """The stages of a schedule template, validated."""
    if not Path(path).exists():
        raise ValidationError(
            _("Jadwal %(schedule)s tidak ditemukan (%(path)s)."),
            code="no_schedule",
            params={"schedule": Path(path).stem, "path": path},
        )
    data = _read_json(path)
    raw_stages = _required(data, "stages", path)
    specs: dict[str, StageSpec] = {}
    for order, raw in enumerate(raw_stages, start=1):
        code = str(_required(raw, "code", path))
        if not CODE_RE.match(code) or code in specs:
            raise ValidationError(
                _("Jadwal %(path)s: kode tahap %(code)s tidak valid atau ganda."),
                code="bad_stage_code",
                params={"path": path, "code": code},
            )
        actions = tuple(raw.get("actions") or ())
        for action in actions:
            if not isinstance(action, str) or not ACTION_RE.match(action):
                raise ValidationError(
                    _("Jadwal %(path)s: tahap %(code)s: kode kegiatan %(action)s tidak valid."),
                    code="bad_action",
                    params={"path": path, "code": code, "action": action},
                )
        spec = StageSpec(
            code=code,
            name=str(_required(raw, "name", path)),
            start=parse_date(_required(raw, "start", path)),
            end=parse_date(_required(raw, "end", path)),
            order=order,
            parent_code=raw.get("parent") or "",
            regulation=raw.get("regulation") or "",
            actions=actions,
            is_voting_day=bool(raw.get("voting_day", False)),
            source=raw.get("source") or "",
            note=raw.get("note") or "",
        )
        _check_window(spec.name, spec.start, spec.end)
        if spec.parent_code:
            parent = specs.get(spec.parent_code)
            if parent is None:
                raise ValidationError(
                    _("Tahap %(code)s: tahap induk %(parent)s tidak ada sebelum tahap ini."),
                    code="bad_parent",
                    params={"code": code, "parent": spec.parent_code},
                )
            _check_inside(spec.name, spec.start, spec.end, parent.name, parent.start, parent.end)
        specs[code] = spec
    voting = [s for s in specs.values() if s.is_voting_day]
    if len(voting) != 1 or voting[0].start != voting[0].end:
        raise ValidationError(
            _("Jadwal %(path)s harus punya tepat satu tahap pemungutan suara, satu hari."),
            code="voting_day_stage",
            params={"path": path},
        )
    return tuple(specs.values())


def read_election_file(path: str | Path) -> ElectionSpec:
    """An election definition file and the schedule it names, validated."""
    path = Path(path)
    data = _read_json(path)
    kind = str(_required(data, "kind", path))
    if kind not in Election.Kind.values:
        raise ValidationError(
            _("Jenis pemilihan %(kind)s tidak dikenal (gubernur, bupati, walikota)."),
            code="bad_kind",
            params={"kind": kind},
        )
    region_code = str(_required(data, "region_code", path)).replace(".", "")
    if not region_code.isdigit() or len(region_code) != REGION_LENGTH[kind]:
        raise ValidationError(
            _(
                "Kode wilayah %(code)s tidak cocok dengan pemilihan %(kind)s: gubernur memakai "
                "kode provinsi (2 digit), bupati dan walikota kode kabupaten/kota (4 digit)."
            ),
            code="bad_region",
            params={"code": region_code, "kind": kind},
        )
    voting_day = parse_date(_required(data, "voting_day", path))
    year = int(data.get("year") or voting_day.year)
    if year != voting_day.year:
        raise ValidationError(
            _("Tahun %(year)s tidak sama dengan tahun hari pemungutan suara %(day)s."),
            code="bad_year",
            params={"year": year, "day": human_date(voting_day)},
        )
    slug = str(_required(data, "slug", path))
    if not CODE_RE.match(slug):
        raise ValidationError(
            _("Kode pemilihan %(slug)s tidak valid (huruf kecil, angka, tanda hubung)."),
            code="bad_slug",
            params={"slug": slug},
        )
    schedule = str(_required(data, "schedule", path))
    stages = read_schedule(_schedule_path(schedule, path))
    voting_stage = next(s for s in stages if s.is_voting_day)
    if voting_stage.start != voting_day:
        raise ValidationError(
            _(
                "Hari pemungutan suara %(day)s tidak sama dengan tahap '%(stage)s' di jadwal "
                "%(schedule)s (%(stage_day)s)."
            ),
            code="voting_day_mismatch",
            params={
                "day": human_date(voting_day),
                "stage": voting_stage.name,
                "schedule": schedule,
                "stage_day": human_date(voting_stage.start),
            },
        )
    return ElectionSpec(
        slug=slug,
        name=str(_required(data, "name", path)),
        kind=kind,
        region_code=region_code,
        voting_day=voting_day,
        year=year,
        schedule=Path(schedule).stem,
        stages=stages,
    )


# --- checks shared by load and update ----------------------------------------------------


def _check_window(name: str, start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationError(
            _("Tahap '%(stage)s': tanggal selesai %(end)s sebelum tanggal mulai %(start)s."),
            code="end_before_start",
            params={"stage": name, "start": human_date(start), "end": human_date(end)},
        )


def _check_inside(name, start, end, parent_name, parent_start, parent_end) -> None:
    if start < parent_start or end > parent_end:
        raise ValidationError(
            _(
                "Tahap '%(stage)s' (%(start)s s.d. %(end)s) harus berada di dalam tahap "
                "induknya '%(parent)s' (%(parent_start)s s.d. %(parent_end)s)."
            ),
            code="outside_parent",
            params={
                "stage": name,
                "start": human_date(start),
                "end": human_date(end),
                "parent": parent_name,
                "parent_start": human_date(parent_start),
                "parent_end": human_date(parent_end),
            },
        )


# --- services ----------------------------------------------------------------------------


def load_election_file(*, path: str | Path, actor=None) -> LoadResult:
    """Create the election and its stages from a definition file; safe to run again.

    A re-run creates stages added to the template and brings the other fields of existing
    stages (name, actions, regulation, ...) in step with it, but never moves a window:
    dates that differ are reported in ``date_differences``. Each change is audited.
    ``actor`` None is the system (setup, demo); a user needs "schedule.edit" on the
    election's region.
    """
    spec = read_election_file(path)
    if actor is not None:
        permissions.require(actor, "schedule.edit", spec.region_code)
    with transaction.atomic():
        election = Election.objects.select_for_update().filter(slug=spec.slug).first()
        if election is None:
            return _create_election(spec, actor)
        return _sync_election(election, spec, actor)


def _create_election(spec: ElectionSpec, actor) -> LoadResult:
    election = Election.objects.create(
        slug=spec.slug,
        name=spec.name,
        kind=spec.kind,
        region_code=spec.region_code,
        voting_day=spec.voting_day,
        year=spec.year,
        schedule=spec.schedule,
    )
    Stage.objects.bulk_create(
        [
            Stage(election=election, code=s.code, start=s.start, end=s.end, **s.meta())
            for s in spec.stages
        ]
    )
    record_audit(
        actor=actor,
        action="schedule.election.create",
        object_type="schedule.election",
        object_id=election.slug,
        new={**spec.audit_value(), "stages": [s.audit_value() for s in spec.stages]},
    )
    return LoadResult(election, created=True, stages_created=[s.code for s in spec.stages])


def _sync_election(election: Election, spec: ElectionSpec, actor) -> LoadResult:
    if election.kind != spec.kind or election.region_code != spec.region_code:
        raise ValidationError(
            _(
                "Pemilihan %(slug)s sudah ada dengan jenis %(kind)s dan wilayah %(region)s; "
                "berkas ini menyatakan lain."
            ),
            code="election_conflict",
            params={"slug": spec.slug, "kind": election.kind, "region": election.region_code},
        )
    result = LoadResult(election)
    if election.name != spec.name or election.schedule != spec.schedule:
        old = {"name": election.name, "schedule": election.schedule}
        election.name, election.schedule = spec.name, spec.schedule
        election.save(update_fields=["name", "schedule"])
        record_audit(
            actor=actor,
            action="schedule.election.sync",
            object_type="schedule.election",
            object_id=election.slug,
            old=old,
            new={"name": election.name, "schedule": election.schedule},
        )
    if election.voting_day != spec.voting_day:
        result.date_differences.append("voting_day")
    existing = {s.code: s for s in election.stages.select_for_update()}
    for s in spec.stages:
        stage = existing.get(s.code)
        if stage is None:
            stage = Stage.objects.create(
                election=election, code=s.code, start=s.start, end=s.end, **s.meta()
            )
            record_audit(
                actor=actor,
                action="schedule.stage.create",
                object_type="schedule.stage",
                object_id=stage.key,
                new=s.audit_value(),
            )
            result.stages_created.append(s.code)
            continue
        if (stage.start, stage.end) != (s.start, s.end):
            result.date_differences.append(s.code)
        changed = {k: v for k, v in s.meta().items() if getattr(stage, k) != v}
        if changed:
            old = {k: getattr(stage, k) for k in changed}
            for k, v in changed.items():
                setattr(stage, k, v)
            stage.save(update_fields=list(changed))
            record_audit(
                actor=actor,
                action="schedule.stage.sync",
                object_type="schedule.stage",
                object_id=stage.key,
                old=old,
                new=changed,
            )
            result.stages_updated.append(s.code)
    return result


def load_election(*, path: str | Path, actor=None) -> Election:
    """Create (or bring up to date) an election from its definition file. Idempotent."""
    return load_election_file(path=path, actor=actor).election


def ensure_demo_election(*, actor=None) -> Election:
    """The demo election (Pilgub DKI Jakarta 2024) from the shipped files."""
    return load_election(path=DEMO_ELECTION_FILE, actor=actor)


def update_stage(*, actor, stage: Stage, start: dt.date | str, end: dt.date | str) -> Stage:
    """Move a stage's window. KPU Provinsi (or an operator) of the election's region only.

    The window must end on or after its start, a sub-stage must stay inside its parent and
    a parent must keep its sub-stages inside. Moving the voting-day stage (one day) moves
    the election's voting day. Audited as "schedule.stage.update" with the old and new
    dates; a no-op writes nothing.
    """
    if actor is None:
        raise PermissionDenied("schedule.edit: name the user (the system moves no window)")
    start, end = parse_date(start), parse_date(end)
    with transaction.atomic():
        stage = Stage.objects.select_for_update().select_related("election").get(pk=stage.pk)
        election = stage.election
        permissions.require(actor, "schedule.edit", election.region_code)
        _check_window(stage.name, start, end)
        if stage.parent_code:
            parent = election.stages.get(code=stage.parent_code)
            _check_inside(stage.name, start, end, parent.name, parent.start, parent.end)
        for child in election.stages.filter(parent_code=stage.code):
            if child.start < start or child.end > end:
                raise ValidationError(
                    _(
                        "Tahap '%(stage)s' berisi sub-tahap '%(child)s' (%(child_start)s s.d. "
                        "%(child_end)s) yang akan berada di luar jadwal barunya; pindahkan "
                        "sub-tahap itu dahulu."
                    ),
                    code="child_outside",
                    params={
                        "stage": stage.name,
                        "child": child.name,
                        "child_start": human_date(child.start),
                        "child_end": human_date(child.end),
                    },
                )
        if stage.is_voting_day and start != end:
            raise ValidationError(
                _("Tahap '%(stage)s' hanya satu hari: tanggal mulai dan selesai harus sama."),
                code="voting_day_one_day",
                params={"stage": stage.name},
            )
        if (stage.start, stage.end) == (start, end):
            return stage
        old: dict[str, Any] = {"start": stage.start, "end": stage.end}
        new: dict[str, Any] = {"start": start, "end": end}
        stage.start, stage.end = start, end
        stage.save(update_fields=["start", "end"])
        if stage.is_voting_day:
            old["voting_day"], new["voting_day"] = election.voting_day, start
            election.voting_day = start
            election.save(update_fields=["voting_day"])
        record_audit(
            actor=actor,
            action="schedule.stage.update",
            object_type="schedule.stage",
            object_id=stage.key,
            old=old,
            new=new,
        )
    return stage
