"""coklit: the Pantarlih's marks on the voters of their TPS area (issue 3 part 5).

Every mark is one call here, with its :class:`~pilkada.voters.models.CoklitRecord` (old and
new values) and its audit entry in the same transaction, after two checks:

* the stage gate: ``voters.coklit`` must be open (24 Jun - 24 Jul 2024, PKPU 2/2024);
* the permission ``voters.coklit`` on the voter's TPS: a Pantarlih on their own TPS, a PPS
  on any TPS of its kelurahan.

The marks: :func:`mark_ms`, :func:`mark_tms` (code 1..8 and the evidence note),
:func:`change_data` (corrected name, NIK, birth date, ... -- the Voter row takes the new
values), :func:`move_voter` (salah penempatan TPS: the voter belongs to another TPS) and
:func:`add_new_voter` (a person found in a family already on the list). Re-marking is
allowed: the Voter row keeps the latest outcome, the records keep every mark.

Bad input raises :class:`CoklitRefused` (a ``ValidationError`` with a code and an Indonesian
message) and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.engine.dp4_import import Reason
from pilkada.engine.eligibility import TmsCode, cukup_umur
from pilkada.engine.nik import NikError, nik_date_agrees, validate_nik, validate_nkk
from pilkada.regions.codes import InvalidRegionCode, normalize_tps_code
from pilkada.regions.models import Tps
from pilkada.schedule.gate import require_open
from pilkada.schedule.models import Election

from ..models import CoklitRecord, RegionVoterCount, Voter

__all__ = [
    "ACTION",
    "CHANGE_FIELDS",
    "FLAG_HINTS",
    "TMS_EVIDENCE",
    "CoklitRefused",
    "add_new_voter",
    "change_data",
    "correct",
    "flag_hint",
    "mark_ms",
    "mark_tms",
    "move_voter",
    "tms_evidence",
]

#: The stage action and the permission action.
ACTION = "voters.coklit"
COKLIT_SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)
NOTE_MIN_LENGTH = 3
NOTE_MAX_LENGTH = 1000

#: The evidence each TMS code needs (PKPU 7/2024 and the KPU coklit guide): the one place
#: the hints live; pages show them beside the choice and the note must name the evidence.
TMS_EVIDENCE: dict[int, Any] = {
    TmsCode.MENINGGAL: gettext_lazy(
        "Surat kematian, atau surat keterangan kematian dari RT/RW, kelurahan atau keluarga"
    ),
    TmsCode.GANDA: gettext_lazy("Data pemilih lain dari orang yang sama (NIK dan TPS-nya)"),
    TmsCode.DI_BAWAH_UMUR: gettext_lazy(
        "KTP-el/KK: belum 17 tahun pada hari pemungutan suara dan belum pernah kawin"
    ),
    TmsCode.PINDAH_DOMISILI: gettext_lazy(
        "Surat keterangan pindah, atau keterangan keluarga/RT tentang alamat baru"
    ),
    TmsCode.TIDAK_DIKENAL: gettext_lazy(
        "Keterangan RT/RW atau tetangga bahwa orang itu tidak dikenal di alamat tersebut"
    ),
    TmsCode.TNI: gettext_lazy("Kartu tanda anggota atau surat keterangan dinas aktif TNI"),
    TmsCode.POLRI: gettext_lazy("Kartu tanda anggota atau surat keterangan dinas aktif Polri"),
    TmsCode.SALAH_PENEMPATAN_TPS: gettext_lazy(
        "TPS yang benar bagi pemilih (kode TPS, atau alamat di kelurahan lain)"
    ),
}

#: What each data-quality flag of the import means to the Pantarlih, and what to do.
FLAG_HINTS: dict[str, Any] = {
    "nik": gettext_lazy("NIK tidak valid: cocokkan dengan KTP-el atau KK lalu perbaiki NIK."),
    "nkk": gettext_lazy("Nomor KK tidak valid: cocokkan dengan Kartu Keluarga lalu perbaiki."),
    Reason.NIK_BIRTH_MISMATCH.value: gettext_lazy(
        "Tanggal lahir berbeda dengan tanggal lahir di NIK: periksa KTP-el, perbaiki yang salah."
    ),
    Reason.NIK_SEX_MISMATCH.value: gettext_lazy(
        "Jenis kelamin berbeda dengan NIK: periksa KTP-el, perbaiki yang salah."
    ),
    Reason.NAMA_EMPTY.value: gettext_lazy("Nama kosong: isi nama sesuai KTP-el."),
    "tanggal_lahir": gettext_lazy("Tanggal lahir kosong atau tidak valid: isi dari KTP-el."),
    Reason.JENIS_KELAMIN_INVALID.value: gettext_lazy("Jenis kelamin tidak terbaca: isi L atau P."),
    Reason.STATUS_KAWIN_INVALID.value: gettext_lazy("Status kawin tidak terbaca: isi B, S atau P."),
    "kelurahan": gettext_lazy("Kode kelurahan tidak valid: pemilih mungkin salah TPS."),
    Reason.RT_INVALID.value: gettext_lazy("RT tidak valid: isi nomor RT."),
    Reason.RW_INVALID.value: gettext_lazy("RW tidak valid: isi nomor RW."),
    Reason.DISABILITAS_INVALID.value: gettext_lazy("Jenis disabilitas tidak terbaca: isi 0-6."),
    Reason.KTP_EL_INVALID.value: gettext_lazy("Status KTP-el tidak terbaca: isi sudah/belum."),
    Reason.VALUE_TOO_LONG.value: gettext_lazy(
        "Ada isian yang terpotong karena terlalu panjang: periksa nama dan alamat."
    ),
}

#: Fields a Pantarlih may correct (the Voter columns; the kelurahan/TPS is a move).
CHANGE_FIELDS = (
    "nama", "nik", "nkk", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
    "alamat", "rt", "rw", "disabilitas", "ktp_el",
)  # fmt: skip
#: DP4 column names of the import's flags for each Voter field.
_FLAG_COLUMN = {"kelurahan_code": "kode_kelurahan"}
_RT_RW = re.compile(r"^[0-9]{1,3}$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class CoklitRefused(ValidationError):
    """A mark refused for its input; nothing was written. ``code`` is stable (for tests and
    the API), the message is for the officer."""


def tms_evidence(code: int) -> str:
    return str(TMS_EVIDENCE[TmsCode(code)])


def flag_hint(code: str) -> str:
    """The Pantarlih's explanation of an import flag (English message if none is written)."""
    if code in FLAG_HINTS:
        return str(FLAG_HINTS[code])
    for prefix, key in (("nik_", "nik"), ("nkk_", "nkk"), ("tanggal_lahir", "tanggal_lahir"),
                        ("kelurahan", "kelurahan")):  # fmt: skip
        if code.startswith(prefix):
            return str(FLAG_HINTS[key])
    try:
        return Reason(code).message
    except ValueError:
        return code


