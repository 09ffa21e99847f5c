"""PeeringDB: monthly archive dumps (CAIDA layout) and the current state in API layout.

Objects carry the field names and JSON types of the PeeringDB API (current schema). Ids are
stable across snapshots and increase with creation time, as in the real database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from nethealth.sim.addressing import v4_text, v6_text
from nethealth.sim.geo import REGION_NAMES
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.timeline import iso_stamp
from nethealth.sim.world import (
    CLIQUE,
    CONTENT,
    LARGE,
    REGIONAL,
    ROUTESERVER,
    STUB,
    World,
)

OBJECTS = ("org", "fac", "ix", "ixlan", "ixpfx", "net", "netixlan")
Obj = dict[str, Any]

_INFO_TYPE = {
    CLIQUE: "NSP",
    LARGE: "NSP",
    REGIONAL: "NSP",
    3: "Cable/DSL/ISP",
    CONTENT: "Content",
    STUB: "Enterprise",
    ROUTESERVER: "Route Server",
}
_SCOPE = {
    CLIQUE: "Global",
    LARGE: "Global",
    REGIONAL: "Regional",
    3: "Regional",
    CONTENT: "Global",
    STUB: "Not Disclosed",
    ROUTESERVER: "Regional",
}
_TRAFFIC = (
    "1-5Gbps",
    "5-10Gbps",
    "10-20Gbps",
    "20-50Gbps",
    "50-100Gbps",
    "100-200Gbps",
    "200-300Gbps",
    "300-500Gbps",
    "500-1000Gbps",
    "1-5Tbps",
    "5-10Tbps",
)


def _h(*parts: object) -> int:
    text = ":".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _updated(kind: str, key: int, created: int, day: int) -> int:
    """Latest edit on or before ``day``: records are edited every 30-400 days after creation."""
    period = 30 + _h(kind, key, "period") % 370
    if day <= created:
        return created
    return created + ((day - created) // period) * period


def _stamps(kind: str, key: int, created: int, day: int) -> tuple[str, str]:
    secs = _h(kind, key, "secs") % 86400
    upd = _updated(kind, key, created, day)
    usecs = secs if upd == created else _h(kind, key, upd) % 86400
    if upd == created and usecs < secs:
        usecs = secs
    return iso_stamp(created, secs), iso_stamp(upd, usecs)


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20] or "example"


@dataclass
class Ids:
    """Stable PeeringDB ids (0 = not in PeeringDB)."""

    net: np.ndarray  # per AS
    org: np.ndarray  # per world org
    org_created: np.ndarray
    ix: np.ndarray  # per IXP
    fac: np.ndarray
    netixlan: np.ndarray  # per membership


def _rank_ids(created: np.ndarray, present: np.ndarray) -> np.ndarray:
    ids = np.zeros(len(created), dtype=np.int64)
    idx = np.flatnonzero(present)
    order = idx[np.lexsort((idx, created[idx]))]
    ids[order] = np.arange(1, len(order) + 1)
    return ids


def assign_ids(w: World) -> Ids:
    big = np.iinfo(np.int64).max
    org_created = np.full(len(w.orgs), big, dtype=np.int64)
    has_net = w.pdb_born >= 0
    np.minimum.at(org_created, w.org[has_net], w.pdb_born[has_net].astype(np.int64))
    ix_born = np.array([ix.born for ix in w.ixps], dtype=np.int64)
    fac_born = np.array([f.born for f in w.facilities], dtype=np.int64)
    for k, xp in enumerate(w.ixps):
        org_created[xp.org] = min(org_created[xp.org], ix_born[k] - 10)
    for k, fc in enumerate(w.facilities):
        org_created[fc.org] = min(org_created[fc.org], fac_born[k] - 10)
    net = _rank_ids(w.pdb_born.astype(np.int64), has_net)
    org = _rank_ids(org_created, org_created < big)
    ix = _rank_ids(ix_born, np.ones(len(ix_born), dtype=bool))
    fac = _rank_ids(fac_born, np.ones(len(fac_born), dtype=bool))
    nix = _rank_ids(w.mem_born.astype(np.int64), np.ones(len(w.mem_born), dtype=bool))
    return Ids(net, org, org_created, ix, fac, nix)


def _social(site: str) -> list[dict[str, str]]:
    return [{"service": "website", "identifier": site}]


def _org_obj(w: World, ids: Ids, k: int, day: int) -> Obj:
    o = w.orgs[k]
    created, updated = _stamps("org", k, int(ids.org_created[k]), day)
    site = f"https://www.{_slug(o.name)}.example"
    return {
        "id": int(ids.org[k]),
        "name": o.name,
        "aka": "",
        "name_long": "",
        "website": site,
        "social_media": _social(site),
        "notes": "",
        "address1": "",
        "address2": "",
        "city": "",
        "country": o.cc,
        "state": "",
        "zipcode": "",
        "floor": "",
        "suite": "",
        "latitude": None,
        "longitude": None,
        "created": created,
        "updated": updated,
        "status": "ok",
    }


def _fac_obj(
    w: World, ids: Ids, k: int, day: int, net_count: int, ix_count: int, region: str
) -> Obj:
    f = w.facilities[k]
    created, updated = _stamps("fac", k, f.born, day)
    org = w.orgs[f.org]
    site = f"https://www.{_slug(org.name)}.example"
    return {
        "id": int(ids.fac[k]),
        "org_id": int(ids.org[f.org]),
        "org_name": org.name,
        "name": f.name,
        "aka": "",
        "name_long": "",
        "website": site,
        "social_media": _social(site),
        "clli": "",
        "rencode": "",
        "npanxx": "",
        "notes": "",
        "net_count": net_count,
        "ix_count": ix_count,
        "sales_email": "",
        "sales_phone": "",
        "tech_email": f"noc@{_slug(org.name)}.example",
        "tech_phone": "",
        "available_voltage_services": [],
        "diverse_serving_substations": None,
        "property": None,
        "region_continent": region,
        "status_dashboard": None,
        "created": created,
        "updated": updated,
        "status": "ok",
        "address1": "",
        "address2": "",
        "city": f.city,
        "country": f.cc,
        "state": "",
        "zipcode": "",
        "floor": "",
        "suite": "",
        "latitude": None,
        "longitude": None,
    }


def _ix_obj(w: World, ids: Ids, k: int, day: int, net_count: int, region: str) -> Obj:
    ix = w.ixps[k]
    created, updated = _stamps("ix", k, ix.born, day)
    site = f"https://www.{_slug(ix.name)}.example"
    return {
        "id": int(ids.ix[k]),
        "org_id": int(ids.org[ix.org]),
        "name": ix.name,
        "aka": "",
        "name_long": ix.name_long,
        "city": ix.city,
        "country": ix.cc,
        "region_continent": region,
        "media": "Ethernet",
        "notes": "",
        "proto_unicast": True,
        "proto_multicast": False,
        "proto_ipv6": True,
        "website": site,
        "social_media": _social(site),
        "url_stats": f"{site}/stats",
        "tech_email": f"noc@{_slug(ix.name)}.example",
        "tech_phone": "",
        "policy_email": f"peering@{_slug(ix.name)}.example",
        "policy_phone": "",
        "sales_phone": "",
        "sales_email": "",
        "net_count": net_count,
        "fac_count": len(ix.facilities),
        "ixf_net_count": 0,
        "ixf_last_import": None,
        "ixf_import_request": None,
        "ixf_import_request_status": "queued",
        "service_level": "Not Disclosed",
        "terms": "Not Disclosed",
        "status_dashboard": None,
        "created": created,
        "updated": updated,
        "status": "ok",
    }


def _ixlan_obj(w: World, ids: Ids, k: int, day: int) -> Obj:
    ix = w.ixps[k]
    created, updated = _stamps("ixlan", k, ix.born, day)
    rs = int(w.asn[ix.rs_as]) if ix.rs_as >= 0 else 0
    return {
        "id": int(ids.ix[k]),
        "ix_id": int(ids.ix[k]),
        "name": "",
        "descr": "",
        "mtu": 1500,
        "dot1q_support": False,
        "rs_asn": rs,
        "arp_sponge": None,
        "ixf_ixp_member_list_url": None,
        "ixf_ixp_member_list_url_visible": "Private",
        "created": created,
        "updated": updated,
        "status": "ok",
    }


def _ixpfx_objs(w: World, res: Resources, ids: Ids, k: int, day: int) -> list[Obj]:
    ix = w.ixps[k]
    out = []
    for n, (row, proto) in enumerate(((res.ix_v4[k], "IPv4"), (res.ix_v6[k], "IPv6"))):
        if row < 0:
            continue
        net, length = int(res.al_net[row]), int(res.al_len[row])
        text = f"{v4_text(net)}/{length}" if proto == "IPv4" else f"{v6_text(net)}/64"
        created, updated = _stamps("ixpfx", 2 * k + n, ix.born, day)
        out.append(
            {
                "id": int(2 * ids.ix[k] - 1 + n),
                "ixlan_id": int(ids.ix[k]),
                "protocol": proto,
                "prefix": text,
                "in_dfz": _h("dfz", k) % 3 != 0,
                "created": created,
                "updated": updated,
                "status": "ok",
            }
        )
    return out


def _net_obj(w: World, ids: Ids, i: int, day: int, ix_count: int, pfx4: int, pfx6: int) -> Obj:
    tier = int(w.tier[i])
    asn = int(w.asn[i])
    name = w.as_names[i]
    created, updated = _stamps("net", i, int(w.pdb_born[i]), day)
    site = f"https://www.{_slug(name)}.example"
    return {
        "id": int(ids.net[i]),
        "org_id": int(ids.org[w.org[i]]),
        "name": name,
        "aka": "",
        "name_long": "",
        "website": site,
        "social_media": _social(site),
        "asn": asn,
        "looking_glass": "",
        "route_server": "",
        "irr_as_set": f"AS{asn}:AS-CUSTOMERS",
        "info_type": _INFO_TYPE[tier],
        "info_prefixes4": pfx4,
        "info_prefixes6": pfx6,
        "info_traffic": _TRAFFIC[min(len(_TRAFFIC) - 1, int(w.size[i] * (6 - min(tier, 5))))],
        "info_ratio": "Heavy Outbound"
        if tier == CONTENT
        else "Mostly Inbound"
        if tier == 3
        else "Balanced",
        "info_scope": _SCOPE[tier],
        "info_unicast": True,
        "info_multicast": False,
        "info_ipv6": pfx6 > 0,
        "info_never_via_route_servers": False,
        "ix_count": ix_count,
        "fac_count": 0,
        "notes": "",
        "netixlan_updated": None,
        "netfac_updated": None,
        "poc_updated": None,
        "policy_url": "",
        "policy_general": "Open"
        if tier in (CONTENT, 3)
        else "Selective"
        if tier != CLIQUE
        else "Restrictive",
        "policy_locations": "Not Required",
        "policy_ratio": False,
        "policy_contracts": "Not Required",
        "allow_ixp_update": False,
        "status_dashboard": None,
        "rir_status": "ok",
        "rir_status_updated": None,
        "created": created,
        "updated": updated,
        "status": "ok",
    }


def _member_addr(res: Resources, ix: int, slot: int, asn: int) -> tuple[str | None, str | None]:
    v4 = v6 = None
    row4, row6 = int(res.ix_v4[ix]), int(res.ix_v6[ix])
    if row4 >= 0:
        size = 1 << (32 - int(res.al_len[row4]))
        if slot + 1 < size - 1:
            v4 = v4_text(int(res.al_net[row4]) + slot + 1)
    if row6 >= 0:
        # many exchanges embed the member ASN in the interface address
        v6 = v6_text(int(res.al_net[row6]), ((asn & 0xFFFFFFFF) << 16) | 1)
    return v4, v6


def snapshot(w: World, res: Resources, ids: Ids, day: int) -> dict[str, list[Obj]]:
    """All objects as PeeringDB showed them at the end of ``day`` (date ordinal)."""
    regions = {c.cc: REGION_NAMES[c.region] for c in w.countries}
    net_vis = (w.pdb_born >= 0) & (w.pdb_born <= day)
    mem_vis = np.flatnonzero((w.mem_born <= day) & net_vis[w.mem_as])
    ix_vis = [k for k, ix in enumerate(w.ixps) if ix.born <= day]
    fac_vis = [k for k, f in enumerate(w.facilities) if f.born <= day]
    ix_members = np.bincount(w.mem_ix[mem_vis], minlength=len(w.ixps))
    net_ixs = np.bincount(w.mem_as[mem_vis], minlength=w.n_as)
    pfx4 = np.bincount(res.pf_origin[res.pf_af == 4], minlength=w.n_as)
    pfx6 = np.bincount(res.pf_origin[res.pf_af == 6], minlength=w.n_as)
    fac_ix = np.zeros(len(w.facilities), dtype=np.int64)
    for k in ix_vis:
        for f in w.ixps[k].facilities:
            fac_ix[f] += 1
    out: dict[str, list[Obj]] = {name: [] for name in OBJECTS}
    for k in ix_vis:
        out["ix"].append(_ix_obj(w, ids, k, day, int(ix_members[k]), regions[w.ixps[k].cc]))
        out["ixlan"].append(_ixlan_obj(w, ids, k, day))
        out["ixpfx"].extend(_ixpfx_objs(w, res, ids, k, day))
    for k in fac_vis:
        out["fac"].append(_fac_obj(w, ids, k, day, 0, int(fac_ix[k]), regions[w.facilities[k].cc]))
    for i in np.flatnonzero(net_vis):
        out["net"].append(
            _net_obj(w, ids, int(i), day, int(net_ixs[i]), int(pfx4[i]), int(pfx6[i]))
        )
    slot_of = _member_slots(w)
    for m in mem_vis:
        out["netixlan"].append(_netixlan_obj(w, res, ids, int(m), day, int(slot_of[m])))
    orgs_used = {int(w.org[i]) for i in np.flatnonzero(net_vis)}
    orgs_used |= {w.ixps[k].org for k in ix_vis} | {w.facilities[k].org for k in fac_vis}
    for k in sorted(orgs_used):
        out["org"].append(_org_obj(w, ids, k, day))
    for name in OBJECTS:
        out[name].sort(key=lambda o: int(o["id"]))
    return out


def _member_slots(w: World) -> np.ndarray:
    """Host number of each membership inside its exchange's LAN (join order)."""
    slots = np.zeros(len(w.mem_ix), dtype=np.int64)
    order = np.lexsort((np.arange(len(w.mem_ix)), w.mem_born, w.mem_ix))
    counter: dict[int, int] = {}
    for m in order:
        ix = int(w.mem_ix[m])
        slots[m] = counter.get(ix, 0)
        counter[ix] = slots[m] + 1
    return slots


