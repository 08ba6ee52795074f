"""Seated members of the ad hoc bodies, with their accounts, and replacements (PAW)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bodies import Body

__all__ = ["Member"]


class Member(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Aktif")
        ENDED = "ended", _("Berhenti")

    class EndReason(models.TextChoices):
        RESIGNED = "resigned", _("Mengundurkan diri")
        DIED = "died", _("Meninggal dunia")
        DISMISSED = "dismissed", _("Diberhentikan")

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    body = models.CharField(_("badan"), max_length=10, choices=Body.choices)
    region_code = models.CharField(_("wilayah kerja"), max_length=13)
    application = models.OneToOneField(
        "adhoc.Application", on_delete=models.PROTECT, related_name="member"
    )
    #: The member's NIK (the application's), so that the database itself refuses one person
    #: active in two bodies, even when two seatings run at once.
    nik = models.CharField(max_length=16, blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adhoc_member",
    )
    #: Number of the decision (SK) that seated the member, as KPU wrote it.
    sk_number = models.CharField(_("nomor SK"), max_length=100, blank=True, default="")
    seated_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True, default="")
    end_note = models.TextField(blank=True, default="")
    ended_at = models.DateTimeField(null=True, blank=True)
    #: The member seated in this one's place (PAW), if any.
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta:
        ordering = ["election", "body", "region_code", "seated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "nik"],
                condition=models.Q(state="active") & ~models.Q(nik=""),
                name="adhoc_member_one_active_seat",
            ),
        ]
        indexes = [
            models.Index(
                fields=["election", "body", "region_code", "state"], name="adhoc_mem_area"
            ),
        ]

    def __str__(self):
        return f"{self.body} {self.region_code} {self.application_id}"
