"""mlgate.io.tabular.read_table: CSV, Parquet and JSON lines in; a clear CouldNotCheck otherwise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from mlgate.errors import CouldNotCheck
from mlgate.io.tabular import FORMATS, detect_format, read_table


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mean radius": [1.5, 2.25, 3.0],
            "colour": ["red", "blue", "green"],
            "count": [1, 2, 3],
            "flag": [True, False, True],
        }
    )


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("d.csv", "csv"),
        ("d.CSV", "csv"),
        ("d.parquet", "parquet"),
        ("d.pq", "parquet"),
        ("d.jsonl", "jsonl"),
        ("d.ndjson", "jsonl"),
        ("d.json", "jsonl"),
        ("archive.2024.csv", "csv"),
    ],
)
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(Path(name)) == expected


@pytest.mark.parametrize("name", ["d.xlsx", "d.tsv", "d.csv.gz", "data", "d.txt"])
def test_detect_format_refuses_to_guess(name: str) -> None:
    with pytest.raises(CouldNotCheck, match="unknown data format") as info:
        detect_format(Path(name))
    message = str(info.value)
    assert name in message
    for suffix in FORMATS:
        assert suffix in message


# --- reading ------------------------------------------------------------------------------------


def test_reads_csv(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    sample().to_csv(path, index=False)
    frame = read_table(path)
    assert list(frame.columns) == ["mean radius", "colour", "count", "flag"]
    assert frame["mean radius"].tolist() == [1.5, 2.25, 3.0]
    assert frame["colour"].tolist() == ["red", "blue", "green"]
    assert frame["count"].tolist() == [1, 2, 3]
    assert frame["flag"].tolist() == [True, False, True]
    assert str(frame["count"].dtype) == "int64"
    assert str(frame["mean radius"].dtype) == "float64"
    assert str(frame["flag"].dtype) == "bool"


def test_reads_csv_from_a_string_path(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    sample().to_csv(path, index=False)
    assert read_table(str(path)).shape == (3, 4)


def test_reads_csv_with_uppercase_suffix(tmp_path: Path) -> None:
    path = tmp_path / "D.CSV"
    sample().to_csv(path, index=False)
    assert read_table(path).shape == (3, 4)


def test_csv_missing_values_are_nulls(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "a,b\n1,x\n,\n3,z\n")
    frame = read_table(path)
    assert frame["a"].isna().tolist() == [False, True, False]
    assert frame["b"].isna().tolist() == [False, True, False]


def test_csv_with_only_a_header_has_no_rows(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path / "d.csv", "a,b\n"))
    assert list(frame.columns) == ["a", "b"]
    assert len(frame) == 0


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json"])
def test_reads_json_lines(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"d{suffix}"
    sample().to_json(path, orient="records", lines=True)
    frame = read_table(path)
    assert list(frame.columns) == ["mean radius", "colour", "count", "flag"]
    assert frame["colour"].tolist() == ["red", "blue", "green"]
    assert frame["count"].tolist() == [1, 2, 3]
    assert frame["mean radius"].tolist() == [1.5, 2.25, 3.0]


def test_json_lines_with_missing_keys_become_nulls(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path / "d.jsonl", '{"a": 1, "b": "x"}\n{"a": 2}\n'))
    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].isna().tolist() == [False, True]


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_reads_parquet(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / f"d{suffix}"
    sample().to_parquet(path, index=False)
    frame = read_table(path)
    assert list(frame.columns) == ["mean radius", "colour", "count", "flag"]
    assert frame["count"].tolist() == [1, 2, 3]
    assert frame["flag"].tolist() == [True, False, True]
    assert frame["colour"].tolist() == ["red", "blue", "green"]


# --- could not check ----------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(CouldNotCheck) as info:
        read_table(path)
    assert str(info.value) == f"{path}: data file not found"


def test_missing_file_is_reported_before_the_suffix(tmp_path: Path) -> None:
    with pytest.raises(CouldNotCheck, match="data file not found"):
        read_table(tmp_path / "nope.xlsx")


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(CouldNotCheck) as info:
        read_table(folder)
    assert str(info.value) == f"{folder}: not a file"


def test_unknown_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "d.xlsx", "a,b\n1,2\n")
    with pytest.raises(CouldNotCheck, match=r"unknown data format '\.xlsx' \(expected .*\.csv"):
        read_table(path)


@pytest.mark.parametrize("content", ["", "\n\n\n"])
def test_empty_csv(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "d.csv", content)
    with pytest.raises(CouldNotCheck) as info:
        read_table(path)
    assert str(info.value) == f"{path}: the file is empty"


def test_empty_json_lines(tmp_path: Path) -> None:
    with pytest.raises(CouldNotCheck, match="empty"):
        read_table(write(tmp_path / "d.jsonl", ""))


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("a,b\n1,2\n3,4,5\n", "Expected 2 fields in line 3, saw 3"),
        ('a,b\n"1,2\n', "EOF inside string"),
    ],
)
def test_malformed_csv(tmp_path: Path, content: str, detail: str) -> None:
    path = write(tmp_path / "d.csv", content)
    with pytest.raises(CouldNotCheck) as info:
        read_table(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot read as csv: ")
    assert detail in message
    assert "\n" not in message  # the first line of pandas' error only


def test_csv_that_is_not_text(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", b"\xff\xfe\x00\x81garbage\n\x00\xc3\x28")
    with pytest.raises(CouldNotCheck, match="cannot read as csv"):
        read_table(path)


@pytest.mark.parametrize(
    "content",
    [
        '{"a": 1}\n{not json\n',
        '{"a": 1}\n{"a": 2\n',
        "a,b\n1,2\n",
    ],
)
def test_malformed_json_lines(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "d.jsonl", content)
    with pytest.raises(CouldNotCheck) as info:
        read_table(path)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot read as jsonl: ")
    assert "\n" not in message


def test_json_lines_keys_stay_column_names(tmp_path: Path) -> None:
    # keys that look like numbers are not turned into numeric (and then equal) labels
    path = write(tmp_path / "d.jsonl", '{"1": 1, "1.0": 2}\n{"1": 3, "1.0": 4}\n')
    assert list(read_table(path).columns) == ["1", "1.0"]


def test_duplicate_columns_in_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table([[1, 2], [3, 4]], names=["a", "a"]), path)
    with pytest.raises(CouldNotCheck, match=r"(?i)duplicate"):
        read_table(path)


def test_corrupt_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = write(tmp_path / "d.parquet", "this is not parquet")
    with pytest.raises(CouldNotCheck) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}: cannot read as parquet: ")


def zip_codes(path: Path, rows: int = 300) -> Path:
    """Boston-style zip codes (02134), a count, and a code that only looks numeric."""
    lines = ["zip,rooms,account"]
    lines += [f"{2100 + i % 40:05d},{1 + i % 5},{i:08d}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_leading_zeros_are_kept_as_text(tmp_path: Path) -> None:
    """02134 read as a number is 2134: the service gets "02134" and meets a stranger."""
    from mlgate.io.columnar import read_all
    from mlgate.io.tabular import zero_padded_columns

    path = zip_codes(tmp_path / "homes.csv")
    assert zero_padded_columns(path) == ["zip", "account"]
    frame = read_table(path)
    assert frame["zip"].iloc[0] == "02100" and frame["account"].iloc[1] == "00000001"
    assert frame["rooms"].dtype.kind == "i"
    table = read_all([path])
    assert table.column("zip")[0].as_py() == "02100"
    assert str(table.schema.field("rooms").type) == "int64"


def test_zip_codes_are_categories_and_drift_compares_them_as_written(
    tmp_path: Path, home: Path
) -> None:
    """suite init calls a zip code a category, the profile keeps 02134, and a window of the
    same zip codes (read as text) does not drift on them."""
    from support import run_mlgate

    path = zip_codes(tmp_path / "homes.csv", rows=1200)
    done = run_mlgate(home, "suite", "init", str(path), "-o", str(tmp_path / "s.json"))
    assert done.returncode == 0, done.stderr
    assert re.search(r"zip\s+categorical", done.stdout), done.stdout
    profile = tmp_path / "p.json"
    assert run_mlgate(home, "profile", str(path), "-o", str(profile)).returncode == 0
    spec = json.loads(profile.read_text(encoding="utf-8"))["columns"]["zip"]
    assert spec["kind"] == "categorical" and "02100" in spec["top"]
    report = tmp_path / "d.json"
    done = run_mlgate(home, "drift", "--reference", str(profile), "--current", str(path),
                      "--json", str(report))  # fmt: skip
    assert done.returncode == 0, done.stdout
