"""`pilkada accounts`: create and list officers' accounts."""

from __future__ import annotations

import getpass
import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from pilkada.accounts.roles import Role
from pilkada.accounts.selectors import user_list
from pilkada.accounts.services import create_operator, create_user
from pilkada.audit.services import audit_context
from pilkada.core.commands import PilkadaCommand
from pilkada.regions.codes import InvalidRegionCode, dotted
from pilkada.regions.models import Region

EXIT_INVALID = 1



class Command(PilkadaCommand):
    help = (
        "User accounts: create and list officers' accounts with their role and region.\n\n"
        "  pilkada accounts create USERNAME --role ROLE --region CODE [--full-name ..]\n"
        "                          [--agency ..] [--password-stdin]\n"
        "  pilkada accounts create USERNAME --operator [--password-stdin]\n"
        "  pilkada accounts list [--role ROLE] [--region CODE] [--json]\n\n"
        "The password is asked for (twice) or read from standard input, never taken from\n"
        "the command line.\n\nRoles: " + ", ".join(Role.values) + "."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,list}")
        create = sub.add_parser("create", help="create an account")
        create.add_argument("username")
        create.add_argument("--role", choices=Role.values)
        create.add_argument("--region", help="region code of the scope, dotted or not")
        create.add_argument("--full-name", default="")
        create.add_argument("--agency", default="", help="for agency viewers and LO")
        create.add_argument(
            "--operator", action="store_true",
            help="a system operator (superuser, no election role) instead of an officer",
        )  # fmt: skip
        create.add_argument(
            "--password-stdin", action="store_true",
            help="read the password from the first line of standard input",
        )  # fmt: skip
        create.add_argument("--json", action="store_true")
        lst = sub.add_parser("list", help="list accounts")
        lst.add_argument("--role", choices=Role.values)
        lst.add_argument("--region", help="only accounts scoped inside this region")
        lst.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        if options["subcommand"] == "create":
            with audit_context():  # one request id for the run's audit entries
                return self.create(options)
        return self.list(options)

    def _password(self, options) -> str:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("the passwords differ", returncode=EXIT_INVALID)
        else:
            raise CommandError(
                "no password: use --password-stdin, or run in a terminal to be asked",
                returncode=EXIT_INVALID,
            )
        if not password:
            raise CommandError("empty password", returncode=EXIT_INVALID)
        return password

    def create(self, options):
        if options["operator"]:
            if options["role"] or options["region"]:
                raise CommandError("--operator takes no --role or --region", returncode=2)
        elif not (options["role"] and options["region"]):
            raise CommandError("--role and --region are required (or --operator)", returncode=2)
        password = self._password(options)
        try:
            if options["operator"]:
                user = create_operator(
                    actor=None, username=options["username"], password=password,
                    full_name=options["full_name"],
                )  # fmt: skip
            else:
                user = create_user(
                    actor=None,
                    username=options["username"],
                    password=password,
                    role=options["role"],
                    region_code=options["region"],
                    full_name=options["full_name"],
                    agency=options["agency"],
                )
        except ValidationError as exc:
            messages = [
                f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms
            ] if hasattr(exc, "error_dict") else exc.messages  # fmt: skip
            for message in messages:
                self.stderr.write(f"  {message}")
            raise CommandError(
                f"account {options['username']} not created", returncode=EXIT_INVALID
            ) from None
        row = _row(user, {})
        if options["json"]:
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        else:
            what = "operator" if not user.role else f"{user.role} of {row['region_dotted']}"
            self.stdout.write(f"created {user.username} ({what})")

    def list(self, options):
        try:
            users = list(
                user_list(viewer=None, role=options["role"], region_code=options["region"])
            )
        except InvalidRegionCode as exc:
            raise CommandError(str(exc), returncode=2) from None
        codes = {u.region_code[:10] for u in users if u.region_code}
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        rows = [_row(u, names) for u in users]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no accounts")
            return
        width = max(len(r["username"]) for r in rows)
        for r in rows:
            role = r["role"] or "operator"
            state = "" if r["is_active"] else "  [inactive]"
            region = f"{r['region_dotted']} {r['region_name']}".strip()
            self.stdout.write(f"{r['username'].ljust(width)}  {role:<13} {region}{state}")
        self.stdout.write(f"{len(rows)} accounts")


def _dotted(code: str) -> str:
    try:
        return dotted(code) if code else ""
    except InvalidRegionCode:
        return code


def _row(user, names: dict[str, str]) -> dict:
    code = user.region_code
    return {
        "username": user.username,
        "role": user.role,
        "region_code": code,
        "region_dotted": _dotted(code),
        "region_name": names.get(code[:10], "") if code else "",
        "full_name": user.full_name,
        "agency": user.agency,
        "is_active": user.is_active,
        "is_operator": bool(user.is_superuser and not user.role),
    }
