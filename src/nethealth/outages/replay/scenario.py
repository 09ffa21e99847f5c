"""What a replay contains, drawn from a seed: peers, routine churn, collector artefacts and
injected outages, with the truth (labels) beside.

Peers: `peers` full-feed peers, each the real table minus a small random share
(`missing_share`: real full feeds differ a little), with its own address (198.51.100.0/24,
TEST-NET-2) and AS (4200000000 + i, private), `peers_per_collector` to a collector (rrc00, …).

Routine churn, per peer (never labelled, must never be an outage): single-prefix flaps
(withdrawn, re-announced minutes later; log-normal durations), duplicate announcements, and
withdrawal bursts (hundreds to thousands of prefixes withdrawn at one peer and re-announced
within minutes). Collector artefacts (labelled in `labels/artefacts.json`, must never be an
outage): session resets (one peer's session goes down: its routes are gone until it comes back
and re-announces its table) and collector gaps (a collector writes no update file for a
while: its messages in that time are lost).

Injected outages (labelled in `labels/events.json`, the simulator's label format): every peer
withdraws the prefixes within a minute or two of the onset and re-announces them at the end.
Kinds: `national` (every prefix located in a country), `partial` (a share of a country's
prefixes, by count), `regional` (the networks holding a share of a country's space: a prefix
subset, since no 2010 sub-national map exists), `network` (one access network, all of its
prefixes), `short` (the same, minutes long), and `throttling` (not an outage: no withdrawal,
the country's routes are re-announced with a longer, prepended path for a while — update
volume without loss of reachability).

Countries are where ip-location-db places a prefix (`geo_ranges`): a 2026 map applied to 2010
routes. That is an assumption of the replay, harmless for scoring since the truth is defined
by the same map; outages take only prefixes that lie wholly in one country's range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nethealth.errors import ConfigError
from nethealth.outages import geo
from nethealth.outages.replay.base import BaseTable

ANNOUNCE, WITHDRAW, DOWN, UP, PREPEND = 0, 1, 2, 3, 4
ACTION = np.dtype([("t_us", np.int64), ("peer", np.int16), ("kind", np.int8),
                   ("prefix", np.int32)])  # fmt: skip
US = 1_000_000
KINDS = ("national", "partial", "regional", "network", "short", "throttling")
LABEL_TYPES = {
    "national": "national_shutdown",
    "partial": "partial_national_shutdown",
    "regional": "regional_shutdown",
    "network": "asn_outage",
    "short": "short_outage",
    "throttling": "throttling",
}
WARMUP = 6 * 3600  # no outage before: the detectors need history
TAIL = 2 * 3600  # nor this close to the end: each outage ends inside the data


FULL_TABLE = 323_486  # prefixes of the 2010 rrc06 table: the rates below are set for it


@dataclass(frozen=True)
class ChurnConfig:
    """Rates of one peer's routine churn, per prefix of the table, so that a replay of part of
    the table (`--country`) keeps the same churn per prefix; the defaults give, on the
    2010 table, 240 flaps and 1200 duplicates per peer and hour and bursts of 200-2000
    prefixes."""

    flaps_per_prefix_day: float = 240.0 * 24 / FULL_TABLE
    flap_median_seconds: float = 120.0
    flap_sigma: float = 1.0
    flap_max_seconds: int = 3600
    duplicates_per_prefix_day: float = 1200.0 * 24 / FULL_TABLE
    bursts_per_peer_day: float = 4.0
    burst_min_share: float = 200 / FULL_TABLE
    burst_max_share: float = 2000 / FULL_TABLE
    resets_per_day: float = 2.0  # over all peers
    reset_median_minutes: float = 5.0
    reset_max_minutes: int = 120
    gaps_per_day: float = 1.0  # over all collectors
    gap_min_minutes: int = 10
    gap_max_minutes: int = 40
    missing_share: float = 0.002


@dataclass(frozen=True)
class OutageSpec:
    kind: str
    min_minutes: int
    max_minutes: int
    share: float | None = None  # partial: share of prefixes; regional: upper share of space

    def check(self) -> OutageSpec:
        if self.kind not in KINDS:
            raise ConfigError(
                f"unknown outage kind {self.kind!r}", hint=f"choose {', '.join(KINDS)}"
            )
        if not 1 <= self.min_minutes <= self.max_minutes:
            raise ConfigError(f"bad duration for {self.kind}", hint="min ≤ max, both ≥ 1 minute")
        return self


DEFAULT_OUTAGES: tuple[OutageSpec, ...] = (
    OutageSpec("national", 120, 360),
    OutageSpec("partial", 60, 180, share=0.45),
    OutageSpec("regional", 60, 180, share=0.3),
    OutageSpec("network", 60, 180),
    OutageSpec("short", 10, 25),
    OutageSpec("throttling", 120, 240),
)


@dataclass(frozen=True)
class ReplayConfig:
    peers: int = 10
    peers_per_collector: int = 10
    days: int = 2
    seed: int = 1
    start: int | None = None  # default: midnight (UTC) of the RIB's day
    churn: ChurnConfig = field(default_factory=ChurnConfig)
    outages: tuple[OutageSpec, ...] = DEFAULT_OUTAGES

    def check(self) -> ReplayConfig:
        if not 1 <= self.peers <= 200:
            raise ConfigError(f"--peers {self.peers} is out of range", hint="give 1 to 200")
        if not 1 <= self.peers_per_collector <= 200:
            raise ConfigError("--peers-per-collector is out of range", hint="give 1 to 200")
        if not 1 <= self.days <= 14:
            raise ConfigError(f"--days {self.days} is out of range", hint="give 1 to 14")
        for o in self.outages:
            o.check()
        return self


@dataclass(frozen=True)
class Peer:
    index: int
    collector: str
    ip: int  # IPv4 as a number
    asn: int

    @property
    def ip_text(self) -> str:
        return ".".join(str((self.ip >> s) & 255) for s in (24, 16, 8, 0))


@dataclass
class Injected:
    """One injected change of routes: its prefixes are withdrawn (or, for throttling,
    re-announced with a prepended path) from `start` to `end` at every peer."""

    id: str
    kind: str
    start: int
    end: int
    prefixes: np.ndarray
    label: dict[str, Any]


@dataclass
class Plan:
    config: ReplayConfig
    start: int
    end: int
    peers: list[Peer]
    missing: list[np.ndarray]  # per peer, prefixes it never has
    actions: np.ndarray  # ACTION, sorted by time then row
    resets: list[tuple[int, int, int]]  # (peer, down, up)
    gaps: list[tuple[str, int, int]]  # (collector, start, end) without update files
    injected: list[Injected]
    artefacts: list[dict[str, Any]]
    counts: dict[str, int]

    @property
    def collectors(self) -> list[str]:
        return sorted({p.collector for p in self.peers})


# ------------------------------------------------------------------------------- geography
@dataclass
class Geo:
    """Per prefix (of the base table): country of its first address, /24 (or /48) units, and
    whether visibility counts it (≤ /24, ≤ /48)."""

    cc: np.ndarray  # object, None when unmapped
    units: np.ndarray  # float
    counted: np.ndarray  # bool
    unit_start: np.ndarray  # uint64 first unit
    unit_end: np.ndarray  # uint64 exclusive
    whole: np.ndarray  # bool: the prefix lies within one country range (first to last address)


def geo_ranges(assets_dir: Path) -> pa.Table:
    """Country ranges (geo.RANGE_SCHEMA) from the installed npm ip-location-db package."""
    from nethealth.formats.iprange_csv import parse_range_csv

    parts = []
    for af in (4, 6):
        path = assets_dir / "@ip-location-db" / "asn-country" / f"asn-country-ipv{af}-num.csv"
        if not path.is_file():
            raise ConfigError(
                f"{path} is missing",
                hint="install the npm packages (`make setup`) or give --assets-dir",
            )
        parts.append(parse_range_csv(path.read_bytes(), path, af=af, kind="country"))
    return geo.ranges_from_ipdb(pa.concat_tables(parts))


def _whole(ranges: pa.Table, af: int, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Do first and last address fall in the same country range?"""
    import pyarrow.compute as pc

    r = ranges.filter(pc.equal(ranges["af"], af))
    starts = r["start"].to_numpy(zero_copy_only=False).astype(np.uint64)
    ends = r["end"].to_numpy(zero_copy_only=False).astype(np.uint64)
    if len(starts) == 0:
        return np.zeros(len(first), dtype=bool)
    i = np.searchsorted(starts, first, side="right") - 1
    end = ends[np.clip(i, 0, None)]
    out: np.ndarray = (i >= 0) & (last <= end) & (first <= end)
    return out


