"""Ground truth written beside the data: events, ROA mistakes, AS relationships."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from nethealth.sim.output import OutputTree
from nethealth.sim.world import World


def write_events(tree: OutputTree, seed: int, events: list[dict[str, Any]]) -> None:
    events = sorted(events, key=lambda e: (e["start_ts"], e["id"]))
    doc = {"simulated": True, "seed": seed, "events": events}
    tree.write_text("labels/events.json", json.dumps(doc, indent=1) + "\n")


def write_rpki_truth(tree: OutputTree, misconfigured: list[dict[str, Any]]) -> None:
    doc = {"simulated": True, "misconfigured_roas": misconfigured}
    tree.write_text("labels/rpki-misconfigurations.json", json.dumps(doc, indent=1) + "\n")


def _key(pairs: np.ndarray) -> np.ndarray:
    out: np.ndarray = pairs[:, 0] * (1 << 32) + pairs[:, 1]
    return out


def relationship_pairs(w: World) -> tuple[np.ndarray, np.ndarray]:
    """(provider, customer) and (peer, peer) ASN pairs incl. route-server peerings."""
    p2c = np.unique(np.stack([w.asn[w.p2c[:, 0]], w.asn[w.p2c[:, 1]]], axis=1), axis=0)
    pairs = [np.stack([w.asn[w.p2p[:, 0]], w.asn[w.p2p[:, 1]]], axis=1)]
    for ix in np.unique(w.mem_ix[w.mem_rs]):
        members = np.unique(w.asn[w.mem_as[w.mem_rs & (w.mem_ix == ix)]])
        a, b = np.triu_indices(len(members), k=1)
        pairs.append(np.stack([members[a], members[b]], axis=1))
    p2p = np.concatenate(pairs)
    p2p = np.unique(np.sort(p2p, axis=1), axis=0)
    # a transit relationship wins over a route-server session between the same two ASes
    transit = np.concatenate([_key(p2c), _key(p2c[:, ::-1])])
    p2p = p2p[~np.isin(_key(p2p), transit)]
    return p2c, p2p


def write_as_relationships(tree: OutputTree, w: World) -> int:
    """CAIDA serial-1 format: 'provider|customer|-1' and 'peer|peer|0'."""
    p2c, p2p = relationship_pairs(w)
    head = (
        "# nethealth.sim ground-truth AS relationships (SIMULATED)\n"
        "# format: <provider-as>|<customer-as>|-1 and <peer-as>|<peer-as>|0\n"
    )
    body = "".join(f"{a}|{b}|-1\n" for a, b in p2c.tolist())
    body += "".join(f"{a}|{b}|0\n" for a, b in p2p.tolist())
    tree.write_text("labels/as-rel.txt", head + body)
    return len(p2c) + len(p2p)
