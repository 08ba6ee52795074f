import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A piece of background work (an import, a duplicate search, a publication).

    The queue itself is django-tasks' database backend; this row is what officers see: who
    started what, its state and its result. Progress while it runs is in a small file beside
    the database (see ``progress.py``), because a long import holds the database's write lock
    inside its own transaction and must not be interrupted to report.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("menunggu")
        RUNNING = "running", _("berjalan")
        DONE = "done", _("selesai")
        FAILED = "failed", _("gagal")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("jenis"), max_length=60)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=150)
    region_code = models.CharField(max_length=13, blank=True)
    result = models.JSONField(null=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
