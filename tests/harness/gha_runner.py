"""Run a generated workflow's jobs here, from the YAML, the way a GitHub runner would.

Each job gets a fresh workspace. `run:` steps execute in order with `bash --noprofile --norc
-eo pipefail`, the GITHUB_* variables GitHub sets, real GITHUB_OUTPUT / GITHUB_ENV /
GITHUB_PATH / GITHUB_STEP_SUMMARY files, and every `${{ }}` evaluated from the event payload
(gha_expressions: anything it cannot evaluate fails the run). `uses:` steps map to local
equivalents:

- actions/checkout: a clone of the local `origin` (a bare repository standing in for GitHub's)
  at the event's commit or the `ref:` input; `fetch-depth: 0` clones everything, otherwise
  only that commit is fetched, as on GitHub, so a missing `fetch-depth: 0` shows.
- actions/setup-python: this repository's test venv, linked as the workspace's `.venv` (so
  `make setup` finds it installed, and a local mlgate's vendor/ copy in place) with the
  project's `src/` on PYTHONPATH.
- actions/cache: nothing (no cache between runs).
- actions/upload-artifact / download-artifact: a folder per artifact name, with GitHub's
  layout (paths relative to their least common ancestor).
- A composite action (`uses: ./path`, or an action name the test maps to a folder, such as
  `mlgate/mlgate` to this repository's action.yml): its own steps run here, with its inputs
  (defaults applied), `github.action_path`, and its outputs evaluated from action.yml.
- Image build and push, attestation, SARIF upload: not runnable here; reported by name as
  not run, with the outputs the test gives them (e.g. the digest a push would return).

Pull requests are checked out at their head commit (GitHub uses a merge commit; they are the
same while the base has not moved).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from support import VENV_BIN, tool_env

from mlgate.check.gha_expressions import Contexts, Status, as_text, condition, interpolate

NOT_RUNNABLE = {
    "docker/metadata-action": "image tags and labels (needs the registry's conventions)",
    "docker/setup-buildx-action": "Docker Buildx (no Docker engine here)",
    "docker/login-action": "registry login (no registry here)",
    "docker/build-push-action": "image build and push (no Docker engine here)",
    "actions/attest-build-provenance": "provenance attestation (needs Sigstore and GitHub)",
    "github/codeql-action/upload-sarif": "code scanning upload (needs GitHub)",
}
STEP_TIMEOUT_S = 1800


@dataclass
class Event:
    """What triggered the run: the event name, its payload, and the commit and ref it is for."""

    name: str
    sha: str
    ref: str
    payload: dict[str, Any] = field(default_factory=dict)
    base_ref: str = ""
    head_ref: str = ""


@dataclass
class StepRun:
    name: str
    outcome: str  # success, failure, skipped, not run (not runnable here)
    conclusion: str
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    why: str = ""


@dataclass
class JobRun:
    job: str
    result: str  # success, failure, skipped
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    workspace: Path | None = None

    def step(self, name: str) -> StepRun:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"{self.job} has no step {name!r}: {[s.name for s in self.steps]}")

    def failed_steps(self) -> list[str]:
        return [s.name for s in self.steps if s.conclusion == "failure"]

    def log(self) -> str:
        return "\n".join(f"--- {s.name}: {s.outcome}\n{s.log}" for s in self.steps)


@dataclass
class GitHubSide:
    """What GitHub holds for a run: the origin repository, artifacts, API, repository name."""

    origin: Path
    home: Path
    repository: str
    api_url: str
    token: str
    variables: dict[str, str] = field(default_factory=dict)  # the `vars` context
    extra_env: dict[str, str] = field(default_factory=dict)  # the runner's environment
    actions: dict[str, Path] = field(default_factory=dict)  # `uses:` name -> composite folder
    run_counter: int = 0


def step_name(step: Mapping[str, Any]) -> str:
    if step.get("name"):
        return str(step["name"])
    if step.get("uses"):
        return str(step["uses"]).split("@")[0]
    return str(step.get("run", "")).strip().splitlines()[0]


def action_of(step: Mapping[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def steps_context(run: StepRun) -> dict[str, Any]:
    """`steps.<id>` as later steps see it (a step not runnable here counts as a success)."""
    return {
        "outcome": run.outcome if run.outcome != "not run" else "success",
        "conclusion": run.conclusion if run.conclusion != "not run" else "success",
        "outputs": run.outputs,
    }


def read_key_values(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV syntax: `key=value` lines and `key<<DELIM` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            block, index = [], index + 1
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            if index >= len(lines):
                raise ValueError(f"{path.name}: {key} has no closing {delimiter}")
            values[key] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
        elif line.strip():
            raise ValueError(f"{path.name}: cannot read line {line!r}")
        index += 1
    return values


class WorkflowRun:
    """One workflow run for one event: jobs in `needs` order, each in a fresh workspace."""

    def __init__(
        self,
        side: GitHubSide,
        workflow: Path,
        event: Event,
        *,
        given: Mapping[str, Mapping[str, str]] | None = None,
        root: Path,
    ) -> None:
        side.run_counter += 1
        self.side, self.event, self.given = side, event, dict(given or {})
        self.data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        self.name = str(self.data.get("name", workflow.name))
        self.root = root / f"run-{side.run_counter}-{workflow.stem}"
        self.root.mkdir(parents=True)
        self.run_id = str(1000 + side.run_counter)
        self.event_path = self.root / "event.json"
        self.event_path.write_text(json.dumps(event.payload), encoding="utf-8")
        self.artifacts = self.root / "artifacts"  # an artifact lives as long as its run
        self.jobs: dict[str, JobRun] = {}

    # --- contexts ---------------------------------------------------------------------

    def github_context(self) -> dict[str, Any]:
        ref_name = self.event.ref.rsplit("/", 1)[-1] if self.event.ref else ""
        if self.event.ref.startswith(("refs/heads/", "refs/tags/")):
            ref_name = self.event.ref.split("/", 2)[2]
        owner = self.side.repository.split("/")[0]
        return {
            "event_name": self.event.name,
            "event": self.event.payload,
            "repository": self.side.repository,
            "repository_owner": owner,
            "ref": self.event.ref,
            "ref_name": ref_name,
            "sha": self.event.sha,
            "base_ref": self.event.base_ref,
            "head_ref": self.event.head_ref,
            "workflow": self.name,
            "run_id": self.run_id,
            "run_number": self.run_id,
            "run_attempt": "1",
            "actor": "octocat",
            "server_url": "https://github.com",
            "api_url": self.side.api_url,
            "token": self.side.token,
            "workspace": "",
        }

    def github_env(self, workspace: Path, files: Mapping[str, Path]) -> dict[str, str]:
        github = self.github_context()
        env = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_REPOSITORY_OWNER": github["repository_owner"],
            "GITHUB_REF": github["ref"],
            "GITHUB_REF_NAME": github["ref_name"],
            "GITHUB_SHA": github["sha"],
            "GITHUB_BASE_REF": github["base_ref"],
            "GITHUB_HEAD_REF": github["head_ref"],
            "GITHUB_WORKFLOW": github["workflow"],
            "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_RUN_NUMBER": github["run_number"],
            "GITHUB_ACTOR": github["actor"],
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_API_URL": self.side.api_url,
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(files["temp"]),
        }
        for key in ("output", "env", "path", "step_summary"):
            env[f"GITHUB_{key.upper()}"] = str(files[key])
        return env

    # --- jobs -------------------------------------------------------------------------

    def run(self, *only: str) -> dict[str, JobRun]:
        """Every job (or only these and what they need), in dependency order."""
        jobs: dict[str, Any] = self.data["jobs"]
        wanted = set(only or jobs)
        todo = list(jobs)
        while todo:
            ready = [j for j in todo if all(n in self.jobs for n in self.needs_of(j))]
            if not ready:
                raise ValueError(f"jobs wait on each other: {todo}")
            for job in ready:
                todo.remove(job)
                if job in wanted or any(job in self.needs_closure(w) for w in wanted):
                    self.jobs[job] = self.run_job(job)
                else:
                    self.jobs[job] = JobRun(job, "skipped")
        return self.jobs

    def needs_of(self, job: str) -> list[str]:
        needs = self.data["jobs"][job].get("needs", [])
        return [needs] if isinstance(needs, str) else list(needs)

    def needs_closure(self, job: str) -> set[str]:
        seen, todo = set(), self.needs_of(job)
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo += self.needs_of(parent)
        return seen

    def run_job(self, job_id: str) -> JobRun:
        job = self.data["jobs"][job_id]
        needs = {
            n: {"result": self.jobs[n].result, "outputs": self.jobs[n].outputs}
            for n in self.needs_of(job_id)
        }
        status = Status(failed=any(n["result"] != "success" for n in needs.values()))
        values = self.base_values(needs)
        values["env"] = {}
        values["steps"] = {}
        if not condition(job.get("if"), Contexts(values, status)):
            return JobRun(job_id, "skipped")
        status = Status()  # inside the job, success() is about its own steps
        workspace = self.root / job_id / "workspace"
        files = {name: self.root / job_id / name for name in ("output", "env", "path", "temp")}
        files["step_summary"] = self.root / job_id / "summary.md"
        files["temp"].mkdir(parents=True)
        result = JobRun(job_id, "success", workspace=workspace)
        env = tool_env(self.side.home, **self.side.extra_env)
        env.update(self.github_env(workspace, files))
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p)
        workflow_env = self.data.get("env") or {}
        contexts = Contexts(values, status, hash_files=lambda p: hash_files(workspace, p))
        values["env"] = {k: as_text(interpolate(v, contexts)) for k, v in workflow_env.items()}
        values["env"].update(
            {k: as_text(interpolate(v, contexts)) for k, v in (job.get("env") or {}).items()}
        )
        extra_path: list[str] = []
        for step in job.get("steps") or []:
            run = self.run_step(step, workspace, env, extra_path, files, contexts)
            result.steps.append(run)
            if step.get("id"):
                values["steps"][step["id"]] = steps_context(run)
            if run.conclusion == "failure":
                status.failed = True
        result.result = "failure" if status.failed else "success"
        result.outputs = {
            k: as_text(interpolate(v, contexts)) for k, v in (job.get("outputs") or {}).items()
        }
        summary = files["step_summary"]
        result.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
        return result

    def base_values(self, needs: dict[str, Any]) -> dict[str, Any]:
        inputs = self.event.payload.get("inputs") or {}
        return {
            "github": self.github_context(),
            "needs": needs,
            "runner": {"os": "Linux", "arch": "X64", "temp": str(self.root / "temp")},
            "secrets": {"GITHUB_TOKEN": self.side.token},
            "vars": dict(self.side.variables),
            "inputs": inputs,
            "job": {"status": "success"},
        }

    def run_step(
        self,
        step: Mapping[str, Any],
        workspace: Path,
        job_env: dict[str, str],
        extra_path: list[str],
        files: Mapping[str, Path],
        contexts: Contexts,
    ) -> StepRun:
        name = step_name(step)
        if not condition(step.get("if"), contexts):
            return StepRun(name, "skipped", "skipped")
        step_env = {
            k: as_text(interpolate(v, contexts)) for k, v in (step.get("env") or {}).items()
        }
        env = {**job_env, **contexts.values["env"], **read_key_values(files["env"]), **step_env}
        env["PATH"] = os.pathsep.join([*reversed(extra_path), env["PATH"]])
        files["output"].write_text("", encoding="utf-8")
        composite = self.composite_folder(step, workspace)
        if composite is not None:
            inputs = {k: interpolate(v, contexts) for k, v in (step.get("with") or {}).items()}
            run = self.run_composite(composite, name, inputs, workspace, job_env, files,
                                     extra_path, contexts)  # fmt: skip
        elif "uses" in step:
            inputs = {k: interpolate(v, contexts) for k, v in (step.get("with") or {}).items()}
            run = self.run_action(step, name, inputs, workspace, env)
        else:
            script = as_text(interpolate(step["run"], contexts))
            run = self.run_script(name, script, workspace, step, env)
        if run.outcome != "not run" and composite is None:
            run.outputs = read_key_values(files["output"])
        extra_path += read_key_values_lines(files["path"], already=extra_path)
        if run.outcome == "failure" and step.get("continue-on-error") is True:
            run.conclusion = "success"
        return run

    def run_script(
        self, name: str, script: str, workspace: Path, step: Mapping[str, Any], env: dict
    ) -> StepRun:
        shell = step.get("shell", "bash")
        if shell != "bash":
            raise ValueError(f"step {name!r}: shell {shell!r} is not emulated")
        cwd = workspace / str(step.get("working-directory", "."))
        script_file = Path(env["RUNNER_TEMP"]) / f"step-{abs(hash(name))}.sh"
        script_file.write_text(script, encoding="utf-8")
        timeout = int(step.get("timeout-minutes", STEP_TIMEOUT_S // 60)) * 60
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=min(timeout, STEP_TIMEOUT_S),
        )
        outcome = "success" if done.returncode == 0 else "failure"
        return StepRun(name, outcome, outcome, done.stdout + done.stderr)

    # --- actions ----------------------------------------------------------------------

    def composite_folder(self, step: Mapping[str, Any], workspace: Path) -> Path | None:
        """The folder of a composite action this step uses, when it runs here step by step."""
        action = action_of(step)
        folder = workspace / action if action.startswith("./") else self.side.actions.get(action)
        if folder is None:
            return None
        for name in ("action.yml", "action.yaml"):
            data = yaml.safe_load((folder / name).read_text()) if (folder / name).exists() else None
            if isinstance(data, dict) and data.get("runs", {}).get("using") == "composite":
                return folder
        return None

    def run_composite(
        self,
        folder: Path,
        name: str,
        given: dict[str, Any],
        workspace: Path,
        job_env: dict[str, str],
        files: Mapping[str, Path],
        extra_path: list[str],
        outer: Contexts,
    ) -> StepRun:
        """A composite action's steps, in its own `inputs` and `steps` contexts."""
        path = folder / "action.yml" if (folder / "action.yml").exists() else folder / "action.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        inputs = {
            key: as_text(given[key]) if key in given else as_text((spec or {}).get("default", ""))
            for key, spec in (data.get("inputs") or {}).items()
        }
        unknown = set(given) - set(inputs)
        if unknown:
            raise ValueError(f"step {name!r}: {folder.name} has no input {sorted(unknown)}")
        values = {**outer.values, "inputs": inputs, "steps": {},
                  "github": {**outer.values["github"], "action_path": str(folder)}}  # fmt: skip
        contexts = Contexts(values, Status(), hash_files=outer.hash_files)
        env = {**job_env, "GITHUB_ACTION_PATH": str(folder)}
        runs, logs = [], []
        for inner in data["runs"]["steps"]:
            run = self.run_step(inner, workspace, env, extra_path, files, contexts)
            runs.append(run)
            logs.append(f"  --- {run.name}: {run.outcome}\n{run.log}")
            if inner.get("id"):
                values["steps"][inner["id"]] = steps_context(run)
            if run.conclusion == "failure":
                contexts.status.failed = True
        outcome = "failure" if contexts.status.failed else "success"
        outputs = {
            key: as_text(interpolate((spec or {}).get("value", ""), contexts))
            for key, spec in (data.get("outputs") or {}).items()
        }
        not_run = [r.name for r in runs if r.outcome == "not run"]
        why = f"not runnable here: {', '.join(not_run)}" if not_run else ""
        return StepRun(name, outcome, outcome, "\n".join(logs), outputs=outputs, why=why)

    def run_action(
        self, step: Mapping[str, Any], name: str, inputs: dict[str, Any], workspace: Path, env: dict
    ) -> StepRun:
        action = action_of(step)
        if action in NOT_RUNNABLE:
            outputs = {k: as_text(v) for k, v in self.given.get(str(step.get("id")), {}).items()}
            return StepRun(name, "not run", "not run", outputs=outputs, why=NOT_RUNNABLE[action])
        handler = {
            "actions/checkout": self.checkout,
            "actions/setup-python": self.setup_python,
            "actions/cache": lambda *_: "no cache between runs here",
            "actions/upload-artifact": self.upload_artifact,
            "actions/download-artifact": self.download_artifact,
        }.get(action)
        if handler is None:
            raise ValueError(f"step {name!r}: no local equivalent for {action}")
        try:
            log = handler(inputs, workspace, env)
        except StepFailed as exc:
            return StepRun(name, "failure", "failure", str(exc))
        return StepRun(name, "success", "success", str(log or ""))

    def checkout(self, inputs: dict[str, Any], workspace: Path, env: dict) -> str:
        target = as_text(inputs.get("ref")) or self.event.sha
        depth = int(inputs.get("fetch-depth", 1))
        origin = str(self.side.origin)
        if depth == 0:
            git(["clone", "--quiet", "--no-checkout", origin, str(workspace)], self.root, env)
        else:
            workspace.mkdir(parents=True)
            git(["init", "--quiet"], workspace, env)
            git(["remote", "add", "origin", origin], workspace, env)
            git(["fetch", "--quiet", f"--depth={depth}", "origin", target], workspace, env)
            target = "FETCH_HEAD"
        git(["checkout", "--quiet", "--detach", target], workspace, env)
        return f"checked out {target} ({'all history' if depth == 0 else f'depth {depth}'})"

    def setup_python(self, inputs: dict[str, Any], workspace: Path, env: dict) -> str:
        venv = workspace / ".venv"
        if not venv.exists():
            venv.symlink_to(VENV_BIN.parent, target_is_directory=True)
        (venv / ".installed").touch()  # newer than the checkout: `make setup` has nothing to do
        if vendored := local_mlgate(workspace):
            # mlgate from a local checkout (tool.uv.sources): the test venv holds it already,
            # so `make setup` need not unpack its sdist into the workspace
            vendored.mkdir(parents=True, exist_ok=True)
            (vendored / "PKG-INFO").touch()
        env_file = Path(env["GITHUB_ENV"])
        with env_file.open("a", encoding="utf-8") as out:
            out.write(f"PYTHONPATH={workspace / 'src'}\n")
        return f"python {inputs.get('python-version')} = the test venv"

    def upload_artifact(self, inputs: dict[str, Any], workspace: Path, env: dict) -> str:
        name = as_text(inputs.get("name")) or "artifact"
        patterns = [p.strip() for p in as_text(inputs.get("path")).splitlines() if p.strip()]
        if any(p.startswith("!") for p in patterns):
            raise ValueError("exclusion patterns in upload-artifact are not emulated")
        found: list[Path] = []
        for pattern in patterns:
            for match in sorted(glob.glob(str(workspace / pattern), recursive=True)):
                path = Path(match)
                found += (
                    [path] if path.is_file() else sorted(f for f in path.rglob("*") if f.is_file())
                )
        if not found:
            mode = as_text(inputs.get("if-no-files-found")) or "warn"
            if mode == "error":
                raise StepFailed(f"no files found for artifact {name}: {patterns}")
            return f"warning: no files for artifact {name}"
        base = Path(os.path.commonpath([p.parent for p in found]))
        target = self.artifacts / name
        if target.exists():
            raise StepFailed(f"an artifact named {name} already exists in this run")
        for path in found:
            destination = target / path.relative_to(base)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        return f"uploaded {len(found)} file(s) as {name}"

    def download_artifact(self, inputs: dict[str, Any], workspace: Path, env: dict) -> str:
        name = as_text(inputs.get("name"))
        source = self.artifacts / name
        if not source.is_dir():
            raise StepFailed(f"artifact {name} not found")
        target = workspace / as_text(inputs.get("path") or ".")
        shutil.copytree(source, target, dirs_exist_ok=True)
        return f"downloaded {name} to {target}"