# ============================================================================================
# Checks shared by every mark
# ============================================================================================


def _actor_fields(actor) -> dict:
    if actor is None or isinstance(actor, str):
        return {"actor": actor or "system", "actor_user_id": None, "actor_role": ""}
    return {
        "actor": actor.get_username(),
        "actor_user_id": actor.pk,
        "actor_role": getattr(actor, "role", "") or "",
    }


def _require(actor, code: str) -> None:
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, ACTION, code)


def _locked_voter(voter, *, actor) -> Voter:
    """The voter row, locked for the mark, after the scope check on its TPS."""
    pk = voter.pk if isinstance(voter, Voter) else voter
    try:
        row = Voter.objects.select_for_update().select_related("election").get(pk=pk)
    except (Voter.DoesNotExist, ValueError, TypeError):
        raise CoklitRefused(_("Pemilih tidak ditemukan."), code="unknown_voter") from None
    if row.source not in COKLIT_SOURCES:
        raise CoklitRefused(
            _("Baris DPT lama hanya rujukan dan tidak dicoklit."), code="not_a_voter"
        )
    if not row.tps_code:
        # Nobody's TPS area yet: only an operator could act, and coklit works by TPS.
        if actor is not None and not isinstance(actor, str):
            permissions.require(actor, ACTION, row.kelurahan_code or "-")
        raise CoklitRefused(
            _("Pemilih belum mendapat TPS: jalankan pembentukan TPS dahulu."), code="no_tps"
        )
    _require(actor, row.tps_code)
    require_open(election=row.election, action=ACTION)
    return row


