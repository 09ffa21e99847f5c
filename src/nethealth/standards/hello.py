"""A hand-built TLS 1.2 ClientHello and the parse of the server's first answer.

OpenSSL 3 as Debian builds it cannot offer RC4, 3DES, DES or export suites, so a check that asks
"does the server accept them?" cannot be made with Python's `ssl`. A ClientHello is a fixed,
small structure (RFC 5246 §7.4.1.2): the scanner writes one offering exactly the suites it
wants to test and reads which suite the ServerHello selects, or the alert refusing them. No
handshake is completed: the connection is closed after the server's first record.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

# Suites no server should accept (IANA TLS Cipher Suites registry code points).
WEAK_SUITES: dict[int, str] = {
    0x0001: "TLS_RSA_WITH_NULL_MD5",
    0x0002: "TLS_RSA_WITH_NULL_SHA",
    0x003B: "TLS_RSA_WITH_NULL_SHA256",
    0xC006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
    0xC010: "TLS_ECDHE_RSA_WITH_NULL_SHA",
    0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0xC007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    0xC011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xC008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xC012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
    0x0015: "TLS_DHE_RSA_WITH_DES_CBC_SHA",
    0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    0x0006: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
    0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
    0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
    0x0062: "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
    0x0064: "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA",
    0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
    0x001B: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
    0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA",
    0x006C: "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
    0xC018: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
}

# Suites without forward secrecy: RSA key exchange, static DH and static ECDH.
NON_FS_SUITES: dict[int, str] = {
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256",
    0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0xC09C: "TLS_RSA_WITH_AES_128_CCM",
    0xC09D: "TLS_RSA_WITH_AES_256_CCM",
    0x0041: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
    0x0084: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
    0xC050: "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
    0x0096: "TLS_RSA_WITH_SEED_CBC_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0030: "TLS_DH_DSS_WITH_AES_128_CBC_SHA",
    0x0031: "TLS_DH_RSA_WITH_AES_128_CBC_SHA",
    0x00A0: "TLS_DH_RSA_WITH_AES_128_GCM_SHA256",
    0xC004: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA",
    0xC005: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
    0xC00E: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
    0xC00F: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA",
    0xC02D: "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC031: "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
}

_GROUPS = (0x001D, 0x0017, 0x0018, 0x0019)  # x25519, secp256r1, secp384r1, secp521r1
_SIGNATURES = (0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
               0x0203, 0x0201)  # fmt: skip


def _ext(kind: int, body: bytes) -> bytes:
    return struct.pack("!HH", kind, len(body)) + body


def _vector(items: tuple[int, ...] | list[int], width: int = 2) -> bytes:
    data = b"".join(struct.pack("!H", i) for i in items)
    return struct.pack("!H" if width == 2 else "!B", len(data)) + data


def client_hello(server_name: str, suites: list[int]) -> bytes:
    """A TLS 1.2 ClientHello record offering exactly `suites`, with SNI `server_name`."""
    name = server_name.encode("ascii")
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    extensions = b"".join((
        _ext(0x0000, sni),
        _ext(0x000A, _vector(_GROUPS)),
        _ext(0x000B, b"\x01\x00"),  # ec_point_formats: uncompressed
        _ext(0x000D, _vector(_SIGNATURES)),
        _ext(0xFF01, b"\x00"),  # renegotiation_info (RFC 5746)
    ))  # fmt: skip
    body = (
        b"\x03\x03" + os.urandom(32) + b"\x00" + _vector(suites) + b"\x01\x00"
        + struct.pack("!H", len(extensions)) + extensions
    )  # fmt: skip
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


@dataclass(frozen=True)
class ServerAnswer:
    """The server's first record: the suite its ServerHello selected, or the alert it sent."""

    suite: int | None
    version: int | None = None
    alert: int | None = None  # the alert description (40: handshake_failure, 70: protocol_version…)


class NotTLS(ConnectionError):
    """The bytes are not a TLS answer (or not the start of one): a connection failure."""


def header_length(header: bytes) -> int:
    """The length of the record whose 5-byte header this is."""
    if len(header) != 5 or header[0] not in (0x15, 0x16) or header[1] != 3:
        raise NotTLS(f"not a TLS alert or handshake record: {header.hex()}")
    return int(struct.unpack("!H", header[3:5])[0])


def parse_answer(header: bytes, body: bytes) -> ServerAnswer:
    """The ServerHello's selected suite (and version), or the alert."""
    kind = header[0]
    if kind == 0x15:
        if len(body) < 2:
            raise NotTLS("a truncated alert")
        return ServerAnswer(suite=None, alert=body[1])
    if len(body) < 4 or body[0] != 0x02:
        raise NotTLS(f"the first handshake message is type {body[:1].hex()}, not ServerHello")
    hello = body[4:]
    if len(hello) < 35:
        raise NotTLS("a truncated ServerHello")
    version = int(struct.unpack("!H", hello[0:2])[0])
    sid = hello[34]
    at = 35 + sid
    if len(hello) < at + 2:
        raise NotTLS("a truncated ServerHello")
    return ServerAnswer(suite=int(struct.unpack("!H", hello[at : at + 2])[0]), version=version)
