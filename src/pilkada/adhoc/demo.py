"""The ad hoc bodies' part of the demo election: what `make run` shows on the recruitment
pages.

Through the app's own services, on the demo population: the openings derived from the
regions, the TPS and the register; applications for KPPS and Pantarlih at the first TPS of
the demo PPS's kelurahan, submitted through the public form's service by residents of that
kelurahan (with small placeholder PDFs as documents); the system's checks; the PPS's
document check (one application sent back for a missing page); the ranking. A small demo
population has few residents per kelurahan: residents of the rest of the kecamatan apply
too, and the checks find them outside the work area. Seating is left
for the visitor to do on `/adhoc/anggota/` as the demo PPS. The demo clock (1 July 2024)
sits inside the recruitment stage, so no window is bypassed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from pilkada.regions.models import Tps

from .models import Application

#: Applications per body at the demo TPS (KPPS has 7 seats, Pantarlih 1 or 2).
DEMO_APPLICANTS = {"kpps": 10, "pantarlih": 3}
PLACEHOLDER_PDF = b"%PDF-1.4\n% pilkada demo document\n1 0 obj<<>>endobj\n%%EOF\n"


def load_adhoc_demo(*, election, population_dir: Path, pps_username: str, say=None) -> dict:
    """Load the recruitment demo once (a second run keeps what is there)."""
    from pilkada.schedule.gate import is_open

    from .services.apply import ApplicationRefused, submit_application
    from .services.documents_check import record_documents_check
    from .services.eligibility import run_checks
    from .services.openings import derive_openings
    from .services.selection import rank

    say = say or (lambda message: None)
    if Application.objects.filter(election=election).exists():
        return {"loaded": False}
    if not is_open(election=election, action="adhoc.apply"):
        say("ad hoc demo skipped: the election clock is outside the recruitment stage")
        return {"loaded": False}
    pps = get_user_model().objects.filter(username=pps_username).first()
    tps = Tps.objects.filter(kelurahan_id=getattr(pps, "region_code", "")).order_by("code").first()
    if pps is None or tps is None:
        say("ad hoc demo skipped: no demo PPS or no TPS in its kelurahan")
        return {"loaded": False}
    say("deriving the ad hoc openings and submitting demo applications ...")
    derive_openings(election=election, actor="demo")
    people = _residents(population_dir / "dp4.csv", tps.kelurahan_id, sum(DEMO_APPLICANTS.values()))
    submitted: list[Application] = []
    rows = iter(people.iter_rows(named=True))
    for body, wanted in DEMO_APPLICANTS.items():
        done = 0
        for person in rows:
            try:
                out = submit_application(
                    election=election, body=body, data=_form(person, tps.code), documents=_docs()
                )
            except ApplicationRefused:  # a row the generator damaged on purpose
                continue
            submitted.append(out.application)
            done += 1
            if done == wanted:
                break
    run_checks(election=election, actor=pps)
    for i, application in enumerate(submitted):
        application.refresh_from_db()
        ok = i != 1  # the second one is sent back: the applicant can correct it
        record_documents_check(
            application=application, actor=pps, documents_ok=ok,
            note="" if ok else "Halaman kedua ijazah tidak terbaca; unggah ulang.",
        )  # fmt: skip
    ranked = rank(election=election, actor=pps)
    return {"loaded": True, "applications": len(submitted), "ranked": ranked}


def _residents(dp4: Path, kelurahan: str, n: int) -> pl.DataFrame:
    """Adults of 20-50 on the demo date living in ``kelurahan`` first, then elsewhere in its
    kecamatan (a small demo population has few per kelurahan: those apply from outside the
    work area and the checks say so); a few extra in case the generator damaged a row."""
    frame = (
        pl.read_csv(dp4, infer_schema=False)
        .with_columns(kel=pl.col("kode_kelurahan").str.replace_all(".", "", literal=True))
        .filter(
            pl.col("kel").str.starts_with(kelurahan[:6]),
            pl.col("tanggal_lahir").is_between(pl.lit("1974-07-02"), pl.lit("2004-07-01")),
        )
    )
    return frame.sort(pl.col("kel") != kelurahan, "nik").head(n * 3)


def _form(person: dict, tps_code: str) -> dict:
    return {
        "region_code": tps_code,
        "nik": person["nik"],
        "nkk": person["nkk"],
        "nama": person["nama"],
        "tempat_lahir": person["tempat_lahir"],
        "tanggal_lahir": dt.date.fromisoformat(person["tanggal_lahir"]),
        "jenis_kelamin": person["jenis_kelamin"],
        "status_kawin": person["status_kawin"] or "B",
        "alamat": person["alamat"],
        "rt": person["rt"],
        "rw": person["rw"],
        "domicile_code": person["kel"],
        "phone": "081200000000",
        "email": "",
        "education": "sma",
        "health_statement": True,
        "party_statement": True,
        "previous_service": "",
        "previous_terms": 0,
    }


def _docs() -> dict:
    return {
        kind: SimpleUploadedFile(f"{kind}.pdf", PLACEHOLDER_PDF, content_type="application/pdf")
        for kind in ("ktp", "ijazah", "surat_sehat")
    }
