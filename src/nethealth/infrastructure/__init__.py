"""Infrastructure: number resources (RIR delegations), address space (ip-location-db), IXPs
(PeeringDB), countries and the registries later areas build on (Tranco, AS names, AS hegemony)."""
