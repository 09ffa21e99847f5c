"""Detection over whatever BGP and Atlas data the lake holds, and the datasets it writes.

Inputs: raw sources `bgp-ris`, `bgp-routeviews` (MRT RIB + update dumps, as
`nethealth.sources.collectors.fetch_dumps` stores them) and `atlas` (`nethealth.sources.atlas`);
any other directories may be added. The country map (`rir_delegations`, else `ipdb_country`),
user series loaded with `nethealth outages load-signal` (`outage_user_signals`), for linking
`shutdowns`, and for costs `shutdown_costs` and the World Bank raw files (`worldbank`).

The build step (`detect_daily`) computes the signals per day and keeps them in
`<lake>/outage_days/` (`outages.daily`): a day whose inputs are unchanged is read back, not
computed again; `detect` computes a whole window at once (the CLI's --from/--to).

Outputs, written together (temp files, then renamed; a failed run leaves the old set):
`outage_events` (events.EVENT_SCHEMA), `outage_signals` (series.SIGNAL_SCHEMA: every
country and region series of the window, and the ASN series of the ASNs in events) and
`outage_artefacts` (artefacts.SCHEMA: collector artefacts, recorded and never outages).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nethealth.bgp.source import RIS, ROUTEVIEWS
from nethealth.economics.worldbank import panel_from_raw
from nethealth.errors import ConfigError, InputError, NotFoundError
from nethealth.lake.build import StepContext
from nethealth.lake.raw import RawStore
from nethealth.lake.storage import write_bytes_atomic, write_parquet_atomic
from nethealth.outages import artefacts as artefact_mod
from nethealth.outages import daily, dayscores, geo, ioda, robust
from nethealth.outages.cost import with_costs
from nethealth.outages.episodes import Episode
from nethealth.outages.events import EVENT_SCHEMA, EventContext, events_table
from nethealth.outages.fusion import detect_scored, merge, run_detector
from nethealth.outages.inputs import (
    AtlasFiles,
    BgpFiles,
    MrtFile,
    atlas_coverage,
    coverage,
    covered_bins,
    data_windows,
    dump_hour,
    find_atlas,
    find_mrt,
    iter_bgp,
    read_atlas,
    read_bgp,
    select_mrt_checked,
    update_gaps,
)
from nethealth.outages.linking import link
from nethealth.outages.peers import PeerCount, peers_that_saw, question, seen_enough
from nethealth.outages.series import (
    BGP_SIGNALS,
    SIGNAL_SCHEMA,
    Series,
    from_table,
    signal_family,
    to_table,
)
from nethealth.outages.signals import atlas as atlas_signal
from nethealth.outages.signals import bgp as bgp_signal
from nethealth.outages.signals import bgp_parts
from nethealth.settings import Settings
from nethealth.sources import rir as rir_source
from nethealth.sources.atlas import SOURCE_ID as ATLAS_SOURCE

EVENTS = "outage_events"
SIGNALS = "outage_signals"
ARTEFACTS = artefact_mod.ARTEFACTS
USER_SIGNALS = "outage_user_signals"
BGP_SOURCES = (RIS.id, ROUTEVIEWS.id)
VERSIONS = {robust.NAME: robust.METHOD_VERSION, ioda.NAME: ioda.METHOD_VERSION}
Progress = Callable[[str, int, int], None]


def _noop(_m: str, _d: int, _t: int) -> None:
    return None


def dataset_path(settings: Settings, name: str) -> Path:
    return settings.lake_dir / f"{name}.parquet"


def read_dataset(settings: Settings, name: str) -> pa.Table | None:
    path = dataset_path(settings, name)
    if not path.is_file():
        return None
    return pq.read_table(path)


@dataclass
class Inputs:
    mrt: list[Path] = field(default_factory=list)
    atlas: list[Path] = field(default_factory=list)
    simulated: bool = False


def lake_inputs(
    settings: Settings, extra_bgp: Sequence[Path] = (), extra_atlas: Sequence[Path] = ()
) -> Inputs:
    store = RawStore(settings.raw_dir)
    mrt = [f for source in BGP_SOURCES for f in store.files(source)]
    atl = store.files(ATLAS_SOURCE)
    simulated = any(f.provenance.simulated for f in (*mrt, *atl)) or any(
        _under_sim(p) for p in (*extra_bgp, *extra_atlas)
    )
    return Inputs(
        [f.path for f in mrt] + list(extra_bgp),
        [f.path for f in atl] + list(extra_atlas),
        simulated,
    )


def _under_sim(path: Path) -> bool:
    for parent in [path.resolve(), *path.resolve().parents]:
        marker = parent / "sim.json"
        if marker.is_file():
            try:
                return bool(json.loads(marker.read_text()).get("generator") == "nethealth.sim")
            except (OSError, json.JSONDecodeError):
                return False
    return False


def country_ranges(settings: Settings, at: int) -> tuple[pa.Table, str]:
    """(ranges, which dataset) for the country map (`Settings.outages_geo`) on the day of `at`."""
    day = datetime.fromtimestamp(at, UTC).date()
    choice = settings.outages_geo
    if choice not in ("auto", "rir", "ipdb"):
        raise ConfigError(f"unknown country map {choice!r}", hint="choose auto, rir or ipdb")
    if choice in ("auto", "rir"):
        rir = read_dataset(settings, "rir_delegations")
        if rir is not None and rir.num_rows:
            broken = rir_source.file_problems(read_dataset(settings, rir_source.FILES_DATASET))
            ranges = geo.ranges_from_delegations(rir, day, broken)
            if ranges.num_rows or choice == "rir":
                return ranges, "rir_delegations"
            # no RIR file in force that day: ip-location-db may have one
        if choice == "rir":
            raise NotFoundError(
                "no rir_delegations dataset in the lake",
                hint="run `nethealth fetch rir` and `nethealth build`",
            )
    ipdb = read_dataset(settings, "ipdb_country")
    if ipdb is not None and ipdb.num_rows:
        return geo.ranges_from_ipdb(ipdb, day), "ipdb_country"
    if choice == "ipdb":
        raise NotFoundError(
            "no ipdb_country dataset in the lake",
            hint="run `nethealth fetch ipdb` and `nethealth build`",
        )
    return geo.RANGE_SCHEMA.empty_table(), "none"


def region_ranges(settings: Settings, at: int) -> pa.Table | None:
    """Region (ISO 3166-2) ranges from the stored DB-IP city file of the month of `at` (or the
    latest before it); None when no `dbip-city` file is stored: then no region series."""
    from nethealth.sources.dbip import stored_file

    raw = stored_file(RawStore(settings.raw_dir), datetime.fromtimestamp(at, UTC).date())
    return None if raw is None else geo.region_ranges_from_file(raw.path)


def region_note(settings: Settings, at: int) -> str:
    """Why there are no region series (no DB-IP file, or none in force on the day)."""
    from nethealth.sources.dbip import file_in_force

    _raw, why = file_in_force(RawStore(settings.raw_dir), datetime.fromtimestamp(at, UTC).date())
    return f"no region series: {why.reason} (`nethealth outages fetch-geo`)"


def asn_countries(settings: Settings, asns: Sequence[int], day: date) -> dict[int, str]:
    """Registration country of each ASN from the delegated stats: each registry's latest file
    on or before `day` (the routing step's map, `routing.coverage_step.asn_country`)."""
    from nethealth.routing.coverage_step import asn_country

    if not asns:
        return {}
    con = duckdb.connect()
    try:
        table = asn_country(con, dataset_path(settings, "rir_delegations"), day)
    finally:
        con.close()
    wanted = set(asns)
    return {int(a): str(cc).upper() for a, cc in zip(
        table["asn"].to_pylist(), table["cc"].to_pylist(), strict=True) if a in wanted}  # fmt: skip


def data_span(inputs: Inputs, user: pa.Table | None = None) -> tuple[int, int]:
    """The time span the inputs cover: the publishers' file names, and loaded series."""
    times: list[int] = []
    if user is not None and user.num_rows:
        secs = pc.cast(user["bin_start"], pa.timestamp("s", tz="UTC")).cast(pa.int64())
        last = pc.max(pc.add(secs, pc.cast(user["step_seconds"], pa.int64()))).as_py()
        times += [int(pc.min(secs).as_py()), int(last)]
    files = find_mrt(inputs.mrt) if inputs.mrt else None
    if files is not None:
        for group in (*files.ribs.values(), *files.updates.values()):
            times += [f.time for f in group]
        times += [f.time + 900 for g in files.updates.values() for f in g[-1:]]
        times += [f.time - f.time % 300 + 300 for g in files.ribs.values() for f in g]  # its bin
    if inputs.atlas:
        hours = [h for p in find_atlas(inputs.atlas).results if (h := dump_hour(p)) is not None]
        times += hours + [h + 3600 for h in hours]
    if not times:
        raise NotFoundError(
            "no BGP (MRT) or RIPE Atlas files, nor loaded signals, to detect outages from",
            hint="run `nethealth outages fetch` (or give --bgp / --atlas directories, or "
            "`nethealth outages load-signal`)",
        )
    return min(times), max(times)


def _user_signals(settings: Settings) -> pa.Table | None:
    """Loaded series (Parquet keeps seconds as milliseconds: cast back to the schema)."""
    table = read_dataset(settings, USER_SIGNALS)
    return None if table is None else table.cast(SIGNAL_SCHEMA)


@dataclass
class DetectResult:
    events: pa.Table
    signals: pa.Table | Path  # SIGNAL_SCHEMA, or the Parquet file it was written to
    start: int
    end: int
    history_start: int
    detector: str
    geo_source: str
    simulated: bool
    series: int
    notes: list[str] = field(default_factory=list)
    artefacts: pa.Table = field(default_factory=artefact_mod.SCHEMA.empty_table)


@dataclass
class SignalDetail:
    """What the BGP signal computation leaves beside the series: the per-peer views (for
    peer corroboration and evidence) and the collectors' file gaps."""

    visibility: bgp_signal.VisibilityResult | None = None
    gaps: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


def compute_series(
    settings: Settings,
    inputs: Inputs,
    ranges: pa.Table,
    *,
    start: int,
    end: int,
    progress: Progress = _noop,
    strict: bool = True,
    regions: pa.Table | None = None,
    detail: SignalDetail | None = None,
    notes: list[str] | None = None,
    user: bool = True,
) -> list[Series]:
    """Every series of [start, end). With `detail`, the BGP computation's per-peer views and
    the collectors' gaps are kept in it. `notes` (when given) receives what the BGP data
    covered: collectors refused (RIB older than its tolerance), and per collector the first and
    last update timestamps seen. `user=False` leaves out the loaded series."""
    series: list[Series] = []
    if inputs.mrt:
        files, refused = select_mrt_checked(find_mrt(inputs.mrt), start, end)
        tables = read_bgp(files, strict=strict, progress=progress)
        gaps = update_gaps(files)
        progress("bgp visibility", 0, 1)
        vis = bgp_signal.visibility(
            tables, ranges, start=start, end=end, coverage=coverage(files), regions=regions,
            gaps=gaps, keep_views=detail is not None,
        )  # fmt: skip
        series += masked(vis.series, data_windows(files))
        if detail is not None:
            detail.visibility, detail.gaps = vis, gaps
        progress("bgp visibility", 1, 1)
        if notes is not None:
            notes += list(refused.values()) + updates_seen(tables)
    if inputs.atlas:
        found = find_atlas(inputs.atlas)
        results, probes, _ = read_atlas(
            found, start=start, end=end, strict=strict, progress=progress
        )
        series += atlas_signal.signals(
            results,
            start=start,
            end=end,
            probes=probes,
            ranges=ranges,
            data_span=atlas_coverage(found),
            regions=regions,
        )
    if user:
        series += user_series(settings, start, end)
    return series


def user_series(settings: Settings, start: int, end: int) -> list[Series]:
    """The loaded series (`nethealth outages load-signal`) over [start, end)."""
    user = _user_signals(settings)
    if user is None or not user.num_rows:
        return []
    lo = pa.scalar(datetime.fromtimestamp(start, UTC), pa.timestamp("s", tz="UTC"))
    hi = pa.scalar(datetime.fromtimestamp(end, UTC), pa.timestamp("s", tz="UTC"))
    part = user.filter(
        pc.and_(pc.greater_equal(user["bin_start"], lo), pc.less(user["bin_start"], hi))
    )
    return from_table(part, start=start, end=end)


def masked(series: list[Series], windows: dict[str, list[tuple[int, int]]]) -> list[Series]:
    """BGP series with the bins no collector's files describe set to NaN: a RIB's routes are
    not drawn flat over days without update dumps (those bins are missing, not steady)."""
    out = []
    grids: dict[tuple[int, int, int], np.ndarray] = {}  # the series of a family share a grid
    for s in series:
        grid = (s.start, s.step, len(s.values))
        covered = grids.get(grid)
        if covered is None:
            covered = grids[grid] = covered_bins(windows, *grid)
        values = np.where(covered, s.values, np.nan)
        out.append(Series(s.signal, s.entity, s.start, s.step, values))
    return out


def updates_seen(tables: Sequence[pa.Table]) -> list[str]:
    """Per collector, the first and last update timestamps in the decoded data (the data window
    actually covered), or that it had none."""
    span, rib_only = update_spans(tables)
    notes = [f"{c}: updates seen from {_iso(a)} to {_iso(b)}" for c, (a, b) in sorted(span.items())]
    notes += [f"{c}: no update in the window (RIB only)" for c in sorted(rib_only - set(span))]
    return notes


def update_spans(tables: Sequence[pa.Table]) -> tuple[dict[str, list[int]], set[str]]:
    """(per collector [first, last] update timestamp, collectors with RIB rows only)."""
    span: dict[str, list[int]] = {}
    rib_only: set[str] = set()
    for t in tables:
        bgp_parts.add_spans(t, span, rib_only)
    return span, rib_only


def detect(
    settings: Settings,
    *,
    start: int | None = None,
    end: int | None = None,
    detector: str = robust.NAME,
    extra_bgp: Sequence[Path] = (),
    extra_atlas: Sequence[Path] = (),
    progress: Progress = _noop,
    strict: bool = True,
) -> DetectResult:
    """Signals and events for [start, end) (default: the span of the data, or its latest
    `Settings.outages_max_bins` bins when longer). History and country map come from
    `Settings.outages_history_hours` / `outages_geo`."""
    if detector not in VERSIONS:
        raise ConfigError(f"unknown detector {detector!r}", hint="choose nethealth or ioda")
    inputs = lake_inputs(settings, extra_bgp, extra_atlas)
    lo, hi = data_span(inputs, _user_signals(settings))
    stop = hi if end is None else end
    notes: list[str] = []
    longest = settings.outages_max_bins * bgp_signal.BIN_SECONDS
    if start is None and stop - lo > longest:
        lo = stop - longest
        notes.append(f"the data are longer than {settings.outages_max_bins} bins: from {_iso(lo)}")
    first = lo if start is None else max(start - settings.outages_history_hours * 3600, lo)
    shown = first if start is None else start
    if stop <= shown:
        raise ConfigError(
            "the window is empty",
            hint=f"--to must be after --from, and inside the data ({_iso(lo)} to {_iso(hi)})",
        )
    if (stop - first) // bgp_signal.BIN_SECONDS > settings.outages_max_bins:
        raise ConfigError(
            f"the window spans more than {settings.outages_max_bins} 5-minute bins",
            hint="detect over a shorter range (--from/--to) and repeat",
        )
    ranges, geo_source = country_ranges(settings, first)
    regions = region_ranges(settings, first)
    if regions is None:
        notes.append(region_note(settings, first))
    detail = SignalDetail()
    series = compute_series(
        settings, inputs, ranges, start=first, end=stop, progress=progress, strict=strict,
        regions=regions, detail=detail, notes=notes,
    )  # fmt: skip
    views = detail.visibility.views if detail.visibility is not None else {}
    rejected: list[Episode] = []
    dets = [
        d
        for d in run_detector(detector, series, progress, views=views, rejected=rejected)
        if (d.end is None or d.end > shown) and d.start < stop
    ]
    context = EventContext(
        asn_places=_asn_places(views),
        views=views,
        series={(s.signal, s.entity): s for s in series if s.entity.startswith("country:")},
    )
    asn_cc = asn_countries(
        settings, sorted({int(d.entity[4:]) for d in dets if d.entity.startswith("asn:")}),
        datetime.fromtimestamp(stop, UTC).date(),
    )  # fmt: skip
    events = events_table(
        dets,
        method_version=VERSIONS[detector],
        asn_country=asn_cc,
        data_end=stop,
        simulated=inputs.simulated,
        context=context,
    )
    shutdowns = read_dataset(settings, "shutdowns")
    if shutdowns is not None and events.num_rows:
        links = link(events, shutdowns, distinct=read_dataset(settings, "shutdown_events"))
        events = events_table(
            dets,
            method_version=VERSIONS[detector],
            asn_country=asn_cc,
            data_end=stop,
            simulated=inputs.simulated,
            links=links,
            context=context,
        )
    elif shutdowns is None:
        notes.append("no shutdowns dataset: events are not linked to curated records")
    if geo_source == "none":
        notes.append("no country map in the lake: only ASN-level signals were computed")
    panel = panel_from_raw(settings)
    if events.num_rows:
        events = with_costs(events, panel, read_dataset(settings, "shutdown_costs"))
        if not len(panel):
            notes.append("no World Bank figures in the raw store: costs only from curated links")
    keep = _kept_entities(events)
    stored = [s for s in series if not s.entity.startswith("asn:") or s.entity in keep]
    found = (
        artefact_mod.find(
            detail.visibility,
            detail.gaps,
            simulated=inputs.simulated,
            single_peer=[e for e in rejected if e.start < stop],
        )
        if detail.visibility is not None
        else artefact_mod.SCHEMA.empty_table()
    )
    return DetectResult(
        events,
        to_table(stored),
        shown,
        stop,
        first,
        detector,
        geo_source,
        inputs.simulated,
        len(series),
        notes,
        found,
    )


def _asn_places(views: Mapping[int, bgp_signal.PeerViews]) -> dict[int, dict[str, float]]:
    """Where each network's space lies, IPv4 and IPv6 together (units of each family)."""
    out: dict[int, dict[str, float]] = {}
    for af in sorted(views):
        for asn, places in bgp_signal.asn_places(views[af]).items():
            mine = out.setdefault(asn, {})
            for k, v in places.items():
                mine[k] = mine.get(k, 0.0) + v
    return out


def _kept_entities(events: pa.Table) -> set[str]:
    return {e for lst in events["entities"].to_pylist() for e in (lst or [])} | {
        f"asn:{a}" for lst in events["asns"].to_pylist() for a in (lst or [])
    }


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%MZ")


class SignalSink:
    """The signals dataset written as it is computed, a few series at a time (over a 40-day
    window the kept series are tens of millions of rows: never all in memory)."""

    SERIES_PER_WRITE = 64

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(path, SIGNAL_SCHEMA, compression="zstd")
        self.rows = 0

    def add(self, series: Sequence[Series]) -> None:
        for a in range(0, len(series), self.SERIES_PER_WRITE):
            t = to_table(series[a : a + self.SERIES_PER_WRITE]).cast(SIGNAL_SCHEMA)
            if t.num_rows:
                self._writer.write_table(t)
                self.rows += t.num_rows

    def close(self) -> Path:
        self._writer.close()
        return self.path


def signals_table(result: DetectResult) -> pa.Table:
    """The signals of a result as a table (read from its file when it was written to one)."""
    if isinstance(result.signals, Path):
        return pq.read_table(result.signals).cast(SIGNAL_SCHEMA)
    return result.signals


def write(settings: Settings, result: DetectResult) -> tuple[Path, Path]:
    """Write the three datasets (events, signals, artefacts); all are replaced or none."""
    lake = settings.lake_dir
    lake.mkdir(parents=True, exist_ok=True)
    names = (EVENTS, SIGNALS, ARTEFACTS)
    staged = {name: lake / f".{name}.parquet.{os.getpid()}.staged" for name in names}
    try:
        write_parquet_atomic(staged[EVENTS], result.events.cast(EVENT_SCHEMA))
        if isinstance(result.signals, Path):
            os.replace(result.signals, staged[SIGNALS])
        else:
            write_parquet_atomic(staged[SIGNALS], result.signals.cast(SIGNAL_SCHEMA))
        write_parquet_atomic(staged[ARTEFACTS], result.artefacts.cast(artefact_mod.SCHEMA))
        for name, path in staged.items():
            path.replace(dataset_path(settings, name))
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)
    return dataset_path(settings, EVENTS), dataset_path(settings, SIGNALS)


