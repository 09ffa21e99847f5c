"""Run independent output jobs on several cores (fork, so the world is shared copy-on-write).

Each job writes its own files through its own OutputTree and returns the files and counts;
results are merged by the parent. Output bytes do not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path

from nethealth.sim.config import WrittenFile
from nethealth.sim.output import OutputTree

Job = Callable[[OutputTree], dict[str, int]]
JobResult = tuple[int, list[WrittenFile], dict[str, int]]

_JOBS: list[Job] = []
_ROOT: list[Path] = []


def _run_job(index: int) -> JobResult:
    tree = OutputTree(_ROOT[0])
    counts = _JOBS[index](tree)
    return index, tree.files, counts


def run_jobs(
    tree: OutputTree,
    jobs: list[tuple[str, Job]],
    workers: int,
    report: Callable[[str, int, int], None],
) -> list[dict[str, int]]:
    """Run ``jobs`` (name, function of an OutputTree); returns their counts in job order."""
    results: list[dict[str, int]] = [{} for _ in jobs]
    if workers <= 1 or len(jobs) <= 1 or "fork" not in mp.get_all_start_methods():
        for k, (name, job) in enumerate(jobs):
            report(name, k, len(jobs))
            results[k] = job(tree)
        return results
    _JOBS[:] = [job for _, job in jobs]
    _ROOT[:] = [tree.root]
    try:
        with mp.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            for done, (k, files, counts) in enumerate(
                pool.imap_unordered(_run_job, range(len(jobs)))
            ):
                report(jobs[k][0], done + 1, len(jobs))
                tree.files.extend(files)
                results[k] = counts
    finally:
        _JOBS.clear()
        _ROOT.clear()
    return results
