"""The public application to an ad hoc body (issue 5 part 2): submit, correct, replace a
document, withdraw and reinstate -- every write with its audit entry in the same transaction.

* An application is open while the stage action ``adhoc.apply`` is (PKPU 2/2024: the
  formation of the ad hoc bodies, 17 April - 5 November 2024); every write asks the gate.
* The applicant gets a public application number (on the announcements) and a random
  access code, shown once and sent by mail when an email is given; only the code's hash
  (Django's password hasher) is stored. Nothing in either is derived from the NIK.
* The audit actor is the applicant, ``applicant:<number>``; personal data in the audit
  values (NIK, NKK, name, birth date, address, phone, email) is masked
  (:mod:`pilkada.core.masking`): the permanent log says what changed, never the full value.
* A correction or a replaced document puts the system's checks back to pending (and the
  officers' document check back to unchecked): the checks run again on the new data.
* Documents are recognised by their first bytes (magic numbers), never by their name or
  the browser's content type; their size is bounded and their SHA-256 kept.

Every refusal is an :class:`ApplicationRefused` naming the fields and a message for each.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.core.mail import mail_enabled, send_after_commit
from pilkada.core.masking import mask_address, mask_birth_date, mask_name, mask_nik
from pilkada.engine.nik import NikError, nik_date_agrees, validate_nik, validate_nkk
from pilkada.regions.models import Region
from pilkada.schedule.gate import require_open

from ..models import Application, ApplicationDocument, Body, Member, Opening
from ..models.applications import Education

log = logging.getLogger("pilkada.adhoc.apply")

__all__ = [
    "APPLY_ACTION",
    "CODE_ALPHABET",
    "EDITABLE_FIELDS",
    "REQUIRED_DOCUMENTS",
    "ApplicationRefused",
    "Submission",
    "correct_application",
    "field_errors",
    "normalise_access_code",
    "normalise_number",
    "reinstate_application",
    "replace_document",
    "sniff_content_type",
    "submit_application",
    "withdraw_application",
]

APPLY_ACTION = "adhoc.apply"  # the stage action (schedule)

#: Crockford's base32 without I, L, O, U: a number or code read over the phone is not misheard.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: The application number's prefix per body (the number is public: on announcements).
NUMBER_PREFIX = {Body.PPK: "PPK", Body.PPS: "PPS", Body.KPPS: "KPPS", Body.PANTARLIH: "PTL"}
NUMBER_RANDOM = 8  # 40 random bits: numbers cannot be guessed in sequence
CODE_LENGTH = 12  # 60 random bits, and every try is rate-limited

#: The documents the form asks for; the statement letter may be added.
REQUIRED_DOCUMENTS = (
    ApplicationDocument.Kind.KTP,
    ApplicationDocument.Kind.DIPLOMA,
    ApplicationDocument.Kind.HEALTH,
)
DOCUMENT_KINDS = tuple(ApplicationDocument.Kind.values)

#: The leading bytes of each type a setting may accept (PILKADA_ADHOC_DOCUMENT_TYPES).
MAGIC: tuple[tuple[str, bytes, int], ...] = (
    ("application/pdf", b"%PDF-", 0),
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/gif", b"GIF8", 0),
    ("image/webp", b"WEBP", 8),  # RIFF....WEBP
)
EXTENSION = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}

#: The fields of the form, in order; an applicant may correct all of them (not the body).
EDITABLE_FIELDS = (
    "region_code", "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin",
    "status_kawin", "alamat", "rt", "rw", "domicile_code", "phone", "email", "education",
    "health_statement", "party_statement", "previous_service", "previous_terms",
)  # fmt: skip

MAX_NAME = 200
MAX_PLACE = 100
MAX_ADDRESS = 255
MAX_PHONE = 20
MAX_SERVICE = 2000
MAX_TERMS = 20
_PHONE_RE = re.compile(r"\+?[0-9 ().-]+")
PHONE_DIGITS = (8, 15)
_LETTER_RE = re.compile(r"[^\W\d_]")


class ApplicationRefused(ValidationError):
    """The application (or its change) was refused; nothing was recorded.

    ``fields`` maps a form field ("" for the whole form) to its message; ``codes`` are stable
    codes for tests and the CLI."""

    def __init__(self, errors: dict[str, tuple[str, str]]):
        self.fields = {name: message for name, (_code, message) in errors.items()}
        self.codes = [code for code, _message in errors.values()]
        super().__init__([ValidationError(m, code=c) for c, m in errors.values()])


@dataclass
class Submission:
    """What :func:`submit_application` gives back: the application, the access code (shown
    once, never stored) and the mail: "none" (no email), "pending" (sent after commit),
    "sent" or "failed"."""

    application: Application
    access_code: str
    mail: str = "none"
    documents: list[ApplicationDocument] = field(default_factory=list)


# --- numbers and codes ----------------------------------------------------------------------


def _random(n: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def new_number(body: str) -> str:
    """``KPPS-7K3M-Q9XA``: the body's prefix and 40 random bits."""
    chars = _random(NUMBER_RANDOM)
    return f"{NUMBER_PREFIX[body]}-{chars[:4]}-{chars[4:]}"


