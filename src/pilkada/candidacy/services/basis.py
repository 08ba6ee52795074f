"""Writes of the numbers candidacy rests on: the basis (last DPT, the DPT of the party
threshold band, the valid votes of the last DPRD election) and the party votes of that DPRD
election.

* :func:`set_basis` -- KPU sets or corrects :class:`~pilkada.candidacy.models.CandidacyBasis`;
* :func:`import_party_votes` -- KPU loads the last DPRD election's votes per party from a CSV
  ``kode,nama,suara_sah,kursi``: every error is reported with its line and column, and the
  import is all-or-nothing (a file with one bad line changes nothing). The file is the whole
  list: parties missing from it are removed, unless a pair names them.

Both need ``candidacy.pair_manage`` in the election's region and write their audit entry in
the same transaction. Both are refused once a pair has been set (penetapan): the decisions
rest on these numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.voters.services.common import actor_name

from ..models import CandidacyBasis, Pair, PairParty, PartyVote

__all__ = [
    "UNSET",
    "BasisRefused",
    "PartyImportError",
    "PartyImportRejected",
    "PartyImportResult",
    "import_party_votes",
    "set_basis",
]

MANAGE_ACTION = "candidacy.pair_manage"
COLUMNS = ("kode", "nama", "suara_sah", "kursi")
REQUIRED_COLUMNS = ("kode", "nama", "suara_sah")
#: Errors listed at most (the count is always complete).
MAX_ERRORS_LISTED = 200
MAX_FILE_BYTES = 1_000_000


class _Unset:
    def __repr__(self):
        return "UNSET"


#: "leave this field as it is" for :func:`set_basis` (None clears an optional field).
UNSET = _Unset()


class BasisRefused(Exception):
    """The basis or the party votes were not changed, for the reason given."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def _require(actor, election) -> None:
    """A User needs ``candidacy.pair_manage`` in the election's region; the system (None)
    and named components (the CLI without --as) act as operators."""
    if actor is None or isinstance(actor, str):
        return
    permissions.require(actor, MANAGE_ACTION, election.region_code)


def _require_unlocked(election) -> None:
    first = Pair.objects.filter(election=election, status=Pair.Status.SET).first()
    if first is not None:
        raise BasisRefused(
            "locked",
            _(
                "Pasangan calon sudah ditetapkan (%(day)s): angka dasar dan perolehan suara "
                "partai tidak dapat diubah lagi."
            )
            % {"day": first.set_on.isoformat() if first.set_on else "-"},
        )


def _basis_dict(basis: CandidacyBasis | None) -> dict | None:
    if basis is None:
        return None
    return {
        "previous_dpt_total": basis.previous_dpt_total,
        "previous_dpt_source": basis.previous_dpt_source,
        "dpt_total": basis.dpt_total,
        "dprd_valid_votes": basis.dprd_valid_votes,
    }


def _positive(name: str, value, *, optional: bool) -> int | None:
    if value is None:
        if optional:
            return None
        raise BasisRefused("bad_input", _("%(field)s wajib diisi.") % {"field": name})
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BasisRefused(
            "bad_input",
            _("%(field)s harus bilangan bulat lebih dari 0, bukan %(value)r.")
            % {"field": name, "value": value},
        )
    return value


def set_basis(
    *,
    election,
    actor,
    previous_dpt_total=UNSET,
    previous_dpt_source=UNSET,
    dpt_total=UNSET,
    dprd_valid_votes=UNSET,
) -> CandidacyBasis:
    """Set the basis numbers of ``election``; a field left ``UNSET`` keeps its value.

    ``previous_dpt_total`` (required when the basis is new) is the DPT of the last election,
    the base of the independent minimum support; ``dpt_total`` the DPT the party threshold
    band is read from (None: read it from ``previous_dpt_total``); ``dprd_valid_votes`` the
    valid votes of the last DPRD election. Audited ``candidacy.basis.set`` with old and new
    values; a change that changes nothing writes nothing."""
    _require(actor, election)
    with transaction.atomic():
        _require_unlocked(election)
        basis = CandidacyBasis.objects.select_for_update().filter(election=election).first()
        old = _basis_dict(basis)
        if basis is None:
            if previous_dpt_total is UNSET:
                raise BasisRefused(
                    "bad_input", _("DPT pemilihan terakhir wajib diisi untuk angka dasar baru.")
                )
            basis = CandidacyBasis(election=election)
        if previous_dpt_total is not UNSET:
            basis.previous_dpt_total = _positive(
                _("DPT pemilihan terakhir"), previous_dpt_total, optional=False
            )
        if previous_dpt_source is not UNSET:
            basis.previous_dpt_source = str(previous_dpt_source or "").strip()[:200]
        if dpt_total is not UNSET:
            basis.dpt_total = _positive(
                _("DPT untuk ambang batas partai"), dpt_total, optional=True
            )
        if dprd_valid_votes is not UNSET:
            basis.dprd_valid_votes = _positive(
                _("Suara sah pemilu DPRD terakhir"), dprd_valid_votes, optional=True
            )
        new = _basis_dict(basis)
        if new == old:
            return basis
        basis.set_by = actor_name(actor)
        basis.save()
        record_audit(
            actor=actor,
            action="candidacy.basis.set",
            object_type="candidacy.CandidacyBasis",
            object_id=election.slug,
            old=old,
            new=new,
        )
    return basis


