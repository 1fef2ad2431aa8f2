"""Command line entry point: the table of commands, and nothing else.

Each command lives in its feature's module, which exposes `add_arguments(parser)` and
`run(args) -> int`. Only the command being run is imported, so `mlgate --help` loads no
command at all and stays instant; a command whose extra is not installed exits 2 with the
line to install it, never with a traceback (exit 1 would read as a verdict: "drift found").
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from . import version
from .errors import COULD_NOT_CHECK, CouldNotCheck, missing_extra
from .io import step_summary


class Command(NamedTuple):  # not a dataclass: dataclasses imports inspect, 12 ms of every start
    module: str  # exposes add_arguments(parser) and run(args) -> int
    summary: str
    extra: str | None = None  # the pip extra it needs: pip install 'mlgate[extra]'


COMMANDS: dict[str, Command] = {
    "new": Command("mlgate.new", "render a new ML repository from the template", "new"),
    "update": Command(
        "mlgate.update.command", "bring a project up to its template's later commit (cruft)", "new"
    ),
    "validate": Command("mlgate.suite.validate", "run a committed GX suite on a data file", "data"),
    "suite init": Command("mlgate.suite.infer", "infer a starting GX suite from data", "data"),
    "gate": Command(
        "mlgate.gate.command", "judge metrics against thresholds and against a baseline ref"
    ),
    "monitor": Command(
        "mlgate.gate.monitor",
        "judge production metrics from the service's delayed labels",
        "serve",
    ),  # scikit-learn computes the metrics: the serve extra carries it
    "profile": Command("mlgate.drift.profile", "summarise reference data for drift checks", "data"),
    "drift": Command(
        "mlgate.drift.command", "compare a window of data with a reference profile", "data"
    ),
    "window": Command("mlgate.drift.fetch", "fetch the drift window named by drift.current"),
    "check": Command("mlgate.check.command", "audit a repository against the mlgate standard"),
    "verify": Command("mlgate.verify.command", "check a live model service after a deploy"),
    "comment": Command("mlgate.github.comment", "create or update one sticky pull request comment"),
    "issue": Command("mlgate.github.issue", "open or update the one issue carrying a label"),
    "pr": Command("mlgate.github.pr", "propose the working tree's changes as a pull request"),
    "dispatch": Command(
        "mlgate.github.dispatch", "start another workflow of this repository (workflow_dispatch)"
    ),
}
GROUPS = {"suite": "expectation suite tools"}  # a word that only holds sub-commands


class _ShowVersion(argparse.Action):
    """`--version`, reading the installed version only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show mlgate's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"mlgate {version()}")
        parser.exit()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the command it names gets its arguments (its module is
    imported), so parsing one command never imports another."""
    parser = argparse.ArgumentParser(
        prog="mlgate",
        description="Template, checker and runtime gates for ML repositories on GitHub.",
        epilog="Exit codes: 0 pass, 1 fail, 2 could not check.",
    )
    parser.add_argument("--version", action=_ShowVersion)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _named_command(argv) if argv is not None else None
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, command in COMMANDS.items():
        group, _, leaf = name.rpartition(" ")
        if group and group not in groups:
            holder = sub.add_parser(group, help=GROUPS[group])
            holder.set_defaults(func=_usage_of(holder))
            groups[group] = holder.add_subparsers(dest=f"{group}_command", metavar="SUBCOMMAND")
        target = groups[group] if group else sub
        command_parser = target.add_parser(leaf, help=command.summary)
        if argv is None or chosen == name:
            _attach(command_parser, command)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The table entry argv names: its first word, and the second for a group ("suite init")."""
    words = [word for word in argv if not word.startswith("-")]
    if not words:
        return None
    if words[0] in GROUPS and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0]


def _attach(parser: argparse.ArgumentParser, command: Command) -> None:
    """Import the command's module (light: heavy libraries load in run) and add its arguments."""
    try:
        module = importlib.import_module(command.module)
    except ModuleNotFoundError as exc:
        if _ours(exc):
            raise
        # a missing extra at import time: take any arguments; `main` says what to install
        parser.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        parser.set_defaults(func=_reraise(exc), mlgate_extra=command.extra)
        return
    module.add_arguments(parser)
    parser.set_defaults(func=module.run, mlgate_extra=command.extra)


def _ours(exc: ModuleNotFoundError) -> bool:
    """mlgate's own module is missing: the code is broken, and a traceback is the honest answer."""
    return (exc.name or "").split(".")[0] in ("mlgate", "")


def _reraise(exc: ModuleNotFoundError) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise exc

    return run


def _usage_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def usage(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return COULD_NOT_CHECK

    return usage


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        return _usage_of(parser)(args)
    name = " ".join(filter(None, [args.command, getattr(args, f"{args.command}_command", None)]))
    try:
        return func(args)
    except ModuleNotFoundError as exc:
        if _ours(exc):
            raise
        # an optional dependency: could not check, never a verdict
        message = missing_extra(exc.name or str(exc), getattr(args, "mlgate_extra", None))
        return _could_not_check(name, message)
    except CouldNotCheck as exc:
        return _could_not_check(name, str(exc))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _could_not_check(name: str, message: str) -> int:
    print(f"mlgate {name}: could not check: {message}", file=sys.stderr)
    step_summary.could_not_check(name, message)
    return COULD_NOT_CHECK


if __name__ == "__main__":
    raise SystemExit(main())
