"""The one list of areas is consistent: every raw source can be fetched and loaded, every dataset
something reads is written by a step, every step's dependencies exist, and the derived lists (CLI,
routers, catalog) come from it. A new area that forgets a part fails here, naming it."""

from __future__ import annotations

from collections import Counter

from typer.main import get_command

from nethealth.areas import AREAS, all_indicators, all_sources, all_steps, raw_source_ids
from nethealth.cli import app
from nethealth.server.app import create_app
from nethealth.settings import load_settings


def test_area_ids_sources_steps_and_indicators_are_unique() -> None:
    for what, ids in (
        ("area", [a.id for a in AREAS]),
        ("source", [s.id for s in all_sources()]),
        ("step", [s.id for s in all_steps()]),
        ("indicator", [i.id for i in all_indicators()]),
    ):
        twice = [k for k, n in Counter(ids).items() if n > 1]
        assert not twice, f"{what} ids declared twice: {twice}"


def test_every_raw_source_has_a_fetcher_and_a_loader() -> None:
    for s in all_sources():
        if s.info.fetchable:
            assert s.fetch is not None, f"{s.id}: no fetcher (nethealth fetch {s.id})"
            assert s.load is not None, f"{s.id}: no loader (nethealth load {s.id} FILE)"
        else:  # comes with an installed package
            assert s.fetch is None and s.load is None, s.id


def test_every_step_reads_sources_and_steps_that_exist() -> None:
    steps = all_steps()
    ids = {s.id for s in steps}
    raw = set(raw_source_ids())
    for step in steps:
        assert set(step.depends) <= ids, f"{step.id} depends on unknown steps"
        assert set(step.sources) <= raw, f"{step.id} reads unknown sources"


def test_every_dataset_read_is_written_by_a_step() -> None:
    written = {o for s in all_steps() for o in s.outputs}
    for ind in all_indicators():
        missing = set(ind.datasets) - written
        assert not missing, f"indicator {ind.id} reads {missing}, which no step writes"
        producers = {s.id for s in all_steps() if set(s.outputs) & set(ind.datasets)}
        indicators_step = next(s for s in all_steps() if s.id == "indicators")
        assert producers <= set(indicators_step.depends), ind.id
    known = {s.id for s in all_sources()}
    for ind in all_indicators():
        assert set(ind.sources) <= known, f"indicator {ind.id} names unknown sources"


def test_cli_and_routers_come_from_the_areas(tmp_path: object) -> None:
    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    for area in AREAS:
        if area.cli is not None:
            assert area.id in commands, f"`nethealth {area.id}` is not mounted"
        for name, _sub in area.cli_extra:
            assert name in commands
    served = create_app(load_settings(data_dir=tmp_path))  # type: ignore[arg-type]
    paths = _paths(served.routes)
    for area in AREAS:
        if area.router is not None:
            own = {r.path for r in area.router.routes}  # type: ignore[attr-defined]
            assert own <= paths, f"{area.id}'s router is not mounted"
        for page in area.pages:
            assert {page.path, f"{page.path}.json"} <= paths, page.path


def _paths(routes: list[object]) -> set[str]:
    """Every route path of an app, through the routers it includes (paths carry their prefix)."""
    out: set[str] = set()
    for r in routes:
        included = getattr(r, "original_router", None)
        if included is not None:
            out |= _paths(included.routes)
        elif hasattr(r, "path"):
            out.add(r.path)
    return out
