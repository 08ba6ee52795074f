"""Regions (provinsi .. kelurahan/desa) and TPS, keyed by their KPU-style codes.

A code is the primary key and a code's parent is its prefix (see :mod:`.codes`), so "every
region under 3171" is ``code__startswith="3171"`` and codes sort depth-first. Regions are
reference data loaded from a province file (:mod:`.services`); they are never deleted, since
voter lists, results and accounts refer to them.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from .codes import (  # re-exported: the helpers of this app live next to its models
    CODE_LENGTH,
    TPS_MAX_NUMBER,
    TPS_SPECIAL_FROM,
    InvalidRegionCode,
    is_special_tps,
    normalize_region_code,
    normalize_tps_code,
    parent_code,
    short_name,
    tps_code,
)
from .codes import dotted as dotted_code

__all__ = [
    "CODE_LENGTH",
    "InvalidRegionCode",
    "Kind",
    "Level",
    "Region",
    "Tps",
    "normalize_region_code",
    "normalize_tps_code",
    "parent_code",
    "tps_code",
]


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABKOTA = "kabkota", _("Kabupaten/Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan/Desa")


class Kind(models.TextChoices):
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA = "desa", _("Desa")


def _code_rule(level: str, parent_length: int | None) -> Q:
    length = Exact(Length("code"), CODE_LENGTH[level])
    if parent_length is None:
        return Q(length, level=level, parent__isnull=True)
    return Q(length, level=level, parent_id=Substr("code", 1, parent_length))


class Region(models.Model):
    code = models.CharField(_("kode"), max_length=10, primary_key=True)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    name = models.CharField(_("nama"), max_length=100)
    kind = models.CharField(
        _("jenis"),
        max_length=10,
        choices=Kind.choices,
        blank=True,
        help_text=_("Kabupaten or kota; kelurahan or desa. Blank for other levels."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]
        constraints = [
            # The level matches the code's length and the parent is the code's prefix, so
            # the tree can never disagree with the codes.
            models.CheckConstraint(
                condition=(
                    _code_rule("provinsi", None)
                    | _code_rule("kabkota", 2)
                    | _code_rule("kecamatan", 4)
                    | _code_rule("kelurahan", 6)
                ),
                name="region_code_level_parent",
            ),
        ]

    def __str__(self):
        return f"{self.dotted} {self.name}"

    @property
    def dotted(self) -> str:
        """Kemendagri's dotted code: 31.71.01.1001."""
        return dotted_code(self.code)

    @property
    def short_name(self) -> str:
        """The name without the kab/kota's kind: "Jakarta Pusat" for "Kota Administrasi
        Jakarta Pusat"; other levels: the name."""
        return short_name(self.level, self.name)


class Tps(models.Model):
    """A polling station: the kelurahan's code plus a three-digit number.

    TPS 900-999 are TPS lokasi khusus (``is_special``): prisons, detention centres,
    hospitals and the like, where the voters are those who live there on voting day.
    """

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    kelurahan = models.ForeignKey(
        Region,
        verbose_name=_("kelurahan/desa"),
        on_delete=models.PROTECT,
        related_name="tps",
    )
    number = models.PositiveSmallIntegerField(_("nomor"))
    is_special = models.BooleanField(_("TPS khusus"), default=False)
    name = models.CharField(_("nama"), max_length=200, blank=True)
    address = models.CharField(_("alamat"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("TPS")
        verbose_name_plural = _("TPS")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "number"], name="tps_kelurahan_number"),
            models.CheckConstraint(
                condition=Q(
                    Exact(Length("code"), CODE_LENGTH["tps"]),
                    kelurahan_id=Substr("code", 1, CODE_LENGTH["kelurahan"]),
                    number__gte=1,
                    number__lte=TPS_MAX_NUMBER,
                ),
                name="tps_code_kelurahan_number",
            ),
            models.CheckConstraint(
                condition=(
                    Q(number__gte=TPS_SPECIAL_FROM, is_special=True)
                    | Q(number__lt=TPS_SPECIAL_FROM, is_special=False)
                ),
                name="tps_special_9xx",
            ),
        ]

    def __str__(self):
        return f"TPS {self.number:03d} {self.kelurahan_id}"

    @classmethod
    def build(cls, code: str, **fields) -> "Tps":
        """An unsaved Tps with number, kelurahan and is_special derived from its code."""
        code = normalize_tps_code(code)
        number = int(code[10:])
        return cls(
            code=code,
            kelurahan_id=code[:10],
            number=number,
            is_special=is_special_tps(number),
            **fields,
        )

    @property
    def label(self) -> str:
        return f"TPS {self.number:03d}"

    @property
    def dotted(self) -> str:
        return dotted_code(self.code)