def new_access_code() -> str:
    """``XXXX-XXXX-XXXX``: 60 random bits from :mod:`secrets`."""
    chars = _random(CODE_LENGTH)
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


_CROCKFORD_READ = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper()[:64])


def normalise_access_code(text: str) -> str:
    """The code as hashed: upper case, without spaces or dashes, I/L read as 1 and O as 0
    (Crockford), so a code typed from paper or read over the phone still matches."""
    return _alnum(text).translate(_CROCKFORD_READ)


def normalise_number(text: str) -> str:
    """An application number as stored (``KPPS-7K3M-Q9XA``) from what was typed (case,
    spaces and dashes do not matter)."""
    raw = _alnum(text)
    prefix, rest = raw[:-NUMBER_RANDOM], raw[-NUMBER_RANDOM:].translate(_CROCKFORD_READ)
    if len(raw) <= NUMBER_RANDOM or prefix not in NUMBER_PREFIX.values():
        return raw
    return f"{prefix}-{rest[:4]}-{rest[4:]}"


# --- documents ----------------------------------------------------------------------------


def sniff_content_type(head: bytes) -> str | None:
    """The type of a file from its first bytes, or None when it is none of :data:`MAGIC`."""
    for content_type, magic, offset in MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return content_type
    return None


@dataclass
class _Upload:
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _read_upload(kind: str, upload) -> tuple[_Upload | None, tuple[str, str] | None]:
    """Check one uploaded file: size first (before reading it), then the type by its first
    bytes. Returns the upload or (code, message)."""
    limit = int(settings.PILKADA_ADHOC_DOCUMENT_MAX_BYTES)
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        return None, (
            "document_too_large",
            _("Berkas terlalu besar (%(size)s); paling besar %(max)s.")
            % {"size": _human_size(size), "max": _human_size(limit)},
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        return None, (
            "document_too_large",
            _("Berkas terlalu besar; paling besar %(max)s.") % {"max": _human_size(limit)},
        )
    if not data:
        return None, ("document_empty", _("Berkas kosong."))
    content_type = sniff_content_type(data[:16])
    allowed = tuple(settings.PILKADA_ADHOC_DOCUMENT_TYPES)
    if content_type is None or content_type not in allowed:
        names = ", ".join(EXTENSION.get(t, t).lstrip(".").upper() for t in allowed)
        return None, (
            "document_type",
            _("Jenis berkas tidak diterima: unggah berkas %(types)s (dipindai atau difoto).")
            % {"types": names},
        )
    name = os.path.basename(getattr(upload, "name", "") or "")[:255]
    return _Upload(
        kind=kind,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    ), None


def _check_uploads(
    documents: dict, *, required: tuple[str, ...], errors: dict
) -> dict[str, _Upload]:
    checked: dict[str, _Upload] = {}
    for kind in DOCUMENT_KINDS:
        upload = documents.get(kind)
        if upload is None:
            if kind in required:
                errors[f"doc_{kind}"] = (
                    "document_missing",
                    _("Unggah %(document)s.") % {"document": ApplicationDocument.Kind(kind).label},
                )
            continue
        ok, error = _read_upload(kind, upload)
        if error:
            errors[f"doc_{kind}"] = error
        else:
            checked[kind] = ok
    return checked


def _store(application: Application, upload: _Upload) -> ApplicationDocument:
    """Write the file under a random name (never the applicant's file name, which may carry
    personal data) and its row."""
    document = ApplicationDocument(
        application=application,
        kind=upload.kind,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
    )
    name = secrets.token_hex(16) + EXTENSION.get(upload.content_type, "")
    document.file.save(name, ContentFile(upload.data), save=False)
    return document


def _remove_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - a file already gone is not an error
            log.warning("could not remove an application document file")


# --- the form's fields ----------------------------------------------------------------------


def _nik_message(errors, *, what: str) -> str:
    first = errors[0]
    if first == NikError.EMPTY:
        return _("%(what)s wajib diisi.") % {"what": what}
    if first == NikError.WRONG_LENGTH:
        return _("%(what)s harus terdiri dari 16 angka.") % {"what": what}
    if first == NikError.NON_DIGIT:
        return _("%(what)s hanya berisi angka (16 angka, tanpa huruf).") % {"what": what}
    return _(
        "Ini bukan %(what)s yang sah: periksa lagi angkanya dengan KTP-el atau Kartu Keluarga."
    ) % {"what": what}


def _text(data: dict, name: str) -> str:
    return " ".join(str(data.get(name) or "").split())


def clean_fields(*, election, body: str, data: dict, today) -> dict:
    """The cleaned values of the form's fields (:data:`EDITABLE_FIELDS`), or
    :class:`ApplicationRefused` naming every bad field. ``data`` holds Python values
    (``tanggal_lahir`` a date, the statements booleans, ``previous_terms`` an int)."""
    values, errors = _clean_fields(election=election, body=body, data=data, today=today)
    if errors:
        raise ApplicationRefused(errors)
    return values


def field_errors(*, election, body: str, data: dict, today=None) -> dict[str, str]:
    """The messages of :func:`clean_fields` for ``data``, without raising: for a page that
    could not read some fields itself (a date it could not parse) and wants to show every
    other error at once. Validates only; records nothing."""
    _values, errors = _clean_fields(
        election=election, body=body, data=data, today=today or clock.today()
    )
    return {name: message for name, (_code, message) in errors.items()}


def _clean_fields(*, election, body: str, data: dict, today) -> tuple[dict, dict]:
    errors: dict[str, tuple[str, str]] = {}
    out: dict = {}
    if body not in Body.values:
        return out, {"body": ("body_invalid", _("Pilih badan yang dilamar."))}

    region_code = str(data.get("region_code") or "").strip()
    if not region_code:
        errors["region_code"] = ("area_missing", _("Pilih wilayah kerja yang dilamar."))
    elif not Opening.objects.filter(election=election, body=body, region_code=region_code).exists():
        errors["region_code"] = (
            "area_not_open",
            _("Tidak ada formasi %(body)s di wilayah itu: pilih wilayah dari daftar.")
            % {"body": Body(body).label},
        )
    out["region_code"] = region_code

    nik, nik_errors = validate_nik(str(data.get("nik") or ""), reference_date=today)
    if nik is None:
        errors["nik"] = ("nik_invalid", _nik_message(nik_errors, what=_("NIK")))
    out["nik"] = nik.nik if nik else ""
    nkk, nkk_errors = validate_nkk(str(data.get("nkk") or ""))
    if nkk is None:
        errors["nkk"] = ("nkk_invalid", _nik_message(nkk_errors, what=_("Nomor KK")))
    out["nkk"] = nkk.nkk if nkk else ""

    nama = _text(data, "nama")
    if not nama or not _LETTER_RE.search(nama):
        errors["nama"] = ("name_missing", _("Nama lengkap wajib diisi, sesuai KTP-el."))
    elif len(nama) > MAX_NAME:
        errors["nama"] = ("name_too_long", _("Nama terlalu panjang."))
    out["nama"] = nama
    tempat = _text(data, "tempat_lahir")
    if not tempat:
        errors["tempat_lahir"] = ("place_missing", _("Tempat lahir wajib diisi."))
    elif len(tempat) > MAX_PLACE:
        errors["tempat_lahir"] = ("place_too_long", _("Tempat lahir terlalu panjang."))
    out["tempat_lahir"] = tempat

    born = data.get("tanggal_lahir")
    sex = str(data.get("jenis_kelamin") or "")
    if not born:
        errors["tanggal_lahir"] = ("birth_missing", _("Tanggal lahir wajib diisi."))
    elif born > today:
        errors["tanggal_lahir"] = ("birth_future", _("Tanggal lahir tidak boleh di masa depan."))
    if sex not in ("L", "P"):
        errors["jenis_kelamin"] = ("sex_missing", _("Pilih jenis kelamin."))
    if (
        nik is not None
        and born
        and "tanggal_lahir" not in errors
        and not nik_date_agrees(nik, born)
    ):
        errors["tanggal_lahir"] = (
            "nik_birth_mismatch",
            _(
                "Tanggal lahir tidak sesuai dengan NIK (angka ke-7 sampai ke-12 NIK memuat "
                "tanggal lahir): periksa NIK dan tanggal lahir dengan KTP-el."
            ),
        )
    if nik is not None and sex in ("L", "P") and nik.sex != sex:
        errors["jenis_kelamin"] = (
            "nik_sex_mismatch",
            _(
                "Jenis kelamin tidak sesuai dengan NIK (pada NIK perempuan tanggal lahir "
                "ditambah 40): periksa NIK dan jenis kelamin dengan KTP-el."
            ),
        )
    out["tanggal_lahir"] = born
    out["jenis_kelamin"] = sex

    status = str(data.get("status_kawin") or "")
    if status not in ("B", "S", "P"):
        errors["status_kawin"] = ("marital_missing", _("Pilih status perkawinan."))
    out["status_kawin"] = status

    alamat = _text(data, "alamat")
    if not alamat:
        errors["alamat"] = ("address_missing", _("Alamat wajib diisi, sesuai tempat tinggal."))
    elif len(alamat) > MAX_ADDRESS:
        errors["alamat"] = ("address_too_long", _("Alamat terlalu panjang."))
    out["alamat"] = alamat
    for name in ("rt", "rw"):
        value = str(data.get(name) or "").strip()
        if value and not (value.isdigit() and len(value) <= 3):
            errors[name] = ("rt_rw_invalid", _("RT dan RW berisi angka, paling banyak 3 angka."))
        out[name] = value.zfill(3) if value.isdigit() and len(value) <= 3 else value

    domicile = str(data.get("domicile_code") or "").strip()
    if not domicile:
        errors["domicile_code"] = ("domicile_missing", _("Pilih kelurahan/desa tempat tinggal."))
    elif not Region.objects.filter(
        code=domicile, level="kelurahan", code__startswith=election.region_code
    ).exists():
        errors["domicile_code"] = (
            "domicile_invalid",
            _("Kelurahan/desa tempat tinggal tidak dikenal di wilayah pemilihan ini."),
        )
    out["domicile_code"] = domicile

    phone = str(data.get("phone") or "").strip()
    digits = len(re.sub(r"\D", "", phone))
    if not phone:
        errors["phone"] = ("phone_missing", _("Nomor telepon wajib diisi."))
    elif (
        len(phone) > MAX_PHONE
        or not _PHONE_RE.fullmatch(phone)
        or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]
    ):
        errors["phone"] = (
            "phone_invalid",
            _("Nomor telepon hanya berisi angka (boleh diawali +), 8 sampai 15 angka."),
        )
    out["phone"] = phone
    email = str(data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("long")
        except ValidationError:
            errors["email"] = ("email_invalid", _("Alamat email tidak sah."))
    out["email"] = email

    education = str(data.get("education") or "")
    if education not in Education.values:
        errors["education"] = ("education_missing", _("Pilih pendidikan terakhir."))
    out["education"] = education
    out["health_statement"] = bool(data.get("health_statement"))
    out["party_statement"] = bool(data.get("party_statement"))

    service = str(data.get("previous_service") or "").strip()
    if len(service) > MAX_SERVICE:
        errors["previous_service"] = (
            "service_too_long",
            _("Pengalaman paling banyak %(n)d karakter.") % {"n": MAX_SERVICE},
        )
    out["previous_service"] = service
    terms = data.get("previous_terms") or 0
    try:
        terms = int(terms)
    except (TypeError, ValueError):
        terms = -1
    if not 0 <= terms <= MAX_TERMS:
        errors["previous_terms"] = (
            "terms_invalid",
            _("Jumlah periode sebelumnya: angka 0 sampai %(n)d.") % {"n": MAX_TERMS},
        )
    out["previous_terms"] = terms
    return out, errors


def _duplicate_error() -> dict[str, tuple[str, str]]:
    return {
        "nik": (
            "duplicate",
            _(
                "NIK ini sudah terdaftar sebagai pelamar badan ini pada pemilihan ini; satu "
                "orang hanya dapat mendaftar satu kali untuk setiap badan. Jika itu lamaran "
                "Anda, buka lamaran dengan nomor pendaftaran dan kode akses Anda untuk "
                "memperbaikinya."
            ),
        )
    }


# --- audit values ---------------------------------------------------------------------------


def _mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return "*" * max(0, len(digits) - 3) + digits[-3:] if digits else ""


def _mask_email(value: str) -> str:
    if not value or "@" not in value:
        return ""
    local, domain = value.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


_MASKS = {
    "nik": mask_nik,
    "nkk": mask_nik,
    "nama": mask_name,
    "tempat_lahir": mask_name,
    "tanggal_lahir": mask_birth_date,
    "alamat": lambda v: mask_address(v),
    "phone": _mask_phone,
    "email": _mask_email,
}


def audit_value(name: str, value):
    """A field's value as the audit log keeps it: personal data masked."""
    mask = _MASKS.get(name)
    if mask is not None:
        return mask(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _snapshot(application: Application, names=EDITABLE_FIELDS) -> dict:
    return {n: audit_value(n, getattr(application, n)) for n in names}


def _actor(application: Application) -> str:
    return f"applicant:{application.number}"


# --- submit ---------------------------------------------------------------------------------


def submit_application(
    *, election, body: str, data: dict, documents: dict, today=None
) -> Submission:
    """Record a new application to ``body`` with the form's ``data`` and ``documents``
    ({kind: uploaded file}: KTP-el, ijazah and surat sehat required). Raises ``StageClosed``
    outside ``adhoc.apply`` and :class:`ApplicationRefused` for bad input or a NIK that
    already applied to this body (the message says nothing of the other application)."""
    today = today or clock.today()
    require_open(election=election, action=APPLY_ACTION, on=today)
    values, errors = _clean_fields(election=election, body=body, data=data, today=today)
    if "body" in errors:
        raise ApplicationRefused(errors)
    uploads = _check_uploads(documents or {}, required=REQUIRED_DOCUMENTS, errors=errors)
    if (
        "nik" not in errors
        and Application.objects.filter(election=election, body=body, nik=values["nik"]).exists()
    ):
        errors.update(_duplicate_error())
    if errors:
        raise ApplicationRefused(errors)
    code = new_access_code()
    saved: list[str] = []
    try:
        with transaction.atomic():
            require_open(election=election, action=APPLY_ACTION, on=today)
            application = _create(
                election=election, body=body, values=values, code=code, today=today
            )
            stored = []
            for upload in uploads.values():
                document = _store(application, upload)
                saved.append(document.file.name)
                stored.append(document)
            ApplicationDocument.objects.bulk_create(stored)
            record_audit(
                actor=_actor(application),
                action="adhoc.application.submit",
                object_type="adhoc.Application",
                object_id=application.pk,
                new={
                    "number": application.number,
                    "body": body,
                    **_snapshot(application),
                    "documents": {
                        d.kind: {"sha256": d.sha256, "size": d.size, "type": d.content_type}
                        for d in stored
                    },
                },
            )
            submission = Submission(application=application, access_code=code, documents=stored)
            if application.email:
                _queue_mail(submission)
    except IntegrityError:
        _remove_files(saved)
        # Two submissions of one NIK at once: the database's constraint decides.
        if Application.objects.filter(election=election, body=body, nik=values["nik"]).exists():
            raise ApplicationRefused(_duplicate_error()) from None
        raise
    except BaseException:
        _remove_files(saved)
        raise
    return submission


def _create(*, election, body: str, values: dict, code: str, today) -> Application:
    hashed = make_password(normalise_access_code(code))
    for _attempt in range(5):
        number = new_number(body)
        if Application.objects.filter(number=number).exists():
            continue
        try:
            with transaction.atomic():  # a savepoint: a number taken meanwhile is retried
                return Application.objects.create(
                    election=election, body=body, number=number, access_code_hash=hashed,
                    submitted_on=today, **values,
                )  # fmt: skip
        except IntegrityError:
            if not Application.objects.filter(number=number).exists():
                raise
    raise RuntimeError("no free application number after 5 tries")  # pragma: no cover


# --- mail -----------------------------------------------------------------------------------


def _queue_mail(submission: Submission) -> None:
    """Send the number and the access code once the application is committed. A mail that
    fails is logged (without the address) and the page says so; the application stands."""
    application = submission.application
    if not mail_enabled():
        submission.mail = "failed"
        return
    context = {
        "number": application.number,
        "access_code": submission.access_code,
        "body": application.get_body_display(),
        "region_code": application.region_code,
        "election": application.election.name,
    }
    subject = _("Nomor pendaftaran badan ad hoc %(number)s") % {"number": application.number}
    text = render_to_string("adhoc/apply/receipt_mail.txt", context)
    send_after_commit(
        subject=subject, text=text, to=application.email, record=submission,
        what="application receipt", log=log,
    )  # fmt: skip


# --- the applicant's changes ----------------------------------------------------------------


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("election").get(pk=application.pk)


def _require_changeable(application: Application, *, withdrawing: bool = False) -> None:
    if Member.objects.filter(application=application).exists():
        raise ApplicationRefused(
            {
                "": (
                    "seated",
                    _("Anda sudah ditetapkan sebagai anggota: lamaran tidak dapat diubah."),
                )
            }
        )
    if withdrawing:
        return
    if application.state == Application.State.WITHDRAWN:
        raise ApplicationRefused(
            {"": ("withdrawn", _("Lamaran ini sudah ditarik: aktifkan kembali untuk mengubahnya."))}
        )
    if application.result:
        raise ApplicationRefused(
            {
                "": (
                    "ranked",
                    _(
                        "Hasil seleksi lamaran ini sudah diumumkan: perubahan data hanya "
                        "melalui panitia (KPU/PPS setempat)."
                    ),
                )
            }
        )


def _reset_checks(application: Application) -> list[str]:
    application.eligibility = Application.Check.PENDING
    application.eligibility_reasons = ""
    application.eligibility_warnings = ""
    application.eligibility_checked_at = None
    application.register_voter_id = None
    application.documents_ok = None
    return [
        "eligibility", "eligibility_reasons", "eligibility_warnings", "eligibility_checked_at",
        "register_voter_id", "documents_ok",
    ]  # fmt: skip


def _check_state(application: Application) -> dict:
    return {
        "eligibility": application.eligibility,
        "eligibility_reasons": application.eligibility_reasons,
        "documents_ok": application.documents_ok,
    }


def correct_application(*, application: Application, data: dict, today=None) -> list[str]:
    """Correct the applicant's own application with the whole form's ``data`` (a NIK or NKK
    left empty keeps the one on file). Returns the names of the fields that changed
    (empty: nothing to do, nothing recorded). A change puts the checks back to pending."""
    today = today or clock.today()
    election = application.election
    require_open(election=election, action=APPLY_ACTION, on=today)
    with transaction.atomic():
        current = _locked(application)
        _require_changeable(current)
        merged = dict(data)
        for name in ("nik", "nkk"):
            if not str(merged.get(name) or "").strip():
                merged[name] = getattr(current, name)
        values = clean_fields(election=election, body=current.body, data=merged, today=today)
        if (
            values["nik"] != current.nik
            and Application.objects.filter(election=election, body=current.body, nik=values["nik"])
            .exclude(pk=current.pk)
            .exists()
        ):
            raise ApplicationRefused(_duplicate_error())
        changed = [n for n in EDITABLE_FIELDS if getattr(current, n) != values[n]]
        if not changed:
            return []
        old = {**_snapshot(current, changed), **_check_state(current)}
        for name in changed:
            setattr(current, name, values[name])
        reset = _reset_checks(current)
        try:
            with transaction.atomic():
                current.save(update_fields=[*changed, *reset, "updated_at"])
        except IntegrityError:
            raise ApplicationRefused(_duplicate_error()) from None
        record_audit(
            actor=_actor(current),
            action="adhoc.application.correct",
            object_type="adhoc.Application",
            object_id=current.pk,
            old=old,
            new={**_snapshot(current, changed), **_check_state(current)},
        )
    _refresh(application, current)
    return changed


def replace_document(*, application: Application, kind: str, upload, today=None):
    """Put a new file in place of the applicant's document of ``kind`` (or add the optional
    one). The old file is removed after commit; the checks go back to pending."""
    today = today or clock.today()
    if kind not in DOCUMENT_KINDS:
        raise ApplicationRefused({"kind": ("kind_invalid", _("Jenis dokumen tidak dikenal."))})
    require_open(election=application.election, action=APPLY_ACTION, on=today)
    errors: dict = {}
    checked = _check_uploads({kind: upload}, required=(kind,), errors=errors)
    if errors:
        raise ApplicationRefused({"file": next(iter(errors.values()))})
    new = checked[kind]
    saved: list[str] = []
    try:
        with transaction.atomic():
            current = _locked(application)
            _require_changeable(current)
            previous = ApplicationDocument.objects.filter(application=current, kind=kind).first()
            old_check = _check_state(current)
            document = _store(current, new)
            saved.append(document.file.name)
            if previous is not None:
                old_name = previous.file.name
                old = {
                    "sha256": previous.sha256,
                    "size": previous.size,
                    "type": previous.content_type,
                }
                previous.file = document.file.name
                for name in ("original_name", "content_type", "size", "sha256"):
                    setattr(previous, name, getattr(document, name))
                previous.save()
                document = previous
                transaction.on_commit(lambda: _remove_files([old_name]))
            else:
                old = None
                document.save()
            reset = _reset_checks(current)
            current.save(update_fields=[*reset, "updated_at"])
            record_audit(
                actor=_actor(current),
                action="adhoc.application.document_replace",
                object_type="adhoc.Application",
                object_id=current.pk,
                old={"kind": kind, "document": old, **old_check},
                new={
                    "kind": kind,
                    "document": {
                        "sha256": document.sha256, "size": document.size,
                        "type": document.content_type,
                    },
                    **_check_state(current),
                },
            )  # fmt: skip
    except BaseException:
        _remove_files(saved)
        raise
    _refresh(application, current)
    return document


def withdraw_application(*, application: Application, today=None) -> bool:
    """The applicant withdraws (while the window is open, before being seated). Returns
    False when it was already withdrawn (nothing recorded)."""
    today = today or clock.today()
    require_open(election=application.election, action=APPLY_ACTION, on=today)
    with transaction.atomic():
        current = _locked(application)
        _require_changeable(current, withdrawing=True)
        if current.state == Application.State.WITHDRAWN:
            return False
        current.state = Application.State.WITHDRAWN
        current.save(update_fields=["state", "updated_at"])
        record_audit(
            actor=_actor(current),
            action="adhoc.application.withdraw",
            object_type="adhoc.Application",
            object_id=current.pk,
            old={"state": Application.State.SUBMITTED, "result": current.result},
            new={"state": Application.State.WITHDRAWN},
        )
    _refresh(application, current)
    return True


def reinstate_application(*, application: Application, today=None) -> bool:
    """Undo a withdrawal while the window is open (one NIK has one application per body,
    so an applicant who changes their mind reinstates rather than applies again). The
    checks run again. Returns False when it was not withdrawn."""
    today = today or clock.today()
    require_open(election=application.election, action=APPLY_ACTION, on=today)
    with transaction.atomic():
        current = _locked(application)
        _require_changeable(current, withdrawing=True)
        if current.state != Application.State.WITHDRAWN:
            return False
        old_check = _check_state(current)
        current.state = Application.State.SUBMITTED
        reset = _reset_checks(current)
        current.save(update_fields=["state", *reset, "updated_at"])
        record_audit(
            actor=_actor(current),
            action="adhoc.application.reinstate",
            object_type="adhoc.Application",
            object_id=current.pk,
            old={"state": Application.State.WITHDRAWN, **old_check},
            new={"state": Application.State.SUBMITTED, **_check_state(current)},
        )
    _refresh(application, current)
    return True


def _refresh(target: Application, source: Application) -> None:
    for f in Application._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
