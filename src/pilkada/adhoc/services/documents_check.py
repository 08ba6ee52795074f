"""The officer's check of an application's documents (KTP-el, diploma, health certificate,
statement): complete and valid or not, with a note -- recorded by an officer who recruits the
application's body in its area (:func:`pilkada.adhoc.access.require_for_body`), audited."""

from __future__ import annotations

from django.db import transaction

from pilkada.audit.services import record_audit
from pilkada.schedule.gate import require_open

from ..access import require_for_body
from ..models import Application

__all__ = ["NOTE_MAX", "DocumentsCheckRefused", "record_documents_check"]

NOTE_MAX = 2000


class DocumentsCheckRefused(ValueError):
    """Bad input (a note missing where the documents are not in order, a withdrawn
    application); ``code`` says which."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def record_documents_check(
    *, application: Application, actor, documents_ok: bool, note: str = "",
    check_window: bool = True,
) -> Application:  # fmt: skip
    """Record the officer's verdict on the documents. Not in order needs a note (the applicant
    is told what to correct). Raises PermissionDenied for an officer who does not recruit the
    body in that area, StageClosed outside the selection window, DocumentsCheckRefused."""
    require_for_body(
        actor, "adhoc.check", body=application.body, region_code=application.region_code
    )
    if check_window:
        require_open(election=application.election, action="adhoc.select")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DocumentsCheckRefused("note_too_long", f"note longer than {NOTE_MAX} characters")
    if not documents_ok and not note:
        raise DocumentsCheckRefused("note_required", "say what is missing or wrong")
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.state != Application.State.SUBMITTED:
            raise DocumentsCheckRefused("withdrawn", "the application was withdrawn")
        old = {"documents_ok": app.documents_ok, "documents_note": app.documents_note}
        app.documents_ok = bool(documents_ok)
        app.documents_note = note
        app.save(update_fields=["documents_ok", "documents_note", "updated_at"])
        record_audit(
            actor=actor,
            action="adhoc.documents_check",
            object_type="adhoc.Application",
            object_id=app.pk,
            old=old,
            new={"documents_ok": app.documents_ok, "documents_note": note},
        )
    return app
