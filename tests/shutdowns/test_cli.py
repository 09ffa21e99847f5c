"""`nethealth shutdowns …` end to end, through click's test runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from nethealth.errors import ConfigError, InputError, NotFoundError
from nethealth.settings import Settings, load_settings
from nethealth.shutdowns.cli import app
from nethealth.shutdowns.store import ShutdownStore
from tests.shutdowns.conftest import write_csv

runner = CliRunner()


def run(settings: Settings, *args: str) -> str:
    result = runner.invoke(app, list(args), obj=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_has_help() -> None:
    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert {
        "import",
        "fetch",
        "list",
        "show",
        "add",
        "edit",
        "retract",
        "log",
        "fetch-worldbank",
        "cost",
        "cost-compare",
        "events",
        "merge",
        "split",
    } <= set(names)
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, name


def test_import_list_and_reimport(settings: Settings, small_sheet: Path) -> None:
    text = run(settings, "import", str(small_sheet))
    assert "40 records read" in text and "40 new, 0 updated, 0 unchanged records" in text
    assert "the tracker holds 40 current records: 40 distinct events" in text
    assert "nothing changed: all 40 records" in run(settings, "import", str(small_sheet))
    state = ShutdownStore.for_settings(settings).state()
    want = sorted(
        e.event_id
        for e in state.events.values()
        if "PK" in e.fields["countries"] and e.fields["year"] == 2016
    )
    assert want
    rows = list(
        csv.DictReader(
            io.StringIO(
                run(settings, "list", "--country", "Pakistan", "--year", "2016", "--format", "csv")
            )
        )
    )
    assert sorted(r["event_id"] for r in rows) == want
    assert all(r["countries"] == "PK" for r in rows)
    records = json.loads(run(settings, "list", "--type", "throttling", "--format", "json"))
    assert all("throttling" in r["types"] for r in records)
    table = run(settings, "list", "--scope", "national", "--limit", "3")
    assert "records of" in table and "distinct events" in table


def test_curation_through_the_cli(settings: Settings) -> None:
    out = run(
        settings,
        "add",
        "--country",
        "IN",
        "--start",
        "2025-03-01",
        "--type",
        "shutdown",
        "--scope",
        "local",
        "--source-link",
        "https://example.org/order",
        "--area",
        "Shopian",
        "--artificially-induced",
        "--removes-access",
        "--affects-group",
        "--curator",
        "alice",
        "--reason",
        "district order published",
    )
    event_id = out.split()[-1]
    assert event_id.startswith("cu-")
    changed = run(settings, "edit", event_id, "--set", "end_date=2025-03-04", "--curator", "bob")
    assert 'end_date: ∅ → "2025-03-04"' in changed
    run(settings, "retract", event_id, "--reason", "duplicate", "--curator", "carol")
    log = json.loads(run(settings, "log", "--event", event_id, "--format", "json"))
    assert [(e["op"], e["actor"]) for e in log] == [
        ("retract", "cli:carol"),
        ("update", "cli:bob"),
        ("create", "cli:alice"),
    ]
    assert log[1]["changes"]["end_date"] == [None, "2025-03-04"]
    assert event_id not in run(settings, "list", "--format", "csv")
    assert event_id in run(settings, "list", "--retracted", "only", "--format", "csv")
    shown = run(settings, "show", event_id)
    assert "retraction_reason" in shown and "#3" in shown


def test_errors_surface_as_nethealth_errors(settings: Settings) -> None:
    def fails(*args: str) -> BaseException | None:
        return runner.invoke(app, list(args), obj=settings).exception

    assert isinstance(
        fails(
            "add",
            "--country",
            "IN",
            "--start",
            "2025-03-01",
            "--type",
            "shutdown",
            "--scope",
            "local",
            "--source-link",
            "https://example.org/x",
        ),
        InputError,
    )
    assert isinstance(fails("show", "an-nope"), NotFoundError)
    assert isinstance(fails("edit", "an-nope", "--set", "scope"), InputError)
    assert isinstance(fails("list", "--type", "outage"), InputError)


def test_mounted_under_a_root_app_it_uses_the_root_settings(
    settings: Settings, small_sheet: Path
) -> None:
    """As the lead mounts it: `nethealth --data-dir D shutdowns …` reads D."""
    root = typer.Typer()

    @root.callback()
    def _root(ctx: typer.Context, data_dir: Annotated[Path, typer.Option("--data-dir")]) -> None:
        ctx.obj = load_settings(data_dir=data_dir)

    root.add_typer(app, name="shutdowns")
    result = runner.invoke(
        root, ["--data-dir", str(settings.data_dir), "shutdowns", "import", str(small_sheet)]
    )
    assert result.exit_code == 0, result.output
    assert len(ShutdownStore.for_settings(settings).state().events) == 40


@pytest.mark.parametrize("fmt", ["xml", "yaml"])
def test_unknown_format(settings: Settings, fmt: str) -> None:
    result = runner.invoke(app, ["list", "--format", fmt], obj=settings)
    assert result.exit_code != 0


# The project's common flags and the aliases ------------------------------------------------------


def _split(sheet: Path, folder: Path) -> tuple[Path, Path]:
    """Two sheets of one snapshot: the first 25 rows and the rest of the 40."""
    header, rows = read_rows_csv(sheet)
    return (
        write_csv(folder / "a_snapshot_2026-05-20.csv", header, rows[:25]),
        write_csv(folder / "b_snapshot_2026-05-20.csv", header, rows[25:]),
    )


def read_rows_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("how", ["files", "glob", "directory"])
def test_import_takes_several_files_a_glob_or_a_directory(
    settings: Settings, small_sheet: Path, tmp_path: Path, how: str
) -> None:
    folder = tmp_path / "sheets"
    first, second = _split(small_sheet, folder)
    args = {
        "files": [str(first), str(second)],
        "glob": [str(folder / "*_snapshot_*.csv")],
        "directory": [str(folder)],
    }[how]
    text = run(settings, "import", *args)
    assert "25 new" in text and "15 new" in text
    assert len(ShutdownStore.for_settings(settings).state().events) == 40


def test_import_date_and_its_old_spelling(
    settings: Settings, small_sheet: Path, tmp_path: Path
) -> None:
    first, second = _split(small_sheet, tmp_path / "sheets")
    run(settings, "import", str(first), "--date", "2026-01-02")
    run(settings, "import", str(second), "--snapshot", "2026-01-03")  # the old spelling
    snapshots = {
        str(e.provenance["snapshot"])
        for e in ShutdownStore.for_settings(settings).state().events.values()
        if e.provenance
    }
    assert snapshots == {"2026-01-02", "2026-01-03"}
    both = runner.invoke(app, ["import", str(first), "--date", "2026-01-02", "--snapshot",
                               "2026-01-02"], obj=settings)  # fmt: skip
    assert isinstance(both.exception, ConfigError) and "same option" in str(both.exception)
    two = runner.invoke(app, ["import", str(first), str(second), "--date", "2026-01-02"],
                        obj=settings)  # fmt: skip
    assert isinstance(two.exception, ConfigError) and "one file" in str(two.exception)
    bad = runner.invoke(app, ["import", str(first), "--date", "2026-13-01"], obj=settings)
    assert isinstance(bad.exception, ConfigError) and "--date" in str(bad.exception)


def test_add_takes_from_and_to_and_the_old_start_and_end(settings: Settings) -> None:
    base = ["add", "--country", "IN", "--type", "shutdown", "--scope", "local",
            "--source-link", "https://example.org/order", "--artificially-induced",
            "--removes-access", "--affects-group"]  # fmt: skip
    new = run(settings, *base, "--from", "2025-03-01", "--to", "2025-03-04").split()[-1]
    old = run(settings, *base, "--start", "2025-03-01", "--end", "2025-03-04").split()[-1]
    state = ShutdownStore.for_settings(settings).state()
    for record_id in (new, old):
        fields = state.events[record_id].fields
        assert (fields["start_date"], fields["end_date"]) == ("2025-03-01", "2025-03-04")
    missing = runner.invoke(app, base, obj=settings)
    assert isinstance(missing.exception, ConfigError) and "--from" in str(missing.exception)


def test_events_status_is_checked_and_named(settings: Settings, small_sheet: Path) -> None:
    run(settings, "import", str(small_sheet))
    ended = json.loads(run(settings, "events", "--status", "ended", "--format", "json"))
    assert ended and all(e["status"] == "ended" for e in ended)
    error = runner.invoke(app, ["events", "--status", "over"], obj=settings).exception
    assert isinstance(error, InputError) and error.field == "status"


def test_fetch_is_an_alias_of_nethealth_fetch_access_now(
    settings: Settings, small_sheet: Path, tmp_path: Path
) -> None:
    """`shutdowns fetch --base-url` (or its old `--url`) stores the sheet as `nethealth fetch
    access-now --base-url` does, prints the same line for it, then the import report."""
    from nethealth.cli import app as root
    from tests.mirror import serve_directory
    from tests.shutdowns.test_lake_and_fetch import SHEET_PATH

    site = tmp_path / "site"
    (site / SHEET_PATH).parent.mkdir(parents=True)
    (site / SHEET_PATH).write_bytes(small_sheet.read_bytes())
    with serve_directory(site) as (base, requests):
        url = f"{base}/{SHEET_PATH}?format=csv"
        alias = run(settings, "fetch", "--base-url", url)
        old = run(settings, "fetch", "--url", url)
        generic = runner.invoke(root, ["--data-dir", str(settings.data_dir), "fetch",
                                       "access-now", "--base-url", url])  # fmt: skip
    assert generic.exit_code == 0, generic.output
    assert requests == [f"/{SHEET_PATH}?format=csv"] * 3
    stored = generic.stdout.splitlines()[0]
    assert stored.startswith("access-now ") and " keepiton-stop.csv " in stored
    # the same sheet again is stored once: later fetches say so on the same line
    again = " (stored already or unchanged upstream: not downloaded)"
    assert stored.endswith(again) and not alias.splitlines()[0].endswith(again)
    firsts = [alias.splitlines()[0], old.splitlines()[0], stored]
    assert len({line.removesuffix(again) for line in firsts}) == 1
    assert "40 new" in alias and "nothing changed" in old
    assert len(ShutdownStore.for_settings(settings).state().events) == 40


def test_fetch_worldbank_is_an_alias_of_nethealth_fetch_worldbank(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    """Same request and same stored file as `nethealth fetch worldbank --part` for the same
    years; the old `--indicator`/`--first-year`/`--last-year` spellings ask the same."""
    import gzip

    from nethealth.cli import app as root
    from nethealth.formats.wdi import POPULATION
    from tests.mirror import serve_directory

    answer = shared_data / "country/worldbank-2018/SP.POP.TOTL.json.gz"
    if not answer.is_file():
        pytest.skip(f"{answer} is absent")
    site = tmp_path / "site" / "v2/country/all/indicator"
    site.mkdir(parents=True)
    (site / POPULATION).write_bytes(gzip.decompress(answer.read_bytes()))
    with serve_directory(tmp_path / "site") as (base, requests):
        generic = runner.invoke(root, ["--data-dir", str(settings.data_dir), "fetch",
                                       "worldbank", "--part", POPULATION, "--base-url", base])  # fmt: skip
        alias = run(settings, "fetch-worldbank", "--part", POPULATION, "--base-url", base,
                    "--from", "2010", "--to", "2025")  # fmt: skip
        old = run(settings, "fetch-worldbank", "--indicator", POPULATION, "--base-url", base,
                  "--first-year", "2010", "--last-year", "2025")  # fmt: skip
    assert generic.exit_code == 0, generic.output
    asked = f"/v2/country/all/indicator/{POPULATION}?format=json&per_page=20000&date=2010:2025"
    assert requests == [asked] * 3
    assert alias == old == generic.stdout.splitlines()[0] + "\n"


def test_wdi_takes_directories_globs_and_file_indicator_pairs(
    settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    """`--wdi` (cost, cost-compare): a directory or a quoted glob reads the files it names; a
    FILE=INDICATOR pair may be a glob of wide CSVs holding that indicator."""
    import shutil

    from nethealth.economics.worldbank import panel_from_files
    from nethealth.formats.wdi import GDP_PER_CAPITA, INTERNET
    from nethealth.shutdowns.cli import _wdi_panel

    country = shared_data / "country"
    long = country / "wb_gdp_population_internetpct_by_iso3_year_from_muhanad-husn.csv"
    wide = country / "wb_gdp_per_capita_2016-2024.csv"
    if not long.is_file() or not wide.is_file():
        pytest.skip("the World Bank reference files are absent")
    folder = tmp_path / "wdi"
    folder.mkdir()
    shutil.copy(long, folder / long.name)
    want = len(panel_from_files([long]))
    assert len(_wdi_panel(settings, [str(folder)])) == want
    assert len(_wdi_panel(settings, [str(folder / "*.csv")])) == want
    pair = len(panel_from_files([(wide, GDP_PER_CAPITA)]))
    assert (
        len(_wdi_panel(settings, [f"{country}/wb_gdp_per_capita_2016*.csv={GDP_PER_CAPITA}"]))
        == pair
    )
    with pytest.raises(InputError):
        _wdi_panel(settings, [f"{tmp_path}/nothing_*.csv={INTERNET}"])
