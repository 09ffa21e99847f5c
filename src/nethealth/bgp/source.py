"""The two BGP archive sources: RIPE RIS and RouteViews (MRT RIB and UPDATES dumps)."""

from __future__ import annotations

from nethealth.sources.base import SourceInfo

RIS = SourceInfo(
    id="bgp-ris",
    title="RIPE RIS BGP dumps (MRT)",
    publisher="RIPE NCC Routing Information Service (route collectors rrc00-rrc26)",
    homepage="https://www.ripe.net/analyse/internet-measurements/routing-information-service-ris/",
    licence="RIPE NCC RIS data: free to use with attribution to the RIPE NCC",
    licence_url="https://www.ripe.net/analyse/internet-measurements/routing-information-service-ris/",
    attribution="BGP data from the RIPE NCC Routing Information Service (RIS).",
    description="RIB dumps (every 8 hours) and BGP updates (every 5 minutes) of the RIS route "
    "collectors, in MRT format (RFC 6396).",
)
ROUTEVIEWS = SourceInfo(
    id="bgp-routeviews",
    title="RouteViews BGP dumps (MRT)",
    publisher="University of Oregon Route Views Project",
    homepage="https://www.routeviews.org/routeviews/",
    licence="University of Oregon Route Views Project: free to use with attribution",
    licence_url="https://www.routeviews.org/routeviews/",
    attribution="BGP data from the University of Oregon Route Views Project.",
    description="RIB dumps (every 2 hours) and BGP updates (every 15 minutes) of the RouteViews "
    "collectors, in MRT format (RFC 6396).",
)
SOURCES = (RIS, ROUTEVIEWS)
