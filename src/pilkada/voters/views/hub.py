"""The voter register's front page: the pages of the flow a user's role may open, in the
order of PKPU 7/2024 (DP4 → synchronisation → coklit → DPS → DPSHP → DPT → DPTb/DPK), with
the public pages for everyone."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from pilkada.core import menus
from pilkada.core.selectors import current_election

#: (url name, label, what it is for, permission action; None = public)
MENU = [
    ("voters:cek_dpt", _("Cek DPT"), _("apakah saya terdaftar, di TPS mana"), None),
    ("voters:import", _("Impor DP4 dan DPT lama"), _("unggah berkas, hitungan yang cocok"),
     "voters.import"),
    ("voters:eligibility", _("Pemeriksaan syarat pemilih"),
     _("TMS di bawah umur, TNI, Polri dari data"), "voters.sync"),
    ("voters:sync", _("Sinkronisasi DP4 dengan DPT terakhir"),
     _("ditemukan, pemilih baru, tidak ada di DP4"), "voters.sync"),
    ("voters:duplicates", _("Pemilih ganda"), _("usulan pasangan, konfirmasi atau tolak"),
     "voters.review_duplicates"),
    ("voters:tps_list", _("Pembentukan TPS"), _("paling banyak 600 pemilih per TPS, surat suara"),
     "voters.tps_form"),
    ("voters:coklit", _("Coklit"), _("Pantarlih: periksa pemilih dari rumah ke rumah"),
     "voters.coklit"),
    ("voters:coklit_progress", _("Kemajuan coklit"), _("per TPS, kelurahan, kecamatan"),
     "voters.coklit_progress"),
    ("voters:dps_announcement_index", _("Pengumuman DPS"),
     _("periksa nama dan sampaikan tanggapan"), None),
    ("voters:publication", _("Penetapan DPS, DPSHP, DPT"), _("salinan tetap dengan SHA-256"),
     "voters.recap_view"),
    ("voters:recap", _("Rekapitulasi daftar pemilih"),
     _("per TPS s.d. provinsi: jenis kelamin, disabilitas, umur, KTP-el"), "voters.recap_view"),
    ("voters:dps_responses", _("Tanggapan masyarakat"), _("ditindaklanjuti PPS dan KPU"),
     "voters.dps_response_resolve"),
    ("voters:dptb_register", _("Daftarkan pemilih pindahan (DPTb)"),
     _("formulir A, batas H-30 / H-7"), "voters.dptb_register"),
    ("voters:dptb_list", _("Daftar pemilih pindahan (DPTb)"), _("per kelurahan dan TPS"),
     "voters.view"),
    ("voters:dpk_home", _("Daftar pemilih khusus (DPK)"), _("dicatat KPPS pada hari pemungutan"),
     "voters.dpk_record"),
    ("voters:ktp_el", _("Pemilih tanpa KTP-el"), _("untuk Dukcapil: per kelurahan, ekspor, tandai"),
     "voters.ktp_el_view"),
]  # fmt: skip


def menu_for(user) -> list[dict]:
    return menus.menu_for(MENU, user)


def hub(request):
    return render(
        request,
        "voters/hub.html",
        {"election": current_election(), "items": menu_for(request.user)},
    )


urlpatterns = [path("pemilih/", hub, name="hub")]
