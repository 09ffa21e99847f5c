"""Structured logs (text or JSON lines, levels, a log file) and progress bars that finish or
clear."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from nethealth.common import logs
from nethealth.progress import progress_bar
from tests.ops.conftest import Mirror, cli


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    logs.reset()


def test_json_lines_with_fields_and_levels(tmp_path: Path) -> None:
    path = tmp_path / "logs/nethealth.log"
    logs.configure("info", "json", path)
    log = logging.getLogger("nethealth.test")
    log.debug("not written at info")
    log.info("fetched %s", "rir", extra=logs.fields(event="downloaded", source="rir", size=12))
    log.warning("stale", extra=logs.fields(event="stale", age_days=9))
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["message"] for x in lines] == ["fetched rir", "stale"]
    first = lines[0]
    assert first["level"] == "info" and first["logger"] == "nethealth.test"
    assert first["event"] == "downloaded" and first["source"] == "rir" and first["size"] == 12
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", first["time"])


def test_text_format_and_stderr(tmp_path: Path) -> None:
    out = io.StringIO()
    logs.configure("warning", "text", None, stream=out)
    log = logging.getLogger("nethealth.test")
    log.info("not shown")
    log.warning("rir is stale", extra=logs.fields(event="stale", reason="newest 2019-09-09"))
    (line,) = out.getvalue().splitlines()
    assert line.endswith(
        'WARNING nethealth.test: rir is stale event=stale reason="newest 2019-09-09"'
    )
    with pytest.raises(ValueError, match="unknown log level"):
        logs.configure("loud")


def test_cli_logs_the_update_and_the_build(mirror: Mirror, tmp_path: Path) -> None:
    path = tmp_path / "update.jsonl"
    done = cli("--log-level", "info", "--log-format", "json", "--log-file", str(path), "update",
               "--source", "rir", "--source", "rpki", env=mirror.env)  # fmt: skip
    assert done.exit_code == 0, done.output
    records = [json.loads(x) for x in path.read_text().splitlines()]
    events = [r.get("event") for r in records]
    assert events[0] == "update_started" and events[-1] == "update_finished"
    fetched = [r for r in records if r.get("event") == "downloaded"]
    assert {r["source"] for r in fetched} == {"rir", "rpki"} and len(fetched) == 6
    steps = {r["step"]: r["status"] for r in records if r.get("event") == "step"}
    assert steps["rir"] == "built" and steps["indicators"] == "built"
    stale = [r for r in records if r.get("event") == "stale"]
    assert {r["subject"] for r in stale} == {"rir", "rpki"} and stale[0]["level"] == "warning"
    bad = cli("--log-level", "chatty", "sources", env=mirror.env)
    assert bad.exit_code == 2 and "unknown log level" in bad.error


def _final_frame(text: str) -> str:
    """The last frame of a recorded live display: bars render as `description … 0:00:00`."""
    return re.split(r"(?<=\d:\d\d:\d\d)(?=[a-z])", text)[-1]


def test_progress_bars_finish_or_clear() -> None:
    console = Console(record=True, width=100, force_terminal=True, file=io.StringIO())
    with progress_bar(console) as bar:
        bar("countries step", 0, 1)  # a step that reported 0/1 and finished silently
        bar("rir parsing", 5, 5)  # finished: stays, its clock stopped
        bar("outages window", 3, 40)  # left half way: cleared
    final = _final_frame(console.export_text())
    assert "rir parsing" in final and "5/5" in final
    assert "countries" not in final and "outages" not in final
    # no terminal (cron, systemd): no bar at all
    quiet = Console(record=True, width=100, force_terminal=False, file=io.StringIO())
    with progress_bar(quiet) as bar:
        bar("rir parsing", 5, 5)
    assert quiet.export_text() == ""
