"""Check what `uv build` put in dist/ before it is published: `make dist` runs this.

A release uploads exactly one sdist and one wheel, both of the tag's version (hatch-vcs takes
it from the tag; a commit after the tag, or changes not committed, give a dev or local
version, which PyPI must never get), and a wheel that carries the template, installs on its
own and answers `mlgate --version` with that version. Standard library only: it runs before
anything is installed.

    python tools/check_dist.py dist [--tag v1.2.3]

Exit 0 when all holds, 1 when something does not (each finding on its own line), 2 when dist/
cannot be read.
"""

from __future__ import annotations

import argparse
import email.parser
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# A release version, no dev, pre-release or local part: PEP 440's public final releases.
RELEASE = re.compile(r"^\d+(\.\d+)*$")
# What the wheel must carry for `mlgate new` to render without the repository at hand.
WHEEL_HAS = (
    "mlgate/cli.py",
    "mlgate/template/cookiecutter.json",
    "mlgate/template/hooks/post_gen_project.py",
    "mlgate/template/hooks/cron.py",
    "mlgate/template/{{cookiecutter.project_slug}}/Dockerfile",
    "mlgate/template/{{cookiecutter.project_slug}}/src/{{cookiecutter.module_name}}/serve.py",
)
SDIST_HAS = ("pyproject.toml", "PKG-INFO", "checks/mlgate/cli.py", "cookiecutter.json")


def wheel_version(wheel: Path) -> tuple[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        headers = email.parser.Parser().parsestr(archive.read(metadata).decode("utf-8"))
    return str(headers["Version"]), names


def sdist_version(sdist: Path) -> tuple[str, list[str]]:
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
        top = members[0].split("/")[0]
        info = archive.extractfile(f"{top}/PKG-INFO")
        assert info is not None
        headers = email.parser.Parser().parsestr(info.read().decode("utf-8"))
    return str(headers["Version"]), [m.partition("/")[2] for m in members]


def installed_version(wheel: Path) -> str:
    """`mlgate --version` from the wheel alone, in a new virtual environment (uv)."""
    uv = Path(sys.executable).with_name("uv")
    with tempfile.TemporaryDirectory(prefix="mlgate-dist-") as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)],
                       check=True)  # fmt: skip
        subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(venv / "bin/python"),
                        str(wheel)], check=True)  # fmt: skip
        shown = subprocess.run([str(venv / "bin/mlgate"), "--version"], check=True,
                               capture_output=True, text=True)  # fmt: skip
    return shown.stdout.strip().removeprefix("mlgate ")


def findings(dist: Path, tag: str | None) -> list[str]:
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    others = sorted(
        p.name for p in dist.iterdir() if p not in [*wheels, *sdists] and p.name != ".gitignore"
    )  # uv build writes the .gitignore
    found = [f"dist/ holds {name}, which is neither the sdist nor the wheel" for name in others]
    if len(wheels) != 1 or len(sdists) != 1:
        return [*found, f"expected one wheel and one sdist, found {len(wheels)} and {len(sdists)}"]
    (wheel,), (sdist,) = wheels, sdists
    version, wheel_files = wheel_version(wheel)
    sdist_ver, sdist_files = sdist_version(sdist)
    if sdist_ver != version:
        found.append(f"the sdist is version {sdist_ver}, the wheel {version}")
    if tag is not None:
        wanted = tag.removeprefix("v")
        if not RELEASE.match(wanted):
            found.append(f"the tag {tag} is not a release version (vX.Y.Z)")
        elif version != wanted:
            found.append(
                f"the build is version {version}, not the tag's {wanted}: build from the "
                "tagged commit, with nothing uncommitted"
            )
    found += [f"the wheel lacks {name}" for name in WHEEL_HAS if name not in wheel_files]
    found += [f"the sdist lacks {name}" for name in SDIST_HAS if name not in sdist_files]
    if not found and (shown := installed_version(wheel)) != version:
        found.append(f"the installed wheel says it is {shown}, its metadata {version}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--tag", help="the release tag the build must match (vX.Y.Z)")
    args = parser.parse_args(argv)
    if not args.dist.is_dir():
        print(f"check_dist: could not check: no folder {args.dist}", file=sys.stderr)
        return 2
    try:
        problems = findings(args.dist, args.tag or None)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, tarfile.TarError) as exc:
        print(f"check_dist: could not check: cannot read the distributions: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"check_dist: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_dist: {', '.join(sorted(p.name for p in args.dist.glob('mlgate-*')))} ready")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
