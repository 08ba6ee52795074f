"""Candidacy's front page: the pages a user's role may open, in the order of the process
(pairs → support upload → verifikasi administrasi → verifikasi faktual → perbaikan →
registration and penetapan), with the public cek NIK dukungan for everyone."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from pilkada.core import menus
from pilkada.core.selectors import current_election

#: (url name, label, what it is for, permission action; None = public)
MENU: list[tuple] = [
    ("candidacy:pairs", _("Pasangan calon"),
     _("daftar pasangan, calon, dokumen, pendaftaran dan penelitian persyaratan"),
     "candidacy.view"),
    ("candidacy:minimum", _("Syarat dukungan dan ambang batas"),
     _("dukungan minimal calon perseorangan dan ambang batas partai"), None),
    ("candidacy:pairs_published", _("Pasangan calon ditetapkan"),
     _("daftar pasangan calon yang ditetapkan dan nomor urutnya"), None),
    ("candidacy:cek_nik", _("Cek NIK dukungan"),
     _("apakah NIK saya dipakai mendukung pasangan calon; keberatan"), None),
    ("candidacy:support", _("Dukungan pasangan calon perseorangan"),
     _("unggah B.1.1-KWK, verifikasi administrasi, hasil per wilayah, perbaikan"),
     "candidacy.support_view"),
    ("candidacy:verfak", _("Verifikasi faktual"),
     _("PPS mencatat hasil verifikasi faktual setiap pendukung; progres per wilayah"),
     "candidacy.support_view"),
    ("candidacy:oversight", _("Pengawasan (Bawaslu)"),
     _("Daftar pendukung, hasil verifikasi, tanggapan warga dan rekomendasi; hanya baca"),
     "candidacy.objection_view"),
    ("candidacy:oversight_recommendations", _("Rekomendasi Bawaslu"),
     _("Rekomendasi Bawaslu dan jawaban KPU"), "candidacy.objection_view"),
    ("candidacy:basis", _("Angka dasar pencalonan"),
     _("DPT pemilihan terakhir, suara sah DPRD dan perolehan suara partai"), "candidacy.view"),
    ("candidacy:penetapan", _("Penetapan dan nomor urut"),
     _("penetapan pasangan calon dan pengundian nomor urut"), "candidacy.view"),
    ("candidacy:lists", _("Daftar NIK untuk pemeriksaan"),
     _("TNI, Polri, ASN, perangkat desa, penyelenggara, anggota partai"),
     "candidacy.lists_upload"),
    ("candidacy:objections", _("Keberatan dukungan"),
     _("keberatan warga atas NIK yang dicatut, per pasangan calon"), "candidacy.objection_view"),
]  # fmt: skip


def menu_for(user) -> list[dict]:
    return menus.menu_for(MENU, user)


def hub(request):
    return render(
        request,
        "candidacy/hub.html",
        {"election": current_election(), "items": menu_for(request.user)},
    )


urlpatterns = [path("pencalonan/", hub, name="hub")]
