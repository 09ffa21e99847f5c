"""Bounded fuzzing of the native MRT decoder (the CI entry; `python -m fuzz --seconds N` runs it
longer, with atheris when installed or with an ASan build via --asan)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fuzz.run import builtin_fuzz
from fuzz.seed_corpus import seed
from fuzz.target import one_input, through_reader


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fuzz-corpus")
    seed(out, per_file=10)
    return out


def test_every_seed_and_its_truncations(corpus: Path) -> None:
    for path in sorted(corpus.iterdir()):
        data = path.read_bytes()
        for cut in (len(data), len(data) - 1, len(data) // 2, 13, 1, 0):
            one_input(data[: max(cut, 0)])


def test_every_seed_through_the_reader(corpus: Path) -> None:
    """Each seed as a plain, gzip, bzip2 and xz file, whole, cut and corrupted (the first byte
    picks the compression, the last two the cut and the corruption)."""
    for path in sorted(corpus.iterdir()):
        data = path.read_bytes()[:4096]
        for first in range(4):
            for tail in (b"\x00\xff", b"\x40\x80", b"\x05\x20"):
                through_reader(bytes([first]) + data[1:] + tail)


@pytest.mark.fuzz
def test_fuzz_for_a_bounded_time(corpus: Path) -> None:
    seconds = float(os.environ.get("FUZZ_SECONDS", "10"))
    runs = builtin_fuzz(seconds, corpus, seed=int(os.environ.get("FUZZ_SEED", "0")))
    assert runs > 1000
