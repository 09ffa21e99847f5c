"""RFC 8416 SLURM files: local filters and assertions over a validator's output.

`parse_slurm` reads a file strictly (unknown members are refused, so a typo such as `maxLength`
for `maxPrefixLength` cannot silently widen an assertion). `apply_slurm` removes the VRPs and
router keys matched by any filter of any file, then adds every assertion (RFC 8416 section 4).
Version 2 files (the ASPA extension draft) are accepted; their ASPA members are counted, not used.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from nethealth.common.prefixes import PrefixSyntaxError, from_range_columns, mask, parse_prefixes
from nethealth.errors import InputError
from nethealth.formats.vrp import ASN_MAX, ROUTER_KEY_SCHEMA, VRP_SCHEMA, vrp_table

VERSIONS = (1, 2)
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_TOP = {"slurmVersion", "validationOutputFilters", "locallyAddedAssertions"}
_FILTERS = {
    1: {"prefixFilters", "bgpsecFilters"},
    2: {"prefixFilters", "bgpsecFilters", "aspaFilters"},
}
_ASSERTIONS = {
    1: {"prefixAssertions", "bgpsecAssertions"},
    2: {"prefixAssertions", "bgpsecAssertions", "aspaAssertions"},
}


@dataclass(frozen=True)
class PrefixFilter:
    prefix: str | None
    asn: int | None
    comment: str | None = None


@dataclass(frozen=True)
class BgpsecFilter:
    asn: int | None
    ski: str | None  # lower-case hex of the decoded SKI
    comment: str | None = None


@dataclass(frozen=True)
class PrefixAssertion:
    asn: int
    prefix: str
    max_prefix_length: int | None
    comment: str | None = None


@dataclass(frozen=True)
class BgpsecAssertion:
    asn: int
    ski: str  # lower-case hex
    router_public_key: str  # as written (base64url)
    comment: str | None = None


@dataclass(frozen=True)
class Slurm:
    path: str
    version: int
    prefix_filters: tuple[PrefixFilter, ...]
    bgpsec_filters: tuple[BgpsecFilter, ...]
    prefix_assertions: tuple[PrefixAssertion, ...]
    bgpsec_assertions: tuple[BgpsecAssertion, ...]
    aspa_entries: int = 0  # ASPA filters and assertions (version 2), not applied
    skipped: tuple[str, ...] = ()  # lenient mode: what was left out, and why


@dataclass(frozen=True)
class SlurmOutcome:
    vrps: pa.Table
    router_keys: pa.Table
    vrps_filtered: int
    vrps_added: int
    keys_filtered: int
    keys_added: int
    notes: tuple[str, ...] = field(default=())


def read_slurm(path: Path, *, strict: bool = True) -> Slurm:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=path, hint="check the SLURM path") from None
    return parse_slurm(data, path, strict=strict)


def parse_slurm(data: bytes, path: Path | str, *, strict: bool = True) -> Slurm:
    """Parse a SLURM file. Not strict: BGPsec entries whose SKI or key is not base64url are
    left out and listed in `skipped` (RFC 8416's own example uses placeholders there)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text at byte {exc.start}", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    p = _Parser(str(path), strict)
    top = p.obj(doc, "", _TOP, required=_TOP)
    version = top["slurmVersion"]
    if version not in VERSIONS or isinstance(version, bool):
        raise InputError(
            f"slurmVersion {version!r} is not supported",
            path=path,
            field="slurmVersion",
            hint="RFC 8416 files say 1 (2 is the ASPA extension)",
        )
    filters = p.obj(
        top["validationOutputFilters"],
        "validationOutputFilters",
        _FILTERS[version],
        required={"prefixFilters", "bgpsecFilters"},
    )
    asserts = p.obj(
        top["locallyAddedAssertions"],
        "locallyAddedAssertions",
        _ASSERTIONS[version],
        required={"prefixAssertions", "bgpsecAssertions"},
    )
    pf = [
        p.prefix_filter(e, w)
        for e, w in p.items(filters, "validationOutputFilters", "prefixFilters")
    ]
    bf = [
        p.bgpsec_filter(e, w)
        for e, w in p.items(filters, "validationOutputFilters", "bgpsecFilters")
    ]
    pa_ = [
        p.prefix_assertion(e, w)
        for e, w in p.items(asserts, "locallyAddedAssertions", "prefixAssertions")
    ]
    ba = [
        p.bgpsec_assertion(e, w)
        for e, w in p.items(asserts, "locallyAddedAssertions", "bgpsecAssertions")
    ]
    aspa = len(p.items(filters, "validationOutputFilters", "aspaFilters")) + len(
        p.items(asserts, "locallyAddedAssertions", "aspaAssertions")
    )
    _check_assertion_prefixes(pa_, path)
    return Slurm(
        str(path),
        int(version),
        tuple(pf),
        tuple(x for x in bf if x is not None),
        tuple(pa_),
        tuple(x for x in ba if x is not None),
        aspa,
        tuple(p.skipped),
    )


class _Parser:
    def __init__(self, path: str, strict: bool) -> None:
        self.path = path
        self.strict = strict
        self.skipped: list[str] = []

    def fail(self, message: str, where: str, hint: str | None = None) -> InputError:
        return InputError(message, path=self.path, field=where or None, hint=hint)

    def obj(
        self, value: object, where: str, allowed: set[str], required: set[str]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail("expected a JSON object", where)
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(
                f"unknown member {unknown[0]!r}",
                f"{where}.{unknown[0]}".lstrip("."),
                hint=f"RFC 8416 allows here: {', '.join(sorted(allowed))}",
            )
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(
                f"the member {missing[0]!r} is missing",
                where,
                hint="RFC 8416 requires it, even when empty",
            )
        return value

    def items(self, parent: dict[str, Any], where: str, name: str) -> list[tuple[Any, str]]:
        value = parent.get(name, [])
        if not isinstance(value, list):
            raise self.fail("expected a list", f"{where}.{name}")
        return [(v, f"{where}.{name}[{i}]") for i, v in enumerate(value)]

    def asn(self, value: object, where: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= ASN_MAX:
            return value
        raise self.fail(
            f"{value!r} is not an AS number",
            f"{where}.asn",
            hint="RFC 8416 writes the ASN as a JSON number, e.g. 64496",
        )

    def comment(self, entry: dict[str, Any], where: str) -> str | None:
        value = entry.get("comment")
        if value is not None and not isinstance(value, str):
            raise self.fail("the comment is not a string", f"{where}.comment")
        return value

    def prefix_text(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{value!r} is not a prefix", f"{where}.prefix")
        try:
            parsed = parse_prefixes([value])
        except PrefixSyntaxError as exc:
            raise self.fail(
                f"{value!r} is not a prefix: {exc.reason}",
                f"{where}.prefix",
                hint="write address/length, e.g. 192.0.2.0/24",
            ) from None
        if parsed.host_bits[0]:
            raise self.fail(f"{value!r} has bits set beyond its length", f"{where}.prefix")
        return value

    def ski(self, value: object, where: str, name: str) -> str | None:
        """Hex of a base64url (no padding) value, or None when left out in lenient mode."""
        raw = _b64url(value)
        if raw is None:
            if self.strict:
                raise self.fail(
                    f"{value!r} is not base64url without padding",
                    f"{where}.{name}",
                    hint="RFC 8416 section 3.3.2; parse leniently to skip such entries",
                )
            self.skipped.append(f"{where}: {name} {value!r} is not base64url")
            return None
        return raw.hex()

    def prefix_filter(self, e: object, where: str) -> PrefixFilter:
        entry = self.obj(e, where, {"prefix", "asn", "comment"}, set())
        if "prefix" not in entry and "asn" not in entry:
            raise self.fail("a prefix filter needs a prefix, an asn or both", where)
        prefix = self.prefix_text(entry["prefix"], where) if "prefix" in entry else None
        asn = self.asn(entry["asn"], where) if "asn" in entry else None
        return PrefixFilter(prefix, asn, self.comment(entry, where))

    def bgpsec_filter(self, e: object, where: str) -> BgpsecFilter | None:
        entry = self.obj(e, where, {"SKI", "asn", "comment"}, set())
        if "SKI" not in entry and "asn" not in entry:
            raise self.fail("a BGPsec filter needs an SKI, an asn or both", where)
        asn = self.asn(entry["asn"], where) if "asn" in entry else None
        ski = self.ski(entry["SKI"], where, "SKI") if "SKI" in entry else None
        if "SKI" in entry and ski is None:
            return None
        return BgpsecFilter(asn, ski, self.comment(entry, where))

    def prefix_assertion(self, e: object, where: str) -> PrefixAssertion:
        entry = self.obj(
            e, where, {"prefix", "asn", "maxPrefixLength", "comment"}, {"prefix", "asn"}
        )
        max_len = entry.get("maxPrefixLength")
        if max_len is not None and (not isinstance(max_len, int) or isinstance(max_len, bool)):
            raise self.fail(f"{max_len!r} is not a number", f"{where}.maxPrefixLength")
        return PrefixAssertion(
            self.asn(entry["asn"], where),
            self.prefix_text(entry["prefix"], where),
            max_len,
            self.comment(entry, where),
        )

    def bgpsec_assertion(self, e: object, where: str) -> BgpsecAssertion | None:
        entry = self.obj(
            e,
            where,
            {"asn", "SKI", "routerPublicKey", "comment"},
            {"asn", "SKI", "routerPublicKey"},
        )
        asn = self.asn(entry["asn"], where)
        ski = self.ski(entry["SKI"], where, "SKI")
        key = self.ski(entry["routerPublicKey"], where, "routerPublicKey")
        if ski is None or key is None:
            return None
        return BgpsecAssertion(asn, ski, entry["routerPublicKey"], self.comment(entry, where))


def _b64url(value: object) -> bytes | None:
    if not isinstance(value, str) or not _B64URL.match(value) or len(value) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _check_assertion_prefixes(assertions: Sequence[PrefixAssertion], path: Path | str) -> None:
    # Reuse the VRP checks (maxPrefixLength range) with SLURM's own record names.
    _assertion_table(assertions, path)


def _assertion_table(assertions: Sequence[PrefixAssertion], path: Path | str) -> pa.Table:
    return vrp_table(
        [a.prefix for a in assertions],
        [a.max_prefix_length for a in assertions],
        [a.asn for a in assertions],
        [None] * len(assertions),
        path=path,
        locate=lambda i: {"record": f"locallyAddedAssertions.prefixAssertions[{i}]"},
    )


def apply_slurm(
    vrps: pa.Table, slurms: Sequence[Slurm], router_keys: pa.Table | None = None
) -> SlurmOutcome:
    """Remove what any filter of any file matches, then add every file's assertions.

    Asserted VRPs and keys carry a null trust anchor, like routinator's local exceptions.
    """
    keys = router_keys if router_keys is not None else ROUTER_KEY_SCHEMA.empty_table()
    drop = np.zeros(vrps.num_rows, dtype=bool)
    for s in slurms:
        for f in s.prefix_filters:
            drop |= _prefix_filter_mask(vrps, f)
    key_drop = np.zeros(keys.num_rows, dtype=bool)
    key_asn = keys["asn"].to_numpy()
    key_ski = np.array(keys["ski"].to_pylist(), dtype=object)
    for s in slurms:
        for b in s.bgpsec_filters:
            hit = np.ones(keys.num_rows, dtype=bool)
            if b.asn is not None:
                hit &= key_asn == b.asn
            if b.ski is not None:
                hit &= key_ski == b.ski
            key_drop |= hit
    added = [_assertion_table(s.prefix_assertions, s.path) for s in slurms]
    new_keys = [
        pa.table(
            [
                pa.array([a.asn for a in s.bgpsec_assertions], pa.uint32()),
                [a.ski for a in s.bgpsec_assertions],
                [a.router_public_key for a in s.bgpsec_assertions],
                pa.array([None] * len(s.bgpsec_assertions), pa.string()),
            ],
            schema=ROUTER_KEY_SCHEMA,
        )
        for s in slurms
    ]
    out_vrps = pa.concat_tables([vrps.filter(pa.array(~drop)).cast(VRP_SCHEMA), *added])
    out_keys = pa.concat_tables([keys.filter(pa.array(~key_drop)), *new_keys])
    return SlurmOutcome(
        out_vrps,
        out_keys,
        int(drop.sum()),
        sum(t.num_rows for t in added),
        int(key_drop.sum()),
        sum(t.num_rows for t in new_keys),
        tuple(note for s in slurms for note in s.skipped),
    )


def _prefix_filter_mask(vrps: pa.Table, f: PrefixFilter) -> np.ndarray:
    hit = np.ones(vrps.num_rows, dtype=bool)
    if f.asn is not None:
        hit &= vrps["asn"].to_numpy() == f.asn
    if f.prefix is not None:
        fp = parse_prefixes([f.prefix])
        af = vrps["af"].to_numpy()
        length = vrps["prefix_length"].to_numpy()
        hi, lo = from_range_columns(af, vrps["start"].to_numpy(), vrps["start_lo"].to_numpy())
        flen = np.full(len(af), fp.length[0], dtype=np.uint8)
        mhi, mlo = mask(hi, lo, flen)
        # Encompassed: same family, at least as long, and inside the filter prefix.
        hit &= (af == fp.af[0]) & (length >= fp.length[0]) & (mhi == fp.hi[0]) & (mlo == fp.lo[0])
    return hit
