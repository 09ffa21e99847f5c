"""IRR route-object dumps (RPSL) into the raw store: RIPE's split dumps and RADB's dump.

Layouts (the base URL is a parameter, so a mirror or `file://` works the same):

- RIPE: {base}/ripe.db.route.gz and {base}/ripe.db.route6.gz, base
  https://ftp.ripe.net/ripe/dbase/split
- RADB: {base}/radb.db.gz, base https://ftp.radb.net/radb/dbase

Each file is stored as raw/irr/<snapshot>/<database>.<file name>; the lake step `routing` parses
them (lenient: a bad object is skipped and counted, not fatal) into `routing_irr_routes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from nethealth.errors import ConfigError
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo
from nethealth.sources.download import fetch_to_store, join_url

SOURCE_ID = "irr"
SOURCE = SourceInfo(
    id=SOURCE_ID,
    title="IRR route objects (RPSL dumps)",
    publisher="RIPE NCC (RIPE Database) and Merit (RADb)",
    homepage="https://www.ripe.net/manage-ips-and-asns/db/",
    licence="RIPE Database Terms and Conditions; RADb: public dump, Merit terms of use",
    licence_url="https://www.ripe.net/manage-ips-and-asns/db/support/documentation/terms",
    attribution="Routing policy data from the RIPE Database and RADb.",
    description="route and route6 objects (prefix, origin AS) registered in Internet Routing "
    "Registries, used for the MANRS IRR readiness of the scorecard.",
)
DATABASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ripe": ("https://ftp.ripe.net/ripe/dbase/split", ("ripe.db.route.gz", "ripe.db.route6.gz")),
    "radb": ("https://ftp.radb.net/radb/dbase", ("radb.db.gz",)),
}


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    day: date,
    databases: Sequence[str] = ("ripe",),
    base_urls: dict[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[RawFile]:
    """Download the route dumps of `databases` as the snapshot of `day`."""
    out = []
    for db in databases:
        if db not in DATABASES:
            raise ConfigError(
                f"unknown IRR database {db!r}", hint=f"choose among {', '.join(DATABASES)}"
            )
        default_base, names = DATABASES[db]
        base = (base_urls or {}).get(db, default_base)
        for name in names:
            out.append(
                fetch_to_store(
                    store,
                    source_id=SOURCE_ID,
                    snapshot=day.isoformat(),
                    name=f"{db}.{name}",
                    url=join_url(base, name),
                    licence=SOURCE.licence,
                    settings=settings,
                    progress=progress,
                )
            )
    return out
