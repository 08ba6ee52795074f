"""dukcapil: reads for Dukcapil's KTP-el work -- voters without a KTP-el per region, the list
of one kelurahan, and its CSV export (issue 3 part 9).

Which voters: this election's list (source DP4 or coklit, not TMS) whose ``Voter.ktp_el`` is
false (no card) or null (not known: shown apart). Scope: ``voters.ktp_el_view`` (Dukcapil,
KPU, Bawaslu) inside the user's region. Dukcapil (``voters.ktp_el_issue``) sees NIK, name,
birth date and address unmasked -- it needs them to print the card -- and each such view or
export is logged with ``log_unmasked_access``; everyone else sees them masked.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr

from pilkada.accounts.permissions import can, has_valid_scope, is_operator, require
from pilkada.audit.services import record_audit
from pilkada.core.masking import (
    log_unmasked_access,
    mask_address,
    mask_birth_date,
    mask_name,
    mask_nik,
)
from pilkada.regions.codes import CODE_LENGTH, REGION_LEVELS, level_of, normalize_region_code
from pilkada.regions.models import Region

from ..models import KtpElIssuance, Voter

#: Sources whose rows are this election's voters.
VOTER_SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)
#: At most this many voters are listed on one page (the CSV export has them all).
LIST_LIMIT = 1000

EXPORT_COLUMNS = [
    "nik",
    "nama",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "alamat",
    "rt",
    "rw",
    "kode_kelurahan",
    "tps",
    "ktp_el",
]


def list_q(election) -> Q:
    """This election's voters (not the previous DPT, not TMS)."""
    return Q(election=election, source__in=VOTER_SOURCES) & ~Q(status=Voter.Status.TMS)


NO_KTP_EL_Q = Q(ktp_el=False) | Q(ktp_el__isnull=True)


def root_code(user, election, region_code: str | None = None) -> str:
    """The region a page starts at: the one asked for, else the user's own region (the
    election's for operators and the system)."""
    if region_code:
        return normalize_region_code(region_code)
    if user is None or isinstance(user, str) or is_operator(user) or not has_valid_scope(user):
        return election.region_code
    return user.region_code[:10]


def sees_unmasked(user, region_code: str) -> bool:
    """Dukcapil (who issues the cards) sees the personal data it needs, unmasked."""
    if user is None or isinstance(user, str):
        return True
    return can(user, "voters.ktp_el_issue", region_code)


def _require_view(user, region_code: str) -> None:
    if user is None or isinstance(user, str):
        return
    require(user, "voters.ktp_el_view", region_code)


@dataclass
class KtpRow:
    code: str
    name: str
    level: str
    without: int = 0  # ktp_el false
    unknown: int = 0  # ktp_el null
    issued: int = 0  # cards issued through this system

    @property
    def has_children(self) -> bool:
        return self.level != "kelurahan"


@dataclass
class KtpCounts:
    root: KtpRow
    rows: list[KtpRow] = field(default_factory=list)
    crumbs: list[Region] = field(default_factory=list)


def ktp_el_counts(*, user, election, region_code: str | None = None) -> KtpCounts:
    """Voters without KTP-el under a region, per child region (kab/kota -> kecamatan ->
    kelurahan): one grouped query over the voters, one over the issuance records."""
    code = root_code(user, election, region_code)
    _require_view(user, code)
    level = level_of(code)
    if level not in REGION_LEVELS:
        raise ValueError(f"{code}: not a region code")
    region = Region.objects.get(code=code)
    child_level = REGION_LEVELS[min(REGION_LEVELS.index(level) + 1, len(REGION_LEVELS) - 1)]
    width = CODE_LENGTH[child_level] if level != "kelurahan" else CODE_LENGTH["kelurahan"]
    grouped = (
        Voter.objects.filter(list_q(election), NO_KTP_EL_Q, kelurahan_code__startswith=code)
        .annotate(child=Substr("kelurahan_code", 1, width))
        .values("child")
        .annotate(
            without=Count("pk", filter=Q(ktp_el=False)),
            unknown=Count("pk", filter=Q(ktp_el__isnull=True)),
        )
    )
    counts = {g["child"]: g for g in grouped}
    issued = dict(
        KtpElIssuance.objects.filter(election=election, kelurahan_code__startswith=code)
        .annotate(child=Substr("kelurahan_code", 1, width))
        .values("child")
        .annotate(n=Count("pk"))
        .values_list("child", "n")
    )
    root = KtpRow(code=code, name=region.name, level=level)
    rows = []
    children = (
        [] if level == "kelurahan" else Region.objects.filter(parent_id=code).order_by("code")
    )
    for child in children:
        c = counts.get(child.code, {})
        rows.append(
            KtpRow(
                code=child.code,
                name=child.name,
                level=child.level,
                without=c.get("without", 0),
                unknown=c.get("unknown", 0),
                issued=issued.get(child.code, 0),
            )
        )
    root.without = sum(g["without"] for g in counts.values())
    root.unknown = sum(g["unknown"] for g in counts.values())
    root.issued = sum(issued.values())
    crumbs = list(Region.objects.filter(code__in=_ancestor_codes(code)).order_by("code"))
    return KtpCounts(root=root, rows=rows, crumbs=crumbs)


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6) if n < len(code)]


