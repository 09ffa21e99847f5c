"""What a build checks about its inputs beyond parsing them, and warns about.

- **Stale sources**: a source whose newest snapshot is older than its cadence allows
  (`nethealth.common.cadence.judge_freshness`).
- **Implausible size jumps**: a snapshot under half or over twice the size of the previous one of
  the same series (a cut download served as complete, a publisher's bad day), per the source's
  cadence (`size_jumps`).
- **Inputs from different periods**: the as-of rule (`nethealth.common.asof`) already judges
  every computation whose inputs' dates are too far apart as `not comparable`; this surfaces
  those judgements, per dataset: how many rows, how many at the dataset's latest date, and the
  most frequent reasons (which name the dates).

The build logs them as warnings, `write_catalog` keeps the size jumps and the mixed periods in
`_build_notes`, and the about page and `GET /api/v1/status` show them; staleness is judged again
whenever it is shown, since it depends on the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from nethealth.common.cadence import (
    Cadence,
    FreshnessJudgement,
    SizedFile,
    SizeJump,
    judge_freshness,
    size_jumps,
)
from nethealth.common.status import Status
from nethealth.formats.compression import detect
from nethealth.lake.raw import PROV_SUFFIX, RawStore

DATE_COLUMNS = ("date", "day", "snapshot", "month", "timebin")
TOP_REASONS = 3


@dataclass(frozen=True)
class MixedPeriods:
    """Rows of one dataset whose inputs were judged not comparable (different periods)."""

    dataset: str
    column: str  # the status column
    rows: int
    latest: str | None  # the dataset's latest date (or month)
    rows_at_latest: int  # not comparable rows at that date: the current values affected
    reasons: tuple[tuple[str, int], ...]  # the most frequent reasons, with their counts

    def sentence(self) -> str:
        where = f"{self.dataset}.{self.column}" if self.column != "status" else self.dataset
        at = (f"; {self.rows_at_latest:,} at its latest date {self.latest}"
              if self.latest else "")  # fmt: skip
        why = f" — e.g. {self.reasons[0][0]}" if self.reasons else ""
        return (
            f"{where}: {self.rows:,} rows not comparable (inputs from different periods){at}{why}"
        )


@dataclass
class BuildChecks:
    freshness: list[FreshnessJudgement] = field(default_factory=list)
    size_jumps: list[SizeJump] = field(default_factory=list)
    mixed: list[MixedPeriods] = field(default_factory=list)

    @property
    def stale(self) -> list[FreshnessJudgement]:
        return [f for f in self.freshness if f.stale]

    def warnings(self) -> list[tuple[str, str, str]]:
        """(kind, subject, sentence) of everything worth a warning: stale sources, every
        size jump, and datasets with not comparable rows at their latest date."""
        out = [("stale", f.source_id, f"{f.source_id}: {f.reason}") for f in self.stale]
        out += [("size_jump", j.source_id, j.sentence()) for j in self.size_jumps]
        out += [("mixed_periods", m.dataset, m.sentence()) for m in self.mixed if m.rows_at_latest]
        return out


def newest_snapshot(store: RawStore, source_id: str) -> date | None:
    """The newest snapshot directory of a source that holds a complete file (one with its
    provenance sidecar), without reading every sidecar."""
    base = store.root / source_id
    if not base.is_dir():
        return None
    for d in sorted((d for d in base.iterdir() if d.is_dir()), reverse=True):
        try:
            day = date.fromisoformat(d.name)
        except ValueError:
            continue
        for side in d.glob(f"*{PROV_SUFFIX}"):
            if side.with_name(side.name[: -len(PROV_SUFFIX)]).is_file():
                return day
    return None


def freshness_of(
    store: RawStore, cadences: Mapping[str, Cadence], today: date
) -> list[FreshnessJudgement]:
    return [
        judge_freshness(sid, c, None if c.packaged else newest_snapshot(store, sid), today)
        for sid, c in cadences.items()
    ]


def jumps_of(store: RawStore, cadences: Mapping[str, Cadence]) -> list[SizeJump]:
    out: list[SizeJump] = []
    for sid, cadence in cadences.items():
        if cadence.size_band is None or cadence.packaged:
            continue
        sized = []
        for f in store.files(sid):
            p = f.provenance
            if not cadence.compares(p.name):
                continue
            try:
                day = date.fromisoformat(p.snapshot)
                kind = detect(f.path)
            except (ValueError, OSError):
                continue
            sized.append(SizedFile(day, p.name, p.size, kind))
        out += size_jumps(sid, cadence, sized)
    return out


def _status_columns(names: Iterable[str]) -> list[tuple[str, str]]:
    """(status, reason) column pairs: `status`/`reason` and `<x>_status`/`<x>_reason`."""
    have = set(names)
    pairs = [("status", "reason")] if {"status", "reason"} <= have else []
    for n in sorted(have):
        if n.endswith("_status") and f"{n[: -len('_status')]}_reason" in have:
            pairs.append((n, f"{n[: -len('_status')]}_reason"))
    return pairs


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mixed_periods(lake_dir: Path) -> list[MixedPeriods]:
    """Per dataset (and status column) the rows judged `not comparable`."""
    out: list[MixedPeriods] = []
    nc = Status.NOT_COMPARABLE.value
    con = duckdb.connect()
    try:
        for path in sorted(lake_dir.glob("*.parquet")):
            if path.name.startswith("."):
                continue
            try:
                names = pq.read_schema(path).names
            except (OSError, ValueError):
                continue
            pairs = _status_columns(names)
            if not pairs:
                continue
            dcol = next((c for c in DATE_COLUMNS if c in names), None)
            src = "read_parquet(?)"  # the path is bound; column names come from the schema
            for status, reason in pairs:
                s, r = _quote(status), _quote(reason)
                n = con.execute(f"SELECT count(*) FROM {src} WHERE {s} = ?",
                                [str(path), nc]).fetchone()  # fmt: skip
                rows = int(n[0]) if n else 0
                if not rows:
                    continue
                latest, at_latest = None, 0
                if dcol is not None:
                    d = _quote(dcol)
                    got = con.execute(
                        f"WITH t AS (SELECT CAST({d} AS VARCHAR) AS d, {s} AS s FROM {src}) "
                        "SELECT max(d), count(*) FILTER (WHERE s = ? AND d = (SELECT max(d) "
                        "FROM t)) FROM t",
                        [str(path), nc],
                    ).fetchone()
                    if got is not None:
                        latest, at_latest = got[0], int(got[1] or 0)
                reasons = con.execute(
                    f"SELECT coalesce({r}, ''), count(*) AS n FROM {src} WHERE {s} = ? "
                    "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
                    [str(path), nc, TOP_REASONS],
                ).fetchall()
                out.append(MixedPeriods(path.stem, status, rows, latest, at_latest,
                                        tuple((str(a), int(b)) for a, b in reasons)))  # fmt: skip
    finally:
        con.close()
    return out


def run_checks(
    raw_dir: Path, lake_dir: Path, cadences: Mapping[str, Cadence], today: date
) -> BuildChecks:
    store = RawStore(raw_dir)
    return BuildChecks(
        freshness=freshness_of(store, cadences, today),
        size_jumps=jumps_of(store, cadences),
        mixed=mixed_periods(lake_dir) if lake_dir.is_dir() else [],
    )
