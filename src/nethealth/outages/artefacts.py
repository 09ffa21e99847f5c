"""Collector artefacts: what one peer or one collector did, recorded and shown as such, never
an outage.

* `session_down` — a full-feed peer's table fell below half of its RIB size (its session
  reset or went down): its routes are gone for reasons of that one session.
* `withdrawal_burst` — one peer withdrew many routes within a bin (at least
  `BURST_MIN_ROUTES` and `BURST_MIN_SHARE` of its table) while the other full-feed peers
  lost at most a fifth as many: a peer-local event, not the networks'.
* `collector_gap` — a collector wrote no update file for a while: its peers count as having
  no data then (signals/bgp.py), so the gap is no data, not a drop.
* `single_peer_drop` — an entity's peer-weighted BGP visibility fell, but fewer than two
  full-feed peers saw it fall (outages.peers): one peer's own withdrawals, or a change in
  which peers were up (a session reset leaving a peer that lacks some routes). nethealth's
  detector drops such episodes; they are listed here instead of published.

Outage detection never reads these: the peer-weighted visibility is built so that one peer
cannot lower it (signals/bgp.py); this dataset says what happened, for readers who see the
IODA count move, and for the evaluation's check that no event came from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from nethealth.outages.episodes import Episode, runs
from nethealth.outages.signals.bgp import VisibilityConfig, VisibilityResult

ARTEFACTS = "outage_artefacts"
BURST_MIN_ROUTES = 100
BURST_MIN_SHARE = 0.0005
OTHERS_SHARE = 0.2

SCHEMA = pa.schema(
    [
        pa.field("artefact_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("collector", pa.string(), nullable=False),
        pa.field("peer", pa.string()),
        pa.field("entity", pa.string()),
        pa.field("af", pa.int8()),
        pa.field("start", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("end", pa.timestamp("s", tz="UTC")),
        pa.field("routes_lost", pa.int64()),
        pa.field("share_of_table", pa.float64()),
        pa.field("summary", pa.string(), nullable=False),
        pa.field("simulated", pa.bool_(), nullable=False),
    ],
    metadata={
        "nethealth.schema": "outages.artefacts/1",
        "kind": "session_down, withdrawal_burst, collector_gap or single_peer_drop",
        "entity": "single_peer_drop: the entity whose visibility moved",
        "end": "first bin back to normal; null while it lasts at the end of the data",
        "routes_lost": "most routes the peer was missing against the bin before (bursts) or "
        "its RIB size (sessions down)",
        "summary": "one sentence, English",
    },
)


def _iso(ts: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def find(
    result: VisibilityResult,
    gaps: Mapping[str, Sequence[tuple[int, int]]] | None = None,
    *,
    simulated: bool = False,
    config: VisibilityConfig | None = None,
    single_peer: Sequence[Episode] = (),
) -> pa.Table:
    """The artefacts of one visibility computation (the collectors' file gaps, and the
    episodes the detector set aside as seen by one peer)."""
    cfg = config or VisibilityConfig()
    rows: list[dict[str, object]] = []
    t0, step = result.start, result.step
    for af, routes in result.peer_routes.items():
        rib = result.rib_sizes.get(af)
        if rib is None:
            continue
        full = ~np.isnan(routes).all(axis=1)
        for p in np.flatnonzero(full).tolist():
            name = result.peer_names[p]
            collector, _, peer = name.partition("|")
            size = routes[p]
            down = size < cfg.up_share * rib[p]
            for a, b in runs(down):
                end = None if b >= len(size) else t0 + int(b) * step
                rows.append(_row("session_down", collector, peer, af, t0 + int(a) * step, end,
                                 int(rib[p]), 1.0, simulated))  # fmt: skip
            rows += _bursts(routes, rib, full, p, down, af, collector, peer, t0, step, simulated)
    for collector, spans in sorted((gaps or {}).items()):
        for a, b in spans:
            rows.append(_row("collector_gap", collector, None, None, a, b, None, None, simulated))
    for ep in single_peer:
        row = _row("single_peer_drop", "", None, 6 if "6" in ep.signal else 4, ep.start, ep.end,
                   None, None, simulated)  # fmt: skip
        row["entity"] = ep.entity
        row["summary"] = (f"{ep.signal} of {ep.entity} fell by {ep.max_drop * 100:.0f} % at "
                          f"{_iso(ep.start)}, but fewer than two full-feed peers saw it fall: a "
                          "collector artefact, not an outage.")  # fmt: skip
        rows.append(row)
    rows.sort(key=lambda r: (r["start"], r["collector"], r["peer"] or "", r["entity"] or ""))
    for i, r in enumerate(rows):
        r["artefact_id"] = f"art-{i:05d}-{r['kind']}"
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _bursts(
    routes: np.ndarray,
    rib: np.ndarray,
    full: np.ndarray,
    p: int,
    down: np.ndarray,
    af: int,
    collector: str,
    peer: str,
    t0: int,
    step: int,
    simulated: bool,
) -> list[dict[str, object]]:
    size = routes[p]
    loss = np.r_[0.0, np.clip(size[:-1] - size[1:], 0, None)]
    others = [q for q in np.flatnonzero(full).tolist() if q != p]
    if others:
        o = routes[others]
        other_loss = np.nanmedian(np.c_[np.zeros(len(others)),
                                        np.clip(o[:, :-1] - o[:, 1:], 0, None)], axis=0)  # fmt: skip
    else:
        other_loss = np.zeros(len(size))
    big = (loss >= max(BURST_MIN_ROUTES, BURST_MIN_SHARE * rib[p])) & ~down
    local = big & (other_loss <= OTHERS_SHARE * loss)
    out = []
    for a, b in runs(local):
        lost = int(loss[a:b].sum())
        out.append(_row("withdrawal_burst", collector, peer, af, t0 + int(a) * step,
                        t0 + int(b) * step, lost, lost / max(1, int(rib[p])), simulated))  # fmt: skip
    return out


def _row(
    kind: str,
    collector: str,
    peer: str | None,
    af: int | None,
    start: int,
    end: int | None,
    lost: int | None,
    share: float | None,
    simulated: bool,
) -> dict[str, object]:
    until = f"until {_iso(end)}" if end is not None else "until the end of the data"
    if kind == "session_down":
        text = (f"Peer {peer} of {collector} had less than half of its table from "
                f"{_iso(start)} {until} (session reset or down): a collector artefact, not an "
                "outage.")  # fmt: skip
    elif kind == "withdrawal_burst":
        text = (f"Peer {peer} of {collector} withdrew {lost} routes ({(share or 0) * 100:.2f} % "
                f"of its table) at {_iso(start)} while the other full-feed peers kept them: a "
                "collector artefact, not an outage.")  # fmt: skip
    else:
        text = (f"{collector} wrote no update file from {_iso(start)} {until}: no data, not a "
                "drop.")  # fmt: skip
    return {"artefact_id": "", "kind": kind, "collector": collector, "peer": peer,
            "entity": None, "af": af,
            "start": start, "end": end, "routes_lost": lost, "share_of_table": share,
            "summary": text, "simulated": simulated}  # fmt: skip