class StepFailed(Exception):
    """A `uses:` step that failed as the action would (its message is the step's log)."""


def read_key_values_lines(path: Path, already: list[str]) -> list[str]:
    """New GITHUB_PATH lines since the last step."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [line for line in lines[len(already) :] if line.strip()]


def git(args: list[str], cwd: Path, env: Mapping[str, str]) -> None:
    done = subprocess.run(["git", *args], cwd=cwd, env=dict(env), capture_output=True, text=True)
    if done.returncode != 0:
        raise StepFailed(f"git {' '.join(args)}: {done.stderr.strip()}")


def hash_files(workspace: Path, patterns: list[str]) -> str:
    """hashFiles(): SHA-256 over the matching files' hashes, '' when nothing matches."""
    matches = sorted(
        {Path(m) for p in patterns for m in glob.glob(str(workspace / p), recursive=True)}
    )
    files = [m for m in matches if m.is_file()]
    if not files:
        return ""
    digest = hashlib.sha256()
    for file in files:
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def local_mlgate(workspace: Path) -> Path | None:
    """Where pyproject.toml's tool.uv.sources puts mlgate's copy (vendor/mlgate), if it does."""
    pyproject = workspace / "pyproject.toml"
    if not pyproject.is_file():
        return None
    sources = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {}).get("uv", {})
    path = sources.get("sources", {}).get("mlgate", {}).get("path")
    return workspace / path if isinstance(path, str) else None