@dataclass
class KtpVoter:
    id: int
    nik: str
    nama: str
    jenis_kelamin: str
    tempat_lahir: str
    tanggal_lahir: str
    alamat: str
    rt: str
    rw: str
    kelurahan_code: str
    tps_code: str
    ktp_el: bool | None

    def as_row(self) -> list[str]:
        ktp = "" if self.ktp_el is None else ("1" if self.ktp_el else "0")
        return [
            self.nik, self.nama, self.jenis_kelamin, self.tempat_lahir, self.tanggal_lahir,
            self.alamat, self.rt, self.rw, self.kelurahan_code, self.tps_code, ktp,
        ]  # fmt: skip


_FIELDS = (
    "id", "nik", "nama", "jenis_kelamin", "tempat_lahir", "tanggal_lahir", "alamat", "rt", "rw",
    "kelurahan_code", "tps_code", "ktp_el",
)  # fmt: skip


def _voter(row: tuple, unmasked: bool) -> KtpVoter:
    d = dict(zip(_FIELDS, row, strict=True))
    born = d["tanggal_lahir"]
    if unmasked:
        return KtpVoter(
            id=d["id"], nik=d["nik"], nama=d["nama"], jenis_kelamin=d["jenis_kelamin"],
            tempat_lahir=d["tempat_lahir"], tanggal_lahir=born.isoformat() if born else "",
            alamat=d["alamat"], rt=d["rt"], rw=d["rw"], kelurahan_code=d["kelurahan_code"],
            tps_code=d["tps_code"] or "", ktp_el=d["ktp_el"],
        )  # fmt: skip
    return KtpVoter(
        id=d["id"], nik=mask_nik(d["nik"]), nama=mask_name(d["nama"]),
        jenis_kelamin=d["jenis_kelamin"], tempat_lahir="", tanggal_lahir=mask_birth_date(born),
        alamat=mask_address(d["alamat"]), rt=d["rt"], rw=d["rw"],
        kelurahan_code=d["kelurahan_code"], tps_code=d["tps_code"] or "", ktp_el=d["ktp_el"],
    )  # fmt: skip


def _no_ktp_rows(election, code: str, limit: int | None = None):
    qs = (
        Voter.objects.filter(list_q(election), NO_KTP_EL_Q, kelurahan_code__startswith=code)
        .order_by("kelurahan_code", "nama", "pk")
        .values_list(*_FIELDS)
    )
    return qs[:limit] if limit else qs


def ktp_el_voters(
    *, user, election, kelurahan_code: str, limit: int = LIST_LIMIT
) -> tuple[list[KtpVoter], int, bool]:
    """The voters of one kelurahan without a KTP-el (false or unknown), by name: (rows, how
    many in all, unmasked?). Dukcapil's unmasked view is logged."""
    code = normalize_region_code(kelurahan_code)
    if level_of(code) != "kelurahan":
        raise ValueError(f"{code}: not a kelurahan code")
    _require_view(user, code)
    unmasked = sees_unmasked(user, code)
    rows = [_voter(r, unmasked) for r in _no_ktp_rows(election, code, limit)]
    total = (
        len(rows)
        if len(rows) < limit
        else Voter.objects.filter(list_q(election), NO_KTP_EL_Q, kelurahan_code=code).count()
    )
    if unmasked and rows:
        log_unmasked_access(
            actor=user,
            what="voters.ktp_el_list",
            object_type="voters.Voter",
            object_ids=[r.id for r in rows],
            reason="KTP-el issuance",
        )
    return rows, total, unmasked


@dataclass
class ExportResult:
    region_code: str
    rows: int
    unmasked: bool

    def as_dict(self) -> dict:
        return {"region": self.region_code, "rows": self.rows, "unmasked": self.unmasked}


def _safe_cell(value: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_ktp_el_csv(*, user, election, region_code: str, out) -> ExportResult:
    """Write the voters without KTP-el under ``region_code`` to the text stream ``out`` as
    CSV (columns EXPORT_COLUMNS), masked unless the user issues cards. The export is
    audited before a byte is written: unmasked through ``log_unmasked_access``, masked as
    ``voters.ktp_el.export``."""
    from django.db import transaction

    code = normalize_region_code(region_code)
    _require_view(user, code)
    unmasked = sees_unmasked(user, code)
    rows = [_voter(r, unmasked) for r in _no_ktp_rows(election, code).iterator(chunk_size=5000)]
    ids = [r.id for r in rows]
    if unmasked:
        log_unmasked_access(
            actor=user,
            what="voters.ktp_el_export",
            object_type="voters.Voter",
            object_ids=ids,
            reason=f"KTP-el export {code}",
        )
    else:
        with transaction.atomic():
            record_audit(
                actor=user,
                action="voters.ktp_el.export",
                object_type="regions.Region",
                object_id=code,
                new={"rows": len(ids), "masked": True, "election": election.slug},
            )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow([_safe_cell(v) for v in r.as_row()])
    return ExportResult(region_code=code, rows=len(rows), unmasked=unmasked)
