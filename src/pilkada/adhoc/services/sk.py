"""The decision (SK) listing of the selected members as a PDF (issue 5 part 4).

KPU kab/kota decides the PPK and PPS members (per kecamatan/kelurahan, or for the whole kab/kota
at once), the PPS the KPPS and Pantarlih of its TPS. The listing attached to the decision names
each selected applicant with the application number, name, sex and work area, under the title,
number and date the officer gives. The PDF is stored under ``DATA_DIR/adhoc/sk/`` and never
overwritten: a correction is a new version, the old stays; each version's SHA-256 is in the
audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from fpdf import FPDF

from pilkada.audit.services import record_audit
from pilkada.regions.models import Region
from pilkada.schedule.gate import require_open

from ..access import require_for_body
from ..models import Application, Body

__all__ = ["SK_LEVELS", "SkRefused", "SkResult", "generate_sk", "sk_dir", "sk_files"]

APPOINT_ACTION = "adhoc.appoint"
PERMISSION = "adhoc.seat"
#: The region code lengths an SK may cover per body: the area itself, or the kab/kota (PPK,
#: PPS) or the kelurahan (KPPS, Pantarlih: one PPS decides all its TPS).
SK_LEVELS: dict[str, tuple[int, ...]] = {
    Body.PPK: (6, 4),
    Body.PPS: (10, 4),
    Body.KPPS: (13, 10),
    Body.PANTARLIH: (13, 10),
}
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
_FILE_RE = re.compile(r"^(?P<body>[a-z]+)-(?P<region>\d{2,13})-v(?P<version>\d+)\.pdf$")
SEX = {"L": "Laki-laki", "P": "Perempuan"}


class SkRefused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class SkResult:
    file: str  # relative to DATA_DIR
    sha256: str
    version: int
    members: int
    body: str
    region_code: str

    def as_dict(self) -> dict:
        return {
            "file": self.file, "sha256": self.sha256, "version": self.version,
            "members": self.members, "body": self.body, "region_code": self.region_code,
        }  # fmt: skip


def sk_dir(election) -> Path:
    return Path(settings.DATA_DIR) / "adhoc" / "sk" / election.slug


def sk_files(election, *, user=None) -> list[dict]:
    """The SK versions on disk (newest first), only those of bodies and regions ``user`` may
    decide when given."""
    from ..access import can_for_body

    folder = sk_dir(election)
    out = []
    for path in sorted(folder.glob("*.pdf")) if folder.exists() else []:
        m = _FILE_RE.match(path.name)
        if not m:
            continue
        if user is not None and not can_for_body(
            user, PERMISSION, body=m["body"], region_code=m["region"]
        ):
            continue
        out.append({"name": path.name, "body": m["body"], "region_code": m["region"],
                    "version": int(m["version"]), "size": path.stat().st_size})  # fmt: skip
    return sorted(out, key=lambda r: (r["body"], r["region_code"], -r["version"]))


def _selected(election, body: str, region_code: str) -> list[tuple]:
    rows = (
        Application.objects.filter(
            election=election, body=body, region_code__startswith=region_code,
            state=Application.State.SUBMITTED, result=Application.Result.SELECTED,
        )
        .order_by("region_code", "rank", "number")
        .values_list("region_code", "number", "nama", "jenis_kelamin")
    )  # fmt: skip
    return list(rows)


def _area_names(codes: set[str]) -> dict[str, str]:
    """Region name of each area code; a TPS as 'TPS 001 <kelurahan>'."""
    wanted = {c[:10] if len(c) == 13 else c for c in codes}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    out = {}
    for code in codes:
        if len(code) == 13:
            out[code] = f"TPS {code[10:]} {names.get(code[:10], code[:10])}"
        else:
            out[code] = names.get(code, code)
    return out


class _Pdf(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font(self.font_name, size=8)
        self.cell(0, 8, f"{self.footer_text} - {self.page_no()}/{{nb}}", align="C")


def _pdf(*, title: str, number: str, date: dt.date, heading: str, rows: list[tuple],
         names: dict[str, str]) -> bytes:  # fmt: skip
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_creator("pilkada")
    pdf.set_creation_date(dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC))
    font = next((Path(d) for d in _FONT_DIRS if (Path(d) / "DejaVuSans.ttf").exists()), None)
    if font is not None:
        pdf.add_font("DejaVu", "", str(font / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(font / "DejaVuSans-Bold.ttf"))
        pdf.font_name = "DejaVu"
    else:  # pragma: no cover - core font: Latin-1 only
        pdf.font_name = "helvetica"
    pdf.footer_text = f"Lampiran {number}"
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 12)
    pdf.multi_cell(0, 6, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.font_name, "", 10)
    pdf.cell(0, 6, f"Nomor: {number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Tanggal: {date.isoformat()}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(0, 6, heading, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (10, 38, 62, 22, 58)
    header = ("No", "Nomor pendaftaran", "Nama", "L/P", "Wilayah kerja")
    pdf.set_font(pdf.font_name, "B", 9)
    for w, text in zip(widths, header, strict=True):
        pdf.cell(w, 7, text, border=1, align="C")
    pdf.ln()
    pdf.set_font(pdf.font_name, "", 9)
    for i, (code, app_number, nama, sex) in enumerate(rows, start=1):
        cells = (str(i), app_number, nama, SEX.get(sex, sex), f"{names.get(code, code)} ({code})")
        for w, text in zip(widths, cells, strict=True):
            pdf.cell(w, 6, _fit(pdf, text, w - 2), border=1)
        pdf.ln()
    pdf.ln(4)
    pdf.cell(0, 6, f"Jumlah: {len(rows)} orang", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def generate_sk(*, election, actor, body: str, region_code: str, number: str, date: dt.date,
                title: str = "") -> SkResult:  # fmt: skip
    """Write the SK listing of the selected applicants of ``body`` under ``region_code`` as a
    new PDF version; its SHA-256 goes into the audit entry. Only while ``adhoc.appoint`` is
    open."""
    require_open(election=election, action=APPOINT_ACTION)
    if body not in Body.values:
        raise SkRefused("unknown_body", f"unknown body {body!r}: {', '.join(Body.values)}")
    region_code = (region_code or "").strip()
    if len(region_code) not in SK_LEVELS[body] or not region_code.isdigit():
        raise SkRefused(
            "bad_region",
            f"an SK for {body} covers a region code of "
            f"{' or '.join(str(n) for n in SK_LEVELS[body])} digits, not {region_code!r}",
        )
    if not region_code.startswith(election.region_code):
        raise SkRefused("bad_region", f"{region_code} is outside the election's region")
    number = (number or "").strip()
    if not number:
        raise SkRefused("no_number", "the SK needs its number")
    if actor is not None and not isinstance(actor, str):
        require_for_body(actor, PERMISSION, body=body, region_code=region_code)
    rows = _selected(election, body, region_code)
    if not rows:
        raise SkRefused(
            "nobody_selected", f"no selected applicant of {body} in {region_code}: rank first"
        )
    region_name = _area_names({region_code})[region_code]
    label = Body(body).label
    title = (title or "").strip() or f"Keputusan tentang Penetapan Anggota {label}"
    heading = f"Daftar anggota {label} terpilih - {region_name} ({region_code})"
    content = _pdf(title=title, number=number, date=date, heading=heading, rows=rows,
                   names=_area_names({r[0] for r in rows}))  # fmt: skip
    digest = hashlib.sha256(content).hexdigest()
    folder = sk_dir(election)
    folder.mkdir(parents=True, exist_ok=True)
    base = Path(settings.DATA_DIR)
    with transaction.atomic():
        version = 1 + max(
            (int(m["version"]) for p in folder.glob(f"{body}-{region_code}-v*.pdf")
             if (m := _FILE_RE.match(p.name)) and m["region"] == region_code),
            default=0,
        )  # fmt: skip
        while True:
            target = folder / f"{body}-{region_code}-v{version}.pdf"
            try:
                with open(target, "xb") as f:  # never overwrite a version
                    f.write(content)
                break
            except FileExistsError:
                version += 1
        try:
            record_audit(
                actor=actor,
                action="adhoc.sk_generate",
                object_type="schedule.Election",
                object_id=election.pk,
                new={
                    "body": body, "region_code": region_code, "number": number,
                    "date": date.isoformat(), "title": title, "version": version,
                    "file": str(target.relative_to(base)), "sha256": digest,
                    "members": len(rows),
                },
            )  # fmt: skip
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return SkResult(file=str(target.relative_to(base)), sha256=digest, version=version,
                    members=len(rows), body=body, region_code=region_code)  # fmt: skip


def sk_path(election, name: str, *, user=None) -> Path:
    """The path of an SK version by file name, if ``user`` may see it (PermissionDenied) and
    it exists (FileNotFoundError)."""
    from ..access import can_for_body

    m = _FILE_RE.match(name or "")
    if not m:
        raise FileNotFoundError(name)
    if user is not None and not can_for_body(user, PERMISSION, body=m["body"],
                                             region_code=m["region"]):  # fmt: skip
        raise PermissionDenied(f"{PERMISSION} on {m['body']} {m['region']}")
    path = sk_dir(election) / name
    if not path.is_file():
        raise FileNotFoundError(name)
    return path