def _note(note: str | None, *, required: bool) -> str:
    text = " ".join((note or "").split())
    if required and len(text) < NOTE_MIN_LENGTH:
        raise CoklitRefused(
            _("Catatan bukti wajib diisi (paling sedikit %(n)d huruf).") % {"n": NOTE_MIN_LENGTH},
            code="note_required",
        )
    if len(text) > NOTE_MAX_LENGTH:
        raise CoklitRefused(
            _("Catatan terlalu panjang (paling banyak %(n)d huruf).") % {"n": NOTE_MAX_LENGTH},
            code="note_too_long",
        )
    return text


def _value(v):
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _record(*, voter: Voter, actor, kind: str, tps_code: str, kelurahan_code: str,
            old: dict, new: dict, tms_code=None, note: str = "") -> CoklitRecord:  # fmt: skip
    old = {k: _value(v) for k, v in old.items()}
    new = {k: _value(v) for k, v in new.items()}
    record = CoklitRecord.objects.create(
        election_id=voter.election_id,
        voter=voter,
        kind=kind,
        tps_code=tps_code or "",
        kelurahan_code=kelurahan_code or "",
        tms_code=tms_code,
        note=note,
        old=old,
        new=new,
        **_actor_fields(actor),
    )
    record_audit(
        actor=actor,
        action=f"voters.coklit.{kind}",
        object_type="voters.Voter",
        object_id=voter.pk,
        old=old or None,
        new={**new, "tps_code": tps_code, "record": record.pk, **({"note": note} if note else {})},
    )
    return record


def _status_fields(voter: Voter) -> dict:
    return {"status": voter.status, "tms_code": voter.tms_code, "tms_note": voter.tms_note}


def _old_enough(voter: Voter) -> bool:
    return cukup_umur(
        tanggal_lahir=voter.tanggal_lahir,
        status_kawin=voter.status_kawin,
        voting_day=voter.election.voting_day,
    )


# ============================================================================================
# MS / TMS
# ============================================================================================


def mark_ms(*, voter, actor) -> Voter:
    """Memenuhi syarat: the Pantarlih met the voter (or the family) and the data hold.

    Refused when the register's data say the voter is not old enough on voting day
    (UU 10/2016 Pasal 56: 17 years or ever married): correct the birth date or marital
    status first, or mark TMS 3.
    """
    with transaction.atomic():
        row = _locked_voter(voter, actor=actor)
        if not _old_enough(row):
            raise CoklitRefused(
                _(
                    "Menurut data, pemilih belum 17 tahun pada hari pemungutan suara dan belum "
                    "pernah kawin: perbaiki tanggal lahir/status kawin, atau tandai TMS 3."
                ),
                code="under_age",
            )
        old = _status_fields(row)
        row.status, row.tms_code, row.tms_note = Voter.Status.MS, None, ""
        row.save(update_fields=["status", "tms_code", "tms_note"])
        _record(
            voter=row, actor=actor, kind=CoklitRecord.Kind.MS, tps_code=row.tps_code,
            kelurahan_code=row.kelurahan_code, old=old, new=_status_fields(row),
        )  # fmt: skip
    return row


