"""Shared helpers: the real STOP sheet (from ../shared/data) and small sheets cut from it."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

STOP_NAME = "access_now_keepiton_stop_combined_2016-2025_snapshot_2026-05-20.csv.gz"


@pytest.fixture
def stop_sheet(shared_data: Path) -> Path:
    path = shared_data / "shutdowns" / STOP_NAME
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def small_sheet(stop_sheet: Path, tmp_path: Path) -> Path:
    """The first 40 real rows, as a plain CSV with the combined layout."""
    header, rows = read_rows(stop_sheet)
    return write_csv(tmp_path / "stop_small_snapshot_2026-05-20.csv", header, rows[:40])
