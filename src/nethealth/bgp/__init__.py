"""BGP data plane: decoded MRT dumps and RIS Live reduced to routing tables and indicators (see
docs/bgp.md). The MRT decoder itself is a format (`nethealth.formats.mrt`); the publishers'
archives are `nethealth.sources.collectors`.
"""
