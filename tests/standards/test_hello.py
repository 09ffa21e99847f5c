"""The hand-built ClientHello behind `web-tls-suites`: OpenSSL (the lab's servers) parses it and
answers with the suite it allows, and scripted servers that select a 3DES or export suite, or
send an alert, are judged from their first record."""

from __future__ import annotations

import asyncio
import ssl
import struct
from typing import Any, cast

import pytest

from nethealth.settings import load_settings
from nethealth.standards.checks import select
from nethealth.standards.hello import (
    NON_FS_SUITES,
    WEAK_SUITES,
    NotTLS,
    client_hello,
    header_length,
    parse_answer,
)
from nethealth.standards.scan import network_for, scan
from tests.standards.lab import Lab
from tests.standards.test_safety import PUBLIC, FakeResolver, FakeWriter


def server_hello(suite: int) -> bytes:
    hello = b"\x03\x03" + bytes(32) + b"\x00" + struct.pack("!H", suite) + b"\x00"
    handshake = b"\x02" + struct.pack("!I", len(hello))[1:] + hello
    return b"\x16\x03\x03" + struct.pack("!H", len(handshake)) + handshake


ALERT = b"\x15\x03\x03\x00\x02\x02\x28"  # fatal handshake_failure


def test_client_hello_structure() -> None:
    record = client_hello("example.org", [0x000A, 0x0005])
    assert record[:3] == b"\x16\x03\x01"
    assert struct.unpack("!H", record[3:5])[0] == len(record) - 5
    assert record[5] == 0x01  # ClientHello
    assert b"\x00\x04\x00\x0a\x00\x05" in record  # the suites vector, exactly as offered
    assert b"example.org" in record


def test_parse_answers() -> None:
    hello = server_hello(0xC012)
    answer = parse_answer(hello[:5], hello[5:])
    assert (answer.suite, answer.version) == (0xC012, 0x0303)
    assert parse_answer(ALERT[:5], ALERT[5:]).alert == 40
    with pytest.raises(NotTLS):
        header_length(b"HTTP/")


class Scripted:
    """A connector answering each connection with the next scripted bytes."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.sent = bytearray()

    async def __call__(self, address: str, port: int, tls: ssl.SSLContext | None, sni: str | None,
                       timeout: float) -> Any:  # fmt: skip
        reader = asyncio.StreamReader()
        reader.feed_data(self.answers.pop(0) if self.answers else b"")
        reader.feed_eof()
        return reader, cast(asyncio.StreamWriter, FakeWriter(self.sent))


def _suites(answers: list[bytes]) -> tuple[str, str]:
    connector = Scripted(answers)
    settings = load_settings()
    net = network_for(settings, lab=False, resolver=FakeResolver({"x.example": [[PUBLIC]]}),
                      connector=connector)  # fmt: skip
    report = asyncio.run(
        scan("x.example", settings, network=net, checks=select(["web-tls-suites"]))
    )
    return report.results[0].attempt.status, report.results[0].attempt.detail


def test_a_server_selecting_3des_then_export_fails_naming_both() -> None:
    status, detail = _suites([server_hello(0x000A), server_hello(0x0003), ALERT])
    assert status == "fail"
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in detail and "TLS_RSA_EXPORT_WITH_RC4_40_MD5" in detail


def test_a_server_refusing_with_an_alert_or_closing_passes() -> None:
    assert _suites([ALERT])[0] == "pass"
    assert _suites([b""])[0] == "pass"  # closed without a word


def test_a_server_selecting_a_suite_it_was_not_offered_fails() -> None:
    status, detail = _suites([server_hello(0x1301)])
    assert status == "fail" and "0x1301" in detail


def test_a_server_answering_something_else_is_a_connection_error() -> None:
    connector = Scripted([b"HTTP/1.1 400 Bad Request\r\n\r\n"])
    settings = load_settings()
    net = network_for(settings, lab=False, resolver=FakeResolver({"x.example": [[PUBLIC]]}),
                      connector=connector)  # fmt: skip
    report = asyncio.run(
        scan("x.example", settings, network=net, checks=select(["web-tls-suites"]))
    )
    assert (report.results[0].attempt.status, report.results[0].attempt.reason) == (
        "error",
        "connection",
    )


def test_openssl_parses_the_hello_and_selects_the_null_suite_it_allows(lab: Lab) -> None:
    report = asyncio.run(scan("null-suite.lab", lab.settings(), lab=True,
                              checks=select(["web-tls-suites"])))  # fmt: skip
    attempt = report.results[0].attempt
    assert attempt.status == "fail", attempt
    assert attempt.detail == "the server accepts TLS_ECDHE_RSA_WITH_NULL_SHA"
    assert len(WEAK_SUITES) == 26


def test_openssl_selects_the_rsa_key_exchange_suite_it_allows(lab: Lab) -> None:
    report = asyncio.run(scan("rsa-kx.lab", lab.settings(), lab=True,
                              checks=select(["web-tls-fs"])))  # fmt: skip
    attempt = report.results[0].attempt
    assert attempt.detail == (
        "the server accepts suites without forward secrecy: TLS_RSA_WITH_AES_128_GCM_SHA256"
    )


def test_no_suite_is_both_listed_weak_and_fs_under_two_names() -> None:
    # The IANA names are the registry's: one name per code point in both lists.
    for code in set(WEAK_SUITES) & set(NON_FS_SUITES):
        assert WEAK_SUITES[code] == NON_FS_SUITES[code]