# ============================================================================================
# Party votes of the last DPRD election
# ============================================================================================


@dataclass(frozen=True)
class PartyImportError:
    line: int  # physical line of the file (1 = the header); 0: the file as a whole
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        where = _("baris %(line)d") % {"line": self.line} if self.line else _("berkas")
        return f"{where}, {self.column or '-'}: {self.reason}"


class PartyImportRejected(Exception):
    """The file was not imported; nothing changed. ``errors``: the first
    :data:`MAX_ERRORS_LISTED` errors; ``error_count``: all of them."""

    def __init__(self, errors: list[PartyImportError], error_count: int | None = None):
        self.errors = errors[:MAX_ERRORS_LISTED]
        self.error_count = error_count if error_count is not None else len(errors)
        super().__init__(
            _("%(n)d kesalahan; tidak ada yang diimpor. Pertama: %(first)s")
            % {"n": self.error_count, "first": errors[0] if errors else "-"}
        )


@dataclass
class PartyImportResult:
    file_name: str
    sha256: str
    parties: int
    created: int
    updated: int
    removed: int
    unchanged: int
    total_valid_votes: int
    total_seats: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "parties": self.parties,
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "total_valid_votes": self.total_valid_votes,
            "total_seats": self.total_seats,
            "notes": self.notes,
        }


_PLAIN_INT = re.compile(r"^[0-9]+$")
# Thousands grouped with dots (Indonesian) or commas (English): 1.234.567 / 1,234,567.
_GROUPED_INT = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{3})+$|^[0-9]{1,3}(?:,[0-9]{3})+$")


def _parse_count(text: str) -> int | None:
    """A non-negative whole number, plain or grouped by thousands; None when not one."""
    value = text.replace(" ", "").replace("\u00a0", "")
    if _PLAIN_INT.match(value):
        return int(value)
    if _GROUPED_INT.match(value):
        return int(value.replace(".", "").replace(",", ""))
    return None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    votes: int
    seats: int | None


def parse_party_file(data: bytes) -> list[_Row]:
    """The rows of a party-votes CSV, or raise :class:`PartyImportRejected` with every error
    (line, column, reason). UTF-8 (with or without BOM) or Windows-1252; comma, semicolon
    or tab; blank lines skipped; a header ``kode,nama,suara_sah[,kursi]`` in any order."""
    if len(data) > MAX_FILE_BYTES:
        raise PartyImportRejected(
            [PartyImportError(0, "", _("Berkas terlalu besar untuk daftar partai."))]
        )
    text = _decode(data)
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first_line:
        raise PartyImportRejected([PartyImportError(0, "", _("Berkas kosong."))])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    header: list[str] | None = None
    errors: list[PartyImportError] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [c.strip().lower() for c in record]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            for c in missing:
                errors.append(PartyImportError(line, c, _("Kolom wajib tidak ada.")))
            for c in unknown:
                errors.append(
                    PartyImportError(
                        line,
                        c,
                        _("Kolom tidak dikenal; kolom yang diterima: %(cols)s.")
                        % {"cols": ",".join(COLUMNS)},
                    )
                )
            if len(set(header)) != len(header):
                errors.append(PartyImportError(line, "", _("Nama kolom berulang.")))
            if errors:
                raise PartyImportRejected(errors)
            continue
        if len(record) != len(header):
            errors.append(
                PartyImportError(
                    line,
                    "",
                    _("Jumlah kolom %(got)d, seharusnya %(want)d.")
                    % {"got": len(record), "want": len(header)},
                )
            )
            continue
        cells = {name: value.strip() for name, value in zip(header, record, strict=True)}
        row_errors = len(errors)
        code = cells["kode"]
        if not code:
            errors.append(PartyImportError(line, "kode", _("Kode partai kosong.")))
        elif len(code) > 20:
            errors.append(PartyImportError(line, "kode", _("Kode partai lebih dari 20 karakter.")))
        elif code.upper() in seen:
            errors.append(
                PartyImportError(
                    line,
                    "kode",
                    _("Kode %(code)s sudah ada di baris %(first)d.")
                    % {"code": code, "first": seen[code.upper()]},
                )
            )
        else:
            seen[code.upper()] = line
        name = cells["nama"]
        if not name:
            errors.append(PartyImportError(line, "nama", _("Nama partai kosong.")))
        elif len(name) > 200:
            errors.append(PartyImportError(line, "nama", _("Nama partai lebih dari 200 karakter.")))
        votes = _parse_count(cells["suara_sah"])
        if votes is None:
            errors.append(
                PartyImportError(
                    line,
                    "suara_sah",
                    _("%(value)r bukan bilangan bulat tidak negatif.")
                    % {"value": cells["suara_sah"]},
                )
            )
        seats = None
        if cells.get("kursi"):
            seats = _parse_count(cells["kursi"])
            if seats is None or seats > 32767:
                errors.append(
                    PartyImportError(
                        line,
                        "kursi",
                        _("%(value)r bukan jumlah kursi yang sah.") % {"value": cells["kursi"]},
                    )
                )
        if len(errors) == row_errors:
            rows.append(_Row(line, code.upper(), name, votes, seats))
    if header is None:
        raise PartyImportRejected([PartyImportError(0, "", _("Berkas kosong."))])
    if not rows and not errors:
        errors.append(PartyImportError(0, "", _("Berkas tidak berisi satu partai pun.")))
    if errors:
        raise PartyImportRejected(errors)
    return rows