def locate(base: BaseTable, ranges: pa.Table) -> Geo:
    """Where each prefix is: the country of its first address (ip-location-db), and whether
    all of it lies in that one country range."""
    cc = np.full(base.size, None, dtype=object)
    whole = np.zeros(base.size, dtype=bool)
    units = np.zeros(base.size)
    ustart = np.zeros(base.size, dtype=np.uint64)
    uend = np.zeros(base.size, dtype=np.uint64)
    counted = np.zeros(base.size, dtype=bool)
    for af, shift, bits in ((4, 8, 24), (6, 16, 48)):
        sel = np.flatnonzero(base.af == af)
        if len(sel) == 0:
            continue
        cc[sel] = geo.lookup(ranges, af, base.net[sel])
        ok = base.plen[sel] <= bits
        counted[sel] = ok
        us = base.net[sel] >> np.uint64(shift)
        size = np.where(ok, 2.0 ** (bits - base.plen[sel].astype(np.float64)), 0.0)
        units[sel] = size
        ustart[sel] = us
        uend[sel] = us + size.astype(np.uint64)
        host_bits = (32 if af == 4 else 64) - base.plen[sel].astype(np.int64)
        span = np.left_shift(np.uint64(1), np.clip(host_bits, 0, 63).astype(np.uint64))
        whole[sel] = _whole(ranges, af, base.net[sel], base.net[sel] + span - np.uint64(1))
    return Geo(cc, units, counted, ustart, uend, whole)


