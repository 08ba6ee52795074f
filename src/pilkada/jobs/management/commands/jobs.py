import json
import time
import uuid

from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.core.commands import PilkadaCommand
from pilkada.jobs.models import Job
from pilkada.jobs.progress import read_progress


class Command(PilkadaCommand):
    help = (
        "Background jobs: run the worker, list jobs, follow one.\n\n"
        "  pilkada jobs worker [--batch]     run queued jobs (the web server starts one)\n"
        "  pilkada jobs list [--json]\n"
        "  pilkada jobs show JOB_ID [--follow] [--json]"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        worker = sub.add_parser("worker", help="run queued jobs")
        worker.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        lst = sub.add_parser("list", help="the latest jobs")
        lst.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="one job, with its progress")
        show.add_argument("job_id")
        show.add_argument("--follow", action="store_true", help="print progress until it ends")
        show.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand, **options):
        if subcommand == "worker":
            extra = ["--batch"] if options["batch"] else []
            call_command("db_worker", "--no-startup-delay", *extra)
        elif subcommand == "list":
            self.do_list(as_json=options["json"])
        else:
            self.do_show(options["job_id"], follow=options["follow"], as_json=options["json"])

    def do_list(self, *, as_json):
        jobs = list(Job.objects.all()[:50])
        if as_json:
            self.stdout.write(json.dumps([_job_dict(j) for j in jobs], indent=2))
            return
        for job in jobs:
            self.stdout.write(
                f"{job.id}  {job.status:8} {job.kind:24} {job.actor}  "
                f"{job.created_at:%Y-%m-%d %H:%M}"
            )

    def do_show(self, job_id, *, follow, as_json):
        try:
            job = Job.objects.get(pk=uuid.UUID(job_id))
        except (ValueError, Job.DoesNotExist):
            raise CommandError(f"no job {job_id}") from None
        while follow and not job.finished:
            progress = read_progress(job.pk)
            total = f"/{progress.total:,}" if progress.total else ""
            self.stderr.write(
                f"{job.status}: {progress.done:,}{total} {progress.unit} {progress.message}"
            )
            time.sleep(1)
            job.refresh_from_db()
        if as_json:
            self.stdout.write(json.dumps(_job_dict(job), indent=2))
        else:
            self.stdout.write(f"{job.kind} {job.status}")
            if job.error:
                self.stdout.write(job.error)
            if job.result:
                self.stdout.write(json.dumps(job.result, indent=2))
        if job.status == Job.Status.FAILED:
            raise CommandError("the job failed")


def _job_dict(job):
    progress = read_progress(job.pk)
    return {
        "id": str(job.id), "kind": job.kind, "status": job.status, "actor": job.actor,
        "params": job.params, "result": job.result, "error": job.error,
        "progress": {"done": progress.done, "total": progress.total, "unit": progress.unit},
        "created_at": job.created_at.isoformat(),
    }  # fmt: skip