def load_user_series(settings: Settings, series: Series) -> int:
    """Add (or replace) one user series in `outage_user_signals`; returns the rows stored."""
    from nethealth.outages.signals.user import merge_user_table

    table = merge_user_table(read_dataset(settings, USER_SIGNALS), series)
    write_parquet_atomic(dataset_path(settings, USER_SIGNALS), table.cast(SIGNAL_SCHEMA))
    return int(table.num_rows)


def build(ctx: StepContext) -> None:
    """The build step's work (declared in `outages.step`): detect over the raw store."""
    try:
        result, _stats = detect_daily(ctx.settings, progress=ctx.progress)
    except NotFoundError:
        # No BGP or Atlas data yet: empty datasets keep the catalog and the API consistent.
        ctx.write_dataset(EVENTS, EVENT_SCHEMA.empty_table())
        ctx.write_dataset(SIGNALS, SIGNAL_SCHEMA.empty_table())
        ctx.write_dataset(ARTEFACTS, artefact_mod.SCHEMA.empty_table())
        return
    ctx.write_dataset(EVENTS, result.events)
    if isinstance(result.signals, Path):
        ctx.stage_file(SIGNALS, result.signals)
    else:
        ctx.write_dataset(SIGNALS, result.signals)
    ctx.write_dataset(ARTEFACTS, result.artefacts)