def union_units(g: Geo, idx: np.ndarray) -> float:
    """Units of the union of some prefixes' space (nested prefixes count once)."""
    idx = idx[g.counted[idx]]
    if len(idx) == 0:
        return 0.0
    order = np.argsort(g.unit_start[idx], kind="stable")
    s = g.unit_start[idx][order].astype(np.float64)
    e = g.unit_end[idx][order].astype(np.float64)
    reach = np.maximum.accumulate(e)
    prev = np.r_[-np.inf, reach[:-1]]
    return float(np.sum(np.clip(e - np.maximum(s, prev), 0, None) * (e > prev)))


def lost_units(g: Geo, all_idx: np.ndarray, gone: np.ndarray) -> float:
    """Units no longer covered by any prefix of `all_idx` once `gone` are withdrawn."""
    kept = np.setdiff1d(all_idx, gone)
    return union_units(g, all_idx) - union_units(g, kept)


# ------------------------------------------------------------------------------- planning
def make_peers(cfg: ReplayConfig) -> list[Peer]:
    base_ip = (198 << 24) | (51 << 16) | (100 << 8)
    return [
        Peer(i, f"rrc{i // cfg.peers_per_collector:02d}", base_ip + 1 + i, 4_200_000_000 + i)
        for i in range(cfg.peers)
    ]


