"""The operational state of an installation, for monitoring (`GET /api/v1/status`) and the
about page: per source its freshness (newest data in the lake against its cadence), when it
was last fetched and last asked by `nethealth update`; per build step when it last built; the
last update run; the build's warnings (implausible size jumps, inputs from different periods).

Freshness is judged when asked (it depends on the day), from what the lake was built from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from nethealth import __version__ as nethealth_version
from nethealth.common.cadence import Cadence, Freshness, judge_freshness
from nethealth.errors import LakeUnavailableError
from nethealth.lake.reader import BuildNoteRow, LakeReader, SourceSummaryRow
from nethealth.ops.report import read_latest
from nethealth.ops.update import load_state
from nethealth.settings import Settings
from nethealth.sources.base import Source

Overall = Literal["ok", "stale", "failed", "no lake"]


class SourceStatus(BaseModel):
    source_id: str
    title: str
    cadence: str = Field(description="How often the publisher publishes, in words")
    every_days: int | None = Field(
        description="Days between the publisher's snapshots; null: installed with a package"
    )
    stale_after_days: int | None = Field(
        description="Age (days) of the newest data beyond which the source is stale"
    )
    freshness: Literal["fresh", "stale", "no data", "packaged"]
    reason: str = Field(description="Why, naming the dates")
    data_date: dt.date | None = Field(description="The newest snapshot the lake was built from")
    age_days: int | None = Field(description="Days from data_date to today (UTC)")
    last_fetched: str | None = Field(
        description="When a file of the source was last stored (UTC, ISO 8601)"
    )
    last_checked: str | None = Field(
        default=None,
        description="When `nethealth update` last asked the publisher successfully (a "
        "conditional request: unchanged files are not downloaded again)",
    )
    last_update_status: str | None = Field(
        default=None, description="The source's outcome in the last update that asked it"
    )
    files: int = Field(description="Raw files of the source in the lake")
    bytes: int = Field(description="Their total size")
    simulated: bool


class StepStatus(BaseModel):
    step_id: str
    version: str
    built_at: str = Field(description="When the step last built its datasets (UTC)")


class RunStatus(BaseModel):
    run_id: str
    started_at: str
    finished_at: str | None
    as_of: str
    status: str = Field(description="ok, warnings, failed or interrupted")
    exit_code: int
    warnings: int
    failed_sources: list[str]


class CheckNote(BaseModel):
    kind: Literal["note", "size_jump", "mixed_periods"]
    level: Literal["info", "warning"]
    subject: str = Field(description="The step, source or dataset it is about")
    message: str
    step_id: str | None = None
    built_at: str | None = None


class StatusView(BaseModel):
    status: Overall = Field(
        description="ok; stale (a source with data is older than its cadence allows); failed "
        "(the last `nethealth update` failed); no lake (nothing built yet)"
    )
    checked_at: str = Field(description="When this answer was computed (UTC)")
    version: str
    lake_available: bool
    lake_message: str | None = None
    built_at: str | None = Field(description="When a build step last ran (UTC)")
    stale_sources: list[str]
    sources: list[SourceStatus]
    steps: list[StepStatus]
    last_update: RunStatus | None = Field(
        description="The last `nethealth update` run (null: none in this data directory)"
    )
    notes: list[CheckNote] = Field(
        description="The build's notes and checks: step notes, implausible size jumps, inputs "
        "from different periods"
    )


def _run(data: Mapping[str, Any] | None) -> RunStatus | None:
    if not data:
        return None
    try:
        return RunStatus(
            run_id=str(data["run_id"]), started_at=str(data["started_at"]),
            finished_at=data.get("finished_at"), as_of=str(data.get("as_of", "")),
            status=str(data.get("status", "")), exit_code=int(data.get("exit_code", 0)),
            warnings=len(data.get("warnings") or []),
            failed_sources=[s["source_id"] for s in data.get("sources") or []
                            if s.get("status") == "failed"],
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None


def source_statuses(
    sources: Sequence[Source],
    summaries: Mapping[str, SourceSummaryRow],
    state: Mapping[str, Mapping[str, Any]],
    today: dt.date,
) -> list[SourceStatus]:
    out = []
    for s in sources:
        got = summaries.get(s.id)
        cadence: Cadence = s.cadence
        newest = got.newest if got is not None else None
        j = judge_freshness(s.id, cadence, newest, today)
        entry = state.get(s.id, {})
        out.append(
            SourceStatus(
                source_id=s.id,
                title=s.info.title,
                cadence=cadence.label,
                every_days=cadence.every_days,
                stale_after_days=j.stale_after_days,
                freshness=j.status.value,
                reason=j.reason,
                data_date=newest,  # type: ignore[arg-type]
                age_days=j.age_days,
                last_fetched=got.last_fetched if got else None,
                last_checked=entry.get("checked_at"),
                last_update_status=entry.get("status"),
                files=got.files if got else 0,
                bytes=got.bytes if got else 0,
                simulated=got.simulated if got else False,
            )
        )
    return out


def status_view(
    settings: Settings, lake: LakeReader, sources: Sequence[Source], today: dt.date | None = None
) -> StatusView:
    """The whole status document (works without a lake: sources then have no data)."""
    now = dt.datetime.now(dt.UTC)
    day = today or now.date()
    message = None
    summaries: dict[str, SourceSummaryRow] = {}
    steps: list[StepStatus] = []
    notes: list[BuildNoteRow] = []
    try:
        summaries = {r.source_id: r for r in lake.source_summaries()}
        steps = [StepStatus(step_id=r.step_id, version=r.version, built_at=r.built_at)
                 for r in lake.build_steps()]  # fmt: skip
        notes = lake.build_notes()
    except LakeUnavailableError as exc:
        message = f"{exc.message}: {exc.hint}" if exc.hint else exc.message
    rows = source_statuses(sources, summaries, load_state(settings), day)
    stale = [r.source_id for r in rows if r.freshness == Freshness.STALE.value]
    last = _run(read_latest(settings.runs_dir))
    overall: Overall = "ok"
    if message is not None:
        overall = "no lake"
    elif last is not None and last.status in ("failed", "interrupted"):
        overall = "failed"
    elif stale:
        overall = "stale"
    return StatusView(
        status=overall,
        checked_at=now.isoformat(timespec="seconds"),
        version=nethealth_version,
        lake_available=message is None,
        lake_message=message,
        built_at=max((s.built_at for s in steps if s.built_at), default=None),
        stale_sources=stale,
        sources=rows,
        steps=steps,
        last_update=last,
        notes=[CheckNote.model_validate(n, from_attributes=True) for n in notes],
    )
