"""`mlgate profile`: summarise reference data once, so drift checks never re-read it.

Per column: kind (numeric, categorical, boolean, datetime, text), counts, nulls, distinct
values, quantile bin edges with counts, category frequencies (top K + other) and a seeded,
capped sample of raw values for the tests that need them (KS). A datetime column is
summarised as days since 1970 (plus its format), a text column as words per value (plus its
vocabulary): measures.py says why. With `--schema models/schema.json` the model's roles
decide each column's kind, and the columns it leaves out (identifiers) are not profiled.
The same input gives the same bytes: keys are sorted, floats are written in their shortest
exact form, and nothing depends on time or paths.

Its size (~330 lines) is the profile's whole format: what is written and the checks that read
it back, kept together so they cannot disagree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PASS, CouldNotCheck
from ..io.columnar import check_inputs, float_values, read_all
from ..io.textfile import read_text

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from ..policy import EngineSettings

SCHEMA = "mlgate.profile/1"
KINDS = ("numeric", "categorical", "boolean", "datetime", "text")
MEASURED = ("numeric", "datetime", "text")  # summarised as numbers: bins, moments, a sample
VOCABULARY = 1000  # most frequent reference words kept per text column
TOO_LARGE = (
    "a column's sums are beyond what a double holds (values near 1e308): exclude the "
    "column or rescale it"
)
DATE_UNIT = "days since 1970-01-01 UTC"  # how a datetime column is measured
DISCRETE_MAX = 5  # numeric columns with at most this many values are compared as categories


@dataclass(frozen=True)
class ProfileSettings:
    bins: int = 100
    top_k: int = 50
    sample: int = 5000
    seed: int = 0

    def check(self) -> None:
        if not 2 <= self.bins <= 1000:
            raise CouldNotCheck(f"--bins must be from 2 to 1000, not {self.bins}")
        if not 1 <= self.top_k <= 10_000:
            raise CouldNotCheck(f"--top-k must be from 1 to 10000, not {self.top_k}")
        if not 0 <= self.sample <= 1_000_000:
            raise CouldNotCheck(f"--sample must be from 0 to 1000000, not {self.sample}")


def column_kind(data_type: pa.DataType) -> str | None:
    """numeric / categorical / boolean / datetime, or None for types drift does not compare."""
    import pyarrow as pa

    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_timestamp(data_type) or pa.types.is_date(data_type):
        return "datetime"
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type):
        return "numeric"
    if pa.types.is_decimal(data_type):
        return "numeric"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "categorical"
    if pa.types.is_dictionary(data_type) or pa.types.is_null(data_type):
        return "categorical"
    return None


def number_key(value: float) -> str:
    """A numeric value as a category name: 1.0 and 1 are the same category '1'."""
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


def profile_numeric(
    column: pa.ChunkedArray, settings: ProfileSettings, rng: np.random.Generator
) -> dict[str, Any]:
    return summarise_numbers(float_values(column), "numeric", settings, rng)


def profile_datetime(
    column: pa.ChunkedArray,
    date_format: str | None,
    settings: ProfileSettings,
    rng: np.random.Generator,
) -> dict[str, Any]:
    from .measures import Unparsed, epoch_days

    unparsed = Unparsed()
    days = epoch_days(column, date_format, unparsed)
    result = summarise_numbers(days, "datetime", settings, rng)
    result["nulls"] -= unparsed.count
    return {**result, "format": date_format, "unit": DATE_UNIT,
            "unparsed": unparsed.count}  # fmt: skip


def profile_text(
    column: pa.ChunkedArray, settings: ProfileSettings, rng: np.random.Generator
) -> dict[str, Any]:

    import numpy as np
    import pyarrow as pa

    from .measures import unknown, word_counts, words

    result = summarise_numbers(word_counts(column), "text", settings, rng)
    # The share of words a new window may have outside the vocabulary is estimated out of
    # sample: a vocabulary of the even rows, measured on the odd ones. Measured on the words
    # that chose it, it would be too low, and a clean window of free text would drift.
    rows = np.arange(len(column))
    even = words(column.take(pa.array(rows[::2])))
    odd = words(column.take(pa.array(rows[1::2])))
    outside = unknown(odd, pa.array(_vocabulary(even), pa.string()))
    found = pa.concat_arrays([even, odd])  # every word, each row's tokenised once
    return {**result, "unit": "words per value", "words": len(found),
            "vocabulary": sorted(_vocabulary(found)),
            "out_of_vocabulary": outside / len(odd) if len(odd) else 0.0}  # fmt: skip


def _vocabulary(found: pa.Array) -> list[str]:
    """The VOCABULARY most frequent words (ties by the word, so the same input gives the same)."""
    import pyarrow.compute as pc

    counted = [(item["values"], int(item["counts"])) for item in pc.value_counts(found).to_pylist()]
    return [word for word, _ in sorted(counted, key=lambda kv: (-kv[1], kv[0]))[:VOCABULARY]]


def summarise_numbers(
    array: np.ndarray, kind: str, settings: ProfileSettings, rng: np.random.Generator
) -> dict[str, Any]:
    import numpy as np

    from .stats import bin_sorted

    finite = np.sort(array[np.isfinite(array)]) + 0.0  # + 0.0: -0.0 and 0.0 are one value
    result: dict[str, Any] = {"kind": kind, "count": int(finite.size)}
    result["nulls"] = int(array.size - finite.size)
    if finite.size == 0:
        return {**result, "distinct": 0}
    unique, counts = np.unique(finite, return_counts=True)
    # Sums are correctly rounded (math.fsum), not added in numpy's order: the Spark engine
    # gets the same bits whatever its partitions (engines/spark/numbers.py).
    try:
        mean = math.fsum(finite.tolist()) / finite.size
        spread = math.fsum(np.square(finite - mean).tolist())
    except OverflowError:
        raise CouldNotCheck(TOO_LARGE) from None
    result.update(
        distinct=int(unique.size),
        min=float(finite.min()),
        max=float(finite.max()),
        mean=mean,
        std=math.sqrt(spread / finite.size),
    )
    if unique.size <= DISCRETE_MAX:
        result["values"] = {number_key(v): int(c) for v, c in zip(unique, counts, strict=True)}
    quantiles = np.quantile(finite, np.linspace(0.0, 1.0, settings.bins + 1))
    edges = np.unique(quantiles)
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    binned = bin_sorted(finite, edges)
    starts = np.cumsum(np.concatenate([[0], binned.counts])).tolist()
    result["edges"] = _floats(edges)
    result["counts"] = [int(c) for c in binned.counts]
    result["sums"] = [math.fsum(finite[a:b].tolist()) for a, b in pairwise(starts)]
    if settings.sample:
        size = min(settings.sample, finite.size)
        picked = finite if size == finite.size else rng.choice(finite, size=size, replace=False)
        result["sample"] = _floats(np.sort(picked))
    return result


def profile_categories(
    column: pa.ChunkedArray, kind: str, settings: ProfileSettings
) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
    nulls = column.null_count
    counted: dict[str, int] = {}
    if len(column) > nulls:
        for item in pc.value_counts(column.drop_null()).to_pylist():
            counted[category_key(item["values"])] = int(item["counts"])
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    top = dict(ranked[: settings.top_k])
    return {
        "kind": kind,
        "count": int(len(column) - nulls),
        "nulls": int(nulls),
        "distinct": len(counted),
        "top": top,
        "other": int(sum(c for _, c in ranked[settings.top_k :])),
    }


def category_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class ModelSchema:
    """What drift reads of a generated project's models/schema.json, read once."""

    features: dict[str, dict[str, Any]]  # name -> kind and date format
    dropped: dict[str, str]  # columns the model leaves out -> their role
    task: str | None

    @property
    def as_written(self) -> list[str]:
        """Dates and text the model reads with its own format: read as text, not typed by a
        reader's guess (an ISO-looking %Y-%d-%m, or a date typed from the first block that
        refuses a later bad date)."""
        return [name for name, spec in self.features.items()
                if spec["kind"] in ("datetime", "text")]  # fmt: skip


