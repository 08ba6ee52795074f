"""moves: writes of the voter register — DPTb (pindah memilih, form A) and DPK.

Every write checks the actor's permission and scope, the stage window, and the rule of the
law (:mod:`pilkada.engine.moves`), and records its audit entry in the same transaction.
A refusal raises :class:`MoveRefused` (bad or not-allowed input: ``code`` and a translated
message) or ``PermissionDenied`` / ``StageClosed`` (not allowed for this actor / not now);
nothing is written then.

Decision (issue 3 part 10): a move that would leave the voter without a ballot of this
election at the destination (out of the province; out of the kab/kota in a bupati/walikota
election) is **refused**, not recorded as "tidak berhak": recording it would take the voter
off their origin TPS, where they can still vote. The officer sees why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.core.masking import mask_nik
from pilkada.engine import eligibility
from pilkada.engine import moves as rules
from pilkada.engine.nik import nik_date_agrees, validate_nik
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code, normalize_tps_code
from pilkada.regions.models import Region, Tps
from pilkada.schedule.dates import human_date
from pilkada.schedule.gate import require_open
from pilkada.schedule.models import Election

from ..models import DpkVoter, Voter, VoterMove
from .common import actor_name as _actor_name

__all__ = [
    "DPK_ACTION",
    "DPK_PERMISSION",
    "DPTB_ACTION",
    "DPTB_PERMISSION",
    "MoveRefused",
    "cancel_move",
    "dpt_voters",
    "dptb_deadline",
    "record_dpk",
    "register_move",
]

DPTB_PERMISSION = "voters.dptb_register"
DPTB_ACTION = "voters.dptb_register"  # stage action
DPK_PERMISSION = "voters.dpk_record"
DPK_ACTION = "voters.record_dpk"  # stage action (voting day)

#: Voter sources that make up this election's list (``dpt-lama`` is only a reference).
DPT_SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)


class MoveRefused(ValueError):
    """The input cannot be accepted; ``code`` is stable, the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _is_system(actor) -> bool:
    return actor is None or isinstance(actor, str)


def dpt_voters(election: Election):
    """Voters on this election's DPT: DP4 or coklit rows, not TMS, with a TPS."""
    return Voter.objects.filter(
        election=election, source__in=DPT_SOURCES, tps_code__isnull=False
    ).exclude(status=Voter.Status.TMS)


def _deadline_days() -> tuple[int, int]:
    return (
        int(getattr(settings, "PILKADA_DPTB_DEADLINE_DAYS", rules.DEFAULT_DEADLINE_DAYS)),
        int(
            getattr(
                settings,
                "PILKADA_DPTB_SUDDEN_DEADLINE_DAYS",
                rules.DEFAULT_SUDDEN_DEADLINE_DAYS,
            )
        ),
    )


def dptb_deadline(*, election: Election, reason: str) -> dt.date:
    """The last day a move for ``reason`` may be registered in ``election``: H-30, or H-7 for
    the sudden reasons (PKPU 7/2024 Pasal 51; see
    :func:`pilkada.engine.moves.batas_waktu_pindah_memilih`). Days are settings."""
    ordinary, sudden = _deadline_days()
    return rules.batas_waktu_pindah_memilih(
        voting_day=election.voting_day,
        reason=reason,
        deadline_days=ordinary,
        sudden_deadline_days=sudden,
    )


def _reason(reason: str) -> rules.MoveReason:
    try:
        return rules.MoveReason(reason)
    except ValueError:
        raise MoveRefused(
            "unknown_reason",
            _("Alasan pindah memilih %(reason)s tidak dikenal; pilih salah satu: %(choices)s.")
            % {"reason": reason or "-", "choices": ", ".join(r.value for r in rules.MoveReason)},
        ) from None


def _nik_digits(raw: str) -> str:
    text = "".join((raw or "").split())
    if len(text) != 16 or not text.isdigit():
        raise MoveRefused("invalid_nik", _("NIK harus 16 angka."))
    return text


def _find_dpt_voter(election: Election, nik: str) -> Voter:
    rows = list(dpt_voters(election).filter(nik=nik).order_by("pk")[:2])
    if not rows:
        raise MoveRefused(
            "not_on_dpt",
            _(
                "NIK %(nik)s tidak terdaftar dalam DPT pemilihan ini (atau belum punya TPS): "
                "hanya pemilih dalam DPT yang dapat pindah memilih."
            )
            % {"nik": mask_nik(nik)},
        )
    if len(rows) > 1:
        raise MoveRefused(
            "nik_twice_on_dpt",
            _(
                "NIK %(nik)s tercatat lebih dari sekali dalam DPT; selesaikan data ganda "
                "terlebih dahulu."
            )
            % {"nik": mask_nik(nik)},
        )
    return rows[0]


