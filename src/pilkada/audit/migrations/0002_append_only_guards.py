"""Install the triggers that refuse UPDATE and DELETE on the audit log (SQLite, PostgreSQL).

The SQL lives in pilkada.audit.guards, whose install() is idempotent: a later migration that
rebuilds an audit table (SQLite drops a table's triggers when it rebuilds it) runs it again.
"""

from django.db import migrations

from pilkada.audit import guards


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(guards.install_operation, guards.uninstall_operation),
    ]
