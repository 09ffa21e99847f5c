"""The simulated Internet: ASes in tiers, organisations, relationships, IXPs, facilities.

Everything is drawn once from the seed and carries a birth date, so that registry snapshots at
earlier dates are views of the same world (growth over time without re-simulation).
Arrays are numpy struct-of-arrays so the full scale (~75k ASes) builds in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pycountry

from nethealth.sim import names
from nethealth.sim.asns import assign_asns
from nethealth.sim.config import SCALE_PARAMS, ScaleParams, SimConfig
from nethealth.sim.geo import RIRS, Country, countries
from nethealth.sim.rng import stream

CLIQUE, LARGE, REGIONAL, ACCESS, CONTENT, STUB, ROUTESERVER = range(7)
TIER_NAMES = ("clique", "large_transit", "regional", "access", "content", "stub", "route_server")

PDB_EPOCH = dt.date(2004, 7, 28).toordinal()  # PeeringDB went live in 2004
RECENT_DAYS = 365

# (first year, last year or 0 = start date, skew exponent <1 favours recent, p(born last year))
_BORN: dict[int, tuple[int, int, float, float]] = {
    CLIQUE: (1988, 1998, 1.0, 0.0),
    LARGE: (1990, 2008, 1.0, 0.0),
    REGIONAL: (1993, 2016, 0.9, 0.01),
    ACCESS: (1995, 0, 0.8, 0.04),
    CONTENT: (1998, 0, 0.7, 0.07),
    STUB: (1996, 0, 0.6, 0.06),
}
# Probability that an AS of the tier has a PeeringDB record.
_P_PDB = (1.0, 0.95, 0.8, 0.5, 0.85, 0.1, 1.0)


@dataclass
class Org:
    name: str
    cc: str
    born: int
    kind: str  # 'network', 'ixp', 'colo'


@dataclass
class Facility:
    name: str
    org: int
    cc: str
    city: str
    born: int


@dataclass
class Ixp:
    name: str
    name_long: str
    cc: str
    city: str
    org: int
    born: int
    rs_as: int  # AS index of the route server, -1 if none
    facilities: list[int] = field(default_factory=list)


@dataclass
class World:
    """One simulated Internet at the start date, with birth dates for history."""

    seed: int
    start: int  # date ordinal
    params: ScaleParams
    countries: tuple[Country, ...]
    # ASes (index = position)
    asn: np.ndarray
    tier: np.ndarray
    country: np.ndarray
    born: np.ndarray
    size: np.ndarray  # relative size, drives degree and prefix counts
    org: np.ndarray
    pdb_born: np.ndarray  # -1 = never in PeeringDB
    as_names: list[str]
    orgs: list[Org]
    # relationships: rows (provider, customer) and (a, b) with a < b
    p2c: np.ndarray
    p2p: np.ndarray
    ixps: list[Ixp]
    facilities: list[Facility]
    # IXP memberships
    mem_ix: np.ndarray
    mem_as: np.ndarray
    mem_born: np.ndarray
    mem_rs: np.ndarray
    mem_speed: np.ndarray

    @property
    def n_as(self) -> int:
        return len(self.asn)

    def rir_of_as(self) -> np.ndarray:
        rir_idx = np.array([RIRS.index(c.rir) for c in self.countries], dtype=np.int8)
        out: np.ndarray = rir_idx[self.country]
        return out


def _ordinal(year: int, month: int = 1, day: int = 1) -> int:
    return dt.date(year, month, day).toordinal()


def select_countries(params: ScaleParams, seed: int) -> tuple[Country, ...]:
    """All countries (full) or a deterministic mix: the biggest, one per RIR, some
    shutdown-prone ones, and a weighted random rest. Returned in table order."""
    table = countries()
    if params.n_countries <= 0 or params.n_countries >= len(table):
        return table
    rng = stream(seed, "countries")
    by_weight = sorted(range(len(table)), key=lambda i: (-table[i].asn_weight, table[i].cc))
    chosen: list[int] = by_weight[: max(3, params.n_countries // 4)]
    for rir in RIRS:
        if not any(table[i].rir == rir for i in chosen):
            chosen.append(next(i for i in by_weight if table[i].rir == rir))
    prone = [i for i in range(len(table)) if table[i].shutdown_propensity >= 8 and i not in chosen]
    n_prone = max(2, params.n_countries // 8)
    picks = rng.choice(len(prone), size=min(n_prone, len(prone)), replace=False)
    chosen.extend(prone[int(p)] for p in sorted(picks))
    rest = [i for i in range(len(table)) if i not in chosen]
    n_rest = params.n_countries - len(chosen)
    if n_rest > 0:
        w = np.array([table[i].asn_weight for i in rest], dtype=float) ** 0.8
        picks = rng.choice(len(rest), size=n_rest, replace=False, p=w / w.sum())
        chosen.extend(rest[int(p)] for p in picks)
    return tuple(table[i] for i in sorted(chosen))


def _tier_countries(
    rng: np.random.Generator, cs: tuple[Country, ...], tier: int, n: int
) -> np.ndarray:
    weights = np.array([c.asn_weight for c in cs], dtype=float)
    if tier == CLIQUE:
        w = np.where(weights >= 500, weights, 0.0) ** 1.5
        if w.sum() == 0:
            w = weights
    elif tier == LARGE:
        w = weights**1.1
    else:
        w = weights**0.85
    picks = rng.choice(len(cs), size=n, p=w / w.sum())
    if tier in (ACCESS, STUB) and n >= len(cs):
        # every country gets at least one network of the tier
        picks[: len(cs)] = np.arange(len(cs))
    return picks.astype(np.int16)


def _born_dates(rng: np.random.Generator, tier: int, n: int, start: int) -> np.ndarray:
    first, last, skew, p_recent = _BORN[tier]
    lo = _ordinal(first)
    hi = min(_ordinal(last, 12, 31), start - RECENT_DAYS) if last else start - RECENT_DAYS
    u = rng.random(n) ** skew
    born = lo + (u * (hi - lo)).astype(np.int64)
    recent = rng.random(n) < p_recent
    born[recent] = start - rng.integers(1, RECENT_DAYS + 1, size=int(recent.sum()))
    return born.astype(np.int32)


@dataclass
class _AsDraft:
    tier: np.ndarray
    country: np.ndarray
    born: np.ndarray
    size: np.ndarray


def draw_ases(cfg: SimConfig, params: ScaleParams, cs: tuple[Country, ...]) -> _AsDraft:
    start = cfg.start.toordinal()
    counts = (
        params.tiers.clique,
        params.tiers.large,
        params.tiers.regional,
        params.tiers.access,
        params.tiers.content,
        params.tiers.stub,
    )
    tiers, ctry, born, size = [], [], [], []
    for tier, n in enumerate(counts):
        rng = stream(cfg.seed, "ases", tier)
        tiers.append(np.full(n, tier, dtype=np.int8))
        ctry.append(_tier_countries(rng, cs, tier, n))
        born.append(_born_dates(rng, tier, n, start))
        size.append(rng.lognormal(0.0, 1.0, size=n))
    return _AsDraft(
        np.concatenate(tiers), np.concatenate(ctry), np.concatenate(born), np.concatenate(size)
    )


def _pick(rng: np.random.Generator, cands: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(cands))
    if k <= 0:
        return cands[:0]
    return rng.choice(cands, size=k, replace=False, p=weights / weights.sum())


def _provider_plan(tier: int) -> tuple[tuple[int, ...], int, int]:
    """Provider tiers (strictly higher in the hierarchy -> acyclic), min and max count."""
    return {
        LARGE: ((CLIQUE,), 2, 3),
        REGIONAL: ((CLIQUE, LARGE), 1, 3),
        ACCESS: ((LARGE, REGIONAL), 1, 3),
        CONTENT: ((CLIQUE, LARGE), 2, 4),
        STUB: ((REGIONAL, ACCESS), 1, 2),
    }[tier]


def build_p2c(seed: int, d: _AsDraft, cs: tuple[Country, ...]) -> np.ndarray:
    """Provider->customer edges with preferential attachment and locality."""
    rng = stream(seed, "p2c")
    rir = np.array([RIRS.index(c.rir) for c in cs], dtype=np.int8)[d.country]
    rows: list[np.ndarray] = []
    for tier in (LARGE, REGIONAL, ACCESS, CONTENT, STUB):
        ptiers, kmin, kmax = _provider_plan(tier)
        all_cand = np.flatnonzero(np.isin(d.tier, ptiers))
        members = np.flatnonzero(d.tier == tier)
        for ci in np.unique(d.country[members]):
            group = members[d.country[members] == ci]
            cand = all_cand
            if tier == STUB and np.any(d.country[all_cand] == ci):
                cand = all_cand[d.country[all_cand] == ci]  # stubs buy transit at home
            same_cc = d.country[cand] == ci
            same_rir = rir[cand] == rir[group[0]]
            w = d.size[cand] * np.where(same_cc, 8.0, np.where(same_rir, 1.5, 0.3))
            ks = rng.integers(kmin, kmax + 1, size=len(group))
            for i, k in zip(group, ks, strict=True):
                picks = _pick(rng, cand, w, int(k))
                rows.append(np.stack([picks, np.full(len(picks), i)], axis=1))
    return np.concatenate(rows).astype(np.int32) if rows else np.zeros((0, 2), np.int32)


def build_p2p(seed: int, d: _AsDraft, cs: tuple[Country, ...], p2c: np.ndarray) -> np.ndarray:
    """Settlement-free peering off the IXP route servers (those come from memberships)."""
    rng = stream(seed, "p2p")
    region = np.array([c.region for c in cs])[d.country]
    pairs: list[tuple[int, int]] = []

    def consider(group: np.ndarray, p_same: float, p_other: float, same: np.ndarray) -> None:
        for x in range(len(group)):
            a = int(group[x])
            rest = group[x + 1 :]
            if len(rest) == 0:
                continue
            p = np.where(same[rest] == same[a], p_same, p_other)
            hits = rest[rng.random(len(rest)) < p]
            pairs.extend((a, int(b)) for b in hits)

    clique = np.flatnonzero(d.tier == CLIQUE)
    consider(clique, 1.0, 1.0, region)
    consider(np.flatnonzero(d.tier == LARGE), 0.3, 0.08, region)
    regional = np.flatnonzero(d.tier == REGIONAL)
    for ci in np.unique(d.country[regional]):
        group = regional[d.country[regional] == ci]
        consider(group, min(0.25, 8.0 / len(group)), 0.0, d.country)
    content = np.flatnonzero(d.tier == CONTENT)
    large = np.flatnonzero(d.tier == LARGE)
    for c in content:
        hits = large[rng.random(len(large)) < 0.1]
        pairs.extend((min(int(c), int(b)), max(int(c), int(b))) for b in hits)
    if not pairs:
        return np.zeros((0, 2), dtype=np.int32)
    arr = np.unique(np.array(pairs, dtype=np.int32), axis=0)
    # a pair that is already customer-provider stays that; no double relationship
    rel = {(int(a), int(b)) for a, b in p2c} | {(int(b), int(a)) for a, b in p2c}
    keep = [k for k, (a, b) in enumerate(arr) if (int(a), int(b)) not in rel]
    return arr[keep]


@dataclass
class _IxDraft:
    ixps: list[Ixp]
    facilities: list[Facility]
    orgs: list[Org]


_COLO_BRANDS = 6


def _city_names(cc: str, capital: str, n: int, rng: np.random.Generator) -> list[str]:
    """The capital first, then real subdivision names (pycountry) for further exchanges."""
    found = pycountry.subdivisions.get(country_code=cc)  # type: ignore[no-untyped-call]
    others = sorted({str(s.name) for s in found or []} - {capital})
    picks = [others[int(i)] for i in rng.permutation(len(others))[: max(0, n - 1)]]
    names_ = [capital, *picks]
    return names_ + [capital] * (n - len(names_))


def draw_ixps(seed: int, params: ScaleParams, cs: tuple[Country, ...], start: int) -> _IxDraft:
    rng = stream(seed, "ixps")
    w = np.array([c.asn_weight for c in cs], dtype=float) ** 0.6
    per_cc = rng.multinomial(params.n_ixps, w / w.sum())
    orgs: list[Org] = []
    facilities: list[Facility] = []
    ixps: list[Ixp] = []
    colo_orgs = []
    for _ in range(_COLO_BRANDS):
        colo_orgs.append(len(orgs))
        orgs.append(Org(f"{names.brand(rng)} Data Centres", "US", _ordinal(1998), "colo"))
    fac_by_city: dict[tuple[str, str], list[int]] = {}
    for ci, c in enumerate(cs):
        n = int(per_cc[ci])
        if n == 0:
            continue
        cities = _city_names(c.cc, c.capital, n, rng)
        for k in range(n):
            first = 1996 if k == 0 else 2006
            born = int(rng.integers(_ordinal(first), start - RECENT_DAYS))
            if rng.random() < 0.05:
                born = start - int(rng.integers(1, RECENT_DAYS))
            city = cities[k]
            brand = names.brand(rng)
            style = int(rng.integers(3))
            short = (f"{city[:3].upper()}-IX", f"{brand}-IX", f"{c.cc}-IX {city}")[style]
            org = len(orgs)
            orgs.append(Org(f"{brand} Internet Exchange Association", c.cc, born - 30, "ixp"))
            key = (c.cc, city)
            if key not in fac_by_city:
                fac_by_city[key] = []
                for _f in range(int(rng.integers(1, 4))):
                    forg = colo_orgs[int(rng.integers(len(colo_orgs)))]
                    fborn = min(born, int(rng.integers(_ordinal(2000), start - 30)))
                    fac_by_city[key].append(len(facilities))
                    facilities.append(
                        Facility(
                            f"{orgs[forg].name.split()[0]} {city} {len(fac_by_city[key])}",
                            forg,
                            c.cc,
                            city,
                            fborn,
                        )
                    )
            ixps.append(
                Ixp(
                    short,
                    f"{brand} Internet Exchange {city}",
                    c.cc,
                    city,
                    org,
                    born,
                    -1,
                    list(fac_by_city[key]),
                )
            )
    ixps.sort(key=lambda x: (x.born, x.name))
    return _IxDraft(ixps, facilities, orgs)


def _memberships(
    seed: int, d: _AsDraft, ixps: list[Ixp], cs: tuple[Country, ...], start: int
) -> tuple[np.ndarray, ...]:
    rng = stream(seed, "members")
    cc_index = {c.cc: i for i, c in enumerate(cs)}
    member_weight = np.array([0.2, 0.6, 0.8, 0.5, 0.9, 0.03, 0.0])[d.tier]
    p_rs = np.array([0.0, 0.3, 0.6, 0.8, 0.9, 0.9, 0.0])[d.tier]
    rank_in_cc: dict[str, int] = {}
    ix_l, as_l, born_l, rs_l, speed_l = [], [], [], [], []
    for i, ix in enumerate(ixps):
        ci = cc_index[ix.cc]
        rank = rank_in_cc.get(ix.cc, 0)
        rank_in_cc[ix.cc] = rank + 1
        local = (d.country == ci) & (member_weight > 0)
        frac = (0.7 if rank == 0 else 0.3) * rng.uniform(0.5, 1.0)
        p = np.where(local, member_weight * frac, 0.0)
        cap = 800.0 if rank == 0 else 250.0  # even the biggest exchanges have < ~1000 members
        if p.sum() > cap:
            p *= cap / p.sum()
        foreign = np.isin(d.tier, (LARGE, CONTENT)) & ~local
        p = p + np.where(foreign, 0.05 if rank == 0 else 0.01, 0.0)
        hits = np.flatnonzero(rng.random(len(p)) < p)
        if len(hits) < 2:  # an exchange needs members; take the two biggest local networks
            loc = np.flatnonzero(local)
            hits = np.union1d(hits, loc[np.argsort(-d.size[loc], kind="stable")[:2]])
        earliest = np.maximum(np.maximum(d.born[hits], ix.born), PDB_EPOCH)
        delay = rng.exponential(500.0, size=len(hits)).astype(np.int64)
        born = earliest + delay
        recent = rng.random(len(hits)) < 0.08
        born = np.where(
            recent, np.maximum(earliest, start - rng.integers(1, RECENT_DAYS, size=len(hits))), born
        )
        keep = born <= start
        hits, born = hits[keep], born[keep]
        ix_l.append(np.full(len(hits), i, dtype=np.int32))
        as_l.append(hits.astype(np.int32))
        born_l.append(born.astype(np.int32))
        rs_l.append(rng.random(len(hits)) < p_rs[d.tier[hits]])
        speed_l.append(rng.choice([1000, 10000, 10000, 100000, 400000], size=len(hits)))
    return (
        np.concatenate(ix_l),
        np.concatenate(as_l),
        np.concatenate(born_l),
        np.concatenate(rs_l),
        np.concatenate(speed_l).astype(np.int32),
    )


def _add_route_servers(
    seed: int, d: _AsDraft, ixps: list[Ixp], cs: tuple[Country, ...]
) -> _AsDraft:
    rng = stream(seed, "routeservers")
    cc_index = {c.cc: i for i, c in enumerate(cs)}
    extra: list[tuple[int, int]] = []
    for ix in ixps:
        if rng.random() < 0.85:
            ix.rs_as = len(d.tier) + len(extra)
            extra.append((cc_index[ix.cc], ix.born))
    if not extra:
        return d
    ctry = np.array([e[0] for e in extra], dtype=np.int16)
    born = np.array([e[1] for e in extra], dtype=np.int32)
    return _AsDraft(
        np.concatenate([d.tier, np.full(len(extra), ROUTESERVER, dtype=np.int8)]),
        np.concatenate([d.country, ctry]),
        np.concatenate([d.born, born]),
        np.concatenate([d.size, np.full(len(extra), 0.01)]),
    )


def _pdb_presence(
    seed: int, d: _AsDraft, start: int, mem_as: np.ndarray, mem_born: np.ndarray
) -> np.ndarray:
    rng = stream(seed, "pdb")
    present = rng.random(len(d.tier)) < np.array(_P_PDB)[d.tier]
    present[mem_as] = True
    earliest = np.maximum(d.born, PDB_EPOCH)
    pdb = earliest + rng.exponential(300.0, size=len(d.tier)).astype(np.int64)
    # a member's record exists before its first port
    first_port = np.full(len(d.tier), np.iinfo(np.int64).max)
    np.minimum.at(first_port, mem_as, mem_born.astype(np.int64))
    pdb = np.minimum(pdb, first_port)
    pdb = np.maximum(pdb, earliest)
    present &= pdb <= start
    return np.where(present, pdb, -1).astype(np.int32)


def _orgs_for_ases(
    seed: int, d: _AsDraft, cs: tuple[Country, ...], orgs: list[Org]
) -> tuple[np.ndarray, list[str]]:
    rng = stream(seed, "names")
    org = np.empty(len(d.tier), dtype=np.int32)
    as_names: list[str] = []
    last_in_cc: dict[int, int] = {}
    for i in range(len(d.tier)):
        c = cs[int(d.country[i])]
        tier = int(d.tier[i])
        name = names.network_name(rng, tier, c.name)
        ci = int(d.country[i])
        # some organisations run several ASes (a sibling in the same country)
        if tier in (ACCESS, STUB) and ci in last_in_cc and rng.random() < 0.05:
            org[i] = org[last_in_cc[ci]]
            as_names.append(f"{as_names[last_in_cc[ci]].split()[0]} {name.split()[-1]}")
        elif tier == ROUTESERVER:
            org[i] = -1  # filled with the IXP's organisation
            as_names.append(name)
        else:
            org[i] = len(orgs)
            orgs.append(
                Org(
                    f"{name} {_legal_suffix(rng, c.cc)}".strip(),
                    c.cc,
                    int(d.born[i]) - int(rng.integers(0, 200)),
                    "network",
                )
            )
            as_names.append(name)
        last_in_cc[ci] = i
    return org, as_names


def _legal_suffix(rng: np.random.Generator, cc: str) -> str:
    options = {
        "DE": ("GmbH", "AG"),
        "FR": ("SAS", "SA"),
        "US": ("Inc.", "LLC"),
        "GB": ("Ltd", "plc"),
        "BR": ("Ltda", "S.A."),
        "NL": ("B.V.",),
    }.get(cc, ("Ltd", "", "S.A."))
    return options[int(rng.integers(len(options)))]


def build_world(cfg: SimConfig) -> World:
    """Draw the whole world (topology, registry history) from the config's seed."""
    params = SCALE_PARAMS[cfg.scale]
    start = cfg.start.toordinal()
    cs = select_countries(params, cfg.seed)
    draft = draw_ases(cfg, params, cs)
    ixd = draw_ixps(cfg.seed, params, cs, start)
    draft = _add_route_servers(cfg.seed, draft, ixd.ixps, cs)
    p2c = build_p2c(cfg.seed, draft, cs)
    p2p = build_p2p(cfg.seed, draft, cs, p2c)
    mem = _memberships(cfg.seed, draft, ixd.ixps, cs, start)
    pdb_born = _pdb_presence(cfg.seed, draft, start, mem[1], mem[2])
    orgs = ixd.orgs
    org, as_names = _orgs_for_ases(cfg.seed, draft, cs, orgs)
    for ix in ixd.ixps:
        if ix.rs_as >= 0:
            org[ix.rs_as] = ix.org
            as_names[ix.rs_as] = f"{ix.name} Route Servers"
    asn = assign_asns(
        cfg.seed,
        draft.tier,
        draft.born,
        np.array([RIRS.index(c.rir) for c in cs], dtype=np.int8)[draft.country],
    )
    return World(
        seed=cfg.seed,
        start=start,
        params=params,
        countries=cs,
        asn=asn,
        tier=draft.tier,
        country=draft.country,
        born=draft.born,
        size=draft.size,
        org=org,
        pdb_born=pdb_born,
        as_names=as_names,
        orgs=orgs,
        p2c=p2c,
        p2p=p2p,
        ixps=ixd.ixps,
        facilities=ixd.facilities,
        mem_ix=mem[0],
        mem_as=mem[1],
        mem_born=mem[2],
        mem_rs=mem[3],
        mem_speed=mem[4],
    )
