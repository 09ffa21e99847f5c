"""The IXP tracker against hand-built PeeringDB snapshots whose answers are counted by hand
(tests/infrastructure/ixp_fixture.py), through `nethealth load` and `nethealth build`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow.parquet as pq
import pytest

from nethealth.infrastructure.ixp import is_fast_growing, year_before
from tests.infrastructure.ixp_fixture import S0, S1, S2, IxpWorld


def rows(world: IxpWorld) -> dict[tuple[date, int], dict[str, Any]]:
    table = pq.read_table(world.settings.lake_dir / "ixp_snapshots.parquet")
    return {(r["snapshot"], r["ix_id"]): r for r in table.to_pylist()}


def test_members_activity_and_route_server_rate(ixp_world: IxpWorld) -> None:
    got = rows(ixp_world)
    alpha = got[(S1, 10)]
    assert alpha["members"] == 9  # AS100 has two memberships: one member
    assert alpha["active"] is True
    assert alpha["rs_peers"] == 3 and alpha["rs_peer_rate"] == pytest.approx(3 / 9)
    assert got[(S1, 11)]["members"] == 3 and got[(S1, 11)]["active"] is True
    assert got[(S0, 11)]["active"] is False  # 2 members: below Pulse's 3
    assert got[(S1, 12)]["active"] is False
    assert (alpha["prefixes4"], alpha["prefixes6"]) == (1, 1)


def test_joined_left_growth_against_the_snapshot_12_months_earlier(ixp_world: IxpWorld) -> None:
    got = rows(ixp_world)
    alpha = got[(S1, 10)]
    assert alpha["compared_snapshot"] == S0
    assert (alpha["members_then"], alpha["joined"], alpha["left"]) == (4, 7, 2)
    assert alpha["growth"] == pytest.approx(9 / 4)
    assert alpha["fast_growing"] is True
    beta = got[(S1, 11)]
    assert (beta["members_then"], beta["joined"], beta["left"]) == (2, 1, 0)
    assert beta["fast_growing"] is False  # +50 % but only one network more
    gamma = got[(S1, 12)]  # new IXP: its member joined; no base to grow from
    assert (gamma["members_then"], gamma["joined"], gamma["growth"]) == (0, 1, None)
    assert gamma["fast_growing"] is None and "not listed then" in gamma["change_reason"]


def test_no_snapshot_in_force_12_months_earlier_is_not_all_joined(ixp_world: IxpWorld) -> None:
    got = rows(ixp_world)
    for key in ((S0, 10), (S2, 10)):
        r = got[key]
        assert r["joined"] is None and r["left"] is None and r["growth"] is None
        assert r["change_status"] == "not comparable", r["change_reason"]
    assert "2024-06-01" in got[(S2, 10)]["change_reason"]  # S0 is 44 days too old


def test_missing_rs_peer_field_is_null_not_zero(ixp_world: IxpWorld) -> None:
    r = rows(ixp_world)[(S2, 10)]
    assert r["members"] == 2
    assert r["rs_peer_rate"] is None and r["rs_peers"] is None
    assert r["rs_status"] == "not measured" and "is_rs_peer" in r["rs_reason"]


def test_anchor_in_a_member_network_in_the_ixps_country(ixp_world: IxpWorld) -> None:
    got = rows(ixp_world)
    assert got[(S1, 10)]["anchor_hosted"] is True and got[(S1, 10)]["anchor_ids"] == [1]
    # AS200 is a member of Beta and hosts anchor 2, but in Tanzania: not Beta's
    assert got[(S1, 11)]["anchor_hosted"] is False
    assert got[(S0, 10)]["anchor_hosted"] is None  # no anchor list on or before S0
    assert got[(S2, 10)]["anchor_status"] == "not comparable"  # list 44 days old


def test_manrs_from_the_loaded_list(ixp_world: IxpWorld) -> None:
    got = rows(ixp_world)
    assert got[(S1, 10)]["manrs"] is True and got[(S1, 10)]["manrs_snapshot"] == date(2025, 5, 1)
    assert got[(S1, 11)]["manrs"] is False
    assert got[(S0, 10)]["manrs"] is None and got[(S0, 10)]["manrs_status"] == "not comparable"


def test_members_dataset_keeps_rs_flag_and_names(ixp_world: IxpWorld) -> None:
    t = pq.read_table(ixp_world.settings.lake_dir / "ixp_members.parquet").to_pylist()
    s1_alpha = {r["asn"]: r for r in t if r["snapshot"] == S1 and r["ix_id"] == 10}
    assert sorted(s1_alpha) == [100, 101, *range(104, 111)]
    assert s1_alpha[100]["is_rs_peer"] is True  # one of its two memberships peers
    assert s1_alpha[105]["is_rs_peer"] is False and s1_alpha[105]["net_name"] == "Net 105"
    s2 = [r for r in t if r["snapshot"] == S2]
    assert s2 and all(r["is_rs_peer"] is None for r in s2)


def test_rules() -> None:
    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_before(date(2025, 6, 1)) == date(2024, 6, 1)
    assert is_fast_growing(25, 20) is True  # +25 %, +5
    assert is_fast_growing(24, 20) is False  # +20 % but +4
    assert is_fast_growing(6, 1) is True
    assert is_fast_growing(105, 100) is False  # +5 but +5 %
    assert is_fast_growing(3, 0) is None
