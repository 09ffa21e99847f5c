"""Import a STOP sheet into the curated store: raw copy with provenance, parse, normalise, then
append only what changed. Importing the same content again writes nothing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nethealth.common.json_types import Json
from nethealth.errors import InputError
from nethealth.formats.stop_sheet import StopSheet, read_stop_sheet
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.shutdowns.events import Clock, event_index
from nethealth.shutdowns.normalise import NORMALISER_VERSION, Normalised, normalise_rows
from nethealth.shutdowns.store import ShutdownStore, Transaction
from nethealth.sources.common import parse_day, today_utc
from nethealth.sources.download import fetch_to_store

SOURCE_ID = "access-now"
LICENCE = "Access Now #KeepItOn STOP data: free to reuse with attribution to Access Now"
Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    path: str
    sheet: str | None
    layout: str
    layout_verified: bool
    raw: str
    sha256: str
    rows: int
    blank_rows: int
    skipped: list[str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # events that differ in a sheet older than the newest imported: unchanged
    kept_curated: list[tuple[str, str]] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)
    events_with_iso: int = 0
    absent: int = 0
    # The tracker after the import: current records and the distinct events they make up.
    records_total: int = 0
    events_total: int = 0
    events_ongoing: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        out = [
            f"{self.path}: layout {self.layout}"
            + ("" if self.layout_verified else " (reconstructed layout, not verified)")
            + (f", sheet {self.sheet!r}" if self.sheet else ""),
            f"raw copy {self.raw} (sha256 {self.sha256[:12]}…)",
            f"{self.rows:,} records read ({self.blank_rows} blank rows ignored, "
            f"{len(self.skipped)} bad rows skipped)",
            f"{self.events_with_iso:,} records with an ISO 3166 country, "
            f"{self.rows - self.events_with_iso} without",
        ]
        for name, n in sorted(self.unmapped.items()):
            out.append(f"  unmapped country name {name!r}: {n} record(s)")
        out.extend(f"  skipped: {s}" for s in self.skipped)
        if self.changed:
            out.append(
                f"{self.created:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged "
                "records"
            )
        else:
            out.append(f"nothing changed: all {self.unchanged:,} records are already in the store")
        if self.older:
            out.append(
                f"{self.older:,} records differ, but this sheet is older than the newest "
                "imported: not changed"
            )
        for event_id, name in self.kept_curated:
            out.append(f"  kept the curated value of {name} in {event_id} (upstream changed it)")
        if self.absent:
            out.append(f"{self.absent} Access Now records in the store are not in this file (kept)")
        out.append(
            f"the tracker holds {self.records_total:,} current records: "
            f"{self.events_total:,} distinct events, {self.events_ongoing:,} of them ongoing "
            "(a STOP event is listed once per year it runs: see docs/shutdowns.md)"
        )
        return out


def snapshot_of(path: Path) -> str:
    """The snapshot date a file name states (…snapshot_2026-05-20…), else today (UTC)."""
    dates = re.findall(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)", path.name)
    return dates[-1] if dates else today_utc()


def store_raw(
    settings: Settings,
    path: Path,
    *,
    snapshot: str | None = None,
    progress: Progress | None = None,
) -> RawFile:
    """Copy a local sheet into raw/access-now/<snapshot>/ with its provenance sidecar."""
    raw = RawStore(settings.raw_dir)
    resolved = path.resolve()
    for f in raw.files(SOURCE_ID):
        if f.path.resolve() == resolved:  # already a raw file (e.g. just fetched)
            return f
    return fetch_to_store(
        raw,
        source_id=SOURCE_ID,
        snapshot=snapshot or snapshot_of(path),
        name=path.name,
        url=path.resolve().as_uri(),
        licence=LICENCE,
        settings=settings,
        progress=progress,
    )


def import_file(
    settings: Settings,
    path: Path,
    *,
    sheet: str | None = None,
    lenient: bool = False,
    actor: str = "import",
    snapshot: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Parse first (a bad file stores nothing), then keep a raw copy, then apply the rows.
    `snapshot` is the date of the publisher's data (default: the date in the file name, else
    today); a sheet older than the newest one imported adds missing events but changes none."""
    if not path.is_file():
        raise InputError("no such file", path=path, hint="give the path of a STOP CSV or XLSX")
    if snapshot is not None:
        snapshot = parse_day(snapshot).isoformat()
    parsed = read_stop_sheet(path, sheet=sheet, lenient=lenient)
    records = normalise_rows(parsed.rows)
    raw = store_raw(settings, path, snapshot=snapshot)
    return apply_records(settings, parsed, records, raw, actor=actor, progress=progress)


