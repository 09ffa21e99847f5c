"""RIPE Atlas: probes in access networks, built-in-style ping and traceroute results in the
daily-dump layout, probe archive snapshots. Probes in networks hit by a shutdown or outage
stop reporting for its duration (the 'probe loss' signal).

With `NoiseConfig.enabled` the probes also behave like real ones (docs/simulator.md, "Noise"):
home probes disconnect and reconnect (Poisson, heavy-tailed durations), some are away for
days, some connect for the first time during the window, anchors rarely disconnect, single
results are lost, paths lose packets, a controller's probes now and then fall silent
together (result-store gaps), and in a few countries a share of home probes loses power in
a daily load-shedding block. Throttled networks keep reachability with heavy loss."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nethealth.sim.addressing import v4_text
from nethealth.sim.config import NoiseConfig
from nethealth.sim.events import Event
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.rng import stream
from nethealth.sim.routing import Topology
from nethealth.sim.timeline import epoch
from nethealth.sim.world import ACCESS, CONTENT, LARGE, REGIONAL, STUB, World

PING_MSM = 1001
TRACEROUTE_MSM = 5001
PING_STEP = 240
TRACEROUTE_STEP = 1800
FIRMWARE = 5080


@dataclass(frozen=True)
class Probe:
    id: int
    as_idx: int
    asn: int
    cc: str
    address: int
    prefix: str
    anchor: bool
    base_rtt: float
    stable: bool = False  # an anchor-like host: data centre, UPS, rarely disconnects


def _h(*parts: object) -> int:
    text = ":".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def build_probes(
    w: World, res: Resources, noise: NoiseConfig | None = None
) -> tuple[list[Probe], Probe]:
    """Probes (mostly in access networks) and the target anchor (in a content network);
    with noise on, `anchor_share` of the probes are anchors (stable hosts)."""
    share = noise.anchor_share if noise is not None and noise.enabled else 0.0
    rng = stream(w.seed, "atlas")
    weight = np.zeros(7)
    weight[[REGIONAL, ACCESS, STUB, CONTENT, LARGE]] = (1.0, 6.0, 1.0, 0.3, 0.3)
    v4_rows = np.flatnonzero(res.pf_af == 4)
    first_row = np.full(w.n_as, -1, dtype=np.int64)
    for r in v4_rows[::-1]:
        first_row[res.pf_origin[r]] = r
    p = weight[w.tier] * np.sqrt(w.size) * (first_row >= 0)
    n = min(w.params.n_probes, int((p > 0).sum()))
    hosts = rng.choice(w.n_as, size=n, replace=True, p=p / p.sum())
    content = np.flatnonzero((w.tier == CONTENT) & (first_row >= 0))
    target_as = int(content[np.argmax(w.size[content])]) if len(content) else int(hosts[0])
    probes = []
    for k, a in enumerate([*hosts.tolist(), target_as]):
        row = int(first_row[a])
        net, length = int(res.pf_net[row]), int(res.pf_len[row])
        span = 1 << (32 - length)
        addr = net + 1 + _h("probe", w.seed, k) % max(1, span - 2)
        anchor = k == len(hosts)
        probes.append(
            Probe(
                7000 if anchor else 10000 + 3 * k + _h("id", k) % 3,
                int(a),
                int(w.asn[a]),
                w.countries[int(w.country[a])].cc,
                addr,
                f"{v4_text(net)}/{length}",
                anchor,
                float(rng.uniform(8.0, 180.0)),
                anchor or _h("anchor", w.seed, k) % 10_000 < share * 10_000,
            )
        )
    return probes[:-1], probes[-1]


def _lost(probe: Probe, events: list[Event], t: int) -> bool:
    return any(probe.as_idx in ev.probe_loss_ases and ev.active(t) for ev in events)


def _throttled(probe: Probe, events: list[Event], t: int) -> bool:
    return any(probe.as_idx in ev.throttle_ases and ev.active(t) for ev in events)


@dataclass
class Downtime:
    """Sorted, merged [start, end) intervals in which a probe reports nothing."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    first_seen: int | None = None  # probes that connect for the first time in the window

    def down(self, t: int) -> bool:
        if self.first_seen is not None and t < self.first_seen:
            return True
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def since(self, t: int) -> int | None:
        """Start of the interval containing t (for the archive's last_connected)."""
        i = bisect_right(self.starts, t) - 1
        return self.starts[i] if i >= 0 and t < self.ends[i] else None


