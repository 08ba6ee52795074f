import json

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from pilkada.audit.services import audit_context
from pilkada.core import clock
from pilkada.schedule import gate, selectors, services
from pilkada.schedule.dates import parse_date
from pilkada.schedule.models import Election


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Stage schedule (tahapan): show stages and their windows; load an election.\n\n"
        "show: the stages, their windows and which are open today on the election clock "
        "(PILKADA_TODAY fixes it). load: create or update an election from its definition file. "
        "set: move a stage's window (KPU Provinsi; audited). check: is an action open?"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        show = sub.add_parser("show", help="Show the stages and mark the ones open today.")
        show.add_argument("--election", metavar="SLUG", help="Default: the only election.")
        show.add_argument("--on", metavar="DATE", help="Judge 'open' on this date, not today.")
        show.add_argument("--json", action="store_true", dest="as_json")

        load = sub.add_parser("load", help="Load an election definition file (idempotent).")
        load.add_argument("file", nargs="?", metavar="FILE")
        load.add_argument(
            "--demo", action="store_true", help="The shipped demo election (Pilgub DKI 2024)."
        )
        load.add_argument("--as", dest="username", metavar="USERNAME", help="Default: system.")

        set_ = sub.add_parser("set", help="Move a stage's window (KPU Provinsi).")
        set_.add_argument("stage", metavar="STAGE", help="The stage code, e.g. coklit.")
        set_.add_argument("--start", required=True, metavar="YYYY-MM-DD")
        set_.add_argument("--end", required=True, metavar="YYYY-MM-DD")
        set_.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        set_.add_argument("--election", metavar="SLUG")

        check = sub.add_parser("check", help="Is ACTION open? Exit 0 if open, 1 if not.")
        check.add_argument("action", metavar="ACTION", help="e.g. voters.coklit")
        check.add_argument("--election", metavar="SLUG")
        check.add_argument("--on", metavar="DATE")
        check.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, subcommand, **options):
        with audit_context():
            try:
                return getattr(self, f"do_{subcommand}")(**options)
            except ValidationError as exc:
                raise CommandError(_errors(exc)) from None
            except PermissionDenied as exc:
                raise CommandError(f"refused: {exc}") from None

    # --- helpers ----------------------------------------------------------------------
    def _election(self, slug):
        try:
            return selectors.get_election(slug=slug)
        except (Election.DoesNotExist, Election.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc)) from None

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None

    # --- subcommands ------------------------------------------------------------------
    def do_show(self, *, election, on, as_json, **options):
        election = self._election(election)
        day = parse_date(on) if on else clock.today()
        stages = selectors.stages(election=election)
        if as_json:
            return self._show_json(election, day, stages)
        fixed = " (election clock fixed by PILKADA_TODAY)" if clock.is_fixed() and not on else ""
        self.stdout.write(f"{election.name} ({election.slug})")
        self.stdout.write(
            f"region {election.region_code}, {election.kind}, voting day "
            f"{election.voting_day.isoformat()}, schedule {election.schedule}"
        )
        self.stdout.write(f"today {day.isoformat()}{fixed}; * = open today\n")
        for stage in stages:
            status = selectors.Window.of(stage).status(day)
            mark = "*" if status == "open" else " "
            indent = "  - " if stage.parent_code else ""
            self.stdout.write(
                f"{mark} {stage.start.isoformat()}  {stage.end.isoformat()}  "
                f"{status.upper() if status == 'open' else status:<8}  "
                f"{indent}{stage.name} [{stage.code}]"
            )
            if stage.actions:
                self.stdout.write(f"{'':36}{indent}opens: {', '.join(stage.actions)}")

    def _show_json(self, election, day, stages):
        data = {
            "election": {
                "slug": election.slug,
                "name": election.name,
                "kind": election.kind,
                "region_code": election.region_code,
                "voting_day": election.voting_day.isoformat(),
                "year": election.year,
                "schedule": election.schedule,
            },
            "today": day.isoformat(),
            "clock_fixed": clock.is_fixed(),
            "stages": [
                {
                    "code": s.code,
                    "name": s.name,
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "parent": s.parent_code or None,
                    "actions": s.actions,
                    "regulation": s.regulation,
                    "source": s.source,
                    "status": selectors.Window.of(s).status(day),
                    "open": s.contains(day),
                }
                for s in stages
            ],
        }
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def do_load(self, *, file, demo, username, **options):
        if bool(file) == bool(demo):
            raise CommandError("name a FILE or --demo (one of them)")
        path = services.DEMO_ELECTION_FILE if demo else file
        result = services.load_election_file(path=path, actor=self._user(username))
        election = result.election
        verb = "created" if result.created else "up to date"
        self.stdout.write(
            self.style.SUCCESS(f"election {election.slug} {verb}: {election.stages.count()} stages")
        )
        if result.stages_created and not result.created:
            self.stdout.write(f"stages added: {', '.join(result.stages_created)}")
        if result.stages_updated:
            self.stdout.write(f"stages updated: {', '.join(result.stages_updated)}")
        if result.date_differences:
            self.stdout.write(
                "dates differ from the file (the database keeps its dates; use "
                f"`pilkada schedule set` to move a window): {', '.join(result.date_differences)}"
            )

    def do_set(self, *, stage, start, end, username, election, **options):
        election = self._election(election)
        actor = self._user(username)
        try:
            stage_obj = election.stages.get(code=stage)
        except election.stages.model.DoesNotExist:
            codes = ", ".join(s.code for s in selectors.stages(election=election))
            raise CommandError(f"no stage {stage!r} in {election.slug}; stages: {codes}") from None
        updated = services.update_stage(actor=actor, stage=stage_obj, start=start, end=end)
        self.stdout.write(
            self.style.SUCCESS(
                f"{updated.code}: {updated.start.isoformat()} .. {updated.end.isoformat()}"
            )
        )

    def do_check(self, *, action, election, on, as_json, **options):
        election = self._election(election)
        decision = gate.is_open(election=election, action=action, on=parse_date(on) if on else None)
        if as_json:
            self.stdout.write(json.dumps(decision.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(("OPEN: " if decision.open else "CLOSED: ") + decision.reason)
        if not decision.open:
            raise CommandError(f"{action} is not open", returncode=1)
