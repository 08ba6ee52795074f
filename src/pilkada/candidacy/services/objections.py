"""Objections from cek NIK dukungan: "Saya tidak memberikan dukungan ini" (issue 4 part 7).

A citizen whose NIK is listed as supporting a pair objects, with contact details, a
declaration and consent to the use of their data. The objection:

* is recorded as a :class:`SupportObjection` per pair (on the pair's first listing of the
  NIK), with a random receipt number the citizen keeps (never derived from the NIK);
* marks every listed row of that pair for the NIK ``objected``: the support is TMS pending
  verifikasi faktual (:func:`pilkada.candidacy.rules.status_dukungan`), and a row that
  passed verifikasi administrasi (MS or held) is put on the PPS's verfak list;
* is in the audit log in the same transaction (supporter ids, never the NIK; the
  reporter's contact details stay in the objection row, the log says only which were given);
* is allowed while the stage action ``candidacy.support_objection`` is open.

Someone who knows another person's NIK could object in their name. The design limits the
harm rather than pretending to prevent it: the objection is a signed-style declaration
(its text is stored with it), it only holds the support for verifikasi faktual -- where the
PPS meets the supporter, who confirms or denies in person -- and a dismissed objection
cannot be filed again from the public page.

KPU may resolve an objection by hand (:func:`resolve_objection`: upheld or dismissed, with
a reason); normally verifikasi faktual settles it.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.core.mail import mail_enabled, send_after_commit
from pilkada.core.masking import mask_name
from pilkada.schedule.gate import require_open
from pilkada.voters.services.common import actor_name

from .. import rules
from ..models import SupportBatch, Supporter, SupportObjection
from ..selectors.cek_nik import SupportRow, group_supports

log = logging.getLogger("pilkada.candidacy.objections")

OBJECTION_ACTION = "candidacy.support_objection"  # the stage action (schedule)
RESOLVE_PERMISSION = "candidacy.objection_resolve"
RESOLUTIONS = (SupportObjection.Status.UPHELD, SupportObjection.Status.DISMISSED)

#: The declaration the citizen agrees to, stored verbatim with the objection (Indonesian:
#: the legal language of the form, whatever language the page was shown in). A new wording
#: gets a new version.
DECLARATION_VERSION = "1"
DECLARATION_TEXT = (
    "PERNYATAAN (versi 1): Saya menyatakan dengan sebenarnya bahwa saya adalah pemilik NIK "
    "ini dan saya tidak pernah memberikan dukungan kepada pasangan calon tersebut. Saya "
    "mengerti bahwa pernyataan ini tercatat sebagai pernyataan resmi, dapat diperiksa oleh "
    "KPU dan Bawaslu, dan bahwa keterangan palsu dapat dikenai sanksi sesuai peraturan "
    "perundang-undangan."
)

#: Crockford's base32 without I, L, O, U: a receipt read over the phone is not misheard.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_PREFIX = "KB"

MAX_NAME = 200
MAX_PHONE = 40
MAX_STATEMENT = 2000
_PHONE_RE = re.compile(r"\+?[0-9 ().-]+")
PHONE_DIGITS = (8, 15)  # a local number (08..) up to an international one (E.164)


class ObjectionRefused(ValidationError):
    """An objection (or its resolution) was refused; nothing was recorded.

    ``fields`` maps a form field ("" for the whole form) to its message, so a page can put
    each message beside its field; ``codes`` are stable codes for tests and the CLI."""

    def __init__(self, errors: dict[str, tuple[str, str]]):
        self.fields = {name: message for name, (_code, message) in errors.items()}
        self.codes = [code for code, _message in errors.values()]
        super().__init__([ValidationError(m, code=c) for c, m in errors.values()])


@dataclass
class Filing:
    """The result of :func:`file_objection`: one objection per pair, the one number the
    citizen keeps (``receipt``; each objection's own receipt is it, or it plus -1, -2 ...
    when several pairs are objected to at once) and what became of the receipt mail:
    "none" (no email given), "pending" (sent after commit), "sent" or "failed"."""

    receipt: str
    objections: list[SupportObjection] = field(default_factory=list)
    mail: str = "none"


def new_receipt() -> str:
    """``KB-XXXX-XXXX-XXXX``: 60 random bits from :mod:`secrets`, nothing from the NIK."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{RECEIPT_PREFIX}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def clean_contact(
    *,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    statement: str,
    declared: bool,
    consent: bool,
) -> dict:
    """The cleaned contact fields, or :class:`ObjectionRefused` naming every bad field."""
    name = " ".join((contact_name or "").split())
    phone = (contact_phone or "").strip()
    email = (contact_email or "").strip()
    statement = (statement or "").strip()
    errors: dict[str, tuple[str, str]] = {}
    if not name:
        errors["contact_name"] = ("name_missing", _("Nama Anda wajib diisi."))
    elif len(name) > MAX_NAME:
        errors["contact_name"] = ("name_too_long", _("Nama terlalu panjang."))
    if not phone and not email:
        errors["contact"] = (
            "contact_missing",
            _("Isi nomor telepon atau alamat email (salah satu atau keduanya)."),
        )
    digits = len(re.sub(r"\D", "", phone))
    if phone and (
        len(phone) > MAX_PHONE
        or not _PHONE_RE.fullmatch(phone)
        or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]
    ):
        errors["contact_phone"] = (
            "phone_invalid",
            _("Nomor telepon hanya berisi angka (boleh diawali +), 8 sampai 15 angka."),
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = ("email_invalid", _("Alamat email tidak sah."))
        if len(email) > 254:
            errors["contact_email"] = ("email_invalid", _("Alamat email tidak sah."))
    if len(statement) > MAX_STATEMENT:
        errors["statement"] = (
            "statement_too_long",
            _("Keterangan paling banyak %(n)d karakter.") % {"n": MAX_STATEMENT},
        )
    if not declared:
        errors["declared"] = (
            "not_declared",
            _("Centang pernyataan bahwa Anda pemilik NIK ini dan tidak memberikan dukungan."),
        )
    if not consent:
        errors["consent"] = (
            "no_consent",
            _("Centang persetujuan penggunaan data Anda untuk menindaklanjuti keberatan."),
        )
    if errors:
        raise ObjectionRefused(errors)
    return {"name": name, "phone": phone, "email": email, "statement": statement}


def _locked_rows(*, election, nik: str) -> list[Supporter]:
    return list(
        Supporter.objects.select_for_update(of=("self",))
        .filter(election=election, nik=nik)
        .exclude(batch__state=SupportBatch.State.WITHDRAWN)
        .order_by("pair_id", "round", "id")
    )


def _latest_objections(supporter_ids: list[int]) -> dict[int, str]:
    latest: dict[int, str] = {}
    for supporter_id, status in (
        SupportObjection.objects.filter(supporter_id__in=supporter_ids)
        .order_by("created_at", "id")
        .values_list("supporter_id", "status")
    ):
        latest[supporter_id] = status
    return latest


def _row_state(row: Supporter) -> dict:
    return {
        "supporter": row.pk,
        "status": row.status,
        "verfak_status": row.verfak_status,
        "objected": row.objected,
    }


def _apply_status(row: Supporter) -> None:
    row.status = rules.status_dukungan(
        vermin_status=row.vermin_status, verfak_status=row.verfak_status, objected=row.objected
    )


def file_objection(
    *,
    election,
    nik: str,
    contact_name: str,
    contact_phone: str = "",
    contact_email: str = "",
    statement: str = "",
    declared: bool,
    consent: bool,
    pair_ids: list[int] | None = None,
    actor=None,
) -> Filing:
    """Record the objection of the owner of ``nik`` (16 digits, already well formed) to the
    support listed in their name, for ``pair_ids`` (default: every pair it can be filed
    for). Raises ``StageClosed`` outside ``candidacy.support_objection`` and
    :class:`ObjectionRefused` for bad input, an unlisted NIK, or a support already objected
    to. ``actor``: the user (anonymous on the public page) or a component's name."""
    require_open(election=election, action=OBJECTION_ACTION)
    contact = clean_contact(
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        statement=statement,
        declared=declared,
        consent=consent,
    )
    wanted = None if pair_ids is None else {int(p) for p in pair_ids}
    if wanted is not None and not wanted:
        raise ObjectionRefused(
            {"pairs": ("no_pair", _("Pilih pasangan calon yang Anda sanggah dukungannya."))}
        )
    filing = Filing(receipt=new_receipt())
    today = clock.today()
    with transaction.atomic():
        rows = _locked_rows(election=election, nik=nik)
        latest = _latest_objections([r.pk for r in rows])
        supports = group_supports(
            [
                SupportRow(
                    supporter_id=r.pk, pair_id=r.pair_id, pair_name="", ballot_number=None,
                    nama=r.nama, status=r.status, vermin_status=r.vermin_status,
                    verfak_status=r.verfak_status, objected=r.objected,
                    objection=latest.get(r.pk, ""),
                )
                for r in rows
            ]
        )  # fmt: skip
        if not supports:
            raise ObjectionRefused(
                {"nik": ("not_listed", _("NIK ini tidak tercatat sebagai pendukung."))}
            )
        chosen = [s for s in supports if wanted is None or s.pair_id in wanted]
        if wanted is not None and len(chosen) != len(wanted):
            raise ObjectionRefused(
                {"pairs": ("unknown_pair", _("NIK ini tidak tercatat mendukung pasangan itu."))}
            )
        chosen = [s for s in chosen if s.objectable]
        if not chosen:
            raise ObjectionRefused(
                {
                    "pairs": (
                        "already_objected",
                        _("Keberatan atas dukungan ini sudah tercatat sebelumnya."),
                    )
                }
            )
        by_id = {r.pk: r for r in rows}
        statement_text = DECLARATION_TEXT
        if contact["statement"]:
            statement_text += "\n\nKeterangan pelapor:\n" + contact["statement"]
        for n, support in enumerate(chosen, start=1):
            receipt = filing.receipt if len(chosen) == 1 else f"{filing.receipt}-{n}"
            pair_rows = [by_id[i] for i in support.supporter_ids]
            old = [_row_state(r) for r in pair_rows]
            for row in pair_rows:
                row.objected = True
                if (
                    row.vermin_status in (Supporter.VerminStatus.MS, Supporter.VerminStatus.HELD)
                    and row.verfak_status == Supporter.VerfakStatus.NOT_APPLICABLE
                ):
                    # On the PPS's verfak list, so the supporter is met and asked.
                    row.verfak_status = Supporter.VerfakStatus.PENDING
                _apply_status(row)
            Supporter.objects.bulk_update(pair_rows, ["objected", "verfak_status", "status"])
            objection = SupportObjection.objects.create(
                election=election,
                supporter=pair_rows[0],
                pair_id=support.pair_id,
                receipt=receipt,
                contact_name=contact["name"],
                contact_phone=contact["phone"],
                contact_email=contact["email"],
                statement=statement_text,
                created_on=today,
            )
            record_audit(
                actor=actor,
                action="candidacy.objection.file",
                object_type="candidacy.SupportObjection",
                object_id=objection.pk,
                old={"supporters": old},
                new={
                    "receipt": receipt,
                    "pair": support.pair_id,
                    "supporter": pair_rows[0].pk,
                    "supporters": [_row_state(r) for r in pair_rows],
                    "status": objection.status,
                    "declaration_version": DECLARATION_VERSION,
                    "consent_data_use": True,
                    # The contact details stay in the objection row (they can be erased
                    # after the election); the permanent log says only which were given.
                    "reporter": mask_name(contact["name"]),
                    "phone_given": bool(contact["phone"]),
                    "email_given": bool(contact["email"]),
                },
            )
            filing.objections.append(objection)
        if contact["email"]:
            _queue_receipt_mail(filing, contact["email"])
    return filing


def _queue_receipt_mail(filing: Filing, email: str) -> None:
    """Send the receipt by mail once the objection is committed (never for a rolled-back
    one). The text is rendered now, in the page's language. A mail that fails is logged
    (without the address) and the page says so; the objection stands."""
    if not mail_enabled():
        filing.mail = "failed"
        return
    context = {
        "receipt": filing.receipt,
        "objections": [
            {"receipt": o.receipt, "pair": o.pair.name, "created_on": o.created_on}
            for o in filing.objections
        ],
    }
    subject = _("Tanda terima keberatan dukungan %(receipt)s") % {"receipt": filing.receipt}
    body = render_to_string("candidacy/cek_nik/receipt_mail.txt", context)
    send_after_commit(
        subject=subject, text=body, to=email, record=filing, what="objection receipt", log=log
    )


def resolve_objection(*, objection: SupportObjection, actor, status: str, note: str):
    """KPU resolves an objection by hand (normally verifikasi faktual settles it):

    * ``upheld`` -- the support is not valid: its rows stay ``objected`` and TMS;
    * ``dismissed`` -- the support stands (e.g. the supporter confirmed it in person): the
      rows are no longer ``objected`` and their status follows the checks again (MS only
      after verfak says MS).

    ``note`` (the reason) is required. Refused when the objection is not open, or -- for
    ``upheld`` -- when verfak recorded that the supporter confirmed the support (correct the
    verfak record first). A user needs ``candidacy.objection_resolve`` in the supporter's
    region; ``None`` or a component's name is the system (the command line). Audited with
    the rows' old and new status. Not bound to a stage window: a decision may come after
    the support stage closes.
    """
    if status not in RESOLUTIONS:
        raise ObjectionRefused(
            {"status": ("bad_status", _("Pilih: dibenarkan (upheld) atau tidak (dismissed)."))}
        )
    note = (note or "").strip()
    if not note:
        raise ObjectionRefused({"note": ("note_missing", _("Tuliskan alasan keputusan."))})
    if actor is not None and not isinstance(actor, str):
        supporter = objection.supporter
        permissions.require(
            actor, RESOLVE_PERMISSION, supporter.region_code or objection.election.region_code
        )
    with transaction.atomic():
        locked = SupportObjection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != SupportObjection.Status.OPEN:
            raise ObjectionRefused(
                {"": ("resolved", _("Keberatan ini sudah diputuskan sebelumnya."))}
            )
        first = locked.supporter
        rows = list(
            Supporter.objects.select_for_update()
            .filter(election_id=first.election_id, pair_id=first.pair_id, nik=first.nik)
            .order_by("round", "id")
        )
        if status == SupportObjection.Status.UPHELD and any(
            r.verfak_status == Supporter.VerfakStatus.MS for r in rows
        ):
            raise ObjectionRefused(
                {
                    "status": (
                        "verfak_confirmed",
                        _(
                            "Verifikasi faktual mencatat pendukung membenarkan dukungan: "
                            "perbaiki catatan verifikasi faktual terlebih dahulu."
                        ),
                    )
                }
            )
        # Another objection still holding these rows (filed before a double listing was
        # grouped) keeps them objected.
        others = (
            SupportObjection.objects.filter(
                supporter__in=rows,
                status__in=(SupportObjection.Status.OPEN, SupportObjection.Status.UPHELD),
            )
            .exclude(pk=locked.pk)
            .exists()
        )
        old = [_row_state(r) for r in rows]
        for row in rows:
            row.objected = status == SupportObjection.Status.UPHELD or others
            _apply_status(row)
        Supporter.objects.bulk_update(rows, ["objected", "status"])
        locked.status = status
        locked.resolution_note = note
        locked.resolved_by = actor_name(actor)[:150]
        locked.resolved_on = clock.today()
        locked.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_on"])
        record_audit(
            actor=actor,
            action="candidacy.objection.resolve",
            object_type="candidacy.SupportObjection",
            object_id=locked.pk,
            old={"status": SupportObjection.Status.OPEN.value, "supporters": old},
            new={
                "receipt": locked.receipt,
                "status": status,
                "note": note,
                "supporters": [_row_state(r) for r in rows],
            },
        )
    return locked
