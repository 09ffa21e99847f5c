"""Seed a fuzz corpus from the MRT fixtures in ../shared/data/bgp and from hand-built records.

Each corpus file holds a few consecutive MRT records (decompressed), so mutations exercise
framing across records. The corpus is written outside the repository's tracked files (default
build/fuzz-corpus): fixtures are never copied into the repository.

Usage: python -m fuzz.seed_corpus [--out DIR] [--per-file N]
"""

from __future__ import annotations

import argparse
import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "bgp"
DEFAULT_OUT = REPO / "build" / "fuzz-corpus"


def _records(data: bytes) -> Iterator[bytes]:
    pos = 0
    while pos + 12 <= len(data):
        length = struct.unpack_from(">I", data, pos + 8)[0]
        end = pos + 12 + length
        if end > len(data) or length > 1 << 20:
            return
        yield data[pos:end]
        pos = end


def _mrt_files(root: Path) -> list[Path]:
    skip = (".txt.gz", ".bgp.gz", ".json", ".md", ".rst", ".csv", "LICENSE", ".txt")
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.endswith(skip)
        and "as-names" not in p.parts
        and "collectors" not in p.parts
        and "hegemony" not in p.parts
    )


def _decompress(path: Path, limit: int = 4 << 20) -> bytes:
    """The first few MiB (plenty for seeds); what a damaged file yields before its damage."""
    from nethealth.formats.compression import open_stream

    stream = open_stream(path)
    out = bytearray()
    try:
        while len(out) < limit and (chunk := stream.read()):
            out += chunk
    finally:
        stream.close()
    return bytes(out[:limit])


def synthetic_seeds() -> list[bytes]:
    from tests.formats.mrt.test_oracle import _generic, _records

    return [*_records(), _generic()]


def seed(out: Path, per_file: int = 40, group: int = 3) -> int:
    out.mkdir(parents=True, exist_ok=True)
    written = 0

    def put(blob: bytes) -> None:
        nonlocal written
        name = hashlib.sha1(blob).hexdigest()
        target = out / name
        if not target.exists():
            target.write_bytes(blob)
            written += 1

    if SHARED.is_dir():
        for path in _mrt_files(SHARED):
            recs = list(_records(_decompress(path)))
            if not recs:
                continue
            # a TABLE_DUMP_V2 peer table must precede its RIB records: keep record 0 in front
            head = recs[:1] if recs[0][4:8] == b"\x00\x0d\x00\x01" else []
            step = max(1, len(recs) // per_file)
            for i in range(0, len(recs), step):
                put(b"".join(head + recs[i : i + group]))
    for blob in synthetic_seeds():
        put(blob)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--per-file", type=int, default=40)
    args = ap.parse_args()
    n = seed(args.out, args.per_file)
    print(f"{n} new seeds in {args.out}")


if __name__ == "__main__":
    main()
