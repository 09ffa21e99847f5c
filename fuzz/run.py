"""Run the MRT decoder fuzzer for a bounded time (CI entry point).

    python -m fuzz --seconds 60            # atheris if installed, else the built-in mutator
    python -m fuzz --seconds 60 --asan     # decoder rebuilt with gcc AddressSanitizer + UBSan

Seeds the corpus first (fuzz/seed_corpus.py). Exit status 0 = no failure. A failing input is
saved under build/fuzz-crashes/ and its path printed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import random
import subprocess
import sys
import sysconfig
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CRASHES = REPO / "build" / "fuzz-crashes"
SOURCE = REPO / "src" / "nethealth" / "formats" / "_native" / "mrtdecode.c"
INTERESTING = (
    b"\x00",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\x00\x00",
    b"\xff\xff",
    b"\x00\x0d",
    b"\x00\x10",
    b"\x00\x11",
    b"\x00\x0c",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x10\x00",
    b"\x40\x02",
    b"\x80\x0e",
    b"\x80\x0f",
    b"\xc0\x11",
)


def _mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[pos % len(buf)] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[pos % len(buf)] = rng.randrange(256)
        elif op == 2:
            tok = rng.choice(INTERESTING)
            buf[pos : pos + len(tok)] = tok
        elif op == 3 and buf:
            del buf[pos:]
        elif op == 4 and buf:
            start = rng.randrange(len(buf))
            chunk = buf[start : start + rng.randint(1, 64)]
            buf[pos:pos] = chunk
        elif op == 5:
            other = rng.choice(seeds)
            if other:
                s = rng.randrange(len(other))
                buf[pos:] = other[s:]
        elif op == 6 and buf:
            del buf[pos : pos + rng.randint(1, 16)]
        else:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(buf)


def builtin_fuzz(seconds: float, corpus: Path, seed: int = 0) -> int:
    """A coverage-blind mutation loop over the corpus; returns the number of inputs run."""
    from fuzz.target import one_input

    seeds = [p.read_bytes() for p in sorted(corpus.iterdir()) if p.is_file()] or [b""]
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    runs = 0
    for s in seeds:  # every seed as is, first
        _check(one_input, s)
        runs += 1
    while time.monotonic() < deadline:
        _check(one_input, _mutate(rng, rng.choice(seeds), seeds))
        runs += 1
    return runs


def _check(fn: object, data: bytes) -> None:
    try:
        fn(data)  # type: ignore[operator]
    except Exception:
        CRASHES.mkdir(parents=True, exist_ok=True)
        path = CRASHES / hashlib.sha1(data).hexdigest()
        path.write_bytes(data)
        traceback.print_exc()
        print(f"failing input saved to {path}", file=sys.stderr)
        raise


def build_asan(out_dir: Path) -> Path:
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    target = out_dir / f"_mrt_asan{suffix}"
    cmd = [
        "gcc",
        "-shared",
        "-fPIC",
        "-O1",
        "-g",
        "-fno-omit-frame-pointer",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=undefined",
        "-std=c11",
        f"-I{sysconfig.get_paths()['include']}",
        str(SOURCE),
        "-o",
        str(target),
    ]
    subprocess.run(cmd, check=True)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fuzz the native MRT decoder for a bounded time.")
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 60)))
    ap.add_argument("--corpus", type=Path, default=REPO / "build" / "fuzz-corpus")
    ap.add_argument("--engine", choices=("auto", "atheris", "builtin"), default="auto")
    ap.add_argument("--asan", action="store_true", help="use a gcc ASan/UBSan build (builtin)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from fuzz.seed_corpus import seed

    seed(args.corpus)
    if args.asan and "NETHEALTH_MRT_SO" not in os.environ:
        so = build_asan(REPO / "build")
        libasan = subprocess.run(
            ["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True, check=True
        ).stdout.strip()
        env = dict(
            os.environ,
            NETHEALTH_MRT_SO=str(so),
            LD_PRELOAD=libasan,
            ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
            UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
        )
        cmd = [
            sys.executable,
            "-m",
            "fuzz",
            "--seconds",
            str(args.seconds),
            "--engine",
            "builtin",
            "--corpus",
            str(args.corpus),
            "--seed",
            str(args.seed),
        ]
        return subprocess.run(cmd, env=env, cwd=REPO, check=False).returncode
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "builtin"
    if engine == "atheris":
        CRASHES.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            str(REPO / "fuzz" / "fuzz_mrt.py"),
            f"-max_total_time={max(1, int(args.seconds))}",
            "-timeout=10",
            "-rss_limit_mb=2048",
            f"-artifact_prefix={CRASHES}/",
            f"-seed={args.seed + 1}",
            "-print_final_stats=1",
            str(args.corpus),
        ]
        return subprocess.run(cmd, cwd=REPO, check=False).returncode
    runs = builtin_fuzz(args.seconds, args.corpus, args.seed)
    print(f"builtin fuzzer: {runs} inputs in {args.seconds:.0f}s, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
