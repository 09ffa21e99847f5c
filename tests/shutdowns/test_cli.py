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

from nethealth.errors import InputError, NotFoundError
from nethealth.settings import Settings, load_settings
from nethealth.shutdowns.cli import app
from nethealth.shutdowns.store import ShutdownStore

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
