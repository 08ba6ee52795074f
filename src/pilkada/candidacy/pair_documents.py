"""The documents a pair hands in at registration (the checklist), as data in one place.

**Recalled, not checked against the text.** The list follows the requirements of UU 10/2016
Pasal 7 ayat (2) (syarat calon) and Pasal 40-42, 45 (pendaftaran), and the document list of
PKPU 8/2024 (pencalonan) *as recalled*; the form numbers ("Model ...") are recalled from the
earlier PKPU 3/2017 and may have changed. Before an election, KPU checks this list against
the Lampiran of the PKPU in force and edits it here (codes are stable identifiers: keep a
code when its wording changes). Conditional documents that depend on a candidate's
situation -- resignation letters of TNI/Polri/ASN/BUMN/DPR members and village heads, the
public announcement of a former convict -- are not listed: KPU adds them by hand as notes.

Each entry: ``code``, ``label`` (Indonesian, translated), ``path`` (``party``,
``independent`` or ``all``), ``per_candidate`` (one line for the head and one for the
deputy: code ``<code>.head`` / ``<code>.deputy``), ``when`` (``"coalition"``: only for a
pair nominated by more than one party), ``recalled_form`` (the form number as recalled).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

__all__ = ["DOCUMENTS", "DocumentLine", "PairDocument", "document_label", "required_documents"]

PARTY = "party"
INDEPENDENT = "independent"
ALL = "all"
POSITIONS = ("head", "deputy")
POSITION_LABELS = {"head": _("calon kepala daerah"), "deputy": _("calon wakil kepala daerah")}


@dataclass(frozen=True)
class PairDocument:
    code: str
    label: str
    path: str = ALL
    per_candidate: bool = False
    when: str = ""
    recalled_form: str = ""


@dataclass(frozen=True)
class DocumentLine:
    """One line of a pair's checklist: the document, and for whom when per candidate."""

    code: str  # e.g. "skck.head"
    document: PairDocument
    position: str = ""  # "head", "deputy" or "" (the pair)

    @property
    def label(self) -> str:
        if not self.position:
            return str(self.document.label)
        return f"{self.document.label} ({POSITION_LABELS[self.position]})"


DOCUMENTS: tuple[PairDocument, ...] = (
    # --- the nomination (per pair) ------------------------------------------------------
    PairDocument(
        "surat_pencalonan",
        _("Surat pencalonan pasangan calon oleh partai politik atau gabungan partai politik"),
        PARTY,
        recalled_form="Model B-KWK Parpol",
    ),
    PairDocument(
        "persetujuan_pimpinan_pusat",
        _("Keputusan pimpinan partai politik tingkat pusat tentang persetujuan pasangan calon"),
        PARTY,
        recalled_form="Model B.1-KWK Parpol",
    ),
    PairDocument(
        "kesepakatan_gabungan",
        _("Kesepakatan gabungan partai politik tentang pencalonan"),
        PARTY,
        when="coalition",
    ),
    PairDocument(
        "surat_pencalonan_perseorangan",
        _("Surat pencalonan pasangan calon perseorangan"),
        INDEPENDENT,
        recalled_form="Model B-KWK Perseorangan",
    ),
    PairDocument("visi_misi", _("Naskah visi, misi dan program pasangan calon")),
    # --- each candidate (UU 10/2016 Pasal 7 ayat (2), Pasal 45) --------------------------
    PairDocument(
        "surat_pernyataan",
        _("Surat pernyataan calon (syarat calon)"),
        per_candidate=True,
        recalled_form="Model BB.1-KWK",
    ),
    PairDocument(
        "daftar_riwayat_hidup",
        _("Daftar riwayat hidup"),
        per_candidate=True,
        recalled_form="Model BB.2-KWK",
    ),
    PairDocument("ktp_el", _("Fotokopi KTP-el"), per_candidate=True),
    PairDocument(
        "ijazah",
        _("Fotokopi ijazah paling rendah SLTA atau sederajat yang dilegalisasi"),
        per_candidate=True,
    ),
    PairDocument(
        "surat_keterangan_sehat",
        _("Surat keterangan sehat jasmani, rohani dan bebas penyalahgunaan narkotika"),
        per_candidate=True,
    ),
    PairDocument("skck", _("Surat keterangan catatan kepolisian (SKCK)"), per_candidate=True),
    PairDocument(
        "keterangan_tidak_dipidana",
        _("Surat keterangan tidak pernah sebagai terpidana dari pengadilan negeri"),
        per_candidate=True,
    ),
    PairDocument(
        "keterangan_hak_pilih",
        _("Surat keterangan tidak sedang dicabut hak pilihnya"),
        per_candidate=True,
    ),
    PairDocument(
        "keterangan_tidak_pailit", _("Surat keterangan tidak dinyatakan pailit"), per_candidate=True
    ),
    PairDocument(
        "keterangan_tidak_berutang",
        _("Surat keterangan tidak mempunyai tanggungan utang yang merugikan keuangan negara"),
        per_candidate=True,
    ),
    PairDocument(
        "lhkpn",
        _("Tanda terima laporan harta kekayaan penyelenggara negara (LHKPN)"),
        per_candidate=True,
    ),
    PairDocument(
        "npwp_spt",
        _("NPWP dan tanda terima SPT pajak penghasilan lima tahun terakhir"),
        per_candidate=True,
    ),
    PairDocument("pas_foto", _("Pas foto terbaru"), per_candidate=True),
)

_BY_CODE = {d.code: d for d in DOCUMENTS}


def required_documents(*, path: str, parties: int = 0) -> list[DocumentLine]:
    """The checklist of a pair on ``path`` ("party" / "independent") nominated by
    ``parties`` parties, in the order above (pair documents, then each candidate's)."""
    lines: list[DocumentLine] = []
    for doc in DOCUMENTS:
        if doc.path not in (ALL, path):
            continue
        if doc.when == "coalition" and parties < 2:
            continue
        if doc.per_candidate:
            lines.extend(DocumentLine(f"{doc.code}.{p}", doc, p) for p in POSITIONS)
        else:
            lines.append(DocumentLine(doc.code, doc))
    return lines


def document_label(code: str) -> str:
    """The label of a checklist code (``skck.head`` -> "SKCK (calon kepala daerah)"); the
    code itself when unknown (a list edited after a pair registered)."""
    base, _dot, position = code.partition(".")
    doc = _BY_CODE.get(base)
    if doc is None or (position and position not in POSITIONS):
        return code
    return DocumentLine(code, doc, position).label