def _destination(election: Election, kelurahan: str, tps: str | None) -> tuple[str, str | None]:
    try:
        kel = normalize_region_code(kelurahan)
    except InvalidRegionCode:
        kel = ""
    if len(kel) != 10:
        raise MoveRefused(
            "invalid_destination",
            _("Kelurahan tujuan %(code)s bukan kode kelurahan (10 angka).")
            % {"code": kelurahan or "-"},
        )
    tps_code = None
    if tps:
        try:
            tps_code = normalize_tps_code(tps)
        except InvalidRegionCode:
            tps_code = None
        if tps_code is None or tps_code[:10] != kel:
            raise MoveRefused(
                "invalid_destination_tps",
                _("TPS tujuan %(tps)s bukan TPS di kelurahan tujuan %(kel)s.")
                % {"tps": tps, "kel": kel},
            )
    return kel, tps_code


def _check_destination_exists(kel: str, tps_code: str | None) -> None:
    if not Region.objects.filter(code=kel, level="kelurahan").exists():
        raise MoveRefused(
            "unknown_destination",
            _("Kelurahan tujuan %(code)s tidak ada dalam data wilayah.") % {"code": kel},
        )
    if tps_code and not Tps.objects.filter(code=tps_code).exists():
        raise MoveRefused(
            "unknown_destination_tps",
            _("TPS tujuan %(tps)s belum ada dalam data TPS.") % {"tps": tps_code},
        )


def _require_either(actor, action: str, origin: str, destination: str) -> None:
    """PPS/KPU of the origin or of the destination may act (form A is served at either)."""
    if _is_system(actor):
        return
    if permissions.can(actor, action, origin) or permissions.can(actor, action, destination):
        return
    permissions.require(actor, action, origin)  # raises with the reason
    raise PermissionDenied(action)  # pragma: no cover - require() raised


def _not_entitled_message(code: str, **params) -> str:
    if code == "other_province":
        text = _(
            "Tujuan %(dest)s berada di luar provinsi: pemilih tidak dapat memberikan suara "
            "dalam pemilihan ini di tempat lain; tetap memilih di TPS asal %(origin)s."
        )
    elif code == "outside_region":
        text = _(
            "Tujuan %(dest)s berada di luar wilayah pemilihan %(region)s: pemilih tidak "
            "berhak atas surat suara pemilihan ini di tujuan; tetap memilih di TPS asal "
            "%(origin)s."
        )
    else:
        text = _("Pemilih terdaftar di %(origin)s, di luar wilayah pemilihan %(region)s.")
    return text % params


@dataclass(frozen=True)
class MoveResult:
    move: VoterMove
    voter: Voter

    def as_dict(self) -> dict:
        m = self.move
        return {
            "id": m.pk,
            "voter_id": m.voter_id,
            "nik": mask_nik(self.voter.nik),
            "reason": m.reason,
            "form_a_number": m.form_a_number,
            "origin_tps": m.origin_tps_code,
            "destination_kelurahan": m.destination_kelurahan_code,
            "destination_tps": m.destination_tps_code,
            "ballot": m.ballot,
            "entitlement": m.entitlement,
            "deadline": m.deadline.isoformat(),
            "status": m.status,
        }