def plan(base: BaseTable, g: Geo, cfg: ReplayConfig) -> Plan:
    """Draw the whole scenario (deterministic for a seed and a base table)."""
    cfg.check()
    rng = np.random.default_rng(cfg.seed)
    day0 = base.rib_time - base.rib_time % 86400
    start = cfg.start if cfg.start is not None else day0
    end = start + cfg.days * 86400
    peers = make_peers(cfg)
    n_pfx = base.size
    missing = [
        np.flatnonzero(rng.random(n_pfx) < cfg.churn.missing_share) for _ in range(cfg.peers)
    ]
    injected = _outages(base, g, cfg, rng, start, end)
    parts: list[np.ndarray] = []
    counts: dict[str, int] = {}
    for ev in injected:
        parts.append(_event_actions(ev, cfg.peers, rng))
    churn, bursts = _churn(cfg, rng, start, end, n_pfx, injected, counts)
    parts += churn
    resets = _resets(cfg, rng, start, end)
    for p, down, up in resets:
        parts.append(_rows([down * US], [p], [DOWN], [-1]))
        parts.append(_rows([up * US], [p], [UP], [-1]))
    gaps = _gaps(cfg, rng, start, end, peers, injected)
    actions = np.concatenate(parts) if parts else np.empty(0, ACTION)
    actions = _sessions(actions, resets, missing, injected, n_pfx, rng)
    artefacts = [
        {"id": f"reset-{k:03d}", "type": "session_reset", "peer": peers[p].ip_text,
         "collector": peers[p].collector, "start_ts": down, "end_ts": up}
        for k, (p, down, up) in enumerate(resets)
    ] + [
        {"id": f"gap-{k:03d}", "type": "collector_gap", "collector": c, "start_ts": a,
         "end_ts": b}
        for k, (c, a, b) in enumerate(gaps)
    ]  # fmt: skip
    counts.update({"session_resets": len(resets), "collector_gaps": len(gaps),
                   "injected_outages": sum(ev.kind != "throttling" for ev in injected)})  # fmt: skip
    # Bursts are routine churn, but large: listed with the artefacts so a scorer can check
    # that none became an event.
    artefacts += [
        {"id": f"burst-{k:03d}", "type": "withdrawal_burst", "peer": peers[p].ip_text,
         "collector": peers[p].collector, "start_ts": a, "end_ts": b, "prefixes": n}
        for k, (p, a, b, n) in enumerate(bursts)
    ]  # fmt: skip
    return Plan(cfg, start, end, peers, missing, actions, resets, gaps, injected, artefacts,
                counts)  # fmt: skip


def _rows(t_us: Any, peer: Any, kind: Any, prefix: Any) -> np.ndarray:
    n = len(t_us)
    out = np.empty(n, ACTION)
    out["t_us"] = t_us
    out["peer"] = peer
    out["kind"] = kind
    out["prefix"] = prefix
    return out


def _slots(rng: np.random.Generator, start: int, end: int, durations: list[int]) -> list[int]:
    """Non-overlapping start times, one per duration, in random order after the warm-up."""
    lo, hi = start + WARMUP, end - TAIL
    order = rng.permutation(len(durations))
    width = (hi - lo) / max(1, len(durations))
    out = [0] * len(durations)
    for slot, k in enumerate(order.tolist()):
        a = lo + slot * width
        room = max(0.0, width - durations[k] - 1800)  # at least 30 min between two
        t = int(a + rng.uniform(0, room))
        out[k] = t - t % 60 + 37  # off the 5-minute grid, as real onsets are
    return out


