"""Statistics against textbook values and NumPy; Top10VPN parsing against their own ISO codes;
the published comparison in docs/methodology/cost-model.md against the command that makes it."""

from __future__ import annotations

import math
import shlex
from pathlib import Path

import numpy as np
import pycountry
import pytest
from typer.testing import CliRunner

from nethealth.economics.stats import pearson, ranks, spearman
from nethealth.economics.top10vpn import read_top10vpn
from nethealth.settings import Settings
from nethealth.shutdowns.cli import BEGIN, END, app

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "methodology" / "cost-model.md"


def test_spearman_textbook_example() -> None:
    # Wikipedia, "Spearman's rank correlation coefficient": IQ vs hours of TV, rho = -29/165.
    iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
    tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]
    assert spearman(iq, tv) == pytest.approx(-29 / 165)


def test_pearson_equals_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=50)
    y = 0.6 * x + rng.normal(size=50)
    assert pearson(list(x), list(y)) == pytest.approx(float(np.corrcoef(x, y)[0, 1]))
    assert pearson([1, 2], [2, 1]) is None and pearson([1, 1, 1], [1, 2, 3]) is None


def test_ranks_average_ties() -> None:
    assert ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4]
    assert spearman([1, 2, 3, 4], [1, 3, 3, 5]) == pytest.approx(
        pearson([1, 2, 3, 4], [1, 2.5, 2.5, 4])
    )


def test_top10vpn_names_map_to_their_published_iso3(shared_data: Path) -> None:
    folder = shared_data / "shutdowns"
    yearly = read_top10vpn(sorted(folder.glob("top10vpn_20??.csv")))
    assert len(yearly) == 169
    # The combined transcription repeats the yearly ones: read together, nothing doubles.
    both = read_top10vpn(
        [
            *sorted(folder.glob("top10vpn_20??.csv")),
            folder / "top10vpn_cost_of_shutdowns_2019-2025.csv",
        ]
    )
    assert len(both) == 169
    import csv

    with open(folder / "top10vpn_cost_of_shutdowns_2019-2025.csv", newline="") as fh:
        iso3 = {(r["country"], int(r["year"])): r["iso3"] for r in csv.DictReader(fh)}
    for row in yearly:
        mine = pycountry.countries.get(alpha_2=row.cc).alpha_3 if row.cc else ""  # type: ignore[union-attr]
        assert mine == iso3[(row.name, row.year)], row.name


def test_the_published_comparison_is_what_the_command_prints(
    settings: Settings, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures in the methodology page come from the command written above them."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(BEGIN, 1)[1].split(END, 1)[0]
    command = section.split("Produced by `", 1)[1].split("`", 1)[0]
    args = shlex.split(command)
    assert args[:3] == ["nethealth", "shutdowns", "cost-compare"]
    monkeypatch.chdir(REPO)  # the command is written relative to the repository
    if not (REPO / ".." / "shared" / "data").is_dir():
        pytest.skip("../shared/data is absent")
    result = CliRunner().invoke(app, args[2:], obj=settings, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == section.lstrip("\n")
    assert "| **all years** |" in result.stdout
    overall = next(line for line in result.stdout.splitlines() if "**all years**" in line)
    r = float(overall.split("|")[3])
    assert not math.isnan(r) and -1 <= r <= 1
