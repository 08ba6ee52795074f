import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web application with waitress, with a background-job worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker", action="store_true",
            help="do not start a job worker (run `pilkada jobs worker` elsewhere)",
        )  # fmt: skip

    def handle(self, *args, host, port, threads, no_worker, **options):
        from waitress import serve

        from pilkada.wsgi import application

        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                [sys.executable, "-m", "pilkada.cli", "jobs", "worker"]
            )
            self.stdout.write(f"job worker started (pid {worker.pid})")
        self.stdout.write(f"pilkada serving on http://{host}:{port}/ (Ctrl+C to stop)")
        try:
            serve(application, host=host, port=port, threads=threads, ident="pilkada")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