def _tms_code(code) -> TmsCode:
    try:
        return TmsCode(int(str(code).strip()))
    except (TypeError, ValueError):
        raise CoklitRefused(
            _("Kode TMS %(code)s tidak dikenal: pilih 1 sampai 8.") % {"code": code or "-"},
            code="unknown_tms_code",
        ) from None


def mark_tms(*, voter, actor, tms_code, note: str) -> Voter:
    """Tidak memenuhi syarat with its code (1 meninggal .. 8 salah penempatan TPS) and the
    evidence note (:data:`TMS_EVIDENCE` says what each code needs). TMS 3 (di bawah umur)
    is refused while the register's data say the voter is old enough: correct the birth
    date or marital status in the same visit first."""
    code = _tms_code(tms_code)
    text = _note(note, required=True)
    with transaction.atomic():
        row = _locked_voter(voter, actor=actor)
        if code is TmsCode.DI_BAWAH_UMUR and _old_enough(row):
            raise CoklitRefused(
                _(
                    "Menurut data, pemilih sudah cukup umur (17 tahun atau pernah kawin) pada "
                    "hari pemungutan suara: perbaiki tanggal lahir/status kawin dahulu."
                ),
                code="not_under_age",
            )
        old = _status_fields(row)
        row.status, row.tms_code, row.tms_note = Voter.Status.TMS, int(code), text
        row.save(update_fields=["status", "tms_code", "tms_note"])
        _record(
            voter=row, actor=actor, kind=CoklitRecord.Kind.TMS, tps_code=row.tps_code,
            kelurahan_code=row.kelurahan_code, old=old, new=_status_fields(row),
            tms_code=int(code), note=text,
        )  # fmt: skip
    return row


# ============================================================================================
# Changed data
# ============================================================================================


def _nik_message(errors: list[NikError], what: str) -> str:
    return _("%(what)s tidak valid: %(reason)s") % {
        "what": what,
        "reason": "; ".join(e.message for e in errors),
    }


def clean_nik(raw, *, reference: dt.date) -> str:
    parsed, errors = validate_nik(raw, reference_date=reference)
    if parsed is None:
        raise CoklitRefused(_nik_message(errors, "NIK"), code="invalid_nik")
    return parsed.nik


def clean_nkk(raw) -> str:
    parsed, errors = validate_nkk(raw)
    if parsed is None:
        raise CoklitRefused(_nik_message(errors, "NKK"), code="invalid_nkk")
    return parsed.nkk


def _clean_date(raw, *, today: dt.date) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise CoklitRefused(
                _("Tanggal lahir %(v)s bukan tanggal (TTTT-BB-HH).") % {"v": raw},
                code="invalid_date",
            ) from None
    if value > today or value < EARLIEST_BIRTH:
        raise CoklitRefused(
            _("Tanggal lahir %(v)s tidak mungkin.") % {"v": value.isoformat()},
            code="invalid_date",
        )
    return value


