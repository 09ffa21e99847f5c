"""RIPE Atlas: probes in access networks, built-in-style ping and traceroute results in the
daily-dump layout, probe archive snapshots. Probes in networks hit by a shutdown or outage
stop reporting for its duration (the 'probe loss' signal)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from nethealth.sim.addressing import v4_text
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


def _h(*parts: object) -> int:
    text = ":".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def build_probes(w: World, res: Resources) -> tuple[list[Probe], Probe]:
    """Probes (mostly in access networks) and the target anchor (in a content network)."""
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
            )
        )
    return probes[:-1], probes[-1]


def _lost(probe: Probe, events: list[Event], t: int) -> bool:
    return any(probe.as_idx in ev.probe_loss_ases and ev.active(t) for ev in events)


def ping_line(p: Probe, target: Probe, t: int, rng: np.random.Generator) -> str:
    """One ping result (firmware 5080 layout) as a compact JSON line; formatted by hand
    because this is the bulk of the Atlas output."""
    rtts = (p.base_rtt * rng.lognormal(0.0, 0.08, size=3)).round(3).tolist()
    lost = (rng.random(3) < 0.01).tolist()
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


def probe_archive(probes: list[Probe], target: Probe, day: dt.date) -> dict[str, Any]:
    objs = []
    for p in [*probes, target]:
        objs.append(
            {
                "address_v4": v4_text(p.address),
                "address_v6": None,
                "asn_v4": p.asn,
                "asn_v6": None,
                "country_code": p.cc,
                "description": f"sim probe {p.id}",
                "first_connected": epoch(day) - 86400 * (30 + _h("fc", p.id) % 2000),
                "geometry": None,
                "id": p.id,
                "is_anchor": p.anchor,
                "is_public": True,
                "last_connected": epoch(day),
                "prefix_v4": p.prefix,
                "prefix_v6": None,
                "status": 1,
                "status_name": "Connected",
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
) -> dict[str, int]:
    probes, target = build_probes(w, res)
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
    counts = {
        "atlas_probes": len(probes),
        "atlas_ping_results": 0,
        "atlas_traceroute_results": 0,
        "atlas_missing_results": 0,
    }
    t0 = epoch(start)
    for d in range(days + 1):
        day = start + dt.timedelta(days=d)
        doc = json.dumps(probe_archive(probes, target, day), separators=(",", ":"))
        tree.write_text(f"mirror/atlas/probes/archive/{day:%Y/%m/%Y%m%d}.json.bz2", doc)
    for hour in range(days * 24):
        h0 = t0 + hour * 3600
        when = dt.datetime.fromtimestamp(h0, dt.UTC)
        stamp = f"{when:%Y-%m-%d}T{when:%H}00"
        pings: list[str] = []
        traces: list[str] = []
        for p in probes:
            offset = _h("phase", p.id) % PING_STEP
            for t in range(h0 + offset, h0 + 3600, PING_STEP):
                if _lost(p, events, t):
                    counts["atlas_missing_results"] += 1
                    continue
                pings.append(ping_line(p, target, t, rng))
            offset = _h("tphase", p.id) % TRACEROUTE_STEP
            for t in range(h0 + offset, h0 + 3600, TRACEROUTE_STEP):
                if _lost(p, events, t):
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
