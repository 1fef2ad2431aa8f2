"""The default project's image: its size over the base, and how soon it is ready.

Issue 17's limits: at most 350 MB over the base image, and the first 200 from /ready under 3 s
after `podman run`. The image is built as the container test builds it (podman, the
debootstrapped stand-in base of tests/harness/podman.py, the Dockerfile unchanged), then run
N times; so is the same image without its bytecode (the .pyc files deleted in one more layer),
which is what the Dockerfile's choice to compile bytecode at build time is weighed against.
Needs podman, runc, debootstrap and root, as the container test does.

    python bench/image.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "harness"))

from podman import Podman, build, layers, missing_tools, remove, running, stand_in_base
from serve import trained
from steps import print_table

BUDGET_MB = 350
READY_LIMIT_S = 3.0
WITHOUT_BYTECODE = """FROM {image}
USER 0
RUN find /opt/venv -name '*.pyc' -delete
USER 10001
"""


def ready_after(podman: Podman, image: str) -> float:
    """Seconds from `podman run` to the first 200 from /ready."""
    with running(podman, image, f"mlgate-bench-{time.monotonic_ns()}") as up:
        return up.ready_after_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if missing := missing_tools():
        raise SystemExit(f"bench/image.py: cannot build images here: no {', '.join(missing)}")
    podman = Podman.cached()
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-image-") as scratch:
        project = trained(Path(scratch) / "out", [])
        base = stand_in_base(podman, project / "Dockerfile")
        image = f"localhost/{project.name}:bench"
        started = time.perf_counter()
        steps = build(podman, project, image, "--build-arg=VERSION=1.0.0")
        build_s = time.perf_counter() - started
        variant = Path(scratch) / "without-bytecode"
        variant.mkdir()
        (variant / "Dockerfile").write_text(WITHOUT_BYTECODE.format(image=image))
        steps += build(podman, variant, f"{image}-no-pyc")

        own = layers(podman, image)[len(layers(podman, base)) :]
        print(f"\nThe default image over its base (built in {build_s:.0f} s, downloads included):")
        print_table(["MB", "layer"], [[f"{layer.size / 1e6:.1f}", layer.created_by[:90]]
                                      for layer in own if layer.size])  # fmt: skip
        added = sum(layer.size for layer in own) / 1e6
        verdict = "within" if added <= BUDGET_MB else "OVER"
        print(f"{added:.1f} MB in all: {verdict} the {BUDGET_MB} MB budget\n")

        rows = []
        for label, name in (("bytecode (as built)", image), ("no bytecode", f"{image}-no-pyc")):
            times = [ready_after(podman, name) for _ in range(args.runs)]
            rows.append([label, f"{statistics.median(times):.2f}", f"{min(times):.2f}",
                         f"{max(times):.2f}", f"< {READY_LIMIT_S:.0f}"])  # fmt: skip
        print(f"`podman run` to the first 200 from /ready, {args.runs} runs each (s):")
        print_table(["image", "median", "min", "max", "limit"], rows)
        remove(podman, f"{image}-no-pyc", [])
        remove(podman, image, steps)


if __name__ == "__main__":
    main()
