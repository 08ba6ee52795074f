"""The four ad hoc bodies and the level of the area each one serves."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["BODY_LEVEL", "BODY_ROLE", "Body"]


class Body(models.TextChoices):
    PPK = "ppk", _("PPK")
    PPS = "pps", _("PPS")
    KPPS = "kpps", _("KPPS")
    PANTARLIH = "pantarlih", _("Pantarlih")


#: The region level of a body's area (its work area): an application names a region code of
#: this level, and an opening is one such area.
BODY_LEVEL: dict[str, str] = {
    Body.PPK: "kecamatan",
    Body.PPS: "kelurahan",
    Body.KPPS: "tps",
    Body.PANTARLIH: "tps",
}

#: The account role a seated member gets (pilkada.accounts.roles.Role values).
BODY_ROLE: dict[str, str] = {
    Body.PPK: "ppk",
    Body.PPS: "pps",
    Body.KPPS: "kpps",
    Body.PANTARLIH: "pantarlih",
}
