"""RequestIdMiddleware: every response carries X-Request-ID, and so does every audit entry
written while serving it."""

import pytest
from django.db import transaction
from django.http import JsonResponse
from django.urls import path

from pilkada.audit.models import AuditEntry
from pilkada.audit.services import record_audit
from pilkada.core.request_context import current_request_id


def audited_view(request):
    with transaction.atomic():
        entry = record_audit(
            actor=request.user,
            action="test.request",
            object_type="test.thing",
            object_id=request.GET.get("id", "1"),
            new={"path": request.path},
        )
    return JsonResponse(
        {"seq": entry.seq, "request_id": current_request_id(), "attr": request.request_id}
    )


def failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("audited/", audited_view),
    path("failing/", failing_view),
]

pytestmark = pytest.mark.urls(__name__)


def test_response_carries_the_request_id_of_its_audit_entries(client, db):
    response = client.get("/audited/", secure=True)
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    body = response.json()
    assert body["request_id"] == body["attr"] == request_id
    entry = AuditEntry.objects.get(seq=body["seq"])
    assert entry.request_id == request_id
    assert entry.actor == "anonymous"
    assert current_request_id() is None  # reset after the request


def test_each_request_gets_its_own_id(client, db):
    first = client.get("/audited/?id=1", secure=True)
    second = client.get("/audited/?id=2", secure=True)
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert list(AuditEntry.objects.order_by("seq").values_list("request_id", flat=True)) == [
        first["X-Request-ID"],
        second["X-Request-ID"],
    ]


def test_a_client_cannot_choose_the_request_id(client, db):
    response = client.get("/audited/", secure=True, headers={"X-Request-ID": "forged"})
    assert response["X-Request-ID"] != "forged"
    assert AuditEntry.objects.get().request_id == response["X-Request-ID"]


def test_the_id_is_reset_when_the_view_fails(client, db):
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.get("/failing/", secure=True)
    assert current_request_id() is None