def _outages(
    base: BaseTable, g: Geo, cfg: ReplayConfig, rng: np.random.Generator, start: int, end: int
) -> list[Injected]:
    durations = [int(rng.integers(o.min_minutes, o.max_minutes + 1)) * 60 for o in cfg.outages]
    if cfg.outages and (end - TAIL) - (start + WARMUP) < sum(durations) + 1800 * len(durations):
        raise ConfigError(
            "the outages do not fit in the replay",
            hint="give more --days, or fewer / shorter outages",
        )
    starts = _slots(rng, start, end, durations)
    picker = _Picker(base, g, rng)
    out = []
    for k, (spec, t0, dur) in enumerate(zip(cfg.outages, starts, durations, strict=True)):
        got = picker.pick(spec)
        if got is None:
            raise ConfigError(
                f"no {spec.kind} outage fits this table",
                hint="use a full table, or leave that kind out (--outage)",
            )
        prefixes, label = got
        lab = {"id": f"replay-{k:03d}", "type": LABEL_TYPES[spec.kind], "start_ts": t0,
               "end_ts": t0 + dur, "duration_minutes": dur // 60, **label}  # fmt: skip
        out.append(Injected(lab["id"], spec.kind, t0, t0 + dur, prefixes, lab))
    return out


class _Picker:
    """Chooses the countries and networks of the outages, each used once."""

    def __init__(self, base: BaseTable, g: Geo, rng: np.random.Generator) -> None:
        self.base, self.g, self.rng = base, g, rng
        self.used_cc: set[str] = set()
        self.used_as: set[int] = set()
        # Outages take only prefixes lying wholly in one country: the truth is then the same
        # whichever of a prefix's addresses a map is asked about.
        cc = np.where((g.cc == None) | ~g.whole, "", g.cc).astype(str)  # noqa: E711
        self.by_cc: dict[str, np.ndarray] = {}
        order = np.argsort(cc, kind="stable")
        keys, first = np.unique(cc[order], return_index=True)
        bounds = [*first.tolist(), len(order)]
        for i, key in enumerate(keys.tolist()):
            if key:
                self.by_cc[key] = order[bounds[i] : bounds[i + 1]]
        self.cc_units = {c: union_units(g, idx) for c, idx in self.by_cc.items()}

    def _countries(self, lo: float, hi: float, min_asns: int = 1) -> list[str]:
        return sorted(
            c for c, u in self.cc_units.items()
            if lo <= u <= hi and c not in self.used_cc
            and len(np.unique(self.base.origin[self.by_cc[c]])) >= min_asns
        )  # fmt: skip

    def _label(self, cc: str, idx: np.ndarray, **extra: Any) -> dict[str, Any]:
        base, g = self.base, self.g
        total = self.cc_units[cc]
        lost = lost_units(g, self.by_cc[cc], idx)
        return {
            "country": cc,
            "region": None,
            "asns": sorted({int(a) for a in base.origin[idx].tolist()}),
            "prefixes": len(idx),
            "units_lost": round(lost, 1),
            "country_units": round(total, 1),
            "share_of_country": round(lost / total, 4) if total else None,
            **extra,
        }

    def pick(self, spec: OutageSpec) -> tuple[np.ndarray, dict[str, Any]] | None:
        rng, base, g = self.rng, self.base, self.g
        if spec.kind in ("network", "short"):
            return self._network()
        if spec.kind == "national":
            pool = self._countries(256, 8192)
        elif spec.kind == "throttling":
            pool = self._countries(256, 65536)
        else:
            pool = self._countries(1024, 65536, min_asns=10)
        if not pool:
            return None
        cc = pool[int(rng.integers(len(pool)))]
        self.used_cc.add(cc)
        idx = self.by_cc[cc]
        if spec.kind == "national":
            return idx, self._label(cc, idx, scope="national")
        if spec.kind == "throttling":
            take = idx[g.counted[idx]]
            take = take[rng.permutation(len(take))[:3000]]
            lab = self._label(cc, np.empty(0, np.int64), scope="throttling")
            lab.update({"prefixes": len(take), "asns": sorted({int(a) for a in base.origin[take]}),
                        "detectable": False})  # fmt: skip
            return take, lab
        if spec.kind == "partial":
            share = spec.share if spec.share is not None else 0.45
            take = idx[rng.random(len(idx)) < share]
            return take, self._label(cc, take, scope="partial", share_of_prefixes=share)
        # regional: networks of the country until they hold a share of its space
        upper = spec.share if spec.share is not None else 0.3
        target = rng.uniform(0.1, upper) * self.cc_units[cc]
        asns = rng.permutation(np.unique(base.origin[idx]))
        chosen: list[int] = []
        got = 0.0
        for a in asns.tolist():
            mine = idx[base.origin[idx] == a]
            u = union_units(g, mine)
            if got + u > 1.2 * target and chosen:
                continue
            chosen.append(int(a))
            got += u
            if got >= target:
                break
        take = idx[np.isin(base.origin[idx], chosen)]
        self.used_as.update(chosen)
        return take, self._label(cc, take, scope="regional")

    def _network(self) -> tuple[np.ndarray, dict[str, Any]] | None:
        base, g, rng = self.base, self.g, self.rng
        origins, inverse = np.unique(base.origin, return_inverse=True)
        for a in rng.permutation(len(origins)).tolist():
            asn = int(origins[a])
            if asn in self.used_as:
                continue
            idx = np.flatnonzero(inverse == a)
            ccs = {c for c in g.cc[idx].tolist() if c}
            if len(ccs) != 1 or not (g.counted[idx] & g.whole[idx]).all() or len(idx) > 64:
                continue
            units = union_units(g, idx)
            if not 4 <= units <= 256:
                continue
            (cc,) = ccs
            self.used_as.add(asn)
            lab = self._label(cc, idx, scope="asn", network_units=units)
            return idx, lab
        return None


def _event_actions(ev: Injected, n_peers: int, rng: np.random.Generator) -> np.ndarray:
    """Every peer withdraws (or re-routes) the prefixes within a spread of the edges."""
    spread = 120 if ev.kind in ("national", "partial", "regional") else 30
    parts = []
    k = len(ev.prefixes)
    if k == 0:
        return np.empty(0, ACTION)
    for p in range(n_peers):
        lag = float(rng.uniform(1, 20))
        if ev.kind == "throttling":
            on = ev.start + rng.uniform(0, (ev.end - ev.start) / 2, k)
            off = ev.end + rng.uniform(0, 120, k)
            parts.append(_rows((on * US).astype(np.int64), p, PREPEND, ev.prefixes))
            parts.append(_rows((off * US).astype(np.int64), p, ANNOUNCE, ev.prefixes))
            continue
        down = ev.start + lag + rng.uniform(0, spread, k)
        up = ev.end + lag + rng.uniform(0, spread, k)
        parts.append(_rows((down * US).astype(np.int64), p, WITHDRAW, ev.prefixes))
        parts.append(_rows((up * US).astype(np.int64), p, ANNOUNCE, ev.prefixes))
    return np.concatenate(parts)


def _busy(injected: list[Injected], n_pfx: int) -> list[tuple[np.ndarray, int, int]]:
    """(prefix mask, from, to) of each outage: churn leaves its prefixes alone meanwhile."""
    out = []
    for ev in injected:
        mask = np.zeros(n_pfx, dtype=bool)
        mask[ev.prefixes] = True
        out.append((mask, ev.start - 600, ev.end + 600))
    return out


def _free(busy: list[tuple[np.ndarray, int, int]], pfx: np.ndarray, lo: np.ndarray,
          hi: np.ndarray) -> np.ndarray:  # fmt: skip
    ok = np.ones(len(pfx), dtype=bool)
    for mask, a, b in busy:
        ok &= ~(mask[pfx] & (lo < b) & (hi > a))
    return ok


def _churn(
    cfg: ReplayConfig,
    rng: np.random.Generator,
    start: int,
    end: int,
    n_pfx: int,
    injected: list[Injected],
    counts: dict[str, int],
) -> tuple[list[np.ndarray], list[tuple[int, int, int, int]]]:
    """Per-peer churn actions, and the bursts as (peer, start, end, prefixes)."""
    c = cfg.churn
    days = (end - start) / 86400
    busy = _busy(injected, n_pfx)
    parts: list[np.ndarray] = []
    bursts: list[tuple[int, int, int, int]] = []
    n_flaps = n_dups = 0
    for p in range(cfg.peers):
        # single-prefix flaps
        k = int(rng.poisson(c.flaps_per_prefix_day * n_pfx * days))
        t = rng.uniform(start, end, k)
        dur = np.minimum(
            c.flap_max_seconds, c.flap_median_seconds * rng.lognormal(0, c.flap_sigma, k)
        )
        pfx = rng.integers(0, n_pfx, k)
        ok = _free(busy, pfx, t, t + dur) & (t + dur < end)
        t, dur, pfx = t[ok], dur[ok], pfx[ok]
        parts.append(_rows((t * US).astype(np.int64), p, WITHDRAW, pfx))
        parts.append(_rows(((t + dur) * US).astype(np.int64), p, ANNOUNCE, pfx))
        n_flaps += len(t)
        # duplicate announcements
        k = int(rng.poisson(c.duplicates_per_prefix_day * n_pfx * days))
        t = rng.uniform(start, end, k)
        pfx = rng.integers(0, n_pfx, k)
        ok = _free(busy, pfx, t, t + 1)
        parts.append(_rows((t[ok] * US).astype(np.int64), p, ANNOUNCE, pfx[ok]))
        n_dups += int(ok.sum())
        # withdrawal bursts at this peer alone
        for _ in range(round(c.bursts_per_peer_day * cfg.days)):
            lo = max(1, round(c.burst_min_share * n_pfx))
            size = int(rng.integers(lo, max(lo, round(c.burst_max_share * n_pfx)) + 1))
            t0 = float(rng.uniform(start + 1800, end - 1800))
            pfx = rng.choice(n_pfx, size=min(size, n_pfx), replace=False)
            down = t0 + rng.uniform(0, 60, len(pfx))
            up = t0 + rng.uniform(60, 300, len(pfx))
            ok = _free(busy, pfx, down, up)
            burst = np.concatenate([
                _rows((down[ok] * US).astype(np.int64), p, WITHDRAW, pfx[ok]),
                _rows((up[ok] * US).astype(np.int64), p, ANNOUNCE, pfx[ok]),
            ])  # fmt: skip
            parts.append(burst)
            bursts.append((p, int(t0), int(np.ceil(up[ok].max(initial=t0))), int(ok.sum())))
    counts.update({"flaps": n_flaps, "duplicate_announcements": n_dups,
                   "withdrawal_bursts": len(bursts)})  # fmt: skip
    return parts, bursts


def _resets(
    cfg: ReplayConfig, rng: np.random.Generator, start: int, end: int
) -> list[tuple[int, int, int]]:
    c = cfg.churn
    out = []
    for _ in range(round(c.resets_per_day * cfg.days)):
        p = int(rng.integers(cfg.peers))
        down = int(rng.uniform(start + 3600, end - 3 * 3600))
        minutes = min(c.reset_max_minutes, c.reset_median_minutes * float(rng.lognormal(0, 1.0)))
        out.append((p, down, down + max(60, int(minutes * 60))))
    return sorted(out, key=lambda r: r[1])


def _gaps(
    cfg: ReplayConfig,
    rng: np.random.Generator,
    start: int,
    end: int,
    peers: list[Peer],
    injected: list[Injected],
) -> list[tuple[str, int, int]]:
    """Stretches of whole 5-minute files a collector does not write, away from the outages'
    edges (an outage whose onset nobody recorded is not one a detector could see)."""
    c = cfg.churn
    collectors = sorted({p.collector for p in peers})
    edges = [t for ev in injected for t in (ev.start, ev.end)]
    out: list[tuple[str, int, int]] = []
    tries = 0
    while len(out) < round(c.gaps_per_day * cfg.days) and tries < 1000:
        tries += 1
        col = collectors[int(rng.integers(len(collectors)))]
        length = int(rng.integers(c.gap_min_minutes, c.gap_max_minutes + 1)) * 60
        a = int(rng.uniform(start + 3600, end - 3600 - length))
        a -= a % 300
        b = a + math.ceil(length / 300) * 300
        if any(a - 3600 < t < b + 1800 for t in edges):
            continue
        if any(col == c2 and a < b2 + 3600 and a2 < b + 3600 for c2, a2, b2 in out):
            continue
        out.append((col, a, b))
    return sorted(out, key=lambda r: r[1])


def _sessions(
    actions: np.ndarray,
    resets: list[tuple[int, int, int]],
    missing: list[np.ndarray],
    injected: list[Injected],
    n_pfx: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Apply the session resets: a peer sends nothing while down, and when it comes back it
    re-announces its table (over a minute) as it stands then. Sorted by time."""
    keep = np.ones(len(actions), dtype=bool)
    extra = []
    for p, down, up in resets:
        t = actions["t_us"]
        keep &= ~((actions["peer"] == p) & (t > down * US) & (t < up * US))
        table = table_at(missing[p], injected, up, n_pfx)
        when = ((up + rng.uniform(1, 60, len(table))) * US).astype(np.int64)
        extra.append(_rows(when, p, ANNOUNCE, table))
    out = np.concatenate([actions[keep], *extra])
    return out[np.argsort(out["t_us"], kind="stable")]


def table_at(missing: np.ndarray, injected: list[Injected], t: int, n_pfx: int) -> np.ndarray:
    """The prefixes a peer announces when its session comes back at `t`: its table minus
    the prefixes of outages in progress."""
    have = np.ones(n_pfx, dtype=bool)
    have[missing] = False
    for ev in injected:
        if ev.kind != "throttling" and ev.start <= t < ev.end:
            have[ev.prefixes] = False
    return np.flatnonzero(have)