def _merge(spans: list[tuple[int, int]]) -> Downtime:
    out = Downtime()
    for a, b in sorted(spans):
        if out.ends and a <= out.ends[-1]:
            out.ends[-1] = max(out.ends[-1], b)
        else:
            out.starts.append(a)
            out.ends.append(b)
    return out


def _lognormal_s(rng: np.random.Generator, median_min: float, sigma: float, cap_h: float) -> int:
    return int(min(cap_h * 3600, 60.0 * median_min * float(rng.lognormal(0.0, sigma))))


def platform_gaps(cfg: NoiseConfig, seed: int, t0: int, t1: int) -> list[tuple[int, int, int]]:
    """(controller, start, end) of result-store gaps over the window."""
    rng = stream(seed, "atlas-noise", "platform")
    n = int(rng.poisson(cfg.platform_gaps_per_day * (t1 - t0) / 86400))
    out = []
    for _ in range(n):
        start = int(rng.integers(t0, t1))
        dur = _lognormal_s(rng, cfg.platform_gap_median_minutes, 0.7, 6.0)
        out.append((int(rng.integers(cfg.controllers)), start, start + dur))
    return sorted(out, key=lambda g: (g[1], g[0]))


def power_cut_plan(
    probes: list[Probe], cfg: NoiseConfig, seed: int
) -> dict[str, tuple[int, int, float]]:
    """Countries with daily load shedding: cc -> (UTC start hour, hours, share of probes)."""
    rng = stream(seed, "atlas-noise", "power")
    home: dict[str, int] = {}
    for p in probes:
        if not p.stable:
            home[p.cc] = home.get(p.cc, 0) + 1
    ccs = sorted(cc for cc, k in home.items() if k >= 3)
    k = min(cfg.power_cut_countries, len(ccs))
    chosen = sorted(rng.choice(ccs, size=k, replace=False).tolist()) if k else []
    lo, hi = cfg.power_cut_hours
    return {
        str(cc): (
            int(rng.integers(0, 24)),
            int(rng.integers(lo, hi + 1)),
            float(rng.uniform(*cfg.power_cut_share)),
        )
        for cc in chosen
    }


def probe_downtime(
    p: Probe,
    cfg: NoiseConfig,
    seed: int,
    t0: int,
    t1: int,
    gaps: list[tuple[int, int, int]],
    power: dict[str, tuple[int, int, float]],
) -> Downtime:
    """When probe `p` is silent for reasons of its own (not injected outages)."""
    if not cfg.enabled:
        return Downtime()
    rng = stream(seed, "atlas-noise", "probe", p.id)
    days = (t1 - t0) / 86400
    rate = cfg.probe_disconnects_per_day
    if p.stable:
        rate *= cfg.anchor_disconnect_factor
    elif rng.random() < cfg.flaky_probe_share:
        rate *= 10.0
    spans: list[tuple[int, int]] = []
    # Start a day early so that probes can be mid-disconnection when the window opens.
    for _ in range(int(rng.poisson(rate * (days + 1)))):
        a = int(rng.integers(t0 - 86400, t1))
        dur = _lognormal_s(rng, cfg.disconnect_median_minutes, cfg.disconnect_sigma, 48.0)
        spans.append((a, a + max(60, dur)))
    if not p.stable and rng.random() < cfg.long_absence_share:
        a = int(rng.integers(t0 - 3 * 86400, t1))
        spans.append((a, a + int(86400 * float(rng.lognormal(np.log(3.0), 0.8)))))
    first_seen = None
    # (a window of less than an hour has no room for a probe connected after its start)
    if not p.stable and rng.random() < cfg.new_probe_share and t1 > t0 + 3600:
        first_seen = int(rng.integers(t0 + 3600, t1))
    controller = _h("controller", p.id) % max(1, cfg.controllers)
    spans += [(a, b) for c, a, b in gaps if c == controller]
    plan = power.get(p.cc)
    if plan is not None and not p.stable and _h("power", p.id) % 1000 < plan[2] * 1000:
        hour, hours, _ = plan
        for d in range(-1, int(days) + 2):
            a = t0 + d * 86400 + hour * 3600 + int(rng.integers(-600, 600))
            spans.append((a, a + hours * 3600))
    out = _merge(spans)
    out.first_seen = first_seen
    return out


