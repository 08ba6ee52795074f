from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person who logs in. The anonymous public has no account.

    ``region_code`` is the user's scope in KPU style (no dots): "31" a province, "3171" a
    kab/kota, "317101" a kecamatan, "3171011001" a kelurahan, "3171011001001" a TPS.
    A superuser without a role is a system operator, not an election role.
    """

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, blank=True)
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True, db_index=True)
    full_name = models.CharField(_("nama lengkap"), max_length=200, blank=True)
    agency = models.CharField(
        _("instansi"), max_length=100, blank=True, help_text=_("For agency viewers and LO.")
    )

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self):
        return self.username