def check_window(text: str | None, name: str) -> int | None:
    """Epoch seconds of a --from/--to value (YYYY-MM-DD or ISO 8601; naive = UTC)."""
    if text is None:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{text!r} is not a date or time",
            field=name,
            hint="use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]",
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def compute_day(
    plan: daily.DayPlan,
    carried: bgp_signal.CarriedState | None,
    ranges: pa.Table,
    regions: pa.Table | None,
    *,
    work_dir: Path,
    state_out: Callable[[pa.Table], None] | None = None,
    strict: bool = True,
    progress: Progress = _noop,
) -> daily.DayOutput:
    """One day's series (as `compute_series` over the day, without loaded series), its peers'
    table sizes, where each AS's space lay and the routes at its end (to `state_out`). The
    collectors not rooted today start from `carried` (yesterday's end state) and read only
    today's rows. Memory does not grow with the routing table: the BGP part is computed a part
    of the address space at a time (`signals.bgp_parts`), its working files in `work_dir`."""
    series: list[Series] = []
    vis = None
    spans: dict[str, list[int]] = {}
    rib_only: set[str] = set()
    places: dict[int, dict[str, float]] = {}
    state_peers = None
    if plan.mrt or carried is not None:
        files = list(plan.mrt)
        tables = (_day_rows(t, plan) for t in iter_bgp(files, strict=strict, progress=progress))
        got = bgp_parts.visibility_parts(
            tables, ranges, start=plan.start, end=plan.end, work_dir=work_dir,
            coverage=coverage(files), regions=regions, gaps=update_gaps(files), carried=carried,
            state_out=state_out, want_places=True, progress=progress,
        )  # fmt: skip
        vis, places, state_peers = got.result, got.places, got.state_peers
        spans, rib_only = got.spans, got.rib_only
        covered: dict[tuple[int, int, int], np.ndarray] = {}
        windows = data_windows(files)
        for s in vis.series:  # in place: the day's series are the bulk of its memory
            grid = (s.start, s.step, len(s.values))
            if grid not in covered:
                covered[grid] = covered_bins(windows, *grid)
            s.values[~covered[grid]] = np.nan
        series += vis.series
        vis.series = []
    if plan.atlas or plan.probes:
        found = AtlasFiles(list(plan.atlas), list(plan.probes))
        results, probes, _ = read_atlas(
            found, start=plan.start, end=plan.end, strict=strict, progress=progress
        )
        series += atlas_signal.signals(
            results, start=plan.start, end=plan.end, probes=probes, ranges=ranges,
            data_span=plan.atlas_span, regions=regions,
        )  # fmt: skip
    return daily.DayOutput(series, vis, places, spans, sorted(rib_only), state_peers)


