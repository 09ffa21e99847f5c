"""Run every benchmark script (`benchmarks/bench_*.py`) in turn and print their reports.

Each script compares nethealth with its peer tool on the same input in the same run and prints
Markdown. Usage: `python -m benchmarks [NAME ...]` (e.g. `python -m benchmarks rov`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    scripts = sorted(here.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
    failed = 0
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
