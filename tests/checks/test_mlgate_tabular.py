"""read_table reads CSV, Parquet and JSON lines, and says plainly why it cannot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlgate.errors import CouldNotCheck
from mlgate.tabular import read_table

FRAME = pd.DataFrame({"size cm": [1.5, 2.5], "colour": ["red", "blue"], "n": [1, 2]})


def test_reads_csv(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    FRAME.to_csv(path, index=False)
    assert read_table(path).equals(pd.read_csv(path))


def test_reads_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    FRAME.to_json(path, orient="records", lines=True)
    assert list(read_table(path).columns) == ["size cm", "colour", "n"]
    assert len(read_table(path)) == 2


def test_reads_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    FRAME.to_parquet(path)
    assert read_table(path)["n"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "data file not found"),
        ("data.xlsx", "x", "unknown data format '.xlsx'"),
        ("empty.csv", "", "the file is empty"),
        ("bad.jsonl", '{"a": 1}\n{not json\n', "cannot read as jsonl"),
        ("binary.csv", b"\xff\xfe\x00\x81garbage\n\x00", "cannot read as csv"),
    ],
)
def test_unreadable_input_is_could_not_check(
    tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(CouldNotCheck, match=message):
        read_table(path)


def test_a_directory_is_not_data(tmp_path: Path) -> None:
    folder = tmp_path / "d.csv"
    folder.mkdir()
    with pytest.raises(CouldNotCheck, match="not a file"):
        read_table(folder)