def model_roles(path: str | Path) -> ModelSchema:
    """From a generated project's models/schema.json: each feature's kind and date format, the
    columns the model leaves out (with their role), and the model's task."""
    shown = str(path)
    text = read_text(Path(path), shown, missing=f"no model schema at {shown}: train first")
    try:
        schema = json.loads(text)
        features = {str(f["name"]): {"kind": str(f["kind"]), "format": f.get("format")}
                    for f in schema["features"]}  # fmt: skip
        dropped = {
            str(d["name"]): str(d.get("role", "left out")) for d in schema.get("dropped", [])
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise CouldNotCheck(
            f"{shown} is not a model schema (features with name and kind): {exc}"
        ) from None
    odd = sorted(name for name, spec in features.items() if spec["kind"] not in KINDS)
    if odd:
        raise CouldNotCheck(f"{shown}: features of a kind drift does not know: {', '.join(odd)}")
    task = schema.get("task")
    return ModelSchema(features, dropped, task if isinstance(task, str) else None)


def profile_model(
    settings: ProfileSettings, schema: str | Path | None, outputs: str | Path | None
) -> ModelSchema:
    """What both engines check before reading any data: the settings, and that --outputs
    comes with a model schema naming its task."""
    settings.check()
    if outputs and not schema:
        raise CouldNotCheck("--outputs needs --schema: the model's task says what they are")
    model = model_roles(schema) if schema else ModelSchema({}, {}, None)
    if outputs and model.task is None:
        raise CouldNotCheck(f"{schema} names no task (classification or regression)")
    return model


def plan_columns(
    found: Sequence[tuple[str, str | None, str]],
    exclude: Sequence[str],
    model: ModelSchema,
    *,
    by_schema: bool,
) -> tuple[dict[str, str], dict[str, str]]:
    """Each profiled column's kind, and each column left out with why, from the data's
    (name, kind by type, type in words): the model's roles decide where it has them."""
    names = [name for name, _, _ in found]
    unknown = [name for name in exclude if name not in names]
    if unknown:
        raise CouldNotCheck(f"--exclude names columns the data does not have: {', '.join(unknown)}")
    roles, dropped = model.features, model.dropped
    kinds: dict[str, str] = {}
    ignored: dict[str, str] = {}
    for name, kind, type_text in found:
        if name in exclude:
            continue
        if name in dropped:
            ignored[name] = f"{dropped[name]}: not a model feature"
            continue
        if by_schema and name not in roles:
            ignored[name] = "not in the model's schema"
            continue
        if name in roles and kind is None:  # objects or lists (JSON lines): no kind fits
            raise CouldNotCheck(
                f"column {name!r} holds {type_text} values, which the model's schema calls "
                f"{roles[name]['kind']}: drift cannot read them so; leave the column out of "
                "the model (its role: ignore) or write it as text"
            )
        if name in roles:  # the model's kind; a boolean stays one (its categories are true/false)
            kind = "boolean" if kind == "boolean" else roles[name]["kind"]
        if kind is None:
            ignored[name] = type_text
            continue
        kinds[name] = kind
    if not kinds:
        raise CouldNotCheck("no column to profile: every column is excluded or of another type")
    return kinds, ignored


def build_profile(
    paths: Sequence[str | Path],
    *,
    exclude: Sequence[str] = (),
    settings: ProfileSettings,
    schema: str | Path | None = None,
    outputs: str | Path | None = None,
) -> dict[str, Any]:
    """The profile of the data files; with `outputs` (the held-out answers), of those too."""
    import numpy as np

    model = profile_model(settings, schema, outputs)
    roles = model.features
    files = check_inputs(paths)
    table = read_all(files, text_columns=model.as_written)
    if table.num_rows == 0:
        raise CouldNotCheck("no rows to profile: the data files are empty")
    found = [(n, column_kind(table.column(n).type), str(table.column(n).type))
             for n in table.column_names]  # fmt: skip
    kinds, ignored = plan_columns(found, exclude, model, by_schema=schema is not None)
    columns: dict[str, Any] = {}
    for index, name in enumerate(table.column_names):
        if name not in kinds:
            continue
        column, kind = table.column(name), kinds[name]
        rng = np.random.default_rng([settings.seed, index])
        if kind == "numeric":
            columns[name] = _numeric_or_refuse(name, column, settings, rng)
        elif kind == "datetime":
            date_format = roles.get(name, {}).get("format")
            columns[name] = profile_datetime(column, date_format, settings, rng)
        elif kind == "text":
            columns[name] = profile_text(column, settings, rng)
        else:
            columns[name] = profile_categories(column, kind, settings)
    return assemble(int(table.num_rows), columns, ignored, source_hash(files), exclude=exclude,
                    settings=settings, model=model, outputs=outputs)  # fmt: skip


def assemble(
    rows: int,
    columns: dict[str, Any],
    ignored: dict[str, str],
    sources: str,
    *,
    exclude: Sequence[str],
    settings: ProfileSettings,
    model: ModelSchema,
    outputs: str | Path | None,
) -> dict[str, Any]:
    """The profile document both engines write, with the held-out answers' section (a small
    local file, read by the Arrow engine's reader on either engine)."""
    profile = {
        "schema": SCHEMA,
        "rows": rows,
        "schema_hash": schema_hash(columns),
        "source_hash": sources,
        "settings": {"bins": settings.bins, "top_k": settings.top_k,
                     "sample": settings.sample, "seed": settings.seed},
        "columns": columns,
        "ignored": ignored,
        "excluded": sorted(set(exclude)),
    }  # fmt: skip
    if outputs:
        from .outputs import profile_outputs

        section = profile_outputs(outputs, str(model.task), settings)
        if section is not None:  # too few held-out answers: said by write_profile
            profile["outputs"] = section
    return profile


def _numeric_or_refuse(
    name: str, column: pa.ChunkedArray, settings: ProfileSettings, rng: np.random.Generator
) -> dict[str, Any]:
    import pyarrow as pa

    try:
        return profile_numeric(column, settings, rng)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise CouldNotCheck(
            f"column {name!r} is numeric in the model's schema, but its values are not all "
            f"numbers ({str(exc).splitlines()[0][:120]})"
        ) from None


def schema_hash(columns: dict[str, Any]) -> str:
    """Names and kinds, in order: two profiles of the same table shape share it."""
    shape = [[name, spec["kind"]] for name, spec in columns.items()]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


def source_hash(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def dumps(profile: dict[str, Any]) -> str:
    return json.dumps(profile, sort_keys=True, indent=1, allow_nan=False) + "\n"


def write_profile(
    paths: Sequence[str],
    output: str,
    *,
    exclude: Sequence[str],
    settings: ProfileSettings,
    schema: str | None = None,
    outputs: str | None = None,
    engine: EngineSettings | None = None,
) -> int:
    if engine is not None and engine.name == "spark":
        from .spark.profile import build_profile_spark

        profile = build_profile_spark(paths, exclude=exclude, settings=settings, engine=engine,
                                      schema=schema, outputs=outputs)  # fmt: skip
    else:
        profile = build_profile(
            paths, exclude=exclude, settings=settings, schema=schema, outputs=outputs
        )
    try:
        text = dumps(profile)
    except ValueError:  # a mean or std beyond 1.8e308: values too large to summarise
        raise CouldNotCheck(TOO_LARGE) from None
    target = Path(output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CouldNotCheck(f"cannot write {output}: {exc.strerror}") from None
    kinds = [spec["kind"] for spec in profile["columns"].values()]
    summary = ", ".join(f"{kinds.count(k)} {k}" for k in KINDS if k in kinds)
    print(f"profiled {profile['rows']} rows, {len(kinds)} columns ({summary}) -> {output}")
    for name, data_type in profile["ignored"].items():
        print(f"  not profiled: {name} ({data_type})")
    if "outputs" in profile:
        section = profile["outputs"]
        names = ", ".join(section["columns"])
        print(f"  outputs: {section['rows']} held-out predictions ({names})")
    elif outputs:
        from .outputs import MIN_ROWS

        print(f"  outputs: not profiled: {outputs} holds fewer than {MIN_ROWS} held-out "
              "predictions (drift says they were not compared)")  # fmt: skip
    for name, spec in profile["columns"].items():
        if spec.get("unparsed"):
            print(f"  {name}: {spec['unparsed']} values are not dates in the format "
                  f"{spec.get('format') or 'ISO 8601'} (profiled as missing)")  # fmt: skip
    return PASS


def load_profile(path: str | Path) -> dict[str, Any]:
    """Read and check a profile; anything unexpected is a could-not-check, never a traceback."""
    shown = str(path)
    text = read_text(Path(path), shown, missing=f"no reference profile at {shown}: run "
                     "`mlgate profile` (the pipeline's profile stage) first")  # fmt: skip
    try:
        profile = json.loads(text, parse_constant=_refuse_constant)
    except _NonFinite as exc:
        raise CouldNotCheck(f"{shown} holds a non-finite number ({exc})") from None
    except ValueError as exc:
        raise CouldNotCheck(f"{shown} is not a JSON profile: {exc}") from None
    if not isinstance(profile, dict) or profile.get("schema") != SCHEMA:
        found = profile.get("schema") if isinstance(profile, dict) else type(profile).__name__
        raise CouldNotCheck(f"{shown} is not an mlgate profile ({SCHEMA}); found {found!r}")
    columns = profile.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise CouldNotCheck(f"{shown} has no columns")
    if not _is_count(profile.get("rows")) or profile["rows"] < 1:
        raise CouldNotCheck(f"{shown}: 'rows' must be a positive count")
    for name, spec in columns.items():
        problem = column_problem(spec)
        if problem:
            raise CouldNotCheck(f"{shown}: column {name!r} {problem}")
    for key, kind in (("ignored", dict), ("excluded", list)):
        if not isinstance(profile.get(key, kind()), kind):
            raise CouldNotCheck(f"{shown}: {key!r} must be a {kind.__name__}")
    if "outputs" in profile:
        from .outputs import outputs_problem

        problem = outputs_problem(profile["outputs"])
        if problem:
            raise CouldNotCheck(f"{shown}: the outputs section {problem}")
    return profile


class _NonFinite(ValueError):
    """NaN or Infinity in the JSON: no summary can hold them."""


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def column_problem(spec: Any) -> str | None:
    """What is wrong with one column's summary, in words; None when it is usable."""
    if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
        return "has no valid kind"
    if not _is_count(spec.get("count")) or not _is_count(spec.get("nulls", 0)):
        return "needs whole, non-negative 'count' and 'nulls'"
    if spec["kind"] not in MEASURED:
        top = spec.get("top")
        if not isinstance(top, dict) or not all(_is_count(c) for c in top.values()):
            return "lacks its category counts ('top': category -> count)"
        return None if _is_count(spec.get("other", 0)) else "has an 'other' that is not a count"
    if not spec["count"]:
        return None
    for key in ("min", "max", "mean", "std"):
        if not _is_number(spec.get(key)):
            return f"needs a finite number as {key!r}"
    edges, counts, sums = spec.get("edges"), spec.get("counts"), spec.get("sums")
    if not (isinstance(edges, list) and isinstance(counts, list) and isinstance(sums, list)):
        return "lacks its bins ('edges', 'counts', 'sums')"
    if len(edges) < 2 or len(counts) != len(edges) - 1 or len(sums) != len(counts):
        return "lacks consistent bins: n + 1 edges, n counts and n sums"
    if not all(map(_is_number, edges)) or any(b < a for a, b in pairwise(edges)):
        return "has bin edges that are not increasing finite numbers"
    if not all(map(_is_count, counts)) or not all(map(_is_number, sums)):
        return "has bin counts or sums that are not numbers"
    if not isinstance(spec.get("sample", []), list) or not all(
        map(_is_number, spec.get("sample", []))
    ):
        return "has a sample that is not a list of finite numbers"
    values = spec.get("values", {})
    if not isinstance(values, dict) or not all(_is_count(c) for c in values.values()):
        return "has 'values' that are not counts"
    if spec["kind"] == "text":
        vocabulary, share = spec.get("vocabulary"), spec.get("out_of_vocabulary")
        if not isinstance(vocabulary, list) or not all(isinstance(w, str) for w in vocabulary):
            return "lacks its vocabulary (a list of words)"
        if not _is_number(share) or not 0 <= share <= 1:
            return "needs 'out_of_vocabulary' as a share from 0 to 1"
    return None


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Per column: kind, counts, nulls, distinct values, quantile bins, top categories and a "
        "seeded sample. The same input gives a byte-identical profile."
    )
    parser.add_argument("data", nargs="+", help="CSV, Parquet or JSON lines files")
    parser.add_argument("-o", "--output", required=True, help="profile JSON to write")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave a column out (e.g. the target); repeat for more",
    )
    parser.add_argument("--bins", type=int, default=100, help="quantile bins (default 100)")
    parser.add_argument("--top-k", type=int, default=50, help="categories kept (default 50)")
    parser.add_argument(
        "--sample",
        type=int,
        default=5000,
        help="raw values kept per numeric, date and text column (default 5000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument(
        "--schema",
        metavar="SCHEMA_JSON",
        help="a generated project's models/schema.json: the model's roles decide each column's "
        "kind (dates, text); columns it leaves out are not profiled",
    )
    from ..policy import add_engine_argument

    add_engine_argument(parser)
    parser.add_argument(
        "--config", help="policy file for engine: (default: mlgate.yaml if present)"
    )
    parser.add_argument(
        "--outputs",
        metavar="HELD_OUT_JSONL",
        help="the model's outputs on the held-out split (a generated project's "
        "models/held_out.jsonl): profiled too, for prediction drift (needs --schema)",
    )


def run(args: argparse.Namespace) -> int:
    from ..policy import load_engine

    settings = ProfileSettings(args.bins, args.top_k, args.sample, args.seed)
    engine = load_engine(args.config, args.engine)
    return write_profile(
        args.data, args.output, exclude=args.exclude, settings=settings, schema=args.schema,
        outputs=args.outputs, engine=engine,
    )  # fmt: skip