def _clean_field(name: str, raw, *, today: dt.date):
    """The value of field ``name`` as the Voter row stores it, or CoklitRefused."""
    if name == "nama":
        text = " ".join(str(raw or "").split()).upper()
        if not text:
            raise CoklitRefused(_("Nama wajib diisi."), code="invalid_nama")
        if len(text) > 200:
            raise CoklitRefused(_("Nama terlalu panjang."), code="invalid_nama")
        return text
    if name == "nik":
        return clean_nik(raw, reference=today)
    if name == "nkk":
        return clean_nkk(raw)
    if name == "tanggal_lahir":
        value = _clean_date(raw, today=today)
        if value is None:
            raise CoklitRefused(_("Tanggal lahir wajib diisi."), code="invalid_date")
        return value
    if name == "jenis_kelamin":
        text = str(raw or "").strip().upper()
        if text not in Voter.Sex.values:
            raise CoklitRefused(_("Jenis kelamin harus L atau P."), code="invalid_sex")
        return text
    if name == "status_kawin":
        text = str(raw or "").strip().upper()
        if text not in Voter.StatusKawin.values:
            raise CoklitRefused(_("Status kawin harus B, S atau P."), code="invalid_marital")
        return text
    if name in {"alamat", "tempat_lahir"}:
        text = " ".join(str(raw or "").split()).upper()
        if len(text) > (255 if name == "alamat" else 100):
            raise CoklitRefused(_("Isian terlalu panjang."), code="too_long")
        return text
    if name in {"rt", "rw"}:
        text = str(raw or "").strip()
        if not _RT_RW.match(text) or int(text) == 0:
            raise CoklitRefused(
                _("%(f)s harus nomor 1 sampai 999.") % {"f": name.upper()}, code="invalid_rt_rw"
            )
        return f"{int(text):03d}"
    if name == "disabilitas":
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = -1
        if not 0 <= value <= 6:
            raise CoklitRefused(_("Jenis disabilitas harus 0 sampai 6."), code="invalid_disab")
        return value
    if name == "ktp_el":
        if isinstance(raw, bool):
            return raw
        text = str(raw or "").strip().lower()
        if text in {"1", "true", "ya", "sudah", "y"}:
            return True
        if text in {"0", "false", "tidak", "belum", "n"}:
            return False
        raise CoklitRefused(_("Status KTP-el harus sudah atau belum."), code="invalid_ktp_el")
    raise CoklitRefused(
        _("Isian %(f)s tidak dapat diubah di coklit.") % {"f": name}, code="unknown_field"
    )


def _flag_columns(code: str) -> set[str]:
    try:
        return set(Reason(code).column.split(","))
    except ValueError:
        return set()


def _recompute_flags(row: Voter, changed: set[str], *, today: dt.date) -> str:
    """The row's flags after a correction: flags about a corrected field go (the new value
    was validated); the NIK/birth date/sex cross-checks are made again on the new values."""
    columns = {_FLAG_COLUMN.get(f, f) for f in changed}
    flags = [f for f in row.flags if not (_flag_columns(f) & columns)]
    if columns & {"nik", "tanggal_lahir", "jenis_kelamin"}:
        cross = {Reason.NIK_BIRTH_MISMATCH.value, Reason.NIK_SEX_MISMATCH.value}
        flags = [f for f in flags if f not in cross]
        parsed, _errors = validate_nik(row.nik, reference_date=today)
        if parsed is not None:
            if row.tanggal_lahir and not nik_date_agrees(parsed, row.tanggal_lahir):
                flags.append(Reason.NIK_BIRTH_MISMATCH.value)
            if row.jenis_kelamin and parsed.sex != row.jenis_kelamin:
                flags.append(Reason.NIK_SEX_MISMATCH.value)
    return ",".join(dict.fromkeys(flags))


def _nik_taken(*, election_id: int, nik: str, exclude_pk: int | None = None) -> Voter | None:
    qs = Voter.objects.filter(election_id=election_id, nik=nik, source__in=COKLIT_SOURCES)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.only("pk", "tps_code", "kelurahan_code").first()


def _duplicate(other: Voter) -> CoklitRefused:
    where = other.tps_code or other.kelurahan_code
    return CoklitRefused(
        _("NIK ini sudah ada di daftar pemilih (TPS %(where)s): tandai yang ganda, jangan "
          "ditambah.") % {"where": where},
        code="duplicate_nik",
    )  # fmt: skip