def _day_rows(table: pa.Table, plan: daily.DayPlan) -> pa.Table:
    """The rows that belong to the day: before its end, and for a collector that starts
    from yesterday's state not before its start (those are in the state already)."""
    t_us = table["t_us"]
    keep = pc.less(t_us, plan.end * bgp_signal.US)
    if plan.carried:
        collector = pc.list_element(pc.split_pattern(table["peer"], "|", max_splits=1), 0)
        mine = pc.is_in(collector, pa.array(list(plan.rooted), pa.string()))
        keep = pc.and_(keep, pc.or_(mine, pc.greater_equal(t_us, plan.start * bgp_signal.US)))
    return table.filter(keep)


class _Maps:
    """The country and region maps in force on each day (as-of rule), read once per map."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._by_day: dict[date, tuple[pa.Table, str, pa.Table | None]] = {}
        self._regions: dict[str, pa.Table] = {}
        self._digests: dict[int, str] = {}

    def on(self, day: date) -> tuple[pa.Table, str, pa.Table | None]:
        got = self._by_day.get(day)
        if got is None:
            from nethealth.sources.dbip import stored_file

            at = daily.epoch_of(day)
            ranges, source = country_ranges(self.settings, at)
            raw = stored_file(RawStore(self.settings.raw_dir), day)
            regions = None
            if raw is not None:
                key = str(raw.path)
                if key not in self._regions:
                    self._regions[key] = geo.region_ranges_from_file(raw.path)
                regions = self._regions[key]
            got = (ranges, source, regions)
            self._by_day[day] = got
        return got

    def digest(self, day: date) -> str:
        ranges, source, regions = self.on(day)
        parts = []
        for t in (ranges, regions):
            if t is None:
                parts.append("none")
                continue
            if id(t) not in self._digests:
                self._digests[id(t)] = daily.table_digest(t)
            parts.append(self._digests[id(t)])
        return f"{source}:{parts[0]}:{parts[1]}"


@dataclass
class SpanViews:
    """Peer counts of BGP episodes from the per-peer routes of the days an episode touches
    (the bin before its start to its worst bin), for peer corroboration and the events'
    evidence: only the days of BGP episodes are decoded again, from the stored state before
    them, one span at a time and a part of the address space at a time
    (`signals.bgp_parts`), every question about the span answered in that one pass."""

    settings: Settings
    plans: list[daily.DayPlan]
    maps: _Maps
    first: int
    stop: int
    strict: bool = True
    computed: int = 0

    def span(self, ep: Episode) -> tuple[int, int]:
        worst = int(ep.evidence.get("worst_at", ep.known_at - bgp_signal.BIN_SECONDS))
        a = daily.epoch_of(daily.day_of(max(self.first, ep.start - bgp_signal.BIN_SECONDS)))
        b = daily.epoch_of(daily.day_of(worst)) + daily.DAY
        return max(a, self.first), min(b, self.stop)

    def episode_key(self, ep: Episode, span: tuple[int, int]) -> str:
        """What a peer count depends on: the episode's entity, signal, bins and drop, and
        the fingerprints of the days of its span."""
        a, b = span
        days = [p.key for p in self.plans if p.start < b and p.end > a]
        doc = [ep.entity, ep.signal, ep.start, ep.known_at, ep.evidence.get("worst_at"),
               repr(ep.max_drop), a, b, days]  # fmt: skip
        return hashlib.sha256(json.dumps(doc).encode()).hexdigest()

    def counts(
        self, asks: Sequence[tuple[str, Episode]]
    ) -> dict[tuple[str, str, int], PeerCount | None]:
        """The peer count of each (entity, BGP episode), by (entity, signal, start)."""
        by_span: dict[tuple[int, int], list[tuple[str, Episode]]] = {}
        for entity, ep in asks:
            by_span.setdefault(self.span(ep), []).append((entity, ep))
        out: dict[tuple[str, str, int], PeerCount | None] = {}
        step = bgp_signal.BIN_SECONDS
        for span, items in sorted(by_span.items()):
            t0 = span[0] - span[0] % step
            answered = self.answers(span, [question(e, ep, t0, step) for e, ep in items])
            for entity, ep in items:
                out[(entity, ep.signal, ep.start)] = peers_that_saw(answered, entity, ep)
        return out

    def answers(
        self, span: tuple[int, int], questions: Sequence[bgp_parts.PeerQuestion]
    ) -> dict[int, bgp_parts.Answered]:
        a, b = span
        mine = [p for p in self.plans if p.start < b and p.end > a]
        if not mine:
            return {}
        files = list(dict.fromkeys(f for p in mine for f in p.mrt))
        merged = daily.DayPlan(
            mine[0].day, a, b, tuple(files),
            tuple(sorted({c for p in mine for c in p.rooted})), mine[0].carried, (), (), (),
            None, "",
        )  # fmt: skip
        carried = (
            daily.read_state(self.settings, mine[0].day - timedelta(days=1))
            if merged.carried
            else None
        )
        ranges, _src, regions = self.maps.on(mine[0].day)
        tables = (_day_rows(t, merged) for t in iter_bgp(files, strict=self.strict))
        got = bgp_parts.visibility_parts(
            tables, ranges, start=a, end=b, work_dir=daily.work_dir(self.settings),
            coverage=coverage(files), regions=regions, gaps=update_gaps(files),
            carried=carried, questions=questions,
        )  # fmt: skip
        self.computed += 1
        return got.answered


def _corroborate(
    episodes: list[Episode], views: SpanViews
) -> tuple[list[Episode], list[Episode], dict[tuple[str, str, int], PeerCount | None]]:
    """`peers.corroborated`, with each BGP episode asked of the routes of its own span
    (episodes grouped by span, so each span is computed once), and the answers kept in
    `outage_days/peer_counts.json` by the episode and its days' fingerprints: an episode of
    unchanged days is not asked again. Returns (kept, rejected, the peer count of each BGP
    episode by (entity, signal, start))."""
    path = daily.days_dir(views.settings) / "peer_counts.json"
    try:
        cache = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        cache = {}
    used: dict[str, object] = {}
    counts: dict[tuple[str, str, int], PeerCount | None] = {}
    missing: list[tuple[Episode, str]] = []
    for e in episodes:
        if signal_family(e.signal) not in BGP_SIGNALS:
            continue
        key = views.episode_key(e, views.span(e))
        if key in cache:
            got = cache[key]
            counts[(e.entity, e.signal, e.start)] = None if got is None else PeerCount(*got)
            used[key] = got
        else:
            missing.append((e, key))
    found = views.counts([(e.entity, e) for e, _key in missing])
    for e, key in missing:
        count = found[(e.entity, e.signal, e.start)]
        counts[(e.entity, e.signal, e.start)] = count
        used[key] = None if count is None else [
            count.seen, count.total, count.full_feed, count.collectors]  # fmt: skip
    if used or path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, json.dumps(used, sort_keys=True).encode())
    kept: list[Episode] = []
    rejected: list[Episode] = []
    for e in episodes:
        key3 = (e.entity, e.signal, e.start)
        ok = key3 not in counts or seen_enough(counts[key3])
        (kept if ok else rejected).append(e)
    return kept, rejected, counts


def detect_daily(
    settings: Settings,
    *,
    detector: str = robust.NAME,
    progress: Progress = _noop,
    strict: bool = True,
) -> tuple[DetectResult, daily.DayStats]:
    """`detect` over the data's span (its latest `Settings.outages_max_bins` bins), from the
    signals stored per day (`outages.daily`): days whose inputs are unchanged are read back,
    the others computed and stored; days that left the window are removed. Then the detector
    runs over the stored series of the window, as `detect` does over its own."""
    if detector not in VERSIONS:
        raise ConfigError(f"unknown detector {detector!r}", hint="choose nethealth or ioda")
    inputs = lake_inputs(settings)
    lo, stop = data_span(inputs, _user_signals(settings))
    notes: list[str] = []
    longest = settings.outages_max_bins * bgp_signal.BIN_SECONDS
    if stop - lo > longest:
        # from the next midnight: whole days, so that the window moves on by days
        lo = stop - longest + (-(stop - longest)) % daily.DAY
        notes.append(f"the data are longer than {settings.outages_max_bins} bins: from {_iso(lo)}")
    first = lo
    maps = _Maps(settings)
    _ranges, geo_source, regions = maps.on(daily.day_of(first))
    if regions is None:
        notes.append(region_note(settings, first))
    files = find_mrt(inputs.mrt) if inputs.mrt else BgpFiles()
    found = find_atlas(inputs.atlas) if inputs.atlas else None
    file_id = daily.FileIds((settings.raw_dir, s) for s in (*BGP_SOURCES, ATLAS_SOURCE))
    eve = daily.day_of(first) - timedelta(days=1)
    before = daily.stored_key(settings, eve) if first % daily.DAY == 0 else None
    plans = daily.plan_days(files, found, first, stop, file_id=file_id, maps=maps.digest,
                            before=before)  # fmt: skip

    def compute(
        plan: daily.DayPlan,
        carried: bgp_signal.CarriedState | None,
        state_out: Callable[[pa.Table], None],
    ) -> daily.DayOutput:
        ranges, _src, regs = maps.on(plan.day)
        return compute_day(plan, carried, ranges, regs, work_dir=daily.work_dir(settings),
                           state_out=state_out, strict=strict, progress=progress)  # fmt: skip

    stats = daily.build_days(settings, plans, compute, progress=progress)
    days = [p.day for p in plans]
    daily.drop_days(settings, [eve, *days] if before is not None else days)
    notes += daily.window_notes(settings, days) if inputs.mrt else []
    span_views = SpanViews(settings, plans, maps, first, stop, strict) if inputs.mrt else None
    chosen = select_mrt_checked(files, first, stop)[0] if inputs.mrt else []
    result = detect_stored(
        settings, days, first, stop, detector=detector, notes=notes, span_views=span_views,
        mrt=chosen, simulated=inputs.simulated, geo_source=geo_source, progress=progress,
    )  # fmt: skip
    stats.spans_decoded = span_views.computed if span_views is not None else 0
    return result, stats


def _with_user(
    entities: Iterable[list[dayscores.Rebuilt]], user_of: Mapping[str, list[Series]]
) -> Iterator[list[dayscores.Rebuilt]]:
    """Each entity's stored scores with its user series (loaded by operators: few, scored
    whole over the window), then the entities that have user series only."""
    seen: set[str] = set()
    for group in entities:
        entity = group[0][0].entity
        seen.add(entity)
        yield group + [(u, robust.score(u), None) for u in user_of.get(entity, [])]
    for entity, us in user_of.items():
        if entity not in seen:
            yield [(u, robust.score(u), None) for u in us]


def detect_stored(
    settings: Settings,
    days: Sequence[date],
    first: int,
    stop: int,
    *,
    detector: str,
    notes: list[str],
    span_views: SpanViews | None,
    mrt: Sequence[MrtFile],
    simulated: bool,
    geo_source: str,
    progress: Progress = _noop,
) -> DetectResult:
    """The detector over the series stored for `days` ([first, stop)), a chunk of entities
    at a time; BGP episodes asked of their peers through `span_views` (None: no BGP files,
    nothing to ask); then the events, the signals kept and the collector artefacts (`mrt`:
    the BGP files of the window)."""
    t0 = first - first % bgp_signal.BIN_SECONDS
    step = bgp_signal.BIN_SECONDS
    n_bins = -(-(stop - t0) // step)
    keys = daily.entities(settings, days)
    user = user_series(settings, first, stop)
    user_of: dict[str, list[Series]] = {}
    for u in user:
        user_of.setdefault(u.entity, []).append(u)
    country_keys = [k for k in keys if k[1].startswith("country:")]
    countries = daily.window_series(settings, days, t0, stop, step, country_keys)
    countries += [u for e, us in user_of.items() if e.startswith("country:") for u in us]
    rest = [k for k in keys if not k[1].startswith("country:")]
    rest += [(u.signal, u.entity) for u in user if not u.entity.startswith("country:")]
    # regions before networks: a region episode is dropped when a network explains it
    chunks = [c for kind in ("region:", "") for c in daily.entity_chunks(
        [k for k in rest if k[1].startswith("region:") == (kind == "region:")], n_bins)]  # fmt: skip
    for old in settings.lake_dir.glob(f".{SIGNALS}.*.parquet.part"):  # of a build that died
        old.unlink()  # (builds hold the data directory's lock: none is running)
    sink = SignalSink(settings.lake_dir / f".{SIGNALS}.{os.getpid()}.parquet.part")
    sink.add(countries)

    def series_of(chunk: list[str]) -> list[Series]:
        mine = set(chunk)
        wanted = [k for k in keys if k[1] in mine]
        got = daily.window_series(settings, days, t0, stop, step, wanted)
        got += [u for e in chunk for u in user_of.get(e, [])]
        # what the signals dataset keeps of every entity but networks (those: in events)
        sink.add([s for s in got if not s.entity.startswith("asn:")])
        return got

    rejected: list[Episode] = []
    counts: dict[tuple[str, str, int], PeerCount | None] = {}
    if detector == robust.NAME:
        # a day at a time: days scored before are read back (dayscores)
        dayscores.score_days(settings, days, progress=progress)
        stored = dayscores.window_scored(settings, days, t0, stop)
        entities = _with_user(stored.entities(), user_of)
        eps = detect_scored(entities, stored.routed, stored.network_losses)
        del stored
        for c in chunks:  # the signals dataset keeps every entity's series but networks'
            if not all(e.startswith("asn:") for e in c):
                series_of([e for e in c if not e.startswith("asn:")])
        if span_views is not None:
            eps, rejected, counts = _corroborate(eps, span_views)
        found_dets = merge(eps)
    else:
        found_dets = run_detector(detector, countries, progress)
        for c in chunks:
            found_dets += run_detector(detector, series_of(c), progress)
        found_dets.sort(key=lambda d: (d.start, d.entity, d.detector))
    dets = [d for d in found_dets if (d.end is None or d.end > first) and d.start < stop]

    if span_views is not None:  # every BGP episode the events cite, one pass per span
        asks = [(d.entity, e) for d in dets for e in d.episodes
                if signal_family(e.signal) in BGP_SIGNALS
                and (d.entity, e.signal, e.start) not in counts]  # fmt: skip
        counts.update(span_views.counts(asks))

    def peer_count(entity: str, ep: Episode) -> PeerCount | None:
        key = (entity, ep.signal, ep.start)
        if key not in counts and span_views is not None:
            counts.update(span_views.counts([(entity, ep)]))
        return counts.get(key)

    context = EventContext(
        asn_places=daily.window_places(settings, days),
        series={(s.signal, s.entity): s for s in countries},
        peer_count=peer_count if span_views is not None else None,
    )
    asn_cc = asn_countries(
        settings, sorted({int(d.entity[4:]) for d in dets if d.entity.startswith("asn:")}),
        datetime.fromtimestamp(stop, UTC).date(),
    )  # fmt: skip
    events = events_table(dets, method_version=VERSIONS[detector], asn_country=asn_cc,
                          data_end=stop, simulated=simulated, context=context)  # fmt: skip
    shutdowns = read_dataset(settings, "shutdowns")
    if shutdowns is not None and events.num_rows:
        links = link(events, shutdowns, distinct=read_dataset(settings, "shutdown_events"))
        events = events_table(dets, method_version=VERSIONS[detector], asn_country=asn_cc,
                              data_end=stop, simulated=simulated, links=links,
                              context=context)  # fmt: skip
    elif shutdowns is None:
        notes.append("no shutdowns dataset: events are not linked to curated records")
    if geo_source == "none":
        notes.append("no country map in the lake: only ASN-level signals were computed")
    panel = panel_from_raw(settings)
    if events.num_rows:
        events = with_costs(events, panel, read_dataset(settings, "shutdown_costs"))
        if not len(panel):
            notes.append("no World Bank figures in the raw store: costs only from curated links")
    keep = set(e for e in _kept_entities(events) if e.startswith("asn:"))
    kept = [k for k in keys if k[1] in keep]
    for part in daily.entity_chunks(kept, n_bins):  # a chunk of networks at a time
        mine = set(part)
        got = daily.window_series(settings, days, t0, stop, step, [k for k in kept if k[1] in mine])
        sink.add(got + [u for e in part for u in user_of.get(e, [])])
    found_art = artefact_mod.SCHEMA.empty_table()
    if mrt:
        found_art = artefact_mod.find(
            daily.window_peers(settings, days, t0, stop, bgp_signal.BIN_SECONDS),
            update_gaps(mrt),
            simulated=simulated,
            single_peer=[e for e in rejected if e.start < stop],
        )
    signals = sink.close()
    return DetectResult(events, signals, first, stop, first, detector, geo_source, simulated,
                        len(keys) + len(user), notes, found_art)  # fmt: skip
