"""`nethealth resilience ranking|country` on the hand-made world."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from nethealth.cli import app
from tests.resilience.world import DAY, EARLIER, World


def _run(world: World, *args: str) -> str:
    result = CliRunner().invoke(app, ["--data-dir", str(world.settings.data_dir), "resilience",
                                      *args])  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_ranking_table_csv_json(world: World) -> None:
    text = _run(world, "ranking")
    assert text.splitlines()[0] == f"resilience index of {DAY} (config 1): 7 countries ranked"
    assert text.splitlines()[1] == "US\t75.2\t1 (1–1)\t58%\tUnited States"
    rows = list(csv.DictReader(io.StringIO(_run(world, "ranking", "--format", "csv"))))
    assert rows[0]["cc"] == "US" and rows[0]["rank"] == "1"
    body = json.loads(_run(world, "ranking", "--date", "2025-05-31", "--format", "json"))
    assert body["date"] == EARLIER.isoformat()


def test_country_drill_down(world: World) -> None:
    text = _run(world, "country", "ke")
    assert text.startswith(f"Kenya on {DAY}: 7.2 / 100, rank 7 of 7")
    assert f"  interconnection\tixps_active\t3.00\t{DAY}\t28.6\tmeasured" in text
    rows = list(csv.DictReader(io.StringIO(_run(world, "country", "KE", "--format", "csv"))))
    fixed = next(r for r in rows if r["input"] == "fixed_download")
    assert fixed["reference_date"] == "2025-03-31" and fixed["value"] == "15.0"


def test_errors_name_the_problem(world: World) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(world.settings.data_dir), "resilience",
                                      "country", "K1"])  # fmt: skip
    # the `nethealth` entry point prints it and exits 3; the bare app raises it
    assert result.exit_code != 0 and "alpha-2" in str(result.exception)
