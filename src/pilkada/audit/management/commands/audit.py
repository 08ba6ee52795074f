import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pilkada.audit import selectors
from pilkada.audit.chain import canonical_json
from pilkada.audit.verify import verify_chain

SHOW_WIDTH = 300  # characters of old/new shown per entry; --json shows everything


class Command(BaseCommand):
    help = (
        "Audit log: verify the hash chain, show entries.\n\n"
        "`pilkada audit verify` exits 0 when the chain is intact and 1 naming the first "
        "broken seq otherwise; `pilkada audit show` lists the newest entries."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = sub.add_parser(
            "verify", help="Recompute every hash and link; report the first broken entry."
        )
        verify.add_argument("--json", action="store_true", help="Print the report as JSON.")
        show = sub.add_parser("show", help="Show the newest entries.")
        show.add_argument("--last", type=int, default=20, metavar="N", help="Default 20.")
        show.add_argument(
            "--action", metavar="X", help="Only this action; a trailing * matches a prefix."
        )
        show.add_argument("--json", action="store_true", help="One JSON object per line.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            return self.verify(as_json=options["json"])
        return self.show(last=options["last"], action=options["action"], as_json=options["json"])

    def verify(self, *, as_json: bool):
        report = verify_chain()
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        for name in report.guards_missing:
            self.stderr.write(
                f"warning: audit guard {name} is not in place; run `pilkada migrate` or "
                "re-install it (pilkada.audit.guards.install) and find out who removed it"
            )
        if report.ok:
            if not as_json:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"audit chain intact: {report.checked} entries, "
                        f"head #{report.head_seq or 0}"
                    )
                )
                if report.head_hash:
                    self.stdout.write(f"head hash {report.head_hash}")
            return
        problem = report.problem
        where = f"seq {problem.seq}" if problem.seq is not None else "the head"
        raise CommandError(
            f"audit chain broken at {where} ({problem.kind}): {problem.detail}", returncode=1
        )

    def show(self, *, last: int, action: str | None, as_json: bool):
        if last < 1:
            raise CommandError("--last must be at least 1")
        for entry in selectors.entries(action=action, last=last):
            if as_json:
                self.stdout.write(
                    canonical_json(
                        {
                            "seq": entry.seq,
                            "at": entry.at.isoformat(),
                            "actor": entry.actor,
                            "actor_id": entry.actor_id,
                            "role": entry.role,
                            "region_code": entry.region_code,
                            "action": entry.action,
                            "object_type": entry.object_type,
                            "object_id": entry.object_id,
                            "old": entry.old,
                            "new": entry.new,
                            "request_id": entry.request_id,
                            "prev_hash": entry.prev_hash,
                            "hash": entry.hash,
                        }
                    )
                )
                continue
            at = timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S %Z")
            scope = " ".join(x for x in (entry.role, entry.region_code) if x)
            who = f"{entry.actor} ({scope})" if scope else entry.actor
            self.stdout.write(
                f"#{entry.seq}  {at}  {who}  {entry.action}  "
                f"{entry.object_type}:{entry.object_id}  req={entry.request_id[:12] or '-'}"
            )
            for label, value in (("old", entry.old), ("new", entry.new)):
                if value is not None:
                    text = canonical_json(value)
                    if len(text) > SHOW_WIDTH:
                        text = text[: SHOW_WIDTH - 1] + "…"
                    self.stdout.write(f"    {label} {text}")
