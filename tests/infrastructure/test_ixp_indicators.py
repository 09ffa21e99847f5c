"""The per-country IXP indicators on the hand-built world: active IXPs and the share of a
country's routed networks present at a local IXP, counted by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from nethealth.infrastructure.indicators import (
    IXP_DOMESTIC_MEMBERSHIP,
    IXP_DOMESTIC_MEMBERSHIP_CONE,
    IXPS_ACTIVE,
    customer_cone,
)
from tests.infrastructure.ixp_fixture import S0, S1, S2, IxpWorld

IPDB = date(2025, 6, 5)  # 4 days after S1: S1 is the PeeringDB snapshot in force


def connect(world: IxpWorld) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in ("ixp_snapshots", "ixp_members", "countries"):
        path = str(world.settings.lake_dir / f"{name}.parquet")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    # Kenya registers 1000-1999, Tanzania 2000-2999; origins: AS100 and AS102 (left Alpha a
    # year before), AS999 (at no IXP) and AS200 in Kenya's space, AS300 in Tanzania's.
    con.execute("CREATE TABLE ipdb_country AS SELECT * FROM (VALUES "
                "(DATE '2025-06-05', 4, 1000::UBIGINT, 1999::UBIGINT, 'KE', false), "
                "(DATE '2025-06-05', 4, 2000::UBIGINT, 2999::UBIGINT, 'TZ', false)) "
                "t(snapshot, af, start, \"end\", cc, simulated)")  # fmt: skip
    con.execute("CREATE TABLE ipdb_asn AS SELECT * FROM (VALUES "
                "(DATE '2025-06-05', 4, 1000::UBIGINT, 1099::UBIGINT, 100, 'a', false), "
                "(DATE '2025-06-05', 4, 1100::UBIGINT, 1199::UBIGINT, 102, 'b', false), "
                "(DATE '2025-06-05', 4, 1200::UBIGINT, 1299::UBIGINT, 999, 'c', false), "
                "(DATE '2025-06-05', 4, 1300::UBIGINT, 1399::UBIGINT, 200, 'd', false), "
                "(DATE '2025-06-05', 4, 2000::UBIGINT, 2099::UBIGINT, 300, 'e', false)) "
                "t(snapshot, af, start, \"end\", asn, as_name, simulated)")  # fmt: skip
    # CAIDA file of 2025-06-01: AS101 (a member of Alpha) provides transit to AS999, which
    # provides transit to AS998; AS555 (at no IXP) to AS102
    con.execute(
        "CREATE TABLE as_customer_links AS SELECT * FROM (VALUES "
        "(DATE '2025-06-01', 101, 999, false), (DATE '2025-06-01', 999, 998, false), "
        "(DATE '2025-06-01', 555, 102, false)) t(snapshot, provider, customer, simulated)"
    )
    return con


def test_active_ixps_per_country_and_snapshot(ixp_world: IxpWorld) -> None:
    t = IXPS_ACTIVE.compute(connect(ixp_world)).to_pylist()
    ke = {r["date"]: r for r in t if r["country"] == "KE"}
    assert ke[S0]["value"] == 1  # Alpha (4); Beta has 2
    assert ke[S1]["value"] == 2  # Alpha (9), Beta (3); Gamma has 1
    assert ke[S2]["value"] == 0 and ke[S2]["status"] == "zero measured"
    assert {r["status"] for r in t if r["country"] == "FR"} == {"zero measured"}


def test_domestic_membership_share(ixp_world: IxpWorld) -> None:
    t = IXP_DOMESTIC_MEMBERSHIP.compute(connect(ixp_world)).to_pylist()
    by = {r["country"]: r for r in t if r["date"] == IPDB}
    # Kenya: AS100 and AS200 of {100, 102, 200, 999} are members of a Kenyan IXP on S1
    assert by["KE"]["value"] == pytest.approx(50.0)
    assert "2 of 4 networks" in by["KE"]["reason"] and "2025-06-01" in by["KE"]["reason"]
    # Tanzania: AS300 is a member of Gamma, but Gamma is in Kenya
    assert by["TZ"]["value"] == 0 and by["TZ"]["status"] == "zero measured"
    # no network originates France's space here: no share, not zero
    assert by["FR"]["value"] is None and by["FR"]["status"] == "not measured"


def test_domestic_membership_without_peeringdb_in_force(ixp_world: IxpWorld) -> None:
    con = connect(ixp_world)
    con.execute("UPDATE ipdb_country SET snapshot = DATE '2025-12-31'")
    con.execute("UPDATE ipdb_asn SET snapshot = DATE '2025-12-31'")
    t = IXP_DOMESTIC_MEMBERSHIP.compute(con).to_pylist()
    ke = next(r for r in t if r["country"] == "KE")
    assert ke["value"] is None and ke["status"] == "not comparable"
    assert "2025-07-15" in ke["reason"]  # S2, the latest, is 169 days older


def test_customer_cone() -> None:
    links = {1: [2, 3], 2: [4], 4: [1], 5: [6]}  # a cycle 1-2-4-1 must end
    assert customer_cone([1], links) == {1, 2, 3, 4}
    assert customer_cone([5, 3], links) == {3, 5, 6}
    assert customer_cone([], links) == set()


def test_domestic_membership_with_customer_cones(ixp_world: IxpWorld) -> None:
    t = IXP_DOMESTIC_MEMBERSHIP_CONE.compute(connect(ixp_world)).to_pylist()
    by = {r["country"]: r for r in t if r["date"] == IPDB}
    # Kenya: AS100, AS200 (members) and AS999 (customer of member AS101); not AS102
    assert by["KE"]["value"] == pytest.approx(75.0)
    assert "CAIDA AS relationships 2025-06-01" in by["KE"]["reason"]
    assert by["TZ"]["value"] == 0


def test_customer_cone_variant_without_relationships_is_not_measured(
    ixp_world: IxpWorld,
) -> None:
    con = connect(ixp_world)
    con.execute("DELETE FROM as_customer_links")
    t = IXP_DOMESTIC_MEMBERSHIP_CONE.compute(con).to_pylist()
    assert {r["status"] for r in t} == {"not measured"} and {r["value"] for r in t} == {None}
    assert "no CAIDA AS-relationship file stored" in t[0]["reason"]


def test_a_value_from_simulated_inputs_is_simulated(ixp_world: IxpWorld) -> None:
    """Real address space with simulated relationships (the offline demo) is simulated."""
    con = connect(ixp_world)
    con.execute("UPDATE as_customer_links SET simulated = true")
    cone = IXP_DOMESTIC_MEMBERSHIP_CONE.compute(con).to_pylist()
    plain = IXP_DOMESTIC_MEMBERSHIP.compute(con).to_pylist()
    assert {r["simulated"] for r in cone} == {True}
    assert {r["simulated"] for r in plain} == {False}
