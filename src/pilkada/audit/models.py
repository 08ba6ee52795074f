"""The audit log: one append-only, hash-chained table, and its one-row head.

Write entries only through :func:`pilkada.audit.services.record_audit`. The database refuses
UPDATE and DELETE on the log (triggers installed by the migrations, see
:mod:`pilkada.audit.guards`); ``pilkada audit verify`` detects any change made behind those
guards. See docs/audit.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    # The chain order. Assigned by record_audit from the head (last_seq + 1) while the head
    # row is locked, never by the database's sequence: a rolled-back write leaves no gap, so
    # a gap means a deleted entry.
    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("waktu"))
    # Not a foreign key: the log outlives users, and an entry must never change.
    actor_id = models.BigIntegerField(_("id pelaku"), null=True, blank=True)
    actor = models.CharField(_("pelaku"), max_length=150)  # username, "system", "anonymous"
    role = models.CharField(_("peran"), max_length=20, blank=True)
    region_code = models.CharField(_("kode wilayah pelaku"), max_length=13, blank=True)
    action = models.CharField(_("tindakan"), max_length=100)
    object_type = models.CharField(_("jenis objek"), max_length=100)
    object_id = models.CharField(_("id objek"), max_length=200, blank=True)
    old = models.JSONField(_("nilai lama"), null=True, blank=True)
    new = models.JSONField(_("nilai baru"), null=True, blank=True)
    request_id = models.CharField(_("id permintaan"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["action"], name="audit_entry_action"),
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object"),
            models.Index(fields=["request_id"], name="audit_entry_request"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor}"


class AuditHead(models.Model):
    """The end of the chain (one row, pk 1). Writers lock it to queue up.

    The database lets it move forward only: by one, to an entry that exists with that hash.
    It also lets ``verify`` notice a deleted last entry.
    """

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ujung rantai audit")

    def __str__(self):
        return f"audit head at #{self.last_seq}"