def register_move(
    *,
    actor,
    election: Election,
    nik: str,
    reason: str,
    destination_kelurahan: str,
    destination_tps: str | None = None,
    form_a_number: str,
    on: dt.date | None = None,
) -> MoveResult:
    """Register a DPTb move (formulir Model A) of the DPT voter with ``nik``.

    Checks, in order: the input (reason, NIK, destination, form A number); the voter is on
    the DPT; the actor is PPS/KPU of the origin or the destination; the stage
    ``voters.dptb_register`` is open; the deadline for the reason (:func:`dptb_deadline`);
    the ballot entitlement (:func:`pilkada.engine.moves.hak_surat_suara_pindahan`); no
    active move already. The voter leaves the origin TPS list (the active move marks it;
    the Voter row is kept as it was) and joins the destination's DPTb list.
    """
    day = on or clock.today()
    code = _reason(reason)
    nik = _nik_digits(nik)
    form_a = (form_a_number or "").strip()
    if not form_a or len(form_a) > 60:
        raise MoveRefused(
            "invalid_form_a", _("Nomor formulir Model A wajib diisi (paling panjang 60 karakter).")
        )
    kel, tps_code = _destination(election, destination_kelurahan, destination_tps)
    if not _is_system(actor) and not permissions.can(actor, DPTB_PERMISSION, None):
        permissions.require(actor, DPTB_PERMISSION, None)  # raises: wrong role or account
    voter = _find_dpt_voter(election, nik)
    _require_either(actor, DPTB_PERMISSION, voter.tps_code, tps_code or kel)
    require_open(election=election, action=DPTB_ACTION, on=day)
    deadline = dptb_deadline(election=election, reason=code)
    if day > deadline:
        raise MoveRefused(
            "deadline_passed",
            _(
                "Batas waktu pindah memilih dengan alasan '%(reason)s' adalah %(deadline)s "
                "(H-%(days)s); hari ini %(today)s. Pendaftaran ditolak."
            )
            % {
                "reason": _(rules.REASONS[code].label),
                "deadline": human_date(deadline),
                "days": (election.voting_day - deadline).days,
                "today": human_date(day),
            },
        )
    origin_kel = voter.tps_code[:10]
    entitlement = rules.hak_surat_suara_pindahan(
        election_kind=election.kind,
        election_region=election.region_code,
        origin_kelurahan=origin_kel,
        destination_kelurahan=kel,
    )
    if not entitlement.entitled:
        raise MoveRefused(
            f"not_entitled_{entitlement.code}",
            _not_entitled_message(
                entitlement.code, dest=kel, origin=voter.tps_code, region=election.region_code
            ),
        )
    _check_destination_exists(kel, tps_code)
    if tps_code == voter.tps_code:
        raise MoveRefused(
            "same_tps", _("TPS tujuan sama dengan TPS asal %(tps)s.") % {"tps": voter.tps_code}
        )
    try:
        with transaction.atomic():
            # Lock the voter row so two officers cannot register the same voter at once.
            Voter.objects.select_for_update().filter(pk=voter.pk).first()
            existing = VoterMove.objects.filter(voter=voter, status=VoterMove.Status.ACTIVE).first()
            if existing is not None:
                raise MoveRefused(
                    "already_moved",
                    _(
                        "Pemilih ini sudah terdaftar pindah memilih ke %(dest)s (formulir A "
                        "%(form)s); batalkan dulu pendaftaran itu."
                    )
                    % {
                        "dest": existing.destination_tps_code
                        or existing.destination_kelurahan_code,
                        "form": existing.form_a_number,
                    },
                )
            if VoterMove.objects.filter(
                election=election, form_a_number=form_a, status=VoterMove.Status.ACTIVE
            ).exists():
                raise MoveRefused(
                    "form_a_used",
                    _("Nomor formulir Model A %(form)s sudah dipakai untuk pemilih lain.")
                    % {"form": form_a},
                )
            move = VoterMove.objects.create(
                election=election,
                voter=voter,
                reason=code.value,
                form_a_number=form_a,
                origin_tps_code=voter.tps_code,
                origin_kelurahan_code=origin_kel,
                destination_kelurahan_code=kel,
                destination_tps_code=tps_code,
                ballot=entitlement.ballot,
                entitlement=entitlement.code,
                deadline=deadline,
                registered_by=_actor_name(actor),
                registered_on=day,
            )
            record_audit(
                actor=actor,
                action="voters.dptb.register",
                object_type="voters.votermove",
                object_id=move.pk,
                old={"voter_id": voter.pk, "tps_code": voter.tps_code, "dptb": None},
                new={
                    "voter_id": voter.pk,
                    "nik": mask_nik(voter.nik),
                    "reason": move.reason,
                    "form_a_number": form_a,
                    "origin_tps": move.origin_tps_code,
                    "destination_kelurahan": kel,
                    "destination_tps": tps_code,
                    "ballot": move.ballot,
                    "entitlement": move.entitlement,
                    "deadline": deadline,
                    "on": day,
                },
            )
    except IntegrityError:
        # A concurrent registration won the race for this voter or form number.
        raise MoveRefused(
            "already_moved",
            _("Pemilih atau nomor formulir ini baru saja didaftarkan oleh petugas lain."),
        ) from None
    return MoveResult(move=move, voter=voter)


