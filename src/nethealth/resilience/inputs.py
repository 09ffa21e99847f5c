"""The index's inputs as dated observations per country, and the reference date of each.

Every input is read into `Obs` rows (country, date, value or null, status, reason): nethealth's
own indicators from `indicator_values` as they are; World Bank series dated on 31 December of
the year they describe; APNIC days; PeeringDB facilities counted per snapshot; route and
upstream diversity of each IPv4 country dependency (the functions of `bgp.hegemony`); shutdown events counted over the 365 days before a date.

The reference date rule (`at`): for an index date D, an input's reference date R is the latest
date on or before D at which the input has at least one value; every country's value is its
value at R exactly (one period per input: values of different dates are never scaled
together). No value at R is "not measured" for that country; no date on or before D is "not
measured" for all; R older than the input's `max_age_days` is "not comparable" for all.
A dataset that was not built (its source not loaded) makes its inputs "not measured", never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pycountry

from nethealth.bgp import hegemony as heg
from nethealth.common.status import Status, has_value
from nethealth.economics.worldbank import indicator_of_name
from nethealth.formats.wdi import read_wdi
from nethealth.lake.raw import RawFile
from nethealth.resilience.config import Input, Kind

SHUTDOWN_WINDOW = 365  # days


@dataclass(frozen=True)
class Obs:
    cc: str
    day: date
    value: float | None
    status: str
    reason: str = ""
    simulated: bool = False


@dataclass(frozen=True)
class Pick:
    """An input's value for one country at an index date."""

    reference: date | None  # the input's reference date R
    value: float | None
    status: str
    reason: str
    simulated: bool = False


class Lake:
    """DuckDB views over the datasets that exist (a missing one is simply absent)."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.con = duckdb.connect()
        self.present: set[str] = set()
        for name, path in sorted(paths.items()):
            if path.is_file():
                # views take no bound parameters; the name and path are our own, quoted
                literal = "'" + str(path).replace("'", "''") + "'"
                self.con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({literal})')
                self.present.add(name)

    def rows(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self.con.close()


DATASETS = ("indicator_values", "countries", "apnic_ipv6", "peeringdb_fac",
            "bgp_country_dependency", "shutdown_events", "ookla_country")  # fmt: skip


def countries(lake: Lake) -> list[str]:
    if "countries" in lake.present:
        return [str(r[0]) for r in lake.rows("SELECT cc FROM countries ORDER BY cc")]
    return sorted(c.alpha_2 for c in pycountry.countries)


def from_indicator(lake: Lake, inp: Input) -> list[Obs]:
    if "indicator_values" not in lake.present:
        return []
    rows = lake.rows("SELECT country, date, value, status, reason, simulated FROM "
                     "indicator_values WHERE indicator_id = ?", [inp.ref])  # fmt: skip
    return [Obs(str(c), d, v, str(s), str(r or ""), bool(sim))
            for c, d, v, s, r, sim in rows]  # fmt: skip


def from_apnic(lake: Lake, inp: Input) -> list[Obs]:
    if "apnic_ipv6" not in lake.present:
        return []
    rows = lake.rows(f'SELECT cc, date, "{inp.ref}", simulated FROM apnic_ipv6')
    return [Obs(str(c), d, float(v), Status.MEASURED if v else Status.ZERO_MEASURED,
                f"APNIC 30-day average of {d}", bool(s)) for c, d, v, s in rows]  # fmt: skip


def from_facilities(lake: Lake, inp: Input) -> list[Obs]:
    """Facilities listed per country in each PeeringDB snapshot (status ok or unset); a country
    with none in a snapshot is a measured zero (the snapshot lists every facility)."""
    if "peeringdb_fac" not in lake.present:
        return []
    counts = lake.rows("SELECT snapshot, upper(country), count(DISTINCT id), bool_or(simulated) "
                       "FROM peeringdb_fac WHERE coalesce(status, 'ok') = 'ok' "
                       "AND country IS NOT NULL GROUP BY 1, 2")  # fmt: skip
    by_snap: dict[date, dict[str, tuple[int, bool]]] = defaultdict(dict)
    for snap, cc, n, sim in counts:
        by_snap[snap][str(cc)] = (int(n), bool(sim))
    snaps = [r[0] for r in lake.rows("SELECT DISTINCT snapshot FROM peeringdb_fac")]
    out = []
    for snap in snaps:
        got = by_snap.get(snap, {})
        for cc in countries(lake):
            n, sim = got.get(cc, (0, False))
            out.append(Obs(cc, snap, float(n), Status.MEASURED if n else Status.ZERO_MEASURED,
                           f"PeeringDB snapshot of {snap}", sim))  # fmt: skip
    return out


def _dependency(lake: Lake) -> list[tuple[Any, ...]]:
    """(cc, date, hegemony scores, simulated) of every IPv4 country dependency."""
    if "bgp_country_dependency" not in lake.present:
        return []
    return lake.rows("SELECT cc, date, list(hegemony), bool_or(simulated) FROM "
                     "bgp_country_dependency WHERE af = 4 GROUP BY 1, 2")  # fmt: skip


def from_route_diversity(lake: Lake, inp: Input) -> list[Obs]:
    """HHI (0–10,000) of the transit ASes above 1 % hegemony, as the country page's transit
    section computes it (`bgp.hegemony.route_diversity`); none above 1 %: not measured."""
    out = []
    for cc, day, scores, sim in _dependency(lake):
        v = heg.route_diversity([float(h) for h in scores])
        why = f"IPv4 country dependency of {day}"
        status = Status.NOT_MEASURED if v is None else Status.MEASURED
        out.append(Obs(str(cc), day, v, status, why if v is not None else
                       f"no transit AS above {heg.HHI_FLOOR:.0%} hegemony on {day}", bool(sim)))  # fmt: skip
    return out


def from_upstreams(lake: Lake, inp: Input) -> list[Obs]:
    """Transit ASes with hegemony of at least 5 % (`bgp.hegemony.upstream_diversity`)."""
    out = []
    for cc, day, scores, sim in _dependency(lake):
        n = heg.upstream_diversity([float(h) for h in scores])
        out.append(Obs(str(cc), day, float(n), Status.MEASURED if n else Status.ZERO_MEASURED,
                       f"IPv4 country dependency of {day}", bool(sim)))  # fmt: skip
    return out


OOKLA_COLUMNS = ("d_mbps", "u_mbps", "lat_ms")


def from_ookla(lake: Lake, inp: Input) -> list[Obs]:
    """`kind:column` of `ookla_country` (e.g. fixed:d_mbps), dated on the quarter's last day."""
    kind, _sep, column = inp.ref.partition(":")
    if "ookla_country" not in lake.present or column not in OOKLA_COLUMNS:
        return []
    rows = lake.rows(f'SELECT cc, date, "{column}", tests, simulated FROM ookla_country '
                     "WHERE kind = ?", [kind])  # fmt: skip
    return [Obs(str(cc), day, float(v), Status.MEASURED if v else Status.ZERO_MEASURED,
                f"Ookla {kind} tiles of the quarter ending {day} ({n:,} tests)", bool(sim))
            for cc, day, v, n, sim in rows]  # fmt: skip


