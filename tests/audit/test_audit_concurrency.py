"""Concurrent writers queue on the head row and leave one unbroken chain.

Real transactions (transaction=True), one database connection per thread. PostgreSQL is the
interesting case (row lock); on SQLite the IMMEDIATE transactions queue the writers.
"""

import itertools
import threading

import pytest
from django.db import connection, transaction

from pilkada.audit.models import AuditEntry
from pilkada.audit.services import record_audit
from pilkada.audit.verify import verify_chain

THREADS = 4
PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_an_unbroken_chain():
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                with transaction.atomic():
                    record_audit(
                        actor=f"writer-{k}",
                        action="test.concurrent",
                        object_type="test.thing",
                        object_id=f"{k}-{i}",
                        new={"writer": k, "i": i},
                    )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors

    total = THREADS * PER_THREAD
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    report = verify_chain()
    assert report.ok, report.problem
    assert report.checked == report.head_seq == total
    # Each writer's entries are all there, and time never runs backwards along the chain.
    actors = list(AuditEntry.objects.order_by("seq").values_list("actor", "at"))
    assert {a for a, _ in actors} == {f"writer-{k}" for k in range(THREADS)}
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(actors))