def ping_line(
    p: Probe,
    target: Probe,
    t: int,
    rng: np.random.Generator,
    loss: float = 0.01,
    slow: float = 1.0,
) -> str:
    """One ping result (firmware 5080 layout) as a compact JSON line; formatted by hand
    because this is the bulk of the Atlas output."""
    rtts = (slow * p.base_rtt * rng.lognormal(0.0, 0.08, size=3)).round(3).tolist()
    lost = (rng.random(3) < loss).tolist()
    got = [r for r, x in zip(rtts, lost, strict=True) if not x]
    result = ",".join(
        '{"x":"*"}' if x else f'{{"rtt":{r}}}' for r, x in zip(rtts, lost, strict=True)
    )
    avg = round(sum(got) / len(got), 6) if got else -1
    dst = v4_text(target.address)
    src = v4_text(p.address)
    stored = t + 30 + int(rng.integers(0, 60))
    return (
        f'{{"af":4,"avg":{avg},"dst_addr":"{dst}","dst_name":"{dst}","dup":0,'
        f'"from":"{src}","fw":{FIRMWARE},"group_id":{PING_MSM},"lts":30,'
        f'"max":{max(got) if got else -1},"min":{min(got) if got else -1},'
        f'"msm_id":{PING_MSM},"msm_name":"Ping","prb_id":{p.id},"proto":"ICMP",'
        f'"rcvd":{len(got)},"result":[{result}],"sent":3,"size":48,"src_addr":"{src}",'
        f'"step":{PING_STEP},"stored_timestamp":{stored},"timestamp":{t},"ttl":56,'
        f'"type":"ping"}}'
    )


def traceroute_result(
    p: Probe,
    target: Probe,
    t: int,
    hops_as: list[int],
    rng: np.random.Generator,
    addr_of: dict[int, int],
) -> dict[str, Any]:
    hops: list[dict[str, Any]] = []
    rtt = 1.0
    ips = [0xC0A80101]  # home gateway 192.168.1.1
    for a in hops_as:
        base = addr_of.get(a)
        if base is not None:
            ips.append(base + 1 + _h("router", a, p.id) % 200)
    ips.append(target.address)
    for k, ip in enumerate(ips):
        rtt = rtt + p.base_rtt / len(ips) * float(rng.uniform(0.5, 1.5))
        reply = [
            {
                "from": v4_text(ip),
                "rtt": round(rtt * float(rng.uniform(0.95, 1.05)), 3),
                "size": 28,
                "ttl": 255 - k,
            }
            for _ in range(3)
        ]
        hops.append({"hop": k + 1, "result": reply})
    return {
        "af": 4,
        "dst_addr": v4_text(target.address),
        "dst_name": v4_text(target.address),
        "endtime": t + 5,
        "from": v4_text(p.address),
        "fw": FIRMWARE,
        "group_id": TRACEROUTE_MSM,
        "lts": 30,
        "msm_id": TRACEROUTE_MSM,
        "msm_name": "Traceroute",
        "paris_id": 1,
        "prb_id": p.id,
        "proto": "ICMP",
        "result": hops,
        "size": 48,
        "src_addr": v4_text(p.address),
        "timestamp": t,
        "type": "traceroute",
    }


def probe_archive(
    probes: list[Probe],
    target: Probe,
    day: dt.date,
    downtime: dict[int, Downtime] | None = None,
) -> dict[str, Any]:
    """The archive snapshot of `day` (00:00 UTC): every probe connected so far, with its
    status at that instant (Connected, or Disconnected since its last connection)."""
    objs = []
    now = epoch(day)
    for p in [*probes, target]:
        dt_ = (downtime or {}).get(p.id, Downtime())
        if dt_.first_seen is not None and now < dt_.first_seen:
            continue  # not connected yet: not in the archive
        since = dt_.since(now)
        objs.append(
            {
                "address_v4": v4_text(p.address),
                "address_v6": None,
                "asn_v4": p.asn,
                "asn_v6": None,
                "country_code": p.cc,
                "description": f"sim probe {p.id}",
                "first_connected": (
                    dt_.first_seen
                    if dt_.first_seen is not None
                    else now - 86400 * (30 + _h("fc", p.id) % 2000)
                ),
                "geometry": None,
                "id": p.id,
                "is_anchor": p.stable,
                "is_public": True,
                "last_connected": now if since is None else since,
                "prefix_v4": p.prefix,
                "prefix_v6": None,
                "status": 1 if since is None else 2,
                "status_name": "Connected" if since is None else "Disconnected",
                "tags": ["system-ipv4-works"],
                "total_uptime": 86400 * (20 + _h("up", p.id) % 1500),
                "type": "Probe",
            }
        )
    return {"meta": {"total_count": len(objs)}, "objects": objs}