def shutdown_counts(lake: Lake, day: date) -> list[Obs]:
    """Distinct shutdown events starting in the 365 days up to `day` that list each country,
    dated at min(day, the records' known-until date)."""
    if "shutdown_events" not in lake.present:
        return []
    known = lake.rows("SELECT max(known_until), bool_or(simulated) FROM shutdown_events")
    until, sim = known[0] if known else (None, False)
    if until is None:
        return []
    ref = min(day, until)
    first = ref - timedelta(days=SHUTDOWN_WINDOW - 1)
    rows = lake.rows("SELECT cc, count(DISTINCT distinct_event_id) FROM (SELECT "
                     "distinct_event_id, unnest(countries) AS cc, start_date FROM shutdown_events"
                     ") WHERE start_date BETWEEN ? AND ? GROUP BY 1", [first, ref])  # fmt: skip
    got = {str(c): int(n) for c, n in rows}
    why = f"events starting {first} to {ref} (records known until {until})"
    return [Obs(cc, ref, float(got.get(cc, 0)),
                Status.MEASURED if got.get(cc) else Status.ZERO_MEASURED, why, bool(sim))
            for cc in countries(lake)]  # fmt: skip


def wdi_observations(files: Iterable[RawFile], code: str) -> list[Obs]:
    """A WDI series from the stored World Bank files (oldest snapshot first; later files replace
    earlier values of the same country-year), dated 31 December of each year. A wide CSV without
    indicator code is read as the indicator its stored name carries (`economics.worldbank`)."""
    values: dict[tuple[str, int], float] = {}
    for f in sorted(files, key=lambda f: f.provenance.snapshot):
        for o in read_wdi(f.path, indicator_of_name(f.provenance.name)):
            if o.indicator == code:
                values[(o.iso3, o.year)] = o.value
    out = []
    for (iso3, year), v in sorted(values.items()):
        c = pycountry.countries.get(alpha_3=iso3)
        if c is None:
            continue
        out.append(Obs(c.alpha_2, date(year, 12, 31), v,
                       Status.MEASURED if v else Status.ZERO_MEASURED, f"World Bank {code} {year}"))  # fmt: skip
    return out


Reader = Callable[[Lake, Input], list[Obs]]
READERS: dict[Kind, Reader] = {
    Kind.INDICATOR: from_indicator,
    Kind.APNIC_IPV6: from_apnic,
    Kind.PEERINGDB_FAC: from_facilities,
    Kind.ROUTE_DIVERSITY: from_route_diversity,
    Kind.UPSTREAMS: from_upstreams,
    Kind.OOKLA: from_ookla,
}


def at(obs: list[Obs], inp: Input, day: date, ccs: Iterable[str]) -> dict[str, Pick]:
    """Each country's value of `inp` for index date `day` by the reference date rule."""
    dates = [o.day for o in obs if o.day <= day and has_value(o.status)]
    if not dates:
        why = (f"no {inp.id} value on or before {day}" if obs
               else f"{inp.id}: its source ({inp.source}) is not loaded")  # fmt: skip
        return {cc: Pick(None, None, Status.NOT_MEASURED, why) for cc in ccs}
    ref = max(dates)
    if (day - ref).days > inp.max_age_days:
        why = f"{inp.id}: latest value {ref} is more than {inp.max_age_days} days before {day}"
        return {cc: Pick(ref, None, Status.NOT_COMPARABLE, why) for cc in ccs}
    on = {o.cc: o for o in obs if o.day == ref}
    out = {}
    for cc in ccs:
        o = on.get(cc)
        if o is None:
            out[cc] = Pick(ref, None, Status.NOT_MEASURED, f"no {inp.id} value for {cc} on {ref}")
        elif has_value(o.status) and o.value is not None:
            out[cc] = Pick(ref, o.value, o.status, o.reason or f"value of {ref}", o.simulated)
        else:
            out[cc] = Pick(ref, None, o.status, o.reason or f"{o.status} on {ref}", o.simulated)
    return out


def latest_date(obs: Iterable[Obs]) -> date | None:
    days = [o.day for o in obs if has_value(o.status)]
    return max(days) if days else None
