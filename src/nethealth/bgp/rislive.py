"""RIS Live (RIPE NCC's real-time BGP feed) into the same Arrow element batches as MRT files.

Each `ris_message` becomes one BGP4MP_ET record for the native decoder: the message's `raw` BGP
bytes when present (authoritative, decoded exactly like an MRT update), otherwise a BGP UPDATE
re-encoded from its JSON fields (path with nested lists for AS_SETs, community, origin, med,
aggregator, announcements, withdrawals). `RIS_PEER_STATE` becomes a state element (connected ->
6 Established, down -> 1 Idle; the previous state is unknown: 0). OPEN, KEEPALIVE and
NOTIFICATION carry no routes. Elements are grouped per collector (`host`), in arrival order.

`stream()` reads the HTTP streaming endpoint (one JSON message per line); any iterable of lines
(a recorded file, a WebSocket client's messages) goes through `read_messages()`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyarrow as pa

from nethealth.errors import FetchError, InputError
from nethealth.formats import _mrt
from nethealth.formats import mrt_encode as enc
from nethealth.formats.mrt import batch_from_columns
from nethealth.settings import Settings

STREAM_URL = "https://ris-live.ripe.net/v1/stream/?format=json"
STATES = {"connected": 6, "up": 6, "down": 1}
ORIGINS = {"igp": 0, "egp": 1, "incomplete": 2}


@dataclass
class LiveReport:
    messages: int = 0
    updates: int = 0
    from_raw: int = 0
    from_json: int = 0
    state_changes: int = 0
    other: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _path_segments(path: list[Any]) -> list[tuple[int, list[int]]]:
    segs: list[tuple[int, list[int]]] = []
    for hop in path:
        if isinstance(hop, list):
            segs.append((1, [int(a) for a in hop]))
        elif segs and segs[-1][0] == 2:
            segs[-1][1].append(int(hop))
        else:
            segs.append((2, [int(hop)]))
    return segs


def _update_from_json(d: dict[str, Any]) -> bytes:
    """A BGP UPDATE message (4-byte ASNs) carrying what the JSON message says."""
    v4_ann: list[bytes] = []
    v6_ann: dict[str, list[bytes]] = {}
    for a in d.get("announcements") or []:
        for p in a.get("prefixes") or []:
            if ":" in p:
                v6_ann.setdefault(a.get("next_hop", "::"), []).append(enc.nlri(p))
            else:
                v4_ann.append(enc.nlri(p))
    v4_nh = next(
        (
            a.get("next_hop")
            for a in d.get("announcements") or []
            if any(":" not in p for p in a.get("prefixes") or [])
        ),
        None,
    )
    withdrawn = [str(p) for p in d.get("withdrawals") or []]
    v4_w = b"".join(enc.nlri(p) for p in withdrawn if ":" not in p)
    v6_w = b"".join(enc.nlri(p) for p in withdrawn if ":" in p)
    agg = None
    if d.get("aggregator"):
        asn, _, ip = str(d["aggregator"]).partition(":")
        agg = (int(asn), ip)
    attrs = enc.Attrs(
        origin=ORIGINS.get(str(d.get("origin", "")).lower()),
        path=_path_segments(d.get("path") or []),
        next_hop=v4_nh if v4_nh and ":" not in v4_nh else None,
        med=d.get("med"),
        local_pref=d.get("local_pref"),
        atomic=bool(d.get("atomic_aggregate")),
        aggregator=agg,
        communities=[(int(a) << 16) | int(b) for a, b in d.get("community") or []] or None,
    )
    mp = b""
    for nh, prefixes in v6_ann.items():
        mp += enc.mp_reach(2, [nh.split(",")[0]], b"".join(prefixes))
    if v6_w:
        mp += enc.mp_unreach(2, v6_w)
    has_routes = bool(v4_ann or v6_ann)
    body_attrs = attrs.encode(mp=mp) if has_routes else (enc.mp_unreach(2, v6_w) if v6_w else b"")
    return enc.update(v4_w, body_attrs, b"".join(v4_ann))


def _record(d: dict[str, Any], message: bytes | None, state: int | None) -> bytes:
    ts = float(d["timestamp"])
    secs = int(ts)
    usec = min(999_999, round((ts - secs) * 1e6))
    peer, asn = str(d["peer"]), int(d["peer_asn"])
    if state is not None:
        return enc.bgp4mp_state(secs, peer, asn, 0, state, usec=usec)
    assert message is not None
    return enc.bgp4mp_message(secs, peer, asn, message, usec=usec)


class _Host:
    def __init__(self, name: str, batch_size: int, strict: bool) -> None:
        self.name = name
        self.dec = _mrt.Decoder(strict=strict, batch_size=batch_size)
        self.pending = 0

    def batches(self, final: bool) -> Iterator[pa.RecordBatch]:
        while (cols := self.dec.decode(final)) is not None:
            yield batch_from_columns(cols, self.name)


def read_messages(
    lines: Iterable[str | bytes],
    *,
    strict: bool = True,
    batch_size: int = 4096,
    report: LiveReport | None = None,
) -> Iterator[pa.RecordBatch]:
    """Decode RIS Live JSON messages (one per line) into element batches, per collector."""
    rep = report if report is not None else LiveReport()
    hosts: dict[str, _Host] = {}
    for lineno, line in enumerate(lines, start=1):
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        if not text.strip():
            continue
        rep.messages += 1
        try:
            msg = json.loads(text)
            kind = msg.get("type")
            if kind == "ris_error":
                raise ValueError(f"RIS Live error: {msg.get('data', {}).get('message')}")
            if kind != "ris_message":
                rep.other += 1
                continue
            d = msg["data"]
            mtype = d.get("type")
            if mtype == "UPDATE":
                raw = d.get("raw")
                if raw:
                    message = bytes.fromhex(raw)
                    rep.from_raw += 1
                else:
                    message = _update_from_json(d)
                    rep.from_json += 1
                record = _record(d, message, None)
                rep.updates += 1
            elif mtype == "RIS_PEER_STATE":
                state = STATES.get(str(d.get("state")))
                if state is None:
                    raise ValueError(f"unknown peer state {d.get('state')!r}")
                record = _record(d, None, state)
                rep.state_changes += 1
            else:
                rep.other += 1
                continue
        except (ValueError, KeyError, TypeError, AttributeError, struct.error) as exc:
            if strict:
                raise InputError(
                    f"bad RIS Live message: {exc}",
                    path="RIS Live",
                    line=lineno,
                    hint="use strict=False to skip and count bad messages",
                ) from exc
            rep.skipped += 1
            if len(rep.errors) < 100:
                rep.errors.append(f"line {lineno}: {exc}")
            continue
        host_name = str(d.get("host") or "")
        host = hosts.get(host_name)
        if host is None:
            host = hosts[host_name] = _Host(host_name, batch_size, strict)
        host.dec.feed(record)
        try:
            yield from host.batches(False)
        except _mrt.DecodeError as exc:
            raise InputError(
                f"bad BGP message: {exc.args[0]}", path="RIS Live", line=lineno
            ) from None
    for host in hosts.values():
        yield from host.batches(True)
        rep.skipped += host.dec.stats()["skipped_records"]


def stream(
    settings: Settings,
    *,
    url: str = STREAM_URL,
    max_messages: int | None = None,
    strict: bool = False,
    report: LiveReport | None = None,
) -> Iterator[pa.RecordBatch]:
    """Read the RIS Live HTTP stream (JSON lines) until `max_messages` (or the server closes)."""

    def lines() -> Iterator[str]:
        try:
            with (
                httpx.Client(timeout=settings.http_timeout) as client,
                client.stream("GET", url, headers={"User-Agent": settings.user_agent}) as resp,
            ):
                if resp.status_code != 200:
                    raise FetchError(f"HTTP {resp.status_code}", url=url, hint="retry later")
                for i, line in enumerate(resp.iter_lines()):
                    if max_messages is not None and i >= max_messages:
                        return
                    yield line
        except httpx.HTTPError as exc:
            raise FetchError(f"stream failed: {exc}", url=url, hint="retry later") from exc

    yield from read_messages(lines(), strict=strict, report=report)
