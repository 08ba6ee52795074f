"""Writes of candidate pairs (paslon), from nomination to the ballot number (PKPU 8/2024).

The life of a pair::

    prospective --register--> registered --check--> eligible --penetapan--> set --draw--> n
                                              \\--> ineligible

* :func:`add_pair`, :func:`set_coalition`, :func:`set_candidate`, :func:`create_liaison`,
  :func:`link_liaison` -- data entry, until the registration stage closes (an independent
  pair exists from the support stage on, as a *bakal pasangan calon*);
* :func:`register_pair` (stage action ``candidacy.register``): both candidates entered, the
  party threshold (party pair) or the minimum support (independent pair) met, and every
  document of the checklist (:mod:`pilkada.candidacy.pair_documents`) received; a refusal
  is recorded in the audit log with its reasons;
* :func:`record_document` and :func:`check_requirements` (``candidacy.verify_requirements``):
  KPU marks documents MS/TMS, the system checks the rules (minimum age at penetapan, the
  threshold or the support) and decides eligible / ineligible with the reasons;
* :func:`set_pairs` (``candidacy.set_pairs``): penetapan of every eligible pair at once;
* :func:`draw_ballot_numbers` (``candidacy.draw_numbers``): the numbers drawn at the
  ceremony, entered by KPU, or drawn by the system from a public seed (:func:`seeded_order`).

Every write needs ``candidacy.pair_manage`` in the election's region (KPU), asks the stage
gate, and writes its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role
from pilkada.accounts.services import create_user
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.core.masking import mask_nik
from pilkada.engine.eligibility import age_on
from pilkada.engine.nik import nik_date_agrees, validate_nik
from pilkada.schedule.dates import human_date
from pilkada.schedule.gate import StageClosed, is_open, require_open

from .. import rules
from ..models import Candidate, Pair, PairLiaison, PairParty, PairRequirement, PartyVote
from ..pair_documents import document_label, required_documents
from ..selectors.pairs import party_threshold, penetapan_date, rule_label
from ..selectors.results import support_result

__all__ = [
    "DRAW_ALGORITHM",
    "CheckResult",
    "DrawResult",
    "PairRefused",
    "SetResult",
    "add_pair",
    "check_requirements",
    "create_liaison",
    "draw_ballot_numbers",
    "link_liaison",
    "record_document",
    "register_pair",
    "seeded_order",
    "set_candidate",
    "set_coalition",
    "set_pairs",
]

MANAGE_ACTION = "candidacy.pair_manage"
REGISTER = "candidacy.register"
VERIFY = "candidacy.verify_requirements"
SET_PAIRS = "candidacy.set_pairs"
DRAW = "candidacy.draw_numbers"

DRAW_ALGORITHM = (
    "sha256(seed + '\\n' + election slug + '\\n' + pair id), UTF-8, as hex; the pairs in "
    "ascending order of that digest (ties by id) get numbers 1, 2, ..."
)
#: Statuses in which the requirement checks may run or be re-run.
UNDER_EXAMINATION = (Pair.Status.REGISTERED, Pair.Status.ELIGIBLE, Pair.Status.INELIGIBLE)


class PairRefused(Exception):
    """Nothing changed, for the reason given; ``reasons`` lists each unmet requirement."""

    def __init__(self, code: str, message: str, reasons: list[str] | None = None):
        self.code = code
        self.reasons = list(reasons or [])
        super().__init__(message)

    def full_message(self) -> str:
        if not self.reasons:
            return str(self)
        return f"{self} " + " ".join(f"({i}) {r}" for i, r in enumerate(self.reasons, 1))


def _actor_name(actor) -> str:
    from pilkada.voters.services.common import actor_name

    return actor_name(actor)


def _require(actor, election) -> None:
    """A User needs ``candidacy.pair_manage`` in the election's region; the system (None)
    and named components (the CLI without --as) act as operators."""
    if actor is None or isinstance(actor, str):
        return
    permissions.require(actor, MANAGE_ACTION, election.region_code)


def _entry_open(election) -> None:
    """Pairs and their data may be entered until the registration stage closes."""
    decision = is_open(election=election, action=REGISTER)
    if decision.window is None or decision.window.status(decision.on) == "closed":
        raise StageClosed(decision)


def _lock(pair: Pair) -> Pair:
    return Pair.objects.select_for_update().select_related("election").get(pk=pair.pk)


def _status_label(status: str) -> str:
    return str(Pair.Status(status).label)


# ============================================================================================
# Data entry
# ============================================================================================


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise PairRefused("bad_input", _("Nama pasangan wajib diisi."))
    if len(name) > 200:
        raise PairRefused("bad_input", _("Nama pasangan lebih dari 200 karakter."))
    return name


def _resolve_parties(election, codes, *, pair: Pair | None = None) -> list[PartyVote]:
    wanted = []
    for code in codes:
        code = (code or "").strip().upper()
        if code and code not in wanted:
            wanted.append(code)
    if not wanted:
        raise PairRefused(
            "bad_input", _("Pasangan jalur partai politik memerlukan paling sedikit satu partai.")
        )
    found = {p.code: p for p in PartyVote.objects.filter(election=election, code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise PairRefused(
            "unknown_party",
            _("Partai tidak dikenal: %(codes)s. Impor perolehan suara partai dahulu.")
            % {"codes": ", ".join(unknown)},
        )
    taken = PairParty.objects.filter(party__in=found.values()).select_related("party", "pair")
    if pair is not None:
        taken = taken.exclude(pair=pair)
    reasons = [
        _("Partai %(code)s sudah mencalonkan pasangan %(pair)s.")
        % {"code": pp.party.code, "pair": pp.pair.name}
        for pp in taken
    ]
    if reasons:
        raise PairRefused(
            "party_taken",
            _("Satu partai hanya dapat mencalonkan satu pasangan."),
            reasons,
        )
    return [found[c] for c in wanted]


def add_pair(*, election, actor, name: str, independent: bool, party_codes=()) -> Pair:
    """A new pair (status "prospective"): independent, or nominated by the parties
    ``party_codes`` (codes of :class:`~pilkada.candidacy.models.PartyVote`; a party
    nominates at most one pair). Audited ``candidacy.pair.add``."""
    _require(actor, election)
    name = _clean_name(name)
    if independent and party_codes:
        raise PairRefused("bad_input", _("Pasangan perseorangan tidak diusulkan partai."))
    with transaction.atomic():
        _entry_open(election)
        if Pair.objects.filter(election=election, name__iexact=name).exists():
            raise PairRefused(
                "name_taken", _("Sudah ada pasangan bernama %(name)s.") % {"name": name}
            )
        parties = [] if independent else _resolve_parties(election, party_codes)
        pair = Pair.objects.create(
            election=election,
            name=name,
            path=Pair.Path.INDEPENDENT if independent else Pair.Path.PARTY,
            created_by=_actor_name(actor),
        )
        PairParty.objects.bulk_create(PairParty(pair=pair, party=p) for p in parties)
        record_audit(
            actor=actor,
            action="candidacy.pair.add",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            new={
                "name": pair.name,
                "path": pair.path,
                "status": pair.status,
                "parties": [p.code for p in parties],
            },
        )
    return pair


def set_coalition(*, pair: Pair, actor, party_codes) -> Pair:
    """Replace the parties nominating a party pair (before it registers)."""
    _require(actor, pair.election)
    with transaction.atomic():
        pair = _lock(pair)
        _entry_open(pair.election)
        if pair.is_independent:
            raise PairRefused("bad_input", _("Pasangan perseorangan tidak diusulkan partai."))
        if pair.status != Pair.Status.PROSPECTIVE:
            raise PairRefused(
                "status",
                _("Partai pengusul hanya dapat diubah sebelum pendaftaran (status: %(s)s).")
                % {"s": _status_label(pair.status)},
            )
        parties = _resolve_parties(pair.election, party_codes, pair=pair)
        old = sorted(pair.parties.values_list("party__code", flat=True))
        new = sorted(p.code for p in parties)
        if old == new:
            return pair
        PairParty.objects.filter(pair=pair).delete()
        PairParty.objects.bulk_create(PairParty(pair=pair, party=p) for p in parties)
        record_audit(
            actor=actor,
            action="candidacy.pair.coalition",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            old={"parties": old},
            new={"parties": new},
        )
    return pair


def _candidate_dict(c: Candidate | None) -> dict | None:
    if c is None:
        return None
    return {
        "nama": c.nama,
        "nik": mask_nik(c.nik),
        "tempat_lahir": c.tempat_lahir,
        "tanggal_lahir": c.tanggal_lahir.isoformat() if c.tanggal_lahir else None,
        "jenis_kelamin": c.jenis_kelamin,
        "pekerjaan": c.pekerjaan,
        "has_alamat": bool(c.alamat),
    }


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PairRefused(
            "bad_input",
            _("Tanggal lahir %(value)r bukan tanggal (TTTT-BB-HH).") % {"value": value},
        ) from None


def _clean_candidate(*, nama, nik, tanggal_lahir, jenis_kelamin) -> tuple[str, str, dt.date]:
    nama = " ".join((nama or "").split())
    if not nama:
        raise PairRefused("bad_input", _("Nama calon wajib diisi."))
    if jenis_kelamin not in Candidate.Sex.values:
        raise PairRefused("bad_input", _("Jenis kelamin harus L atau P."))
    born = _parse_date(tanggal_lahir)
    parsed, errors = validate_nik(nik, reference_date=clock.today())
    if parsed is None:
        raise PairRefused(
            "nik_invalid",
            _("NIK calon tidak sah: %(reasons)s")
            % {"reasons": "; ".join(f"{e.value}: {e.message}" for e in errors)},
        )
    if not nik_date_agrees(parsed, born):
        raise PairRefused(
            "nik_mismatch",
            _("Tanggal lahir %(born)s tidak sesuai dengan tanggal dalam NIK.")
            % {"born": born.isoformat()},
        )
    if parsed.sex != jenis_kelamin:
        raise PairRefused(
            "nik_mismatch",
            _("Jenis kelamin %(sex)s tidak sesuai dengan NIK (hari lahir perempuan + 40).")
            % {"sex": jenis_kelamin},
        )
    return nama, parsed.nik, born


def set_candidate(
    *,
    pair: Pair,
    actor,
    position: str,
    nama: str,
    nik: str,
    tanggal_lahir,
    jenis_kelamin: str,
    tempat_lahir: str = "",
    pekerjaan: str = "",
    alamat: str = "",
) -> Candidate:
    """Enter or replace the head (``position="head"``) or deputy candidate of a pair.

    The NIK is checked with :mod:`pilkada.engine.nik` and must agree with the birth date and
    sex; a person may stand in one pair of an election only. Before registration the data is
    entered freely (until registration closes); after it, only while the requirement checks
    are open, and a change sends the pair back to "registered" for a new check.
    Audited ``candidacy.candidate.set`` (NIK masked)."""
    _require(actor, pair.election)
    if position not in Candidate.Position.values:
        raise PairRefused("bad_input", _("Kedudukan harus head atau deputy."))
    nama, nik, born = _clean_candidate(
        nama=nama, nik=nik, tanggal_lahir=tanggal_lahir, jenis_kelamin=jenis_kelamin
    )
    with transaction.atomic():
        pair = _lock(pair)
        election = pair.election
        if pair.status == Pair.Status.PROSPECTIVE:
            _entry_open(election)
        elif pair.status in (Pair.Status.REGISTERED, Pair.Status.INELIGIBLE):
            require_open(election=election, action=VERIFY)
        else:
            raise PairRefused(
                "status",
                _("Data calon tidak dapat diubah pada status %(s)s.")
                % {"s": _status_label(pair.status)},
            )
        other = (
            Candidate.objects.filter(pair__election=election, nik=nik)
            .exclude(pair__status=Pair.Status.WITHDRAWN)
            .exclude(pair=pair, position=position)
            .select_related("pair")
            .first()
        )
        if other is not None:
            raise PairRefused(
                "nik_taken",
                _("NIK ini sudah terdaftar sebagai %(pos)s pada pasangan %(pair)s.")
                % {"pos": other.get_position_display(), "pair": other.pair.name},
            )
        candidate = Candidate.objects.filter(pair=pair, position=position).first()
        old = _candidate_dict(candidate)
        if candidate is None:
            candidate = Candidate(pair=pair, position=position)
        candidate.nama, candidate.nik, candidate.tanggal_lahir = nama, nik, born
        candidate.jenis_kelamin = jenis_kelamin
        candidate.tempat_lahir = " ".join((tempat_lahir or "").split())[:100]
        candidate.pekerjaan = " ".join((pekerjaan or "").split())[:100]
        candidate.alamat = " ".join((alamat or "").split())[:255]
        candidate.save()
        new = _candidate_dict(candidate)
        audit_new = {"position": position, **new}
        if pair.status == Pair.Status.INELIGIBLE:
            audit_new["pair_status"] = Pair.Status.REGISTERED
            pair.status, pair.status_note = Pair.Status.REGISTERED, ""
            pair.save(update_fields=["status", "status_note"])
        record_audit(
            actor=actor,
            action="candidacy.candidate.set",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            old={"position": position, **old} if old else None,
            new=audit_new,
        )
    return candidate


def create_liaison(*, pair: Pair, actor, username: str, password: str, full_name: str = ""):
    """A new account with the role "lo" for ``pair`` (scoped to the election's region),
    created through :func:`pilkada.accounts.services.create_user` (which checks the
    password and writes ``accounts.create``) and linked by a PairLiaison, audited
    ``candidacy.pair.liaison_add``, all in one transaction. Raises ``ValidationError`` for
    a bad username or password."""
    _require(actor, pair.election)
    if pair.status == Pair.Status.WITHDRAWN:
        raise PairRefused("status", _("Pasangan sudah mengundurkan diri."))
    with transaction.atomic():
        user = create_user(
            actor=None if actor is None or isinstance(actor, str) else actor,
            username=username,
            password=password,
            role=Role.LO,
            region_code=pair.election.region_code,
            full_name=full_name,
            agency=f"LO {pair.name}"[:100],
        )
        _link(pair=pair, user=user, actor=actor, created=True)
    return user


def link_liaison(*, pair: Pair, actor, username: str):
    """Link an existing LO account (role "lo", not yet linked) to ``pair``."""
    _require(actor, pair.election)
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise PairRefused("bad_input", _("Tidak ada akun %(u)s.") % {"u": username})
    if user.role != Role.LO:
        raise PairRefused(
            "bad_input", _("Akun %(u)s bukan akun LO pasangan calon.") % {"u": username}
        )
    with transaction.atomic():
        _link(pair=pair, user=user, actor=actor, created=False)
    return user


def _link(*, pair, user, actor, created: bool) -> None:
    existing = PairLiaison.objects.filter(user=user).select_related("pair").first()
    if existing is not None:
        raise PairRefused(
            "liaison_taken",
            _("Akun %(u)s sudah menjadi LO pasangan %(pair)s.")
            % {"u": user.username, "pair": existing.pair.name},
        )
    PairLiaison.objects.create(pair=pair, user=user)
    record_audit(
        actor=actor,
        action="candidacy.pair.liaison_add",
        object_type="candidacy.Pair",
        object_id=pair.pk,
        new={"username": user.username, "user_id": user.pk, "account_created": created},
    )


# ============================================================================================
# Registration
# ============================================================================================


def _threshold_reason(pair: Pair) -> str | None:
    t = party_threshold(pair=pair)
    if t.missing:
        return _("Ambang batas tidak dapat dihitung: %(why)s") % {"why": t.missing}
    if t.meets:
        return None
    return _(
        "Ambang batas pencalonan tidak terpenuhi: partai pengusul memperoleh %(votes)s suara "
        "sah (%(share)s %%) dari %(total)s; diperlukan %(pct)s %% (%(needed)s suara) untuk "
        "DPT %(dpt)s."
    ) % {
        "votes": f"{t.coalition_votes:,}",
        "share": t.share,
        "total": f"{t.total_valid_votes:,}",
        "pct": t.percent,
        "needed": f"{t.votes_needed:,}",
        "dpt": f"{t.dpt_used:,}",
    }


def _support_reason(pair: Pair) -> str | None:
    s = support_result(pair=pair, stage="final")
    if s.meets:
        return None
    if s.minimum is None:
        return _("Syarat dukungan tidak dapat dihitung: KPU belum menetapkan DPT terakhir.")
    return _(
        "Dukungan tidak memenuhi syarat: %(counted)s dukungan memenuhi syarat dari minimal "
        "%(minimum)s (kurang %(short)s); tersebar di %(areas)d dari %(total)d wilayah, "
        "minimal %(needed)d."
    ) % {
        "counted": f"{s.counted:,}",
        "minimum": f"{s.minimum:,}",
        "short": f"{s.shortfall:,}",
        "areas": s.areas_with_support,
        "total": s.areas_total,
        "needed": s.spread_needed,
    }


def _nomination_reason(pair: Pair) -> str | None:
    return _support_reason(pair) if pair.is_independent else _threshold_reason(pair)


def _record_refusal(*, actor, pair: Pair, action: str, reasons: list[str]) -> None:
    with transaction.atomic():
        record_audit(
            actor=actor,
            action=action,
            object_type="candidacy.Pair",
            object_id=pair.pk,
            new={"status": pair.status, "reasons": reasons},
        )


def register_pair(*, pair: Pair, actor, received=()) -> Pair:
    """Register a pair, with the documents ``received`` (checklist codes; see
    :func:`pilkada.candidacy.pair_documents.required_documents`).

    Refused (:class:`PairRefused`, code ``refused``, with every reason) when a candidate is
    missing, the party threshold or the independent support is not met, or a document is
    missing; the refusal is recorded (``candidacy.pair.register_refused``). On success the
    checklist is stored with every document "received" and the pair is "registered"
    (``candidacy.pair.register``)."""
    election = pair.election
    _require(actor, election)
    require_open(election=election, action=REGISTER)
    received = [c.strip() for c in received if c and c.strip()]
    with transaction.atomic():
        pair = _lock(pair)
        if pair.status != Pair.Status.PROSPECTIVE:
            raise PairRefused(
                "status",
                _("Pasangan %(name)s sudah berstatus %(s)s.")
                % {"name": pair.name, "s": _status_label(pair.status)},
            )
        lines = required_documents(path=pair.path, parties=pair.parties.count())
        codes = [line.code for line in lines]
        unknown = sorted(set(received) - set(codes))
        if unknown:
            raise PairRefused(
                "bad_input",
                _("Kode dokumen tidak dikenal: %(codes)s.") % {"codes": ", ".join(unknown)},
            )
        reasons = []
        positions = set(pair.candidates.values_list("position", flat=True))
        for position, label in Candidate.Position.choices:
            if position not in positions:
                reasons.append(_("%(pos)s belum diisi.") % {"pos": label})
        nomination = _nomination_reason(pair)
        if nomination:
            reasons.append(nomination)
        missing = [line for line in lines if line.code not in received]
        if missing:
            shown = "; ".join(line.label for line in missing[:5])
            more = len(missing) - 5
            reasons.append(
                _("Dokumen belum lengkap (%(n)d): %(docs)s") % {"n": len(missing), "docs": shown}
                + (_(" dan %(more)d lainnya.") % {"more": more} if more > 0 else ".")
            )
    if reasons:
        _record_refusal(
            actor=actor, pair=pair, action="candidacy.pair.register_refused", reasons=reasons
        )
        raise PairRefused(
            "refused",
            _("Pendaftaran pasangan %(name)s ditolak.") % {"name": pair.name},
            reasons,
        )
    today = clock.today()
    with transaction.atomic():
        pair = _lock(pair)
        if pair.status != Pair.Status.PROSPECTIVE:  # registered meanwhile
            raise PairRefused("status", _("Pasangan sudah terdaftar."))
        PairRequirement.objects.filter(pair=pair).delete()
        PairRequirement.objects.bulk_create(
            PairRequirement(
                pair=pair,
                code=line.code,
                kind=PairRequirement.Kind.DOCUMENT,
                status=PairRequirement.Status.RECEIVED,
                checked_by=_actor_name(actor),
                checked_on=today,
            )
            for line in lines
        )
        pair.status, pair.registered_on, pair.status_note = Pair.Status.REGISTERED, today, ""
        pair.save(update_fields=["status", "registered_on", "status_note"])
        record_audit(
            actor=actor,
            action="candidacy.pair.register",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            old={"status": Pair.Status.PROSPECTIVE},
            new={"status": pair.status, "registered_on": today, "documents": codes},
        )
    return pair


# ============================================================================================
# Requirement checks (penelitian persyaratan)
# ============================================================================================


def record_document(
    *, pair: Pair, actor, code: str, status: str, note: str = ""
) -> PairRequirement:
    """KPU's finding on one document: ``ms`` or ``tms`` (with a note saying why), or back to
    ``received``. A change after the pair was decided sends it back to "registered" for a
    new check. Audited ``candidacy.requirement.set``."""
    _require(actor, pair.election)
    allowed = (
        PairRequirement.Status.MS,
        PairRequirement.Status.TMS,
        PairRequirement.Status.RECEIVED,
    )
    if status not in allowed:
        raise PairRefused("bad_input", _("Status dokumen harus ms, tms atau received."))
    note = (note or "").strip()
    if status == PairRequirement.Status.TMS and not note:
        raise PairRefused("bad_input", _("Dokumen TMS memerlukan catatan alasannya."))
    with transaction.atomic():
        pair = _lock(pair)
        require_open(election=pair.election, action=VERIFY)
        if pair.status not in UNDER_EXAMINATION:
            raise PairRefused(
                "status",
                _("Dokumen hanya diteliti untuk pasangan terdaftar (status: %(s)s).")
                % {"s": _status_label(pair.status)},
            )
        row = PairRequirement.objects.filter(
            pair=pair, code=code, kind=PairRequirement.Kind.DOCUMENT
        ).first()
        if row is None:
            raise PairRefused(
                "bad_input",
                _("Dokumen %(code)s tidak ada dalam daftar periksa pasangan ini.") % {"code": code},
            )
        old = {"status": row.status, "note": row.note}
        if old == {"status": status, "note": note}:
            return row
        row.status, row.note = status, note
        row.checked_by, row.checked_on = _actor_name(actor), clock.today()
        row.save(update_fields=["status", "note", "checked_by", "checked_on"])
        new = {"code": code, "status": status, "note": note}
        if pair.status != Pair.Status.REGISTERED:
            new["pair_status"] = Pair.Status.REGISTERED
            pair.status, pair.status_note = Pair.Status.REGISTERED, ""
            pair.save(update_fields=["status", "status_note"])
        record_audit(
            actor=actor,
            action="candidacy.requirement.set",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            old={"code": code, **old},
            new=new,
        )
    return row


@dataclass
class CheckResult:
    pair_id: int
    status: str
    decided: bool
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # documents not yet examined
    rules: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "pair_id": self.pair_id,
            "status": self.status,
            "decided": self.decided,
            "eligible": self.eligible,
            "reasons": self.reasons,
            "pending": self.pending,
            "rules": self.rules,
        }


def _age_rules(pair: Pair, level: str, penetapan: dt.date | None) -> list[tuple[str, bool, str]]:
    out = []
    minimum = rules.usia_minimal_calon(level=level)
    by_position = {c.position: c for c in pair.candidates.all()}
    for position, label in Candidate.Position.choices:
        code = f"usia.{position}"
        c = by_position.get(position)
        if c is None:
            out.append((code, False, _("%(pos)s belum diisi.") % {"pos": label}))
        elif penetapan is None:
            out.append((code, False, _("Jadwal tidak memuat tanggal penetapan pasangan calon.")))
        else:
            ok = rules.memenuhi_syarat_usia_calon(
                tanggal_lahir=c.tanggal_lahir, level=level, penetapan=penetapan
            )
            out.append(
                (
                    code,
                    ok,
                    _("%(name)s berusia %(age)d tahun pada %(day)s; minimal %(min)d tahun.")
                    % {
                        "name": c.nama,
                        "age": age_on(c.tanggal_lahir, penetapan),
                        "day": human_date(penetapan),
                        "min": minimum,
                    },
                )
            )
    return out


def _nomination_rule(pair: Pair) -> tuple[str, bool, str]:
    reason = _nomination_reason(pair)
    code = "dukungan" if pair.is_independent else "ambang_batas"
    if reason is None:
        if pair.is_independent:
            s = support_result(pair=pair, stage="final")
            note = _(
                "%(counted)s dukungan memenuhi syarat (minimal %(minimum)s), di %(areas)d "
                "wilayah (minimal %(needed)d)."
            ) % {
                "counted": f"{s.counted:,}",
                "minimum": f"{s.minimum:,}",
                "areas": s.areas_with_support,
                "needed": s.spread_needed,
            }
        else:
            t = party_threshold(pair=pair)
            note = _("%(votes)s suara sah (%(share)s %%); diperlukan %(pct)s %% (%(needed)s).") % {
                "votes": f"{t.coalition_votes:,}",
                "share": t.share,
                "pct": t.percent,
                "needed": f"{t.votes_needed:,}",
            }
        return code, True, note
    return code, False, reason


def check_requirements(*, pair: Pair, actor) -> CheckResult:
    """Run the rule checks of a registered pair and decide when every document has been
    examined: **eligible** when every document and rule is MS, **ineligible** otherwise,
    with the reasons. Rules: each candidate's minimum age on the penetapan day of the
    schedule (:func:`pilkada.candidacy.rules.memenuhi_syarat_usia_calon`, MK 70/2024), and
    the party threshold or the independent support, read again now. While a document is
    still "received" the rules are stored but the pair stays "registered" (``decided``
    False). Audited ``candidacy.pair.check``."""
    election = pair.election
    _require(actor, election)
    level = rules.level_of_election(election.kind)
    penetapan = penetapan_date(election)
    today = clock.today()
    with transaction.atomic():
        pair = _lock(pair)
        require_open(election=election, action=VERIFY)
        if pair.status not in UNDER_EXAMINATION:
            raise PairRefused(
                "status",
                _("Persyaratan hanya diteliti untuk pasangan terdaftar (status: %(s)s).")
                % {"s": _status_label(pair.status)},
            )
        checks = [*_age_rules(pair, level, penetapan), _nomination_rule(pair)]
        rule_rows = []
        for code, ok, note in checks:
            status = PairRequirement.Status.MS if ok else PairRequirement.Status.TMS
            PairRequirement.objects.update_or_create(
                pair=pair,
                code=code,
                defaults={
                    "kind": PairRequirement.Kind.RULE,
                    "status": status,
                    "note": note,
                    "checked_by": "system",
                    "checked_on": today,
                },
            )
            rule_rows.append({"code": code, "status": str(status), "note": note})
        documents = list(pair.requirements.filter(kind=PairRequirement.Kind.DOCUMENT))
        pending = [d.code for d in documents if d.status not in ("ms", "tms")]
        reasons = [f"{document_label(d.code)}: {d.note}" for d in documents if d.status == "tms"]
        reasons += [f"{rule_label(code)}: {note}" for code, ok, note in checks if not ok]
        old_status = pair.status
        decided = not pending
        if decided:
            pair.status = Pair.Status.INELIGIBLE if reasons else Pair.Status.ELIGIBLE
            pair.status_note = "\n".join(reasons)
        else:
            pair.status, pair.status_note = Pair.Status.REGISTERED, ""
        pair.save(update_fields=["status", "status_note"])
        result = CheckResult(
            pair_id=pair.pk,
            status=pair.status,
            decided=decided,
            eligible=pair.status == Pair.Status.ELIGIBLE,
            reasons=reasons,
            pending=pending,
            rules=rule_rows,
        )
        record_audit(
            actor=actor,
            action="candidacy.pair.check",
            object_type="candidacy.Pair",
            object_id=pair.pk,
            old={"status": old_status},
            new={"status": pair.status, "penetapan": penetapan, **result.as_dict()},
        )
    return result


# ============================================================================================
# Penetapan and the ballot number draw
# ============================================================================================


@dataclass
class SetResult:
    set_on: dt.date
    pairs: list[dict]  # the published list
    not_set: list[dict]
    sha256: str

    def as_dict(self) -> dict:
        return {
            "set_on": self.set_on.isoformat(),
            "pairs": self.pairs,
            "not_set": self.not_set,
            "sha256": self.sha256,
        }


def _published_row(pair: Pair) -> dict:
    names = {c.position: c.nama for c in pair.candidates.all()}
    return {
        "id": pair.pk,
        "name": pair.name,
        "path": pair.path,
        "head": names.get("head", ""),
        "deputy": names.get("deputy", ""),
        "parties": sorted(pair.parties.values_list("party__code", flat=True)),
    }


def set_pairs(*, election, actor) -> SetResult:
    """Penetapan pasangan calon: every eligible pair of ``election`` becomes "set" in one
    transaction. Refused while a registered pair has not been decided, when no pair is
    eligible, or when the pairs were already set. Audited ``candidacy.pairs.set`` with the
    published list and its SHA-256 (canonical JSON)."""
    _require(actor, election)
    today = clock.today()
    with transaction.atomic():
        require_open(election=election, action=SET_PAIRS)
        pairs = list(Pair.objects.select_for_update().filter(election=election).order_by("id"))
        if any(p.status == Pair.Status.SET for p in pairs):
            raise PairRefused("already_set", _("Pasangan calon sudah ditetapkan."))
        undecided = [p.name for p in pairs if p.status == Pair.Status.REGISTERED]
        if undecided:
            raise PairRefused(
                "undecided",
                _("Penelitian persyaratan belum selesai untuk: %(names)s.")
                % {"names": ", ".join(undecided)},
            )
        eligible = [p for p in pairs if p.status == Pair.Status.ELIGIBLE]
        if not eligible:
            raise PairRefused("none_eligible", _("Tidak ada pasangan yang memenuhi syarat."))
        for p in eligible:
            p.status, p.set_on = Pair.Status.SET, today
        Pair.objects.bulk_update(eligible, ["status", "set_on"])
        published = [_published_row(p) for p in eligible]
        not_set = [
            {"id": p.pk, "name": p.name, "status": p.status, "note": p.status_note}
            for p in pairs
            if p.status != Pair.Status.SET
        ]
        digest = hashlib.sha256(
            json.dumps(published, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        result = SetResult(today, published, not_set, digest)
        record_audit(
            actor=actor,
            action="candidacy.pairs.set",
            object_type="schedule.Election",
            object_id=election.slug,
            new=result.as_dict(),
        )
    return result


def seeded_order(*, seed: str, election_slug: str, pair_ids) -> list[tuple[int, str]]:
    """The system's draw, reproducible by anyone: ``[(pair id, digest), ...]`` in ballot
    order (see :data:`DRAW_ALGORITHM`)."""
    digests = [
        (hashlib.sha256(f"{seed}\n{election_slug}\n{pid}".encode()).hexdigest(), pid)
        for pid in pair_ids
    ]
    return [(pid, digest) for digest, pid in sorted(digests)]


@dataclass
class DrawResult:
    method: str  # "manual" | "seeded"
    seed: str
    numbers: list[dict]  # [{"number", "pair_id", "name", "digest"?}]
    algorithm: str = ""

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "seed": self.seed,
            "algorithm": self.algorithm,
            "numbers": self.numbers,
        }


def draw_ballot_numbers(
    *, election, actor, numbers: dict | None = None, seed: str | None = None
) -> DrawResult:
    """Give every set pair a distinct ballot number 1..n, once.

    ``numbers`` {pair id: number}: the numbers drawn at the ceremony, entered by KPU (every
    set pair exactly once, the numbers exactly 1..n). ``seed``: the system draws from a
    public seed (e.g. the number announced at the ceremony) with :func:`seeded_order`.
    Audited ``candidacy.pairs.draw`` with the method, the seed and the digests."""
    if (numbers is None) == (seed is None):
        raise PairRefused("bad_input", _("Isi nomor hasil undian atau benih undian, salah satu."))
    _require(actor, election)
    with transaction.atomic():
        require_open(election=election, action=DRAW)
        pairs = list(
            Pair.objects.select_for_update()
            .filter(election=election, status=Pair.Status.SET)
            .order_by("id")
        )
        if not pairs:
            raise PairRefused("none_set", _("Belum ada pasangan calon yang ditetapkan."))
        if any(p.ballot_number is not None for p in pairs):
            raise PairRefused("already_drawn", _("Nomor urut sudah diundi."))
        by_id = {p.pk: p for p in pairs}
        if numbers is not None:
            assigned, digests, method, seed_text = _manual(numbers, by_id), {}, "manual", ""
        else:
            seed_text = " ".join(str(seed).split())
            if not seed_text or len(seed_text) > 200:
                raise PairRefused(
                    "bad_input", _("Benih undian wajib diisi (paling banyak 200 karakter).")
                )
            order = seeded_order(seed=seed_text, election_slug=election.slug, pair_ids=by_id)
            assigned = {pid: i for i, (pid, _d) in enumerate(order, 1)}
            digests = dict(order)
            method = "seeded"
        for pid, number in assigned.items():
            by_id[pid].ballot_number = number
        Pair.objects.bulk_update(pairs, ["ballot_number"])
        rows = [
            {
                "number": n,
                "pair_id": pid,
                "name": by_id[pid].name,
                **({"digest": digests[pid]} if digests else {}),
            }
            for pid, n in sorted(assigned.items(), key=lambda kv: kv[1])
        ]
        result = DrawResult(method, seed_text, rows, DRAW_ALGORITHM if method == "seeded" else "")
        record_audit(
            actor=actor,
            action="candidacy.pairs.draw",
            object_type="schedule.Election",
            object_id=election.slug,
            new=result.as_dict(),
        )
    return result


def _manual(numbers: dict, by_id: dict[int, Pair]) -> dict[int, int]:
    try:
        assigned = {int(k): int(v) for k, v in numbers.items()}
    except (TypeError, ValueError):
        raise PairRefused("bad_input", _("Nomor urut harus bilangan bulat.")) from None
    reasons = []
    unknown = sorted(set(assigned) - set(by_id))
    if unknown:
        reasons.append(
            _("Bukan pasangan yang ditetapkan: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
        )
    missing = [by_id[pid].name for pid in sorted(set(by_id) - set(assigned))]
    if missing:
        reasons.append(_("Belum diberi nomor: %(names)s.") % {"names": ", ".join(missing)})
    n = len(by_id)
    if sorted(assigned.values()) != list(range(1, n + 1)):
        reasons.append(
            _("Nomor urut harus 1 sampai %(n)d, masing-masing tepat satu kali.") % {"n": n}
        )
    if reasons:
        raise PairRefused("bad_numbers", _("Nomor urut tidak diterima."), reasons)
    return assigned
