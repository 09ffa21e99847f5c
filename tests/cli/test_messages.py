"""CLI messages are data and print verbatim: a column named `[country]`, a header cell
`notes [/i]` and a path with `[/b]` come out as given (never read as Rich markup, never a
traceback), and bad input exits 3 with its place and a hint."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from nethealth.cli_common import console, error_text, input_error_of
from nethealth.errors import InputError
from nethealth.formats.stop_sheet import CANONICAL_COLUMNS
from nethealth.progress import progress_bar


def _nethealth(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nethealth.cli", "--data-dir", str(tmp_path / "data"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _sheet(path: Path, header: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(header) + "\n" + ",".join("x" for _ in header) + "\n")
    return path


def _assert_input_error(done: subprocess.CompletedProcess[str], *literal: str) -> None:
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert "\nerror: " in "\n" + done.stderr  # after the progress bar's line, if any
    assert "\n  hint: " in done.stderr
    for text in literal:
        assert text in done.stderr, (text, done.stderr)


def test_a_missing_column_named_in_brackets_appears_literally(tmp_path: Path) -> None:
    header = [c for c in CANONICAL_COLUMNS if c != "country"]
    sheet = _sheet(tmp_path / "stop.csv", header)
    done = _nethealth(tmp_path, "shutdowns", "import", str(sheet))
    _assert_input_error(done, "missing columns [country]", f"{sheet}:1")


def test_closing_tags_in_a_header_and_a_path_print_literally(tmp_path: Path) -> None:
    # A path whose directories spell `[/b]`; a header cell `notes [/i]` (both used to crash
    # the error printer with a MarkupError traceback, exit 1).
    sheet = _sheet(tmp_path / "x[" / "b]" / "stop.csv", [*CANONICAL_COLUMNS, "notes [/i]"])
    assert "[/b]" in str(sheet)
    done = _nethealth(tmp_path, "shutdowns", "import", str(sheet))
    _assert_input_error(done, f"{sheet}:1", "[/i]", "unknown columns [")


def test_a_missing_file_with_markup_in_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "in[" / "b]" / "[red]none.csv"
    done = _nethealth(tmp_path, "shutdowns", "import", str(missing))
    _assert_input_error(done, str(missing))


def test_unreadable_input_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "dir[/i]"  # two directories, `dir[` and `i]`
    folder.mkdir(parents=True)
    done = _nethealth(tmp_path, "rpki", "summary", "--vrps", str(folder))
    _assert_input_error(done, str(folder))


def test_error_text_keeps_the_place_and_the_hint() -> None:
    exc = InputError(
        "missing column(s) [country]", path="a[/b].csv", line=1, field="[/i]", hint="[bold]x"
    )
    out = Console(record=True, width=200)
    out.print(error_text(exc))
    assert out.export_text() == (
        "error: a[/b].csv:1, field '[/i]': missing column(s) [country]\n  hint: [bold]x\n"
    )
    err = input_error_of(FileNotFoundError(2, "No such file or directory", "/d/[/b]/f.csv"))
    assert err.path == "/d/[/b]/f.csv" and err.exit_code == 3
    assert "No such file or directory" in err.message


@pytest.mark.parametrize("text", ["[country]", "notes [/i]", "x [/b] y", ":red_circle: [bold]"])
def test_console_and_progress_print_verbatim(text: str) -> None:
    out = console()
    out.file = __import__("io").StringIO()
    out.print(text)
    assert out.file.getvalue() == text + "\n"
    # a terminal (without one no bar is drawn), and a bar that finishes (else it is cleared)
    recorded = Console(record=True, width=200, force_terminal=True, file=io.StringIO())
    with progress_bar(recorded) as bar:
        bar(f"{text} file", 2, 2)
    assert text in recorded.export_text()