def write_atlas(
    tree: OutputTree,
    *,
    w: World,
    res: Resources,
    topo: Topology,
    events: list[Event],
    start: dt.date,
    days: int,
    noise: NoiseConfig | None = None,
) -> dict[str, int]:
    cfg = noise if noise is not None else NoiseConfig(enabled=False)
    probes, target = build_probes(w, res, cfg)
    rng = stream(w.seed, "atlas-results")
    addr_of = {p.as_idx: p.address for p in probes}
    v4_first: dict[int, int] = {}
    for r in np.flatnonzero(res.pf_af == 4)[::-1]:
        v4_first[int(res.pf_origin[r])] = int(res.pf_net[r])
    addr_of.update(v4_first)
    hop_cache: dict[int, list[int]] = {}
    for p in probes:  # reverse of the target's path to the probe (routing is asymmetric)
        hops = topo.path(target.as_idx, p.as_idx) or []
        hop_cache[p.as_idx] = list(reversed(hops))[1:-1]
    t0 = epoch(start)
    t1 = t0 + days * 86400
    gaps = platform_gaps(cfg, w.seed, t0, t1) if cfg.enabled else []
    power = power_cut_plan(probes, cfg, w.seed) if cfg.enabled else {}
    down = {p.id: probe_downtime(p, cfg, w.seed, t0, t1, gaps, power) for p in probes}
    path_loss = {
        p.id: 0.01 + (cfg.path_loss_max * (_h("loss", p.id) % 1000) / 1000 if cfg.enabled else 0)
        for p in probes
    }
    noise_rng = stream(w.seed, "atlas-noise", "results")
    counts = {
        "atlas_probes": len(probes),
        "atlas_ping_results": 0,
        "atlas_traceroute_results": 0,
        "atlas_missing_results": 0,
        "atlas_noise_missing_results": 0,
        "atlas_platform_gaps": len(gaps),
        "atlas_power_cut_countries": len(power),
    }
    for d in range(days + 1):
        day = start + dt.timedelta(days=d)
        doc = json.dumps(probe_archive(probes, target, day, down), separators=(",", ":"))
        tree.write_text(f"mirror/atlas/probes/archive/{day:%Y/%m/%Y%m%d}.json.bz2", doc)
    for hour in range(days * 24):
        h0 = t0 + hour * 3600
        when = dt.datetime.fromtimestamp(h0, dt.UTC)
        stamp = f"{when:%Y-%m-%d}T{when:%H}00"
        pings: list[str] = []
        traces: list[str] = []
        for p in probes:
            silent = down[p.id]
            offset = _h("phase", p.id) % PING_STEP
            for t in range(h0 + offset, h0 + 3600, PING_STEP):
                if _lost(p, events, t):
                    counts["atlas_missing_results"] += 1
                    continue
                if cfg.enabled and (silent.down(t) or noise_rng.random() < cfg.result_loss):
                    counts["atlas_noise_missing_results"] += 1
                    continue
                if _throttled(p, events, t):
                    pings.append(ping_line(p, target, t, rng, loss=0.35, slow=4.0))
                else:
                    pings.append(ping_line(p, target, t, rng, loss=path_loss[p.id]))
            offset = _h("tphase", p.id) % TRACEROUTE_STEP
            for t in range(h0 + offset, h0 + 3600, TRACEROUTE_STEP):
                if _lost(p, events, t) or (cfg.enabled and silent.down(t)):
                    continue
                traces.append(
                    json.dumps(
                        traceroute_result(p, target, t, hop_cache[p.as_idx], rng, addr_of),
                        separators=(",", ":"),
                    )
                )
        counts["atlas_ping_results"] += len(pings)
        counts["atlas_traceroute_results"] += len(traces)
        base = f"mirror/atlas/atlas-daily-dumps/{when:%Y-%m-%d}"
        tree.write_text(f"{base}/ping-{stamp}.bz2", "".join(x + "\n" for x in pings))
        tree.write_text(f"{base}/traceroute-{stamp}.bz2", "".join(x + "\n" for x in traces))
    return counts
