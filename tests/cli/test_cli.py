"""The command line: help on every command, docs generated from code, error exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nethealth.areas import all_indicators, source_infos
from nethealth.cli import app
from nethealth.indicators.docs import methodology_markdown

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_command_has_help() -> None:
    commands = _commands()
    assert {"fetch", "build", "serve", "demo", "sim", "methodology"} <= set(commands)
    for name in commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage" in result.output


def test_methodology_doc_is_generated_from_the_registry() -> None:
    committed = (REPO / "docs" / "methodology.md").read_text()
    assert committed == methodology_markdown(all_indicators(), source_infos()), (
        "regenerate: nethealth methodology > docs/methodology.md"
    )


def test_readme_commands_exist() -> None:
    readme = (REPO / "README.md").read_text()
    for line in (
        "make demo",
        "make test",
        "nethealth fetch rir",
        "nethealth build",
        "nethealth serve",
    ):
        assert line in readme, line


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["fetch", "nosuch"], 2, "unknown source 'nosuch'"),
        (["fetch", "rir", "--date", "2024-13-01"], 2, "is not a date"),
        (["build", "--only", "nosuch"], 5, "unknown build step"),
    ],
)
def test_errors_exit_non_zero_with_a_hint(
    tmp_path: Path, args: list[str], code: int, text: str
) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "nethealth.cli", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert text in done.stderr