def cancel_move(*, actor, move_id: int, note: str = "", on: dt.date | None = None) -> MoveResult:
    """Cancel an active move before its deadline: the voter is back on the origin TPS list
    and off the destination's DPTb list. The row is kept (status ``cancelled``)."""
    day = on or clock.today()
    move = VoterMove.objects.select_related("election", "voter").filter(pk=move_id).first()
    if move is None:
        raise MoveRefused(
            "no_such_move", _("Tidak ada pendaftaran pindah memilih %(id)s.") % {"id": move_id}
        )
    _require_either(
        actor,
        DPTB_PERMISSION,
        move.origin_tps_code,
        move.destination_tps_code or move.destination_kelurahan_code,
    )
    if move.status != VoterMove.Status.ACTIVE:
        raise MoveRefused(
            "not_active", _("Pendaftaran pindah memilih %(id)s sudah dibatalkan.") % {"id": move.pk}
        )
    require_open(election=move.election, action=DPTB_ACTION, on=day)
    deadline = dptb_deadline(election=move.election, reason=move.reason)
    if day > deadline:
        raise MoveRefused(
            "deadline_passed",
            _(
                "Pembatalan hanya dapat dilakukan sampai batas waktu %(deadline)s; hari ini "
                "%(today)s."
            )
            % {"deadline": human_date(deadline), "today": human_date(day)},
        )
    with transaction.atomic():
        updated = VoterMove.objects.filter(pk=move.pk, status=VoterMove.Status.ACTIVE).update(
            status=VoterMove.Status.CANCELLED,
            cancelled_by=_actor_name(actor),
            cancelled_on=day,
            cancel_note=(note or "").strip(),
        )
        if updated != 1:
            raise MoveRefused(
                "not_active",
                _("Pendaftaran pindah memilih %(id)s sudah dibatalkan.") % {"id": move.pk},
            )
        record_audit(
            actor=actor,
            action="voters.dptb.cancel",
            object_type="voters.votermove",
            object_id=move.pk,
            old={"status": "active", "voter_id": move.voter_id},
            new={"status": "cancelled", "note": (note or "").strip(), "on": day},
        )
    move.refresh_from_db()
    return MoveResult(move=move, voter=move.voter)