def change_data(*, voter, actor, changes: dict[str, Any], note: str = "") -> Voter:
    """Correct the voter's data (fields of :data:`CHANGE_FIELDS`): the Voter row takes the new
    values and the record keeps old and new. Only fields whose value really changes are
    recorded; a change that changes nothing is refused. A new NIK must be valid and not
    already in the register. Flags about the corrected fields are cleared (the NIK/birth
    date/sex agreement is checked again). A voter marked MS whose new data make them under
    age goes back to pending."""
    if not changes:
        raise CoklitRefused(_("Tidak ada data yang diubah."), code="no_change")
    today = clock.today()
    cleaned = {}
    for name, raw in changes.items():
        if name not in CHANGE_FIELDS:
            raise CoklitRefused(
                _("Isian %(f)s tidak dapat diubah di coklit.") % {"f": name}, code="unknown_field"
            )
        cleaned[name] = _clean_field(name, raw, today=today)
    text = _note(note, required=False)
    with transaction.atomic():
        row = _locked_voter(voter, actor=actor)
        diff = {k: v for k, v in cleaned.items() if getattr(row, k) != v}
        if not diff:
            raise CoklitRefused(_("Tidak ada data yang diubah."), code="no_change")
        if "nik" in diff:
            other = _nik_taken(election_id=row.election_id, nik=diff["nik"], exclude_pk=row.pk)
            if other is not None:
                raise _duplicate(other)
        old = {k: getattr(row, k) for k in diff}
        old["quality_flags"] = row.quality_flags
        for k, v in diff.items():
            setattr(row, k, v)
        row.quality_flags = _recompute_flags(row, set(diff), today=today)
        new = dict(diff, quality_flags=row.quality_flags)
        fields = [*diff, "quality_flags"]
        if row.status == Voter.Status.MS and not _old_enough(row):
            old["status"], new["status"] = row.status, Voter.Status.PENDING
            row.status = Voter.Status.PENDING
            fields.append("status")
        row.save(update_fields=fields)
        if "jenis_kelamin" in diff:
            _count_sex_change(row, old["jenis_kelamin"], row.jenis_kelamin)
        _record(
            voter=row, actor=actor, kind=CoklitRecord.Kind.CHANGE, tps_code=row.tps_code,
            kelurahan_code=row.kelurahan_code, old=old, new=new, note=text,
        )  # fmt: skip
    return row


def move_voter(*, voter, actor, tps_code: str, note: str = "") -> Voter:
    """Salah penempatan TPS: the voter lives in the area of another TPS of the election (in
    this or another kelurahan). The Voter row moves there (kelurahan and TPS), so that TPS's
    Pantarlih sees them; the record at the old TPS keeps where they were."""
    try:
        target = normalize_tps_code(tps_code)
    except InvalidRegionCode:
        raise CoklitRefused(
            _("Kode TPS tujuan %(c)s tidak valid (13 angka).") % {"c": tps_code or "-"},
            code="invalid_tps",
        ) from None
    text = _note(note, required=False)
    with transaction.atomic():
        row = _locked_voter(voter, actor=actor)
        if not target.startswith(row.election.region_code) or not Tps.objects.filter(
            code=target
        ).exists():
            raise CoklitRefused(
                _("TPS %(c)s tidak ada di wilayah pemilihan ini.") % {"c": target},
                code="unknown_tps",
            )
        if target == row.tps_code:
            raise CoklitRefused(_("Pemilih sudah terdaftar di TPS itu."), code="no_change")
        old = {"kelurahan_code": row.kelurahan_code, "tps_code": row.tps_code}
        old_tps, old_kel = row.tps_code, row.kelurahan_code
        row.kelurahan_code, row.tps_code = target[:10], target
        columns = {"kelurahan_code"} if old_kel != row.kelurahan_code else set()
        row.quality_flags = _recompute_flags(row, columns, today=clock.today())
        row.save(update_fields=["kelurahan_code", "tps_code", "quality_flags"])
        if old_kel != row.kelurahan_code:
            _count_move(row, old_kel)
        _record(
            voter=row, actor=actor, kind=CoklitRecord.Kind.MOVE, tps_code=old_tps,
            kelurahan_code=old_kel, old=old,
            new={"kelurahan_code": row.kelurahan_code, "tps_code": row.tps_code},
            tms_code=int(TmsCode.SALAH_PENEMPATAN_TPS), note=text,
        )  # fmt: skip
    return row


