"""The incident record every detector returns, and the grouping they share."""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

INCIDENT_TYPES = ("moas", "subprefix_hijack", "route_leak", "bogon_prefix", "bogon_asn")
INCIDENT_SCHEMA = pa.schema([
    ("id", pa.string()), ("type", pa.string()), ("prefix", pa.string()),
    ("origin_asn", pa.uint32()), ("culprit_asn", pa.uint32()),
    ("victim_asns", pa.list_(pa.uint32())), ("prefixes", pa.list_(pa.string())),
    ("start", pa.timestamp("us", tz="UTC")), ("end", pa.timestamp("us", tz="UTC")),
    ("ongoing", pa.bool_()), ("peers", pa.list_(pa.string())), ("peer_count", pa.int64()),
    ("paths", pa.list_(pa.string())), ("rpki_state", pa.string()),
    ("confidence", pa.float64()), ("detail", pa.string()),
    ("sightings", pa.list_(pa.struct([
        ("collector", pa.string()), ("peer", pa.string()), ("peer_asn", pa.uint32()),
        ("path", pa.string()), ("first_seen", pa.timestamp("us", tz="UTC")),
        ("last_seen", pa.timestamp("us", tz="UTC")),
    ]))),
])  # fmt: skip
SIGHTING_TYPE = INCIDENT_SCHEMA.field("sightings").type.value_type
INCIDENT_FIELDS = {
    "culprit_asn": "the AS that caused it: the new origin (hijacks, bogons) or the leaker",
    "victim_asns": "origins that held the prefix before (hijacks) or whose routes leaked",
    "end": "last moment a peer still had the route (null: still there at the window end)",
    "paths": "distinct AS paths the peers saw, space-separated, collector side first",
    "confidence": "0-1: share of full-feed peers that saw it, raised when RPKI says invalid",
    "sightings": "per (collector peer, AS path): when the peer first and last had it (last_seen "
    "of a route still there at the window end is the window end); collector and peer are null "
    "when the MRT files were read without a collector name",
}

# Group matched intervals into one incident per key; {key} and {extra} are fixed SQL fragments
# chosen by the detector modules, never user input. Keys are never null (JOIN ... USING).
# `sightings` pairs each peer with the paths it saw (the flat peers/paths lists lose that); a
# peer is `collector|peer_ip` (routing.timeline), split back here.
SIGHTINGS_CTE = """
sight AS (
  SELECT {key}, peer, any_value(peer_asn) AS peer_asn, path_text, min(t0) AS first_seen,
         max(t1) AS last_seen
  FROM hits GROUP BY {key}, peer, path_text),
sights AS (
  SELECT {key}, list(struct_pack(collector := nullif(split_part(peer, '|', 1), ''),
                                 peer := split_part(peer, '|', 2), peer_asn := peer_asn,
                                 path := path_text, first_seen := first_seen,
                                 last_seen := last_seen)
                     ORDER BY peer, path_text) AS sightings
  FROM sight GROUP BY {key})
"""
GROUP_SQL = (
    "WITH "
    + SIGHTINGS_CTE
    + """, g AS (
SELECT {key}, min(t0) AS start, max(t1) AS "end", bool_or(open_end) AS ongoing,
       list(DISTINCT peer ORDER BY peer) AS peers, count(DISTINCT peer) AS peer_count,
       list(DISTINCT path_text ORDER BY path_text) AS paths,
       list(DISTINCT prefix ORDER BY prefix) AS prefixes {extra}
FROM hits GROUP BY {key})
SELECT g.*, sights.sightings FROM g JOIN sights USING ({key}) ORDER BY start, {key}
"""
)


def group_hits(hits: pa.Table, key: str, extra: str = "") -> pa.Table:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("hits", hits)
        return con.sql(GROUP_SQL.format(key=key, extra=extra)).to_arrow_table()
    finally:
        con.close()


def incident_id(kind: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join([kind, *map(str, parts)]).encode()).hexdigest()[:12]
    return f"{kind}-{digest}"


def full_feed_peers(intervals: pa.Table) -> int:
    """Peers whose baseline table has >= 75 % of the largest peer's prefixes (either family)."""
    con = duckdb.connect()
    try:
        con.register("iv", intervals)
        row = con.execute(
            "WITH c AS (SELECT peer, af, count(DISTINCT prefix) AS n FROM iv WHERE baseline "
            "GROUP BY ALL) SELECT count(DISTINCT peer) FROM c "
            "WHERE n >= 0.75 * (SELECT max(n) FROM c c2 WHERE c2.af = c.af)"
        ).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def confidence(peer_count: int, full_feed: int, rpki_state: str | None) -> float:
    """Seen widely -> more certain; an RPKI-invalid new origin adds independent evidence."""
    base = 0.4 + 0.4 * min(1.0, peer_count / max(1, full_feed))
    if rpki_state == "invalid":
        base += 0.2
    return round(min(1.0, base), 3)


def finish(rows: list[dict[str, object]]) -> pa.Table:
    return (
        pa.Table.from_pylist(rows, schema=INCIDENT_SCHEMA)
        if rows
        else (INCIDENT_SCHEMA.empty_table())
    )


def rpki_lookup(prefixes: list[str], origins: list[int], vrps: pa.Table | None) -> list[str | None]:
    """RFC 6811 state of each (canonical prefix, origin); None without VRPs."""
    if vrps is None or not prefixes:
        return [None] * len(prefixes)
    from nethealth.rpki.coverage import route_states

    routes = pa.table({"prefix": prefixes, "origin_asn": pa.array(origins, pa.int64())})
    st = route_states(routes, vrps)
    got = dict(
        zip(
            zip(st["prefix"].to_pylist(), st["origin_asn"].to_pylist(), strict=True),
            st["state"].to_pylist(),
            strict=True,
        )
    )
    # prefixes here come from routes tables, already in canonical text
    return [got.get((p, o)) for p, o in zip(prefixes, origins, strict=True)]