def _provenance(parsed: StopSheet, raw: RawFile, rec: Normalised) -> dict[str, Json]:
    p = raw.provenance
    return {
        "raw": f"{p.source_id}/{p.snapshot}/{p.name}",
        "sha256": p.sha256,
        "url": p.url,
        "snapshot": p.snapshot,
        "layout": parsed.layout.name,
        "sheet": parsed.sheet,
        "line": rec.line,
        "record": rec.record,
        "normaliser": NORMALISER_VERSION,
        "simulated": p.simulated,
    }


def apply_records(
    settings: Settings,
    parsed: StopSheet,
    records: list[Normalised],
    raw: RawFile,
    *,
    actor: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport(
        path=parsed.path,
        sheet=parsed.sheet,
        layout=parsed.layout.name,
        layout_verified=parsed.layout.verified,
        raw=f"{raw.provenance.source_id}/{raw.provenance.snapshot}/{raw.provenance.name}",
        sha256=raw.provenance.sha256,
        rows=len(records),
        blank_rows=parsed.blank_rows,
        skipped=[str(e) for e in parsed.skipped],
    )
    for rec in records:
        for name in rec.fields["unmapped_countries"]:
            report.unmapped[name] += 1
        if rec.fields["countries"]:
            report.events_with_iso += 1
    store = ShutdownStore.for_settings(settings)
    batch = f"import:{raw.provenance.sha256[:12]}"
    with store.transaction(actor=f"import:{actor}", batch=batch) as tx:
        newest = tx.state.as_of()
        older = newest is not None and raw.provenance.snapshot < newest
        for i, rec in enumerate(records, start=1):
            _apply_one(tx, rec, _provenance(parsed, raw, rec), report, older)
            if progress is not None and (i % 200 == 0 or i == len(records)):
                progress("import", i, len(records))
        ids = {r.event_id for r in records}
        report.absent = sum(
            1
            for ev in tx.state.events.values()
            if ev.source == SOURCE_ID and ev.event_id not in ids
        )
        index = event_index(tx.state)
        clock = Clock.of(tx.state, date.fromisoformat(today_utc()))
        report.records_total = sum(len(e.records) for e in index.events)
        report.events_total = len(index.events)
        report.events_ongoing = sum(1 for e in index.events if e.is_ongoing(clock))
    return report


def _apply_one(
    tx: Transaction,
    rec: Normalised,
    provenance: dict[str, Json],
    report: ImportReport,
    older: bool,
) -> None:
    ev = tx.state.events.get(rec.event_id)
    if ev is None:
        created = {k: [None, v] for k, v in rec.fields.items()}
        tx.record("create", rec.event_id, SOURCE_ID, created, provenance=provenance)
        report.created += 1
        return
    upstream = {
        k: [ev.upstream.get(k), v] for k, v in rec.fields.items() if ev.upstream.get(k) != v
    }
    if not upstream:
        report.unchanged += 1
        return
    if older:  # an older sheet never rolls back a newer one
        report.older += 1
        return
    changes: dict[str, list[Json]] = {}
    for name, (old_up, new_up) in upstream.items():
        current = ev.fields.get(name)
        if current == new_up:
            continue
        if current == old_up:
            changes[name] = [current, new_up]
        else:  # a curator corrected this field: the correction stands, the revision is logged
            report.kept_curated.append((rec.event_id, name))
    tx.record(
        "update",
        rec.event_id,
        SOURCE_ID,
        changes,
        upstream=upstream,
        reason="upstream revision",
        provenance=provenance,
    )
    report.updated += 1