def correct(*, voter, actor, changes: dict[str, Any], tps_code: str | None = None,
            note: str = "") -> Voter:  # fmt: skip
    """The correction form of the page: :func:`change_data` and/or :func:`move_voter` in one
    transaction (both or neither)."""
    if not changes and not tps_code:
        raise CoklitRefused(_("Tidak ada data yang diubah."), code="no_change")
    with transaction.atomic():
        if changes:
            voter = change_data(voter=voter, actor=actor, changes=changes, note=note)
        if tps_code:
            voter = move_voter(voter=voter, actor=actor, tps_code=tps_code, note=note)
    return voter


# ============================================================================================
# New voters found in a family
# ============================================================================================


def add_new_voter(
    *,
    election: Election,
    actor,
    tps_code: str,
    nkk: str,
    nik: str,
    nama: str,
    tanggal_lahir=None,
    jenis_kelamin: str = "",
    status_kawin: str = "B",
    tempat_lahir: str = "",
    alamat: str = "",
    rt: str = "",
    rw: str = "",
    disabilitas=0,
    ktp_el=None,
    note: str = "",
) -> Voter:
    """A person found in a family (an NKK already listed at this TPS) who is not on the list.

    The NIK must be valid (engine.nik) and not already in the register; birth date and sex
    default to those in the NIK and must agree with it when given; the person must be old
    enough on the election's voting day (17, or ever married: UU 10/2016 Pasal 56). The new
    Voter (source coklit, status MS) takes the family's address and RT/RW unless given.
    """
    try:
        tps = normalize_tps_code(tps_code)
    except InvalidRegionCode:
        raise CoklitRefused(_("Kode TPS tidak valid."), code="invalid_tps") from None
    _require(actor, tps)
    require_open(election=election, action=ACTION)
    today = clock.today()
    nik_value = clean_nik(nik, reference=today)
    parsed, _errors = validate_nik(nik_value, reference_date=today)
    nkk_value = clean_nkk(nkk)
    born = _clean_date(tanggal_lahir, today=today) or parsed.birth_date
    if not nik_date_agrees(parsed, born):
        raise CoklitRefused(
            _("Tanggal lahir %(d)s tidak sesuai dengan NIK (%(n)s).")
            % {"d": born.isoformat(), "n": parsed.birth_date.isoformat()},
            code="nik_birth_mismatch",
        )
    sex = _clean_field("jenis_kelamin", jenis_kelamin, today=today) if jenis_kelamin else parsed.sex
    if sex != parsed.sex:
        raise CoklitRefused(_("Jenis kelamin tidak sesuai dengan NIK."), code="nik_sex_mismatch")
    marital = _clean_field("status_kawin", status_kawin or "B", today=today)
    if not cukup_umur(tanggal_lahir=born, status_kawin=marital, voting_day=election.voting_day):
        raise CoklitRefused(
            _(
                "Belum 17 tahun pada hari pemungutan suara (%(day)s) dan belum pernah kawin: "
                "tidak dapat didaftar."
            )
            % {"day": election.voting_day.isoformat()},
            code="under_age",
        )
    values = {
        "nama": _clean_field("nama", nama, today=today),
        "tempat_lahir": _clean_field("tempat_lahir", tempat_lahir, today=today),
        "disabilitas": _clean_field("disabilitas", disabilitas if disabilitas != "" else 0,
                                    today=today),
        "ktp_el": None if ktp_el in (None, "") else _clean_field("ktp_el", ktp_el, today=today),
    }  # fmt: skip
    text = _note(note, required=False)
    with transaction.atomic():
        require_open(election=election, action=ACTION)
        # Serialise additions of one election so that two officers cannot add one NIK twice.
        Election.objects.select_for_update().filter(pk=election.pk).first()
        family = (
            Voter.objects.filter(
                election=election,
                kelurahan_code=tps[:10],
                tps_code=tps,
                nkk=nkk_value,
                source__in=COKLIT_SOURCES,
            )
            .order_by("pk")
            .first()
        )
        if family is None:
            raise CoklitRefused(
                _("Nomor KK %(nkk)s tidak ada di daftar TPS ini: pemilih baru ditambahkan ke "
                  "keluarga yang sudah terdaftar.") % {"nkk": nkk_value},
                code="unknown_family",
            )  # fmt: skip
        other = _nik_taken(election_id=election.pk, nik=nik_value)
        if other is not None:
            raise _duplicate(other)
        row = Voter(
            election=election,
            source=Voter.Source.COKLIT,
            nkk=nkk_value,
            nik=nik_value,
            tanggal_lahir=born,
            jenis_kelamin=sex,
            status_kawin=marital,
            alamat=_clean_field("alamat", alamat, today=today) if alamat else family.alamat,
            rt=_clean_field("rt", rt, today=today) if rt else family.rt,
            rw=_clean_field("rw", rw, today=today) if rw else family.rw,
            kelurahan_code=tps[:10],
            tps_code=tps,
            status=Voter.Status.MS,
            quality_flags="",
            **values,
        )
        row.save(force_insert=True)
        _count_new(row)
        new = {
            f: getattr(row, f)
            for f in ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin",
                      "status_kawin", "alamat", "rt", "rw", "kelurahan_code", "disabilitas",
                      "ktp_el", "status")
        }  # fmt: skip
        _record(
            voter=row, actor=actor, kind=CoklitRecord.Kind.NEW, tps_code=tps,
            kelurahan_code=row.kelurahan_code, old={}, new=new, note=text,
        )  # fmt: skip
    return row


