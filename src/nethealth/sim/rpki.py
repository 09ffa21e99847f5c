"""RPKI: ROAs per AS with per-country coverage, deliberate maxLength mistakes, ROA additions
and removals on the timeline, and daily rpki-client JSON VRP exports."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from nethealth.sim.addressing import prefix_text
from nethealth.sim.geo import RIRS
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.rng import stream
from nethealth.sim.timeline import epoch, ymd
from nethealth.sim.world import CLIQUE, CONTENT, LARGE, ROUTESERVER, STUB, World

TA_NAME = {
    "afrinic": "afrinic",
    "apnic": "apnic",
    "arin": "arin",
    "lacnic": "lacnic",
    "ripencc": "ripe",
}
_TIER_FACTOR = {CLIQUE: 1.2, LARGE: 1.15, CONTENT: 1.25, STUB: 0.7}


@dataclass(frozen=True, order=True)
class Roa:
    af: int
    net: int
    length: int
    max_length: int
    asn: int
    ta: str

    def prefix(self) -> str:
        return prefix_text(self.af, self.net, self.length)


@dataclass
class RoaChange:
    ts: int
    added: bool
    roa: Roa


@dataclass
class RpkiState:
    roas: list[Roa]  # valid at the start
    changes: list[RoaChange]
    misconfigured: list[dict[str, Any]]  # ROAs whose maxLength makes own routes invalid


def _ta(res: Resources, row: int) -> str:
    return TA_NAME[RIRS[int(res.al_rir[int(res.pf_alloc[row])])]]


def _roas_for_as(res: Resources, rows: np.ndarray, asn: int, mode: str) -> list[Roa]:
    """ROAs for one AS. 'exact': one per announced prefix; 'loose': one per delegation with a
    generous maxLength; 'tight': one per delegation with maxLength = its length (so the
    AS's own more-specifics become RPKI-invalid -- the classic maxLength mistake)."""
    out = []
    if mode == "exact":
        for r in rows:
            af, ln = int(res.pf_af[r]), int(res.pf_len[r])
            out.append(Roa(af, int(res.pf_net[r]), ln, ln, asn, _ta(res, int(r))))
        return out
    for j in sorted({int(res.pf_alloc[r]) for r in rows}):
        af, ln = int(res.al_af[j]), int(res.al_len[j])
        maxlen = (24 if af == 4 else 48) if mode == "loose" else ln
        out.append(
            Roa(af, int(res.al_net[j]), ln, max(ln, maxlen), asn, TA_NAME[RIRS[int(res.al_rir[j])]])
        )
    return out


def build_rpki(
    w: World, res: Resources, start: dt.date, days: int, coverage: dict[str, float]
) -> RpkiState:
    rng = stream(w.seed, "rpki")
    order = np.argsort(res.pf_origin, kind="stable")
    bounds = np.searchsorted(res.pf_origin[order], np.arange(w.n_as + 1))
    roas: list[Roa] = []
    misconf: list[dict[str, Any]] = []
    without: list[int] = []
    with_roa: list[int] = []
    for i in range(w.n_as):
        rows = order[bounds[i] : bounds[i + 1]]
        if len(rows) == 0 or w.tier[i] == ROUTESERVER:
            continue
        c = w.countries[int(w.country[i])]
        p = min(1.0, coverage.get(c.cc, c.roa_coverage) * _TIER_FACTOR.get(int(w.tier[i]), 1.0))
        if rng.random() >= p:
            without.append(i)
            continue
        with_roa.append(i)
        u = rng.random()
        mode = "exact" if u < 0.75 else "loose" if u < 0.9 else "tight"
        mine = _roas_for_as(res, rows, int(w.asn[i]), mode)
        roas.extend(mine)
        if mode == "tight":
            covered = {(r.af, r.net, r.length) for r in mine}
            invalid = [
                prefix_text(int(res.pf_af[r]), int(res.pf_net[r]), int(res.pf_len[r]))
                for r in rows
                if (int(res.pf_af[r]), int(res.pf_net[r]), int(res.pf_len[r])) not in covered
            ]
            if invalid:
                misconf.append(
                    {
                        "asn": int(w.asn[i]),
                        "issue": "maxLength too short",
                        "roas": [r.prefix() + f"-{r.max_length}" for r in mine],
                        "invalid_own_prefixes": invalid,
                    }
                )
    changes: list[RoaChange] = []
    t0 = epoch(start)
    for d in range(days):
        for _ in range(2):  # additions: an operator starts signing
            if without:
                i = without.pop(int(rng.integers(len(without))))
                rows = order[bounds[i] : bounds[i + 1]]
                ts = t0 + d * 86400 + int(rng.integers(3600, 82800))
                changes.extend(
                    RoaChange(ts, True, r) for r in _roas_for_as(res, rows, int(w.asn[i]), "exact")
                )
        if with_roa:  # a removal: one ROA expires or is withdrawn
            i = with_roa.pop(int(rng.integers(len(with_roa))))
            victims = [r for r in roas if r.asn == int(w.asn[i])]
            if victims:
                ts = t0 + d * 86400 + int(rng.integers(3600, 82800))
                changes.append(RoaChange(ts, False, victims[0]))
    changes.sort(key=lambda c: (c.ts, c.roa))
    return RpkiState(sorted(set(roas)), changes, misconf)


def roas_at(state: RpkiState, ts: int) -> list[Roa]:
    current = set(state.roas)
    for ch in state.changes:
        if ch.ts > ts:
            break
        if ch.added:
            current.add(ch.roa)
        else:
            current.discard(ch.roa)
    return sorted(current)


def _expires(roa: Roa, build: int) -> int:
    h = hashlib.blake2b(f"{roa}".encode(), digest_size=4).digest()
    return build + 86400 + int.from_bytes(h, "big") % (6 * 86400)


def vrp_json(roas: list[Roa], build: int) -> str:
    """rpki-client's JSON output: a metadata object and one line per VRP."""
    built = dt.datetime.fromtimestamp(build, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    n = len(roas)
    meta = {
        "buildmachine": "rpki-client.sim.invalid",
        "buildtime": built,
        "elapsedtime": "297",
        "usertime": "204",
        "systemtime": "111",
        "roas": n,
        "failedroas": 0,
        "invalidroas": 0,
        "certificates": max(1, n // 3),
        "failcertificates": 0,
        "invalidcertificates": 0,
        "tals": 5,
        "talfiles": "/etc/rpki/afrinic.tal /etc/rpki/apnic.tal /etc/rpki/arin.tal "
        "/etc/rpki/lacnic.tal /etc/rpki/ripe.tal",
        "manifests": max(1, n // 3),
        "failedmanifests": 0,
        "stalemanifests": 0,
        "crls": max(1, n // 3),
        "gbrs": 0,
        "repositories": max(1, n // 40),
        "vrps": n,
        "uniquevrps": n,
        "cachedir_del_files": 0,
        "cachedir_del_dirs": 0,
    }
    lines = [
        f'\t\t{{ "asn": {r.asn}, "prefix": "{r.prefix()}", "maxLength": {r.max_length}, '
        f'"ta": "{r.ta}", "expires": {_expires(r, build)} }}'
        for r in roas
    ]
    head = json.dumps({"metadata": meta}, indent="\t")[:-2]
    return head + ',\n\n\t"roas": [\n' + ",\n".join(lines) + "\n\t]\n}\n"


def write_vrps(tree: OutputTree, state: RpkiState, start: dt.date, days: int) -> int:
    """One export per day at 00:00 UTC (days + 1 files) and a 'latest' copy."""
    text = ""
    for d in range(days + 1):
        day = start + dt.timedelta(days=d)
        build = epoch(day) + 300
        text = vrp_json(roas_at(state, build), build)
        tree.write_text(f"mirror/rpki/{ymd(day)}/vrps.json", text)
    tree.write_text("mirror/rpki/vrps.json", text)
    return len(state.roas)


def change_labels(state: RpkiState) -> list[dict[str, Any]]:
    out = []
    for k, ch in enumerate(state.changes):
        stamp = dt.datetime.fromtimestamp(ch.ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(
            {
                "id": f"sim-roa-{k + 1:04d}",
                "type": "roa_added" if ch.added else "roa_removed",
                "start": stamp,
                "end": None,
                "start_ts": ch.ts,
                "end_ts": None,
                "asns": [ch.roa.asn],
                "prefixes": [ch.roa.prefix()],
                "max_length": ch.roa.max_length,
                "ta": ch.roa.ta,
                "scope": "roa",
                "signals": ["rpki"],
            }
        )
    return out
