"""The simulated twin of DB-IP's "IP to City Lite": `mirror/dbip/dbip-city-lite-YYYY-MM.csv.gz`.

DB-IP's layout (no header): `ip_start,ip_end,continent,country,stateprov,city,latitude,
longitude`. One row per delegated block (every announced prefix and every probe address lies in
one), placed in the home subdivision of the AS holding it (`events.as_subdivisions`), so the
regions a regional shutdown hits are the regions the file says. `stateprov` is the
subdivision's name as DB-IP writes names (no code), `city` repeats it, coordinates are 0: all
invented. IXP blocks and countries without subdivisions get an empty `stateprov`. The file is
simulated by living under the simulator's tree (sim.json).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np

from nethealth.sim.addressing import v4_text, v6_text
from nethealth.sim.events import as_subdivisions
from nethealth.sim.geo import CONTINENTS
from nethealth.sim.output import OutputTree
from nethealth.sim.resources import Resources
from nethealth.sim.world import World


def dbip_path(month: dt.date) -> str:
    return f"mirror/dbip/dbip-city-lite-{month.year:04d}-{month.month:02d}.csv.gz"


def _bounds(af: int, net: int, length: int) -> tuple[str, str]:
    if af == 4:
        return v4_text(net), v4_text(net + (1 << (32 - length)) - 1)
    top_mask = (1 << max(0, 64 - length)) - 1
    return v6_text(net), v6_text(net | top_mask, (1 << 64) - 1)


def dbip_rows(w: World, res: Resources) -> list[list[str]]:
    """The file's rows, sorted by family then address."""
    home = as_subdivisions(w)
    order = np.lexsort((res.al_net, res.al_af))
    rows = []
    for j in order.tolist():
        af, net, length = int(res.al_af[j]), int(res.al_net[j]), int(res.al_len[j])
        c = w.countries[int(res.al_cc[j])]
        owner = int(res.al_as[j])
        # Only a holder of the block's own country can place it in one of its subdivisions.
        sub = home[owner] if owner >= 0 and int(w.country[owner]) == int(res.al_cc[j]) else None
        start, end = _bounds(af, net, length)
        name = sub.name if sub is not None else ""
        rows.append([start, end, CONTINENTS[c.region], c.cc, name, name or c.capital, "0", "0"])
    return rows


def write_dbip(tree: OutputTree, w: World, res: Resources, month: dt.date) -> int:
    """Write the month's file; returns its number of rows."""
    rows = dbip_rows(w, res)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    tree.write_text(dbip_path(month), buf.getvalue())
    return len(rows)
