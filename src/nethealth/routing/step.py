"""The routing area's build steps, declared here; what each does is in its own module
(`coverage_step`, `incidents_step`, `scorecard`)."""

from __future__ import annotations

from nethealth.lake.build import Step
from nethealth.routing import caida, coverage_step, incidents_step, irr, scorecard
from nethealth.sources import rir

ROUTING = Step(
    id="routing",
    version="3",
    description="ROV coverage per ASN and country, transit and peer filtering per RIB date; "
    "AS relationships (CAIDA's file in force, else inferred: Gao); IRR route objects",
    run=coverage_step.build,
    outputs=coverage_step.OUTPUTS,
    sources=(*coverage_step.BGP_SOURCES, irr.SOURCE_ID, caida.SOURCE_ID),
    # rir: the ASN→country map comes from its rir_delegations
    depends=("rpki", "rir", "countries"),
)

INCIDENTS = Step(
    id="routing_incidents",
    version="3",
    description="Routing incidents (MOAS, sub-prefix hijacks, route leaks, bogons incl. "
    "unallocated space) per UTC day from RIB and update dumps, joined across midnight",
    run=incidents_step.build,
    outputs=(incidents_step.DATASET, incidents_step.DAYS),
    sources=(*coverage_step.BGP_SOURCES, rir.SOURCE_ID, caida.SOURCE_ID),
    # rpki: the VRPs in force; rir: the delegations (unallocated space)
    depends=("rpki", "rir"),
)

SCORECARDS = Step(
    id="routing_scorecards",
    version="2",
    description="MANRS-style scorecards per month and originating AS, with country roll-ups",
    run=scorecard.build_scorecards,
    outputs=(scorecard.SCORECARDS, scorecard.COUNTRY_ROLLUPS, scorecard.INPUTS),
    # routing: routes, relationships, IRR, ASN->country; routing_incidents: Filtering;
    # peeringdb: Coordination
    depends=("routing", "routing_incidents", "peeringdb"),
)

STEPS = (ROUTING, INCIDENTS, SCORECARDS)
