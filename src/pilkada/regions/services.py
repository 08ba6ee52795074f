"""Writes of region reference data: loading province files, establishing TPS.

A load validates the whole file first (:mod:`.loader`), then in ONE transaction creates the
new regions, renames the changed ones and records one audit entry. It never deletes: a
region that a newer file no longer lists is reported (``missing``), because voter lists,
results and accounts may refer to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from pilkada.accounts.permissions import require
from pilkada.audit.services import record_audit

from .codes import REGION_LEVELS, level_of, normalize_tps_code, tps_code
from .loader import RegionFile, RegionFileError, parse_region_file
from .models import Region, Tps

SHIPPED_DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH_SIZE = 500

__all__ = [
    "SHIPPED_DATA_DIR",
    "LevelCounts",
    "RegionFileError",
    "RegionLoadResult",
    "ensure_tps",
    "ensure_tps_codes",
    "load_region_file",
    "load_shipped_regions",
]


@dataclass
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class RegionLoadResult:
    """What a load did, per level. ``missing`` lists regions in the database that the file
    no longer has (kept, not deleted); ``renamed`` (code, old name, new name)."""

    source: str
    sha256: str
    province_code: str
    province_name: str
    counts: dict[str, LevelCounts] = field(
        default_factory=lambda: {level: LevelCounts() for level in REGION_LEVELS}
    )
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def total(self) -> int:
        return sum(c.total for c in self.counts.values())

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def level_summary(self) -> str:
        return ", ".join(f"{level} {self.counts[level].total}" for level in REGION_LEVELS)

    def __str__(self) -> str:
        head = f"regions {self.province_code} {self.province_name} ({self.source})"
        if self.changed:
            what = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        else:
            what = f"no change, all {self.total} already loaded"
        tail = f"; {len(self.missing)} in the database but not in the file (kept)"
        return f"{head}: {what} [{self.level_summary()}]" + (tail if self.missing else "")

    def as_dict(self) -> dict:
        return {
            "ok": True,
            "source": self.source,
            "sha256": self.sha256,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "changed": self.changed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "counts": {
                level: {
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                    "total": c.total,
                }
                for level, c in self.counts.items()
            },
            "renamed": [{"code": c, "old": o, "new": n} for c, o, n in self.renamed],
            "missing": self.missing,
            "summary": str(self),
        }


def load_region_file(*, path: str | Path, actor=None) -> RegionLoadResult:
    """Load one province file. Raises :class:`RegionFileError` (nothing written) if the file
    is broken, ``PermissionDenied`` if ``actor`` may not load this province. ``actor`` None
    is the system (setup, the command line)."""
    parsed = parse_region_file(path)
    if actor is not None:
        require(actor, "regions.load", parsed.province_code)
    return _apply(parsed, actor=actor)


def load_shipped_regions(*, actor=None) -> list[RegionLoadResult]:
    """Load every province file shipped with pilkada (``regions/data/*.csv``)."""
    return [
        load_region_file(path=path, actor=actor) for path in sorted(SHIPPED_DATA_DIR.glob("*.csv"))
    ]


def _apply(parsed: RegionFile, *, actor) -> RegionLoadResult:
    result = RegionLoadResult(
        source=parsed.source,
        sha256=parsed.sha256,
        province_code=parsed.province_code,
        province_name=parsed.province_name,
    )
    with transaction.atomic():
        existing = {
            r.code: r
            for r in Region.objects.filter(code__startswith=parsed.province_code).only(
                "code", "name", "kind"
            )
        }
        to_create: list[Region] = []
        to_update: list[Region] = []
        for row in parsed.rows:
            counts = result.counts[row.level]
            current = existing.get(row.code)
            if current is None:
                to_create.append(
                    Region(
                        code=row.code,
                        level=row.level,
                        name=row.name,
                        kind=row.kind,
                        parent_id=row.parent,
                    )
                )
                counts.created += 1
            elif current.name != row.name or current.kind != row.kind:
                if current.name != row.name:
                    result.renamed.append((row.code, current.name, row.name))
                current.name, current.kind = row.name, row.kind
                to_update.append(current)
                counts.updated += 1
            else:
                counts.unchanged += 1
        in_file = {row.code for row in parsed.rows}
        result.missing = sorted(code for code in existing if code not in in_file)
        # Codes sort parents first, so every parent exists before its children.
        to_create.sort(key=lambda r: r.code)
        Region.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Region.objects.bulk_update(to_update, ["name", "kind"], batch_size=BATCH_SIZE)
        if result.changed:
            record_audit(
                actor=actor,
                action="regions.load",
                object_type="regions.Region",
                object_id=parsed.province_code,
                old={"names": {code: old for code, old, _new in result.renamed}}
                if result.renamed
                else None,
                new={
                    "file": parsed.source,
                    "sha256": parsed.sha256,
                    "province": parsed.province_code,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "counts": result.as_dict()["counts"],
                    "names": {code: new for code, _old, new in result.renamed},
                    "missing": result.missing,
                },
            )
    return result


def ensure_tps(*, actor, kelurahan_code: str, number: int) -> tuple[Tps, bool]:
    """The TPS ``number`` of a kelurahan, created (and audited) if missing.

    Raises ``Region.DoesNotExist`` if the kelurahan is not loaded, ``InvalidRegionCode`` for
    a malformed code or number, ``PermissionDenied`` if ``actor`` may not establish TPS
    there (``actor`` None is the system).
    """
    code = tps_code(kelurahan_code, number)
    if actor is not None:
        require(actor, "regions.tps_edit", code)
    with transaction.atomic():
        existing = Tps.objects.filter(code=code).first()
        if existing is not None:
            return existing, False
        Region.objects.get(code=code[:10], level="kelurahan")
        tps = Tps.build(code)
        tps.save(force_insert=True)
        record_audit(
            actor=actor,
            action="regions.tps.create",
            object_type="regions.Tps",
            object_id=code,
            old=None,
            new={"code": code, "number": tps.number, "is_special": tps.is_special},
        )
    return tps, True


@dataclass
class TpsEnsureResult:
    created: int
    existing: int

    def __str__(self) -> str:
        return f"TPS: {self.created} created, {self.existing} already there"


def ensure_tps_codes(*, actor, codes: Iterable[str]) -> TpsEnsureResult:
    """Create every TPS of ``codes`` that does not exist yet, in one transaction with one
    audit entry (for a whole kab/kota's or province's TPS list). All or nothing: if a code is
    malformed or its kelurahan is not loaded, nothing is created and ``ValueError`` says which.
    """
    wanted = sorted({normalize_tps_code(c) for c in codes})
    if actor is not None and not isinstance(actor, str):  # a str names a system component
        for code in wanted:
            require(actor, "regions.tps_edit", code)
    with transaction.atomic():
        existing = _existing_codes(Tps.objects.all(), wanted)
        new = [c for c in wanted if c not in existing]
        kelurahan = sorted({c[:10] for c in new})
        known = _existing_codes(Region.objects.filter(level="kelurahan"), kelurahan)
        unknown = [k for k in kelurahan if k not in known]
        if unknown:
            raise ValueError(
                f"{len(unknown)} kelurahan not loaded, e.g. {', '.join(unknown[:5])}; "
                "no TPS created"
            )
        Tps.objects.bulk_create([Tps.build(c) for c in new], batch_size=BATCH_SIZE)
        if new:
            record_audit(
                actor=actor,
                action="regions.tps.create_many",
                object_type="regions.Tps",
                object_id=new[0] if len(new) == 1 else _common_prefix(new),
                old=None,
                new={"created": len(new), "first": new[0], "last": new[-1]},
            )
    return TpsEnsureResult(created=len(new), existing=len(existing))


def _existing_codes(qs, codes: list[str]) -> set[str]:
    """Which of ``codes`` exist in ``qs``, asked in batches (SQLite's parameter limit)."""
    found: set[str] = set()
    for start in range(0, len(codes), BATCH_SIZE):
        chunk = codes[start : start + BATCH_SIZE]
        found.update(qs.filter(code__in=chunk).values_list("code", flat=True))
    return found


def _common_prefix(codes: list[str]) -> str:
    """The deepest region code shared by all ``codes`` ("" if they span provinces)."""
    first, last = codes[0], codes[-1]  # sorted: the common prefix of all is theirs
    prefix = 0
    while prefix < min(len(first), len(last)) and first[prefix] == last[prefix]:
        prefix += 1
    for length in sorted((10, 6, 4, 2), reverse=True):
        if length <= prefix and level_of(first[:length]):
            return first[:length]
    return ""