def import_party_votes(
    *,
    election,
    actor,
    data: bytes | None = None,
    path: str | Path | None = None,
    file_name: str = "",
) -> PartyImportResult:
    """Load the last DPRD election's votes per party (the whole list) from CSV bytes or a
    file. All-or-nothing: any error raises :class:`PartyImportRejected` and changes nothing.
    A party that nominates a pair cannot be removed (its line must stay in the file).
    Audited ``candidacy.party_votes.import`` with the file's SHA-256 and every party's old
    and new figures."""
    _require(actor, election)
    if data is None:
        if path is None:
            raise ValueError("give data or path")
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PartyImportRejected(
                [PartyImportError(0, "", _("Berkas tidak dapat dibaca: %(e)s") % {"e": exc})]
            ) from None
        file_name = file_name or path.name
    sha256 = hashlib.sha256(data).hexdigest()
    rows = parse_party_file(data)
    with transaction.atomic():
        _require_unlocked(election)
        existing = {
            p.code: p for p in PartyVote.objects.select_for_update().filter(election=election)
        }
        new_codes = {r.code for r in rows}
        removed = [p for code, p in existing.items() if code not in new_codes]
        taken = {
            pp.party.code: pp.pair.name
            for pp in PairParty.objects.filter(party__in=removed).select_related("party", "pair")
        }
        if taken:
            raise PartyImportRejected(
                [
                    PartyImportError(
                        0,
                        "kode",
                        _(
                            "Partai %(code)s mencalonkan pasangan %(pair)s dan tidak boleh "
                            "hilang dari daftar."
                        )
                        % {"code": code, "pair": pair},
                    )
                    for code, pair in sorted(taken.items())
                ]
            )
        created = updated = unchanged = 0
        old_figures, new_figures = {}, {}
        for r in rows:
            party = existing.get(r.code)
            figures = [r.name, r.votes, r.seats]
            if party is None:
                PartyVote.objects.create(
                    election=election,
                    code=r.code,
                    name=r.name,
                    valid_votes=r.votes,
                    seats=r.seats,
                )
                created += 1
                new_figures[r.code] = figures
                continue
            before = [party.name, party.valid_votes, party.seats]
            if before == figures:
                unchanged += 1
                continue
            party.name, party.valid_votes, party.seats = r.name, r.votes, r.seats
            party.save(update_fields=["name", "valid_votes", "seats"])
            updated += 1
            old_figures[r.code], new_figures[r.code] = before, figures
        for party in removed:
            old_figures[party.code] = [party.name, party.valid_votes, party.seats]
        PartyVote.objects.filter(pk__in=[p.pk for p in removed]).delete()
        total_votes = sum(r.votes for r in rows)
        total_seats = sum(r.seats or 0 for r in rows)
        notes = []
        basis = CandidacyBasis.objects.filter(election=election).first()
        if basis and basis.dprd_valid_votes and basis.dprd_valid_votes != total_votes:
            notes.append(
                _(
                    "Jumlah suara sah partai (%(sum)s) berbeda dari suara sah pemilu DPRD "
                    "yang ditetapkan (%(set)s); ambang batas dihitung dari angka yang "
                    "ditetapkan."
                )
                % {"sum": f"{total_votes:,}", "set": f"{basis.dprd_valid_votes:,}"}
            )
        result = PartyImportResult(
            file_name=file_name,
            sha256=sha256,
            parties=len(rows),
            created=created,
            updated=updated,
            removed=len(removed),
            unchanged=unchanged,
            total_valid_votes=total_votes,
            total_seats=total_seats,
            notes=notes,
        )
        record_audit(
            actor=actor,
            action="candidacy.party_votes.import",
            object_type="candidacy.PartyVote",
            object_id=election.slug,
            old=old_figures or None,
            new={**result.as_dict(), "changed": new_figures},
        )
    return result
