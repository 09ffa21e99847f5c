"""What the lake build step `routing_incidents` does (declared in `routing.step`): hijacks,
leaks, MOAS and bogons per UTC day.

Inputs: the MRT dumps under raw/bgp-ris and raw/bgp-routeviews (fetched or loaded; kind, day and
collector from each file's first MRT record, `sources.mrt.mrt_dumps`). Per UTC day with update
dumps, each collector's first RIB of the day is the state at 00:00
(`routing.coverage_step.rib_files`) and its update dumps of the day are the changes; a
collector's updates without a RIB that day are skipped (every route would look new). The day
runs through `routing.detect.Window` / `intervals_of` / `detect_all` with the VRPs in force that
day (`routing.coverage_step.vrps_for`), plus the unallocated-space bogon check on the RIR
delegation files in force that day (`routing.bogons`; refused, with the reason in the progress
log, unless all five registries' files are complete).

Days are joined into incidents that span midnight (`merge_days`): an incident still ongoing at the
end of day D continues on day D+1 when day D+1's RIB still has one of its routes (same peer,
prefix and AS path); detections of day D+1 that began with the window (their route was in the
RIB) and have the same key (type plus prefix and/or culprit) take day D's id. Rows with one id
merge into one: earliest start, latest end (null while ongoing), union of prefixes, victims,
peers, paths and sightings (per peer and path: earliest first_seen, latest last_seen), highest
confidence. An incident ongoing at the end of day D that does not continue on a processed day
D+1 ended at D+1 00:00; when day D+1 is not in the data it stays ongoing (unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from nethealth.bgp import derived
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawFile
from nethealth.routing import bogons, caida, coverage_step
from nethealth.routing.detect import Window, detect_all, intervals_of
from nethealth.routing.incidents import bogon
from nethealth.routing.incidents.model import INCIDENT_SCHEMA
from nethealth.sources import rir
from nethealth.sources.mrt import mrt_dumps

DATASET = "routing_incidents"
SCHEMA = INCIDENT_SCHEMA.append(pa.field("simulated", pa.bool_()))
# Which days detection ran on (a day absent here was not examined: no incident is not "none").
DAYS = "routing_incident_days"
DAYS_SCHEMA = pa.schema([
    ("day", pa.date32()), ("collectors", pa.list_(pa.string())), ("update_files", pa.int64()),
    ("rpki_status", pa.string()), ("rpki_reason", pa.string()), ("simulated", pa.bool_()),
])  # fmt: skip
Row = dict[str, Any]

# Per registry the file in force on the day (common.asof, via routing.step.rir_in_force):
# records per type present in the dataset, and the allocated/assigned records of one family.
DELEGATION_COUNTS_SQL = """
WITH files AS (SELECT unnest(?::VARCHAR[]) AS registry, unnest(?::DATE[]) AS snap)
SELECT x.registry, x.snapshot, x.type, count(*) AS n
FROM read_parquet(?) x JOIN files f ON x.registry = f.registry AND x.snapshot = f.snap
GROUP BY ALL
"""
ALLOCATED_SQL = """
WITH files AS (SELECT unnest(?::VARCHAR[]) AS registry, unnest(?::DATE[]) AS snap)
SELECT x.start, x.value
FROM read_parquet(?) x JOIN files f ON x.registry = f.registry AND x.snapshot = f.snap
WHERE x.type = ? AND x.status IN ('allocated', 'assigned')
"""


def update_files(files: Sequence[RawFile]) -> dict[date, dict[str, list[RawFile]]]:
    """Per UTC date and collector, the update dumps of the day in time order (by the files'
    first MRT record, `sources.mrt.mrt_dumps`, whatever they are called)."""
    found: dict[date, dict[str, list[tuple[int, RawFile]]]] = {}
    for d in mrt_dumps(files):
        if d.kind != "updates" or d.raw is None:
            continue
        found.setdefault(d.day, {}).setdefault(d.collector, []).append((d.time, d.raw))
    return {
        day: {c: [r for _s, r in sorted(v, key=lambda x: x[0])] for c, v in sorted(by.items())}
        for day, by in sorted(found.items())
    }


# --- unallocated space ---------------------------------------------------------------------


class DelegationHeaders:
    """Header counts of the stored RIR files, parsed once per file."""

    def __init__(self, files: Sequence[RawFile]) -> None:
        self._files = {(f.provenance.name, f.provenance.snapshot): f for f in files}
        self._parsed: dict[tuple[str, str], tuple[int, dict[str, int]] | None] = {}

    def get(self, registry: str, snapshot: date) -> tuple[int, dict[str, int]] | None:
        key = (f"delegated-{registry}-extended", snapshot.isoformat())
        if key not in self._parsed:
            raw = self._files.get(key)
            parsed = rir.read_file(raw.path) if raw is not None else None
            self._parsed[key] = (
                (parsed.header.records, dict(parsed.summaries)) if parsed is not None else None
            )
        return self._parsed[key]


def _in_force(
    con: duckdb.DuckDBPyConnection, path: Path, day: date
) -> tuple[list[str], list[date]]:
    rir_files = coverage_step.rir_in_force(con, path, day)
    regs = sorted(rir_files.snapshots) if rir_files.ok else []
    return regs, [rir_files.snapshots[r] for r in regs]


def delegation_files(
    con: duckdb.DuckDBPyConnection, path: Path, headers: DelegationHeaders, day: date
) -> list[bogons.DelegationFile]:
    """Each registry's file in force on `day`, with its header counts and records present
    (none unless every registry's file is in force: `bogons` then refuses the check)."""
    if not path.is_file():
        return []
    regs, snaps = _in_force(con, path, day)
    rows = con.sql(DELEGATION_COUNTS_SQL, params=[regs, snaps, str(path)]).fetchall()
    present: dict[tuple[str, date], dict[str, int]] = {}
    for registry, snap, kind, n in rows:
        present.setdefault((registry, snap), {})[kind] = int(n)
    out = []
    for (registry, snap), counts in sorted(present.items()):
        head = headers.get(registry, snap)
        out.append(
            bogons.DelegationFile(
                registry=registry,
                snapshot=snap,
                header_records=head[0] if head else None,
                summaries=head[1] if head else {},
                present=counts,
            )
        )
    return out


def allocated_spaces(
    con: duckdb.DuckDBPyConnection, path: Path, headers: DelegationHeaders, day: date
) -> list[bogons.AllocatedSpace]:
    files = delegation_files(con, path, headers, day)
    out = []
    for af, kind in bogons.FAMILY_TYPES.items():
        problem = bogons.completeness_problem(files, af)
        if problem is not None:
            out.append(bogons.AllocatedSpace.refuse(af, problem))
            continue
        regs, snaps = _in_force(con, path, day)
        t = con.sql(ALLOCATED_SQL, params=[regs, snaps, str(path), kind]).to_arrow_table()
        out.append(bogons.allocated_space(af, t["start"].to_pylist(), t["value"].to_pylist()))
    return out


# --- one day -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayResult:
    day: date
    incidents: list[Row]
    intervals: pa.Table
    simulated: bool
    notes: list[str]
    coverage: dict[str, Any] | None = None  # a `routing_incident_days` row


def window_of(
    day: date,
    ribs: Sequence[tuple[RawFile, str]],
    updates: dict[str, list[RawFile]],
    lake_dir: Path,
) -> tuple[Window, list[str]]:
    """The day's window: RIBs as the 00:00 state, updates of collectors that have a RIB. The
    RIBs are read from the decoded-RIB cache the `bgp` and `routing` steps share (decoded
    once per build, whichever step comes first)."""
    t0 = datetime.combine(day, time(0), tzinfo=UTC)
    have = {c for _r, c in ribs}
    skipped = sorted(set(updates) - have)
    ups = [(u.path, c) for c, files in updates.items() if c in have for u in files]
    notes = [f"{day}: updates of {', '.join(skipped)} skipped (no RIB that day)"] if skipped else []
    state = [(derived.decoded_rib(lake_dir, r, c), c) for r, c in ribs]
    window = Window(state, ups, t0, t0 + timedelta(days=1))
    return window, notes


def day_incidents(
    con: duckdb.DuckDBPyConnection,
    ctx: StepContext,
    headers: DelegationHeaders,
    day: date,
    ribs: Sequence[tuple[RawFile, str]],
    updates: dict[str, list[RawFile]],
    relations: caida.RelationshipSource | None = None,
) -> DayResult:
    window, notes = window_of(day, ribs, updates, ctx.settings.lake_dir)
    intervals = intervals_of(window)
    vrps, vrps_sim, vrp_asof = coverage_step.vrps_asof(con, ctx.dataset_path("rpki_vrps"), day)
    if not vrp_asof.ok:
        notes.append(f"{day}: no RPKI-invalid detection: {vrp_asof.reason}")
    # CAIDA's file in force when one is stored, else inferred from the 00:00 RIB's paths
    source = relations or caida.RelationshipSource([])
    rel, basis = source.for_day(
        day, lambda: (intervals.filter(intervals["baseline"])["as_path"].combine_chunks(), None)
    )
    notes.append(f"{day}: AS relationships {basis}")
    found, _rel = detect_all(intervals, vrps if vrps.num_rows else None, rel, basis=basis)
    spaces = allocated_spaces(con, ctx.dataset_path("rir_delegations"), headers, day)
    unallocated, reasons = bogon.detect_unallocated(intervals, spaces)
    simulated = vrps_sim or any(
        f.provenance.simulated
        for f in [r for r, _c in ribs] + [u for v in updates.values() for u in v]
    )
    rows = pa.concat_tables([found, unallocated.cast(INCIDENT_SCHEMA)]).to_pylist()
    used = sorted(c for c in updates if c in {c for _r, c in ribs})
    cover = {
        "day": day, "collectors": used,
        "update_files": sum(len(updates[c]) for c in used),
        "rpki_status": vrp_asof.status.value, "rpki_reason": vrp_asof.reason,
        "simulated": simulated,
    }  # fmt: skip
    return DayResult(
        day, rows, intervals, simulated, notes + [f"{day}: {r}" for r in reasons], cover
    )


# --- joining days --------------------------------------------------------------------------


def continuation_key(r: Row) -> tuple[Any, ...]:
    """What identifies an incident across days (what each detector groups by)."""
    kind = r["type"]
    if kind in ("moas", "subprefix_hijack"):
        return (kind, r["prefix"], r["culprit_asn"])
    if kind == "bogon_prefix":
        return (kind, r["prefix"])
    return (kind, r["culprit_asn"])


def _peer_text(s: Row) -> str | None:
    if s["peer"] is None:
        return None
    return f"{s['collector'] or ''}|{s['peer']}"


def continuation(r: Row, intervals: pa.Table, day_start: datetime) -> Row | None:
    """The part of carried incident `r` that the next day's RIB still has, or None."""
    seen = {(_peer_text(s), s["path"]) for s in r["sightings"] or []}
    base = intervals.filter(
        pc.and_(intervals["baseline"], pc.is_in(intervals["prefix"], pa.array(r["prefixes"])))
    )
    sightings: dict[tuple[str, str], Row] = {}
    ongoing = False
    last: datetime | None = None
    for iv in base.select(["peer", "peer_asn", "path_text", "t1", "open_end"]).to_pylist():
        if (iv["peer"], iv["path_text"]) not in seen:
            continue
        collector, _, ip = str(iv["peer"]).partition("|")
        key = (iv["peer"], iv["path_text"])
        prev = sightings.get(key)
        t1 = iv["t1"] if prev is None else max(prev["last_seen"], iv["t1"])
        sightings[key] = {"collector": collector or None, "peer": ip, "peer_asn": iv["peer_asn"],
                          "path": iv["path_text"], "first_seen": day_start, "last_seen": t1}  # fmt: skip
        ongoing = ongoing or bool(iv["open_end"])
        last = t1 if last is None else max(last, t1)
    if not sightings:
        return None
    return {**r, "start": day_start, "end": None if ongoing else last, "ongoing": ongoing,
            "sightings": list(sightings.values()),
            "peers": sorted({str(p) for p, _ in sightings}),
            "paths": sorted({p for _, p in sightings})}  # fmt: skip


@dataclass
class Piece:
    row: Row
    day: date
    window_end: datetime


def _union(values: Iterable[list[Any] | None]) -> list[Any]:
    return sorted({v for vs in values for v in vs or [] if v is not None})


def merge_pieces(pieces: list[Piece], next_day_processed: bool) -> Row:
    """One incident from its per-day rows (see the module docstring for the rule)."""
    pieces = sorted(pieces, key=lambda p: (p.day, p.row["start"]))
    first, last = pieces[0].row, pieces[-1]
    sightings: dict[tuple[Any, ...], Row] = {}
    for p in pieces:
        for s in p.row["sightings"] or []:
            k = (s["collector"], s["peer"], s["peer_asn"], s["path"])
            old = sightings.get(k)
            sightings[k] = s if old is None else {
                **s, "first_seen": min(old["first_seen"], s["first_seen"]),
                "last_seen": max(old["last_seen"], s["last_seen"])}  # fmt: skip
    ongoing = bool(last.row["ongoing"]) and not next_day_processed
    if ongoing:
        end = None
    elif last.row["ongoing"]:  # the following day's RIB no longer had it
        end = last.window_end
    else:
        end = max(p.row["end"] for p in pieces if p.row["end"] is not None)
    peers = _union(p.row["peers"] for p in pieces)
    return {
        **first,
        "start": min(p.row["start"] for p in pieces),
        "end": end,
        "ongoing": ongoing,
        "prefixes": _union(p.row["prefixes"] for p in pieces),
        "victim_asns": _union(p.row["victim_asns"] for p in pieces),
        "peers": peers,
        "peer_count": max([len(peers)] + [int(p.row["peer_count"] or 0) for p in pieces]),
        "paths": _union(p.row["paths"] for p in pieces),
        "sightings": sorted(
            sightings.values(), key=lambda s: (str(s["collector"]), str(s["peer"]), s["path"])
        ),
        "confidence": max((p.row["confidence"] or 0.0) for p in pieces),
        "rpki_state": next((p.row["rpki_state"] for p in pieces if p.row["rpki_state"]), None),
    }


class DayJoiner:
    """Joins per-day detections into incidents as days arrive in order (module docstring),
    so only one day's intervals are held at a time."""

    def __init__(self) -> None:
        self.pieces: dict[str, list[Piece]] = {}
        self.simulated: dict[str, bool] = {}
        self.carried: dict[str, Row] = {}  # merged view of incidents ongoing at the day's end
        self.days: set[date] = set()
        self.prev: date | None = None

    def add(self, d: DayResult) -> None:
        t0 = datetime.combine(d.day, time(0), tzinfo=UTC)
        if self.prev is None or d.day - self.prev != timedelta(days=1):
            self.carried = {}  # a gap: what happened in between is unknown
        by_key = {continuation_key(r): i for i, r in self.carried.items()}
        rows = [c for r in self.carried.values() if (c := continuation(r, d.intervals, t0))]
        for r in d.incidents:
            same = by_key.get(continuation_key(r))
            if same is not None and r["start"] == t0:  # began with the window: a carry-over
                r = {**r, "id": same}
            rows.append(r)
        for r in rows:
            self.pieces.setdefault(r["id"], []).append(Piece(r, d.day, t0 + timedelta(days=1)))
            self.simulated[r["id"]] = self.simulated.get(r["id"], False) or d.simulated
        self.carried = {
            r["id"]: merge_pieces(self.pieces[r["id"]], False) for r in rows if r["ongoing"]
        }
        self.days.add(d.day)
        self.prev = d.day

    def rows(self) -> list[Row]:
        out = []
        for i, ps in self.pieces.items():
            after = max(p.day for p in ps) + timedelta(days=1)
            out.append({**merge_pieces(ps, after in self.days), "simulated": self.simulated[i]})
        return sorted(out, key=lambda r: (r["start"], r["id"]))


def merge_days(days: Sequence[DayResult]) -> list[Row]:
    """Incidents of several days (rows carry `simulated`)."""
    joiner = DayJoiner()
    for d in sorted(days, key=lambda x: x.day):
        joiner.add(d)
    return joiner.rows()


def build(ctx: StepContext) -> None:
    files = [f for s in coverage_step.BGP_SOURCES for f in ctx.raw_files(s)]
    ribs = coverage_step.rib_files(files)
    updates = update_files(files)
    days = [d for d in updates if d in ribs]
    headers = DelegationHeaders(ctx.raw_files(rir.SOURCE_ID))
    relations = caida.RelationshipSource(ctx.raw_files(caida.SOURCE_ID))
    joiner = DayJoiner()
    covered: list[dict[str, Any]] = []
    con = duckdb.connect()
    try:
        for i, day in enumerate(days):
            n_up = sum(len(v) for v in updates[day].values())
            ctx.progress(f"routing incidents {day}: {len(ribs[day])} RIBs, {n_up} update dumps",
                         i, len(days))  # fmt: skip
            result = day_incidents(con, ctx, headers, day, ribs[day], updates[day], relations)
            for note in result.notes:
                ctx.progress(f"routing incidents {note}", i, len(days))
            joiner.add(result)
            if result.coverage is not None:
                covered.append(result.coverage)
    finally:
        con.close()
    rows = joiner.rows()
    ctx.progress(f"routing incidents: {len(rows)} incidents", len(days), len(days))
    ctx.write_dataset(
        DATASET, pa.Table.from_pylist(rows, schema=SCHEMA) if rows else SCHEMA.empty_table()
    )
    ctx.write_dataset(DAYS, pa.Table.from_pylist(covered, schema=DAYS_SCHEMA))