# --- DPK -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DpkInput:
    nik: str
    nama: str
    jenis_kelamin: str
    tanggal_lahir: dt.date | str | None
    alamat: str
    alamat_kelurahan: str
    rt: str = ""
    rw: str = ""
    status_kawin: str = ""


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def record_dpk(
    *, actor, election: Election, tps_code: str, person: DpkInput, on: dt.date | None = None
) -> DpkVoter:
    """Record a voter on the DPK of a TPS on voting day (stage action voters.record_dpk).

    Refused with the reason: an invalid NIK (engine.nik), birth date or sex not matching the
    NIK, under age on voting day and never married (engine.eligibility.cukup_umur), a KTP-el
    address outside the TPS's kelurahan (engine.moves.alamat_di_wilayah_tps), the NIK on the
    DPT (vote at your own TPS) or on the DPTb (vote at the destination), or already recorded
    as DPK at any TPS of the election.
    """
    day = on or clock.today()
    try:
        tps = normalize_tps_code(tps_code)
    except InvalidRegionCode:
        raise MoveRefused(
            "invalid_tps", _("%(tps)s bukan kode TPS (13 angka).") % {"tps": tps_code or "-"}
        ) from None
    if not _is_system(actor):
        permissions.require(actor, DPK_PERMISSION, tps)
    require_open(election=election, action=DPK_ACTION, on=day)
    if not tps.startswith(election.region_code) or not Tps.objects.filter(code=tps).exists():
        raise MoveRefused(
            "unknown_tps", _("TPS %(tps)s tidak ada dalam pemilihan ini.") % {"tps": tps}
        )
    parsed, errors = validate_nik(person.nik, reference_date=election.voting_day)
    if parsed is None:
        raise MoveRefused(
            "invalid_nik",
            _("NIK tidak valid: %(error)s") % {"error": _(errors[0].message)},
        )
    nik = parsed.nik
    nama = " ".join((person.nama or "").split()).upper()
    if not nama:
        raise MoveRefused("invalid_name", _("Nama wajib diisi."))
    sex = (person.jenis_kelamin or "").strip().upper()
    if sex not in ("L", "P"):
        raise MoveRefused("invalid_sex", _("Jenis kelamin harus L atau P."))
    born = _parse_date(person.tanggal_lahir)
    if born is None:
        raise MoveRefused("invalid_birth_date", _("Tanggal lahir tidak valid (format TTTT-BB-HH)."))
    if sex != parsed.sex:
        raise MoveRefused(
            "nik_sex_mismatch", _("Jenis kelamin tidak sesuai dengan NIK; periksa KTP-el.")
        )
    if not nik_date_agrees(parsed, born):
        raise MoveRefused(
            "nik_date_mismatch", _("Tanggal lahir tidak sesuai dengan NIK; periksa KTP-el.")
        )
    kawin = (person.status_kawin or "").strip().upper()
    if kawin not in ("", "B", "S", "P"):
        raise MoveRefused("invalid_status_kawin", _("Status kawin harus B, S atau P."))
    if not eligibility.cukup_umur(
        tanggal_lahir=born, status_kawin=kawin, voting_day=election.voting_day
    ):
        raise MoveRefused(
            "under_age",
            _(
                "Belum berumur %(age)s tahun pada hari pemungutan suara %(day)s dan belum "
                "pernah kawin: tidak dapat memilih."
            )
            % {"age": eligibility.MINIMUM_AGE, "day": human_date(election.voting_day)},
        )
    alamat = " ".join((person.alamat or "").split())
    if not alamat:
        raise MoveRefused("invalid_address", _("Alamat sesuai KTP-el wajib diisi."))
    address_kel = (person.alamat_kelurahan or "").replace(".", "").strip()
    if not rules.alamat_di_wilayah_tps(address_kelurahan=address_kel, tps_code=tps):
        raise MoveRefused(
            "wrong_kelurahan",
            _(
                "Alamat KTP-el (kelurahan %(kel)s) tidak berada di kelurahan TPS ini "
                "(%(tps_kel)s): pemilih DPK memilih di TPS sesuai alamat KTP-el."
            )
            % {"kel": address_kel or "-", "tps_kel": tps[:10]},
        )
    with transaction.atomic():
        move = (
            VoterMove.objects.filter(
                election=election, voter__nik=nik, status=VoterMove.Status.ACTIVE
            )
            .only("destination_tps_code", "destination_kelurahan_code")
            .first()
        )
        if move is not None:
            raise MoveRefused(
                "on_dptb",
                _(
                    "NIK ini terdaftar dalam DPTb (pindah memilih) ke %(dest)s: memilih di "
                    "TPS tujuan dengan formulir Model A."
                )
                % {"dest": move.destination_tps_code or move.destination_kelurahan_code},
            )
        on_dpt = dpt_voters(election).filter(nik=nik).values_list("tps_code", flat=True).first()
        if on_dpt is not None:
            raise MoveRefused(
                "on_dpt",
                _("NIK ini terdaftar dalam DPT di TPS %(tps)s: silakan memilih di TPS itu.")
                % {"tps": on_dpt},
            )
        earlier = DpkVoter.objects.filter(election=election, nik=nik).first()
        if earlier is not None:
            raise MoveRefused(
                "dpk_twice",
                _("NIK ini sudah tercatat dalam DPK di TPS %(tps)s.") % {"tps": earlier.tps_code},
            )
        try:
            with transaction.atomic():
                row = DpkVoter.objects.create(
                    election=election,
                    tps_code=tps,
                    nik=nik,
                    nama=nama,
                    jenis_kelamin=sex,
                    tanggal_lahir=born,
                    status_kawin=kawin,
                    alamat=alamat,
                    rt=(person.rt or "").strip()[:8],
                    rw=(person.rw or "").strip()[:8],
                    alamat_kelurahan_code=address_kel,
                    recorded_by=_actor_name(actor),
                    recorded_on=day,
                )
        except IntegrityError:
            raise MoveRefused(
                "dpk_twice", _("NIK ini baru saja dicatat dalam DPK oleh petugas lain.")
            ) from None
        record_audit(
            actor=actor,
            action="voters.dpk.record",
            object_type="voters.dpkvoter",
            object_id=row.pk,
            new={
                "tps_code": tps,
                "nik": mask_nik(nik),
                "jenis_kelamin": sex,
                "alamat_kelurahan": address_kel,
                "on": day,
            },
        )
    return row