def _netixlan_obj(w: World, res: Resources, ids: Ids, m: int, day: int, slot: int) -> Obj:
    i, k = int(w.mem_as[m]), int(w.mem_ix[m])
    asn = int(w.asn[i])
    v4, v6 = _member_addr(res, k, slot, asn)
    created, updated = _stamps("netixlan", m, int(w.mem_born[m]), day)
    return {
        "id": int(ids.netixlan[m]),
        "net_id": int(ids.net[i]),
        "ix_id": int(ids.ix[k]),
        "name": w.ixps[k].name,
        "ixlan_id": int(ids.ix[k]),
        "notes": "",
        "speed": int(w.mem_speed[m]),
        "asn": asn,
        "ipaddr4": v4,
        "ipaddr6": v6,
        "is_rs_peer": bool(w.mem_rs[m]),
        "operational": True,
        "created": created,
        "updated": updated,
        "status": "ok",
    }


def dump_path(day: dt.date) -> str:
    return f"mirror/peeringdb/{day:%Y}/{day:%m}/peeringdb_2_dump_{day:%Y}_{day:%m}_{day:%d}.json"


def _dump_bytes(objs: dict[str, list[Obj]]) -> bytes:
    parts = [
        f'"{name}":{{"data":{json.dumps(objs[name], separators=(",", ":"))}}}' for name in OBJECTS
    ]
    return ("{" + ",".join(parts) + "}\n").encode("utf-8")


def write_peeringdb(
    tree: OutputTree, w: World, res: Resources, days: list[dt.date], current: dt.date
) -> dict[str, int]:
    """Monthly archive dumps plus the API view at ``current``; returns current counts."""
    ids = assign_ids(w)
    for day in days:
        tree.write_bytes(dump_path(day), _dump_bytes(snapshot(w, res, ids, day.toordinal())))
    now = snapshot(w, res, ids, current.toordinal())
    for name in OBJECTS:
        body = json.dumps({"data": now[name], "meta": {}}, separators=(",", ":"))
        tree.write_text(f"mirror/peeringdb-api/api/{name}", body + "\n")
    return {f"peeringdb_{name}": len(now[name]) for name in OBJECTS}
