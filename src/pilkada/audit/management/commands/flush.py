from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from pilkada.audit import guards


class Command(DjangoFlush):
    help = (
        "Remove ALL data from the database, the audit log included (Django's flush).\n\n"
        "The audit log's append-only guards are lifted and put back in the same transaction: "
        "a full reset is the one way past them. Test suites run it between transactional tests."
    )

    def handle(self, **options):
        connection = connections[options["database"]]
        with guards.suspended(connection):
            return super().handle(**options)
