"""The `pilkada` command: the operators' entry point.

Every subcommand is a Django management command of one of pilkada's apps, so the same
services serve the web, the API and the command line. `pilkada --help` lists pilkada's own
commands; Django's built-in ones stay reachable (`pilkada migrate`, `pilkada shell`, ...).
"""

import os
import sys

PILKADA_APPS_PREFIX = "pilkada."
# Overrides of Django built-ins, kept out of the pilkada list.
HIDDEN_COMMANDS = {"flush"}


def _pilkada_commands() -> dict[str, str]:
    from django.core.management import get_commands, load_command_class

    commands = {}
    for name, app in sorted(get_commands().items()):
        if not app.startswith(PILKADA_APPS_PREFIX) or name in HIDDEN_COMMANDS:
            continue
        command = load_command_class(app, name)
        commands[name] = (command.help or "").strip().splitlines()[0] if command.help else ""
    return commands


def print_help() -> None:
    import django

    django.setup()
    print("usage: pilkada COMMAND [options]\n")
    print("Election administration for Indonesian regional head elections (Pilkada).\n")
    print("Commands:")
    commands = _pilkada_commands()
    width = max(len(n) for n in commands) if commands else 10
    for name, summary in commands.items():
        print(f"  {name.ljust(width)}  {summary}")
    print("\n`pilkada COMMAND --help` describes one command.")
    print("Django's own commands (migrate, shell, createsuperuser, ...) also work.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilkada.settings")
    if argv[:1] == ["setup"]:
        # `setup` is what writes the secret key; it may run before the key exists.
        os.environ.setdefault("PILKADA_ALLOW_EPHEMERAL_KEY", "1")
    if not argv or (argv[0] in {"-h", "--help", "help"} and len(argv) == 1):
        print_help()
        return
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from pilkada.audit.services import audit_context

    # One request id per command run, so a run's audit entries can be grouped.
    with audit_context():
        execute_from_command_line(["pilkada", *argv])


if __name__ == "__main__":
    main()
