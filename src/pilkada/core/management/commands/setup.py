import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from pilkada.regions.services import load_shipped_regions


class Command(BaseCommand):
    help = "Prepare the database: secret key, migrations, shipped reference data. Safe to re-run."

    def handle(self, *args, **options):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file = settings.DATA_DIR / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
            self.stdout.write(f"wrote secret key to {key_file}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        for result in load_shipped_regions():
            self.stdout.write(str(result))
        self.stdout.write(self.style.SUCCESS("setup complete"))
