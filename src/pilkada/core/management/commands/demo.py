from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pilkada.audit.services import audit_context
from pilkada.core.demo import DEMO_PASSWORD, load_demo
from pilkada.voters.services import ImportRefused


class Command(BaseCommand):
    help = "Load the demo election (Pilgub DKI Jakarta 2024), demo accounts and synthetic voters."

    def add_arguments(self, parser):
        parser.add_argument("--voters", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, voters, seed, **options):
        try:
            with audit_context():
                result = load_demo(voters=voters, seed=seed, out=self.stdout.write)
        except ImportRefused as exc:
            raise CommandError(
                f"{exc}\nThis data directory ({settings.DATA_DIR}) already holds a demo with "
                "work on it. To load another population, start from an empty one: remove "
                "it, or set PILKADA_DATA_DIR to a new directory."
            ) from None
        self.stdout.write(
            f"\n{result.election.name}\n  voters loaded: {result.voters:,} "
            f"(population in {result.population_dir})\n"
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, region, description in result.accounts:
            self.stdout.write(f"  {username:28} {role or 'operator':14} {region:14} {description}")