# ============================================================================================
# Voter counts per region follow the register (no full recount per mark)
# ============================================================================================


def _levels(kelurahan_code: str) -> list[str]:
    if len(kelurahan_code) != 10 or not kelurahan_code.isdigit():
        return []
    return [kelurahan_code[:n] for n in (2, 4, 6, 10)]


def _bump(election_id: int, codes: list[str], sex: str, delta: int) -> None:
    if not codes:
        return
    changes = {"total": F("total") + delta}
    if sex == "L":
        changes["laki_laki"] = F("laki_laki") + delta
    elif sex == "P":
        changes["perempuan"] = F("perempuan") + delta
    qs = RegionVoterCount.objects.filter(election_id=election_id)
    updated = qs.filter(region_code__in=codes).update(**changes)
    if updated < len(codes) and delta > 0:
        have = set(qs.filter(region_code__in=codes).values_list("region_code", flat=True))
        RegionVoterCount.objects.bulk_create(
            [
                RegionVoterCount(
                    election_id=election_id,
                    region_code=c,
                    total=1,
                    laki_laki=int(sex == "L"),
                    perempuan=int(sex == "P"),
                )
                for c in codes
                if c not in have
            ]
        )


def _count_new(row: Voter) -> None:
    _bump(row.election_id, _levels(row.kelurahan_code), row.jenis_kelamin, 1)


def _count_move(row: Voter, old_kelurahan: str) -> None:
    old, new = set(_levels(old_kelurahan)), set(_levels(row.kelurahan_code))
    _bump(row.election_id, sorted(old - new), row.jenis_kelamin, -1)
    _bump(row.election_id, sorted(new - old), row.jenis_kelamin, 1)


def _count_sex_change(row: Voter, old_sex: str, new_sex: str) -> None:
    codes = _levels(row.kelurahan_code)
    qs = RegionVoterCount.objects.filter(election_id=row.election_id, region_code__in=codes)
    fields = {"L": "laki_laki", "P": "perempuan"}
    changes = {}
    if old_sex in fields:
        changes[fields[old_sex]] = F(fields[old_sex]) - 1
    if new_sex in fields:
        changes[fields[new_sex]] = F(fields[new_sex]) + 1
    if changes:
        qs.update(**changes)
