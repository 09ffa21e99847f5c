"""The Arrow schema of decoded BGP elements, as `formats.mrt` yields them (one row per route,
withdrawal or state change; schema id `bgp.elements/1`, kept in the Parquet metadata)."""

from __future__ import annotations

import pyarrow as pa

RECORD_TYPES = (
    "TABLE_DUMP",
    "TABLE_DUMP2",
    "TABLE_DUMP2_AP",
    "BGP4MP",
    "BGP4MP_ET",
    "BGP",
    "BGP4MP_AP",
    "BGP4MP_ET_AP",
    "BGP4MP_LOCAL",
    "BGP4MP_ET_LOCAL",
    "BGP4MP_LOCAL_AP",
    "BGP4MP_ET_LOCAL_AP",
    "BGP4MP_ENTRY",
)
ELEM_TYPES = ("rib", "announce", "withdraw", "state")
ORIGINS = ("IGP", "EGP", "INCOMPLETE")

# as_path_segments values: segment type per ASN, | 0x80 on the first ASN of each segment.
AS_SET = 1
AS_SEQUENCE = 2
AS_CONFED_SEQUENCE = 3
AS_CONFED_SET = 4
SEGMENT_START = 0x80

LARGE_COMMUNITY = pa.struct(
    [("global_admin", pa.uint32()), ("local_data1", pa.uint32()), ("local_data2", pa.uint32())]
)

SCHEMA = pa.schema(
    [
        pa.field("collector", pa.dictionary(pa.int32(), pa.string())),
        pa.field("record_type", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("elem_type", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("peer_ip", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("peer_asn", pa.uint32(), nullable=False),
        pa.field("prefix", pa.string()),
        pa.field("af", pa.int8()),
        pa.field("prefix_len", pa.uint8()),
        pa.field("range_start", pa.uint64()),
        pa.field("range_end", pa.uint64()),
        pa.field("range_start_lo", pa.uint64()),
        pa.field("range_end_lo", pa.uint64()),
        pa.field("path_id", pa.uint32()),
        pa.field("as_path", pa.list_(pa.uint32())),
        pa.field("as_path_segments", pa.list_(pa.uint8())),
        pa.field("origin_asns", pa.list_(pa.uint32())),
        pa.field("next_hop", pa.string()),
        pa.field("origin", pa.dictionary(pa.int8(), pa.string())),
        pa.field("med", pa.uint32()),
        pa.field("local_pref", pa.uint32()),
        pa.field("communities", pa.list_(pa.uint32())),
        pa.field("large_communities", pa.list_(LARGE_COMMUNITY)),
        pa.field("atomic_aggregate", pa.bool_()),
        pa.field("aggregator_asn", pa.uint32()),
        pa.field("aggregator_ip", pa.string()),
        pa.field("old_state", pa.uint16()),
        pa.field("new_state", pa.uint16()),
    ],
    metadata={
        "nethealth.schema": "bgp.elements/1",
        "prefix": "text as encoded on the wire (host bits kept, as bgpdump prints them)",
        "range_start": "first address of the masked prefix: IPv4 as a 32-bit number, IPv6 top "
        "64 bits (the lake's ipdb convention); range_start_lo: IPv6 low 64 bits",
        "as_path": "AS_PATH after RFC 6793 merging with AS4_PATH; sets are flattened in place",
        "as_path_segments": "null when the path has only AS_SEQUENCE segments; else per ASN its segment type "
        "(1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET) | 0x80 at each "
        "segment's first ASN",
        "origin_asns": "last path segment: its last ASN, or every member of a final AS_SET",
        "communities": "RFC 1997 values as 32-bit numbers (high 16 bits: AS)",
    },
)

FIELD_DOCS: dict[str, str] = {
    "collector": "collector name given at decode time (null when unknown)",
    "record_type": "MRT record kind as bgpdump names it (TABLE_DUMP2, BGP4MP_ET, ...)",
    "elem_type": "rib, announce, withdraw or state",
    "timestamp": "record time in microseconds (BGP4MP_ET precision), UTC",
    "peer_ip": "the BGP peer the element was learnt from",
    "peer_asn": "the peer's AS number",
    "prefix": "announced / withdrawn prefix (null for state changes)",
    "af": "4 or 6",
    "prefix_len": "prefix length in bits",
    "path_id": "RFC 7911 / 8050 path identifier (ADD-PATH records only)",
    "next_hop": "NEXT_HOP, or the MP_REACH_NLRI global next hop",
    "origin": "ORIGIN attribute",
    "med": "MULTI_EXIT_DISC",
    "local_pref": "LOCAL_PREF",
    "large_communities": "RFC 8092 large communities",
    "atomic_aggregate": "ATOMIC_AGGREGATE present",
    "aggregator_asn": "AGGREGATOR AS (AS4_AGGREGATOR when AGGREGATOR holds AS_TRANS)",
    "aggregator_ip": "AGGREGATOR address",
    "old_state": "BGP FSM state before a state change",
    "new_state": "BGP FSM state after a state change",
}
