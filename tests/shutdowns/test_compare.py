"""Top10VPN parsing against their own ISO codes; the published comparison in
docs/methodology/cost-model.md against the command that makes it (nethealth.shutdowns.compare)."""

from __future__ import annotations

import csv
import math
import shlex
from pathlib import Path

import pycountry
import pytest
from typer.testing import CliRunner

from nethealth.settings import Settings
from nethealth.shutdowns.cli import BEGIN, END, app
from nethealth.shutdowns.top10vpn import read_top10vpn

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "methodology" / "cost-model.md"


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


def test_files_as_arguments_globs_and_the_old_option_agree(
    settings: Settings, shared_data: Path
) -> None:
    """The Top10VPN files as arguments (a quoted glob, expanded), or with the old --top10vpn
    spelling, give the same comparison; both at once is a usage error."""
    folder = shared_data / "shutdowns"
    stop = folder / "access_now_keepiton_stop_combined_2016-2025_snapshot_2026-05-20.csv.gz"
    wdi = (
        shared_data / "country" / "wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv"
    )
    if not stop.is_file() or not wdi.is_file():
        pytest.skip("the STOP snapshot or the World Bank file is absent")
    common = ["--wdi", str(wdi), "--stop", str(stop)]
    runner = CliRunner()
    by_glob = runner.invoke(app, ["cost-compare", str(folder / "top10vpn_202?.csv"), *common],
                            obj=settings, catch_exceptions=False)  # fmt: skip
    files = sorted(folder.glob("top10vpn_202?.csv"))
    old = [x for f in files for x in ("--top10vpn", str(f))]
    by_option = runner.invoke(app, ["cost-compare", *old, *common], obj=settings,
                              catch_exceptions=False)  # fmt: skip
    assert by_glob.exit_code == 0 == by_option.exit_code, by_glob.output
    assert by_glob.stdout == by_option.stdout
    assert " ".join(str(f) for f in files) in by_glob.stdout.splitlines()[0]
    assert "| **all years** |" in by_glob.stdout
    both = runner.invoke(app, ["cost-compare", str(files[0]), "--top10vpn", str(files[1]), *common],
                         obj=settings)  # fmt: skip
    assert both.exit_code != 0
