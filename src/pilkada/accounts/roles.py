"""The roles of the people around the table, and the region level each role is scoped to."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# CODE_LENGTH: length of a region code (KPU style, no dots) at each level. A TPS code is the
# 10-digit kelurahan code plus a 3-digit number, so every code's parent is its prefix.
# Defined once, with the code helpers, in pilkada.regions.codes; re-exported here.
from pilkada.regions.codes import CODE_LENGTH

__all__ = ["CODE_LENGTH", "ROLE_SCOPE_LEVELS", "Role"]


class Role(models.TextChoices):
    KPU_PROVINSI = "kpu_provinsi", _("KPU Provinsi")
    KPU_KABKOTA = "kpu_kabkota", _("KPU Kabupaten/Kota")
    PPK = "ppk", _("PPK")
    PPS = "pps", _("PPS")
    KPPS = "kpps", _("KPPS")
    PANTARLIH = "pantarlih", _("Pantarlih")
    BAWASLU = "bawaslu", _("Bawaslu")
    LO = "lo", _("LO pasangan calon")
    DUKCAPIL = "dukcapil", _("Dukcapil")
    AGENCY = "agency", _("Instansi (lihat saja)")


# The level at which each role's scope is set. Bawaslu, Dukcapil, LO and agencies may sit at
# any level from provinsi down (Bawaslu Provinsi .. Panwascam .. PKD .. Pengawas TPS).
ROLE_SCOPE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.KPU_PROVINSI: ("provinsi",),
    Role.KPU_KABKOTA: ("kabkota",),
    Role.PPK: ("kecamatan",),
    Role.PPS: ("kelurahan",),
    Role.KPPS: ("tps",),
    Role.PANTARLIH: ("tps",),
    Role.BAWASLU: ("provinsi", "kabkota", "kecamatan", "kelurahan", "tps"),
    Role.LO: ("provinsi", "kabkota"),
    Role.DUKCAPIL: ("provinsi", "kabkota"),
    Role.AGENCY: ("provinsi", "kabkota", "kecamatan"),
}
