"""RPKI: VRP loading, SLURM, RFC 6811 route origin validation and ROA coverage indicators.

Layout: `prefixes` (IP prefix text <-> integer columns), `rov` (the vectorised validator),
`routes_csv` (the `prefix,origin_asn` route lists of `nethealth rpki validate`), `source` and
`build` (fetching validator exports into the lake), `coverage` (per-ASN / per-country
indicators) and `cli`. The file formats themselves live in `nethealth.formats.vrp` and
`nethealth.formats.slurm`.
"""
