"""What an update did, for a person: the terminal summary and the pull request's description."""

from __future__ import annotations

from ..io.git import URL_CREDENTIALS
from .apply import Outcome

LISTED_COMMITS = 50  # a description lists this many template commits, then says how many more


def report(outcome: Outcome) -> str:
    if not outcome.updated:
        return f"mlgate update: nothing to do, up to date with template {outcome.after[:12]}\n"
    lines = [f"mlgate update: template {outcome.before[:12]} -> {outcome.after[:12]} "
             f"({_count(len(outcome.commits), 'template commit')})"]  # fmt: skip
    lines += [f"  updated    {path}" for path in outcome.changed]
    lines += [f"  deleted    {path}" for path in outcome.deleted]
    lines += [f"  CONFLICT   {path} (both changed it: resolve the markers)"
              for path in outcome.conflicted]  # fmt: skip
    lines += [f"  REJECTED   {path} (a change that did not apply: apply it by hand)"
              for path in outcome.rejected]  # fmt: skip
    if outcome.failed:
        lines.append("  part of the template's change did not apply; git said:")
        lines += [f"    {line}" for line in outcome.failed]
    if outcome.relocked:
        lines.append("  relocked   uv.lock (pyproject.toml changed)")
    lines += [f"  ANSWER     {line}" for line in answer_notes(outcome)]
    if outcome.lock_problem:
        lines.append(f"  LOCK       uv.lock is stale: {outcome.lock_problem}")
    if outcome.exit_code:
        count = len(outcome.conflicted) + len(outcome.rejected) + bool(outcome.failed)
        count += bool(outcome.lock_problem)
        lines.append(f"{count} conflicts to resolve (compare with the template), then commit")
    else:
        lines.append("review with `git diff`, then commit")
    return "\n".join(lines) + "\n"


def markdown(outcome: Outcome) -> str:
    """The pull request's description: the template commits it brings, then what to resolve."""
    if not outcome.updated:
        return (f"Up to date with the template `{outcome.template}` at "
                f"`{outcome.after[:12]}`.\n")  # fmt: skip
    title = "with conflicts to resolve" if outcome.exit_code else "ready for review"
    lines = [
        f"## Template update {title}",
        "",
        f"From `{shown_url(outcome.template)}`: `{outcome.before[:12]}` → "
        f"`{outcome.after[:12]}`, by `mlgate update` (cruft's three-way merge: your edits "
        "are kept).",
        "",
    ]
    if outcome.exit_code:
        lines += ["### To resolve before merging", ""]
        lines += [f"- [ ] `{path}`: both the template and this repository changed the same "
                  "lines; resolve the conflict markers" for path in outcome.conflicted]  # fmt: skip
        lines += [f"- [ ] `{path}`: a change that did not apply; apply it by hand, then "
                  "delete the file" for path in outcome.rejected]  # fmt: skip
        if outcome.failed:
            lines.append("- [ ] part of the template's change did not apply; git said:")
            lines += [f"  > {line}" for line in outcome.failed]
        if outcome.lock_problem:
            lines.append(f"- [ ] uv.lock is stale: {outcome.lock_problem}")
        lines += ["", "`mlgate check` fails while conflict markers or `.rej` files remain "
                  "(TEMPLATE103).", ""]  # fmt: skip
    notes = answer_notes(outcome)
    if notes:
        lines += ["### Answers to check", ""]
        lines += [f"- {line}" for line in notes] + [""]
    lines += [f"### Template commits ({len(outcome.commits)})", ""]
    lines += [f"- `{c.short}` {_inline(c.subject)}" for c in outcome.commits[:LISTED_COMMITS]]
    if len(outcome.commits) > LISTED_COMMITS:
        lines.append(f"- … and {len(outcome.commits) - LISTED_COMMITS} earlier")
    if outcome.other_commits:
        lines.append(f"\n({_count(outcome.other_commits, 'other commit')} of the template's "
                     "repository change nothing a project is rendered from.)")  # fmt: skip
    files = [f"`{path}`" for path in outcome.changed]
    files += [f"`{path}` (deleted)" for path in outcome.deleted]
    files += ["`uv.lock` (resolved again)"] if outcome.relocked else []
    lines += ["", f"### Files changed ({len(files)})", ""]
    lines += [f"- {entry}" for entry in files]
    lines += ["", "The CI gate judges this pull request like any other change."]
    return "\n".join(lines) + "\n"


def answer_notes(outcome: Outcome) -> list[str]:
    """A renamed or new template question: its default may undo what the project chose."""
    notes = [
        f"`{key}` is new: rendered with {value!r} (another value: `mlgate update "
        f"--answer {key}=...` before merging)"
        for key, value in outcome.new_answers.items()
    ]
    notes += [
        f"`{key}` is no longer asked (it was {value!r}): if it was renamed, give its "
        "value under the new name"
        for key, value in outcome.dropped_answers.items()
    ]
    return notes  # fmt: skip


MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_[]()!|~"} | {"<": "&lt;", ">": "&gt;"})


def _inline(text: str, limit: int = 120) -> str:
    """A commit subject as plain text in Markdown, cut at `limit`: no mentions, no links or
    images, no issue references (`#42` would point at this repository's issue), no HTML."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.translate(MARKDOWN).replace("@", "@\u200b").replace("#", "#\u200b")


def shown_url(template: str) -> str:
    """The template's location without credentials a URL may carry (user:token@host)."""
    return URL_CREDENTIALS.sub(r"\1***@", template).replace("`", "'")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
