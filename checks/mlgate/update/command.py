"""`mlgate update [PROJECT] [--check] [--to REF] [--body-file FILE] [--adopt ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import FAIL, PASS, CouldNotCheck, require
from ..io.pairs import key_values
from ..io.step_summary import append, write_step_outputs
from ..io.template_repo import TOKEN_VARIABLE
from .apply import RECORD, behind, update
from .describe import markdown, report

ADOPT_ONLY = ("template", "from_ref", "directory", "force")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Apply the template's changes since the commit .cruft.json records (cruft's three-way "
        "update), keeping your edits; conflicts stay as markers or .rej files. pyproject.toml "
        "changed: uv.lock is resolved again. Nothing changed in the template's files since: "
        "nothing to do."
    )
    parser.epilog = (
        f"A private template: its token in {TOKEN_VARIABLE} (sent as a header to GitHub's "
        "host). Step outputs: result (up-to-date, updated, conflicts), before, after. Exit "
        "codes: 0 updated, nothing to do or adopted; 1 conflicts to resolve (--check: behind "
        "the template); 2 could not."
    )
    parser.add_argument("project", nargs="?", default=".", help="the project (default: .)")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the project is behind its template")  # fmt: skip
    parser.add_argument("--to", metavar="REF", help="a template branch, tag or commit")
    parser.add_argument("--answer", action="append", default=[], metavar="KEY=VALUE",
                        help="a template answer: for a question the template renamed or "
                        "added (and with --adopt, one you know); repeat")  # fmt: skip
    parser.add_argument("--body-file", metavar="FILE",
                        help="write the update's pull request description (Markdown)")  # fmt: skip
    adopt = parser.add_argument_group(
        "adopt", f"a project without {RECORD} (rendered before it existed): find the template "
        "commit and answers it was rendered with, by rendering and comparing, and write the record"
    )  # fmt: skip
    adopt.add_argument("--adopt", action="store_true", help=f"write {RECORD} for this project")
    adopt.add_argument("--template", metavar="URL", help="the template (git URL or local path)")
    adopt.add_argument("--from", dest="from_ref", metavar="REF",
                       help="the template commit or tag it came from, when known")  # fmt: skip
    adopt.add_argument("--directory", metavar="DIR",
                       help="the template's folder in its repository")  # fmt: skip
    adopt.add_argument("--force", action="store_true",
                       help=f"replace a {RECORD} with a commit; accept a poor match")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    require("cruft", "new")
    project = Path(args.project)
    if not project.is_dir():
        raise CouldNotCheck(f"{project}: not a directory")
    given = parse_answers(args.answer)
    if args.adopt:
        if args.check or args.to or args.body_file:
            raise CouldNotCheck("--adopt writes the record only: run the update after it")
        return run_adopt(project, args, given)
    if args.check and given:
        raise CouldNotCheck("--answer goes with an update or --adopt, not --check")
    misplaced = [f"--{name.replace('_ref', '').replace('_', '-')}" for name in ADOPT_ONLY
                 if getattr(args, name)]  # fmt: skip
    if misplaced:
        raise CouldNotCheck(f"{', '.join(misplaced)} only go with --adopt")
    if args.check:
        record, where = behind(project, args.to)
        target = (
            f"{record['template']} ({args.to or record.get('checkout') or 'its default branch'})"
        )
        state = (f"BEHIND {target} by {len(where.commits)} template commits" if where.behind
                 else f"up to date with {target}")  # fmt: skip
        print(f"mlgate update --check: {state}; rendered from {str(record['commit'])[:12]}")
        return FAIL if where.behind else PASS
    body = writable(Path(args.body_file)) if args.body_file else None
    outcome = update(project, args.to, given)
    sys.stdout.write(report(outcome))
    described = markdown(outcome)
    if body is not None:
        try:
            body.write_text(described, encoding="utf-8")
        except OSError as exc:
            raise CouldNotCheck(f"updated, but cannot write --body-file {body}: "
                                f"{exc.strerror}") from None  # fmt: skip
    append(described)
    write_step_outputs({"result": outcome.result, "before": outcome.before,
                        "after": outcome.after})  # fmt: skip
    return outcome.exit_code


def writable(path: Path) -> Path:
    """--body-file checked before the update: a folder or an impossible path is exit 2 with
    the project untouched, not a traceback after the update was applied."""
    if path.is_dir():
        raise CouldNotCheck(f"--body-file {path} is a folder: name a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CouldNotCheck(
            f"--body-file {path}: cannot make its folder ({exc.strerror})"
        ) from None
    return path


def parse_answers(items: list[str]) -> dict[str, str]:
    try:
        return key_values(items)
    except ValueError as exc:
        raise CouldNotCheck(f"--answer {exc}") from None


def run_adopt(project: Path, args: argparse.Namespace, given: dict[str, str]) -> int:
    from .adopt import adopt, write_record

    adopted = adopt(project, args.template, args.from_ref, given, directory=args.directory,
                    force=args.force)  # fmt: skip
    write_record(project, adopted)
    match = adopted.match
    how = "matched" if adopted.inferred else "given"
    print(f"mlgate update --adopt: {RECORD} written: {adopted.template} at "
          f"{adopted.commit[:12]} ({how}: {adopted.subject})")  # fmt: skip
    print(f"  {match.identical} of {match.compared} template files identical, "
          f"{match.distance} lines differ (your edits, or answers to check)")  # fmt: skip
    if adopted.assumed:
        print(f"  answers at the template's default: {', '.join(adopted.assumed)}")
    print(f"check the answers in {RECORD}, commit it, then run `mlgate update`")
    return PASS
