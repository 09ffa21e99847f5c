"""ip-location-db: IP range → ASN / AS name and IP range → RIR country (npm packages, CC BY 4.0).

Fetched from the npm CDN layout `{base}/@ip-location-db/{package}/{file}` — by default
jsDelivr; the offline demo points the same code at the installed `node_modules`.
The package version (e.g. 2.3.2026061719) carries the data date, which becomes the snapshot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pyarrow as pa

from nethealth.errors import InputError
from nethealth.formats.compression import read_bytes
from nethealth.formats.iprange_csv import parse_range_csv
from nethealth.lake.build import Step, StepContext
from nethealth.lake.raw import RawFile, RawStore
from nethealth.settings import Settings
from nethealth.sources.base import SourceInfo
from nethealth.sources.common import concat, with_snapshot
from nethealth.sources.download import fetch_to_store, join_url, read_small

INFO = SourceInfo(
    id="ipdb",
    title="IP to ASN and IP to country (ip-location-db)",
    publisher="sapics/ip-location-db, from RouteViews, DB-IP and the NRO (five RIRs)",
    homepage="https://github.com/sapics/ip-location-db",
    licence="CC BY 4.0",
    licence_url="https://creativecommons.org/licenses/by/4.0/",
    attribution=(
        "IP to ASN data by RouteViews and DB-IP, IP to country data by the NRO, compiled by "
        "ip-location-db (npm @ip-location-db/asn and @ip-location-db/asn-country), CC BY 4.0."
    ),
    description=(
        "Inclusive IP ranges with the originating AS number and name, and with the RIR "
        "country of registration, for IPv4 and IPv6."
    ),
)


SOURCE_ID = "ipdb"
# file name → (npm package, address family, kind)
FILES: dict[str, tuple[str, int, str]] = {
    "asn-ipv4-num.csv": ("asn", 4, "asn"),
    "asn-ipv6-num.csv": ("asn", 6, "asn"),
    "asn-country-ipv4-num.csv": ("asn-country", 4, "country"),
    "asn-country-ipv6-num.csv": ("asn-country", 6, "country"),
}
VERSION_DATE = re.compile(r"^\d+\.\d+\.(\d{4})(\d{2})(\d{2})\d*$")

ASN_SCHEMA = pa.schema([("snapshot", pa.date32()), ("af", pa.int8()), ("start", pa.uint64()),
                        ("end", pa.uint64()), ("asn", pa.uint32()), ("as_name", pa.string()),
                        ("simulated", pa.bool_())])  # fmt: skip
COUNTRY_SCHEMA = pa.schema([("snapshot", pa.date32()), ("af", pa.int8()), ("start", pa.uint64()),
                            ("end", pa.uint64()), ("cc", pa.string()),
                            ("simulated", pa.bool_())])  # fmt: skip


def snapshot_of_version(version: str, where: str) -> str:
    m = VERSION_DATE.match(version)
    if not m:
        raise InputError(
            f"package version {version!r} does not end in a YYYYMMDD data date",
            path=where,
            field="version",
        )
    return f"{m[1]}-{m[2]}-{m[3]}"


def fetch(
    settings: Settings,
    store: RawStore,
    *,
    base_url: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[RawFile]:
    base = base_url or settings.ipdb_base_url
    licence = INFO.licence
    snapshots: dict[str, str] = {}
    for package in ("asn", "asn-country"):
        url = join_url(base, "@ip-location-db", package, "package.json")
        try:
            meta = json.loads(read_small(url, settings))
        except json.JSONDecodeError:
            raise InputError("package.json is not valid JSON", path=url) from None
        snapshots[package] = snapshot_of_version(str(meta.get("version", "")), url)
    out = []
    for name, (package, _af, _kind) in FILES.items():
        url = join_url(base, "@ip-location-db", package, name)
        out.append(
            fetch_to_store(
                store,
                source_id=SOURCE_ID,
                snapshot=snapshots[package],
                name=name,
                url=url,
                licence=licence,
                settings=settings,
                progress=progress,
            )
        )
    return out


def build(ctx: StepContext) -> None:
    asn_tables: list[pa.Table] = []
    country_tables: list[pa.Table] = []
    files = [f for f in ctx.raw_files(SOURCE_ID) if f.provenance.name in FILES]
    for i, raw in enumerate(files):
        ctx.progress(f"ipdb {raw.provenance.snapshot} {raw.provenance.name}", i, len(files))
        _package, af, kind = FILES[raw.provenance.name]
        table = parse_range_csv(read_bytes(raw.path), raw.path, af=af, kind=kind)
        (asn_tables if kind == "asn" else country_tables).append(with_snapshot(table, raw))
    ctx.write_dataset("ipdb_asn", concat(asn_tables, ASN_SCHEMA))
    ctx.write_dataset("ipdb_country", concat(country_tables, COUNTRY_SCHEMA))


STEP = Step(
    id="ipdb",
    version="1",
    description="Parse ip-location-db ranges into ipdb_asn and ipdb_country",
    run=build,
    outputs=("ipdb_asn", "ipdb_country"),
    sources=(SOURCE_ID,),
)
