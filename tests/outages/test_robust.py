"""nethealth's detector: persistence, corroboration, seasonal reference, frozen baseline."""

from __future__ import annotations

import numpy as np
import pytest

from nethealth.outages import ioda, robust
from nethealth.outages.fusion import detect_robust, merge, run_detector
from nethealth.outages.series import Series

T0 = 1_748_736_000
STEP = 300
DAY = 288


def s(values: np.ndarray, signal: str = "bgp", entity: str = "country:ET") -> Series:
    return Series(signal, entity, T0, STEP, np.asarray(values, dtype=float))


def test_one_bin_blip_needs_persistence_two_bins_confirm() -> None:
    v = np.full(400, 1000.0)
    v[200] = 980.0
    mechanics = robust.NO_EFFECT  # the confirmation rules alone, without the effect sizes
    assert robust.detect(s(v), effect=mechanics) == []
    assert len(ioda.detect(s(v))) == 1  # the baseline warns on a single bin
    v[300:302] = 980.0
    (ep,) = robust.detect(s(v), effect=mechanics)
    assert ep.start == T0 + 300 * STEP
    assert ep.known_at == T0 + 302 * STEP  # confirmed at the end of the second bin


def test_effect_sizes_per_scope_before_any_alert() -> None:
    """A clear but small drop is not a public alert: a country needs 5 % of its routed space
    (and 4 /24s), a network half of its space (and one /24)."""
    v = np.full(400, 20000.0)
    v[300:340] = 19200.0  # -4 %: 800 /24s, a clear signal, but not a national outage
    assert robust.detect(s(v)) == []
    v[300:340] = 18800.0  # -6 %
    (ep,) = robust.detect(s(v))
    assert ep.start == T0 + 300 * STEP
    small = np.full(400, 60.0)
    small[300:340] = 57.0  # a 60-/24 country losing 3 /24s (5 %): under 4 units
    assert robust.detect(s(small)) == []
    net = np.full(400, 16.0)
    net[300:340] = 10.0  # a network losing 6 of its 16 /24s (38 %)
    assert robust.detect(s(net, entity="asn:64500")) == []
    net[300:340] = 7.0  # 56 %
    assert len(robust.detect(s(net, entity="asn:64500"))) == 1
    one = np.full(400, 1.0)
    one[300:340] = 0.0  # a one-/24 network gone
    assert len(robust.detect(s(one, entity="asn:64501"))) == 1


def test_strong_drop_is_confirmed_at_once() -> None:
    v = np.full(400, 1000.0)
    v[300:340] = 100.0
    (ep,) = robust.detect(s(v))
    assert ep.known_at == T0 + 301 * STEP
    assert ep.severity == "critical" and ep.end == T0 + 340 * STEP


def test_strong_drop_threshold_is_per_signal() -> None:
    """A tenth of the routed space gone in one bin confirms BGP at once; Atlas, counted in
    few probes, needs half of them gone (else persistence)."""
    v = np.full(400, 1000.0)
    v[300:340] = 850.0
    (bgp,) = robust.detect(s(v), effect=robust.NO_EFFECT)
    assert bgp.known_at == T0 + 301 * STEP
    (atlas,) = robust.detect(s(v / 10, "atlas"))
    assert atlas.known_at == T0 + 302 * STEP


def test_one_silent_probe_needs_support_from_another_signal() -> None:
    atlas = np.full(400, 3.0)
    atlas[300:320] = 2.0  # one probe of three gone
    bgp = np.full(400, 40.0)
    alone = detect_robust([s(atlas, "atlas", "asn:64500")])
    assert alone == []
    bgp[301:320] = 15.0  # the AS lost most of its space at the same time
    eps = detect_robust([s(atlas, "atlas", "asn:64500"), s(bgp, "bgp", "asn:64500")])
    assert {e.signal for e in eps} == {"atlas", "bgp"}
    (det,) = merge(eps)
    assert det.signals == ("atlas", "bgp") and det.confidence > 0.9


def test_three_probes_lost_confirm_alone() -> None:
    atlas = np.full(400, 12.0)
    atlas[300:320] = 9.0
    (ep,) = robust.detect(s(atlas, "atlas"))
    assert ep.start == T0 + 300 * STEP


def test_long_outage_keeps_its_baseline() -> None:
    v = np.r_[np.full(400, 100.0), np.full(16 * 12, 30.0), np.full(100, 100.0)]
    (ep,) = robust.detect(s(v))
    assert (ep.start, ep.end) == (T0 + 400 * STEP, T0 + (400 + 16 * 12) * STEP)


def test_seasonal_reference_follows_the_day() -> None:
    """A diurnal signal: troughs are normal for the seasonal reference, not for a flat median;
    a drop at the daily peak is found."""
    days = 8
    t = np.arange(days * DAY)
    v = 100 + 30 * np.sin(2 * np.pi * t / DAY)
    drop_at = 6 * DAY + DAY // 4  # a daily peak
    v[drop_at : drop_at + 12] *= 0.75
    ours = run_detector("nethealth", [s(v, "user:traffic")])
    assert len(ours) == 1
    assert ours[0].start <= T0 + drop_at * STEP < ours[0].end  # type: ignore[operator]
    base = run_detector("ioda", [s(v, "user:traffic")])
    assert len(base) > 3  # the trough of every day falls below 80 % of the moving median


def test_recurring_small_dips_are_not_anomalies() -> None:
    v = np.full(3 * DAY, 40.0)
    v[::24] = 36.0  # four probes missing for one bin every two hours
    v[2 * DAY + 100] = 36.0
    assert robust.detect(s(v, "atlas")) == []
    v[2 * DAY + 200 : 2 * DAY + 210] = 30.0
    (ep,) = robust.detect(s(v, "atlas"))
    assert ep.start == T0 + (2 * DAY + 200) * STEP


def test_missing_data_is_not_an_outage() -> None:
    v = np.full(400, 50.0)
    v[200:260] = np.nan
    assert robust.detect(s(v)) == [] and ioda.detect(s(v)) == []


def test_platform_gap_across_countries_is_not_an_outage() -> None:
    """A third of every country's probes silent in the same bins is the platform (a
    controller), not six outages; the baseline alerts on each country."""
    series = []
    for k, cc in enumerate(("DE", "FR", "NL", "BR", "IN", "ZA")):
        v = np.full(600, 30.0 + 3 * k)
        v[400:406] = np.round(v[400:406] * 0.66)
        series.append(s(v, "atlas", f"country:{cc}"))
        series.append(s(np.full(600, 5000.0 + k), "bgp", f"country:{cc}"))
    assert run_detector("nethealth", series) == []
    assert len(run_detector("ioda", series)) == 6
    # one country alone losing its probes and routes while the others stay flat is not
    # common-mode: it is found, both signals
    alone = []
    for k, cc in enumerate(("FR", "NL", "BR", "IN", "ZA")):
        alone.append(s(np.full(600, 30.0 + 3 * k), "atlas", f"country:{cc}"))
        alone.append(s(np.full(600, 5000.0 + k), "bgp", f"country:{cc}"))
    v = np.full(600, 30.0)
    v[400:406] = 5.0
    bgp = np.full(600, 5000.0)
    bgp[401:406] = 900.0
    alone += [s(v, "atlas", "country:DE"), s(bgp, "bgp", "country:DE")]
    (det,) = run_detector("nethealth", alone)
    assert det.entity == "country:DE" and det.signals == ("atlas", "bgp")


def test_partial_probe_loss_with_routes_up_needs_a_strong_drop() -> None:
    """A third of a country's probes silent for hours while every route stays up (load
    shedding, a power cut) is not a network outage; more than half silent is."""
    atlas = np.full(600, 30.0)
    atlas[400:440] = 20.0
    bgp = np.full(600, 5000.0)
    both = [s(atlas, "atlas", "country:ZA"), s(bgp, "bgp", "country:ZA")]
    assert run_detector("nethealth", both) == []
    assert len(run_detector("nethealth", [both[0]])) == 1  # no BGP signal: Atlas speaks alone
    atlas[400:440] = 12.0
    (det,) = run_detector("nethealth", [s(atlas, "atlas", "country:ZA"), both[1]])
    assert det.signals == ("atlas",) and det.start == T0 + 400 * STEP


def test_a_region_drop_one_network_explains_is_left_to_that_network() -> None:
    """One AS withdrawing its space drops its region by the same amount: reported at the AS.
    Two networks going down together is a regional outage: the region episode stays."""
    a1 = np.full(400, 40.0)
    a2 = np.full(400, 60.0)
    a1[300:340] = 0.0  # AS 1 alone
    region = a1 + a2
    eps = detect_robust([s(a1, entity="asn:1"), s(a2, entity="asn:2"),
                         s(region, entity="region:ET-AA")])  # fmt: skip
    assert {e.entity for e in eps} == {"asn:1"}
    a2[300:340] = 30.0  # both networks at once
    region = a1 + a2
    eps = detect_robust([s(a1, entity="asn:1"), s(a2, entity="asn:2"),
                         s(region, entity="region:ET-AA")])  # fmt: skip
    assert {e.entity for e in eps} == {"asn:1", "asn:2", "region:ET-AA"}


def _noisy_with_outages(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = 500.0 + rng.normal(0, 4, 3 * DAY)
    v[300:305] -= 60  # short dip
    v[500:700] *= 0.3  # long outage: frozen out of the history once it has lasted an hour
    v[720:724] *= 0.9
    v[900:960] = np.nan  # no data
    return v


def test_scores_are_causal_a_bin_sees_only_the_past() -> None:
    """Scoring the series cut at bin k gives, for every bin before k, exactly what scoring the
    whole series gives: no bin's verdict depends on later data (the baseline that drops long
    anomalies included, also while such an anomaly is still young)."""
    for seed in (1, 2):
        v = _noisy_with_outages(seed)
        full = robust.score(s(v))
        full_ioda = ioda.levels(v, ioda.history(v, STEP, ioda.BGP), ioda.BGP)
        for k in (310, 505, 511, 520, 600, 710, 722, 800, 961):
            cut = robust.score(s(v[:k]))
            assert np.array_equal(cut.anomalous, full.anomalous[:k]), (seed, k)
            np.testing.assert_array_equal(cut.reference, full.reference[:k])
            lv = ioda.levels(v[:k], ioda.history(v[:k], STEP, ioda.BGP), ioda.BGP)
            assert np.array_equal(lv, full_ioda[:k]), (seed, k)


def test_a_thin_series_confirmed_by_another_begins_where_the_support_does() -> None:
    """One home probe silent for hours, then the network's routes withdrawn: the probe's
    silence is not backdated into the outage (the event begins with the routes)."""
    atlas = np.full(600, 1.0)
    atlas[300:500] = 0.0
    bgp = np.full(600, 8.0)
    bgp[420:500] = 0.0
    eps = detect_robust([s(atlas, "atlas", "asn:64500"), s(bgp, "bgp", "asn:64500")])
    assert {e.signal: e.start for e in eps} == {"atlas": T0 + 420 * STEP, "bgp": T0 + 420 * STEP}
    (det,) = merge(eps)
    assert det.start == T0 + 420 * STEP
    # alone, a one-probe series never makes an episode (alone_min_reference)
    assert detect_robust([s(atlas, "atlas", "asn:64500")]) == []


def test_trailing_stats_equal_numpys_nan_functions_to_the_bit() -> None:
    """trailing_stats computes the median, MAD and "lower" quantile of each window from one
    sort; numpy's nanmedian / nanquantile (per row) are the reference."""
    from numpy.lib.stride_tricks import sliding_window_view

    from nethealth.outages.episodes import trailing_stats

    rng = np.random.default_rng(7)
    values = rng.normal(100.0, 15.0, 3000).round(3)
    values[rng.random(3000) < 0.3] = np.nan
    values[500:800] = np.nan  # windows with few or no values
    width, q = 288, 0.01
    at = np.arange(len(values))
    med, dev, low = trailing_stats(values, width, at, 1, mad=True, quantile=q)
    padded = np.concatenate([np.full(width, np.nan), values])
    view = sliding_window_view(padded, width)[: len(values)]
    count = np.count_nonzero(~np.isnan(view), axis=1)
    for i in np.flatnonzero(count > 0):
        row = view[i]
        m = np.nanmedian(row)
        assert med[i] == m
        assert dev[i] == np.nanmedian(np.abs(row - m))
        if count[i] >= 100:
            assert low[i] == np.nanquantile(row, q, method="lower")
        else:
            assert np.isnan(low[i])
    assert np.isnan(med[count == 0]).all()


@pytest.mark.parametrize("width", [1, 2, 7, 288])
def test_trailing_max_equals_the_max_of_each_window(width: int) -> None:
    from nethealth.outages.episodes import trailing_max

    rng = np.random.default_rng(width)
    values = rng.normal(0.0, 1.0, 1000)
    values[rng.random(1000) < 0.2] = np.nan
    got = trailing_max(values, width)
    for i in range(len(values)):
        window = values[max(0, i - width) : i]
        window = window[~np.isnan(window)]
        assert got[i] == (window.max() if len(window) else -np.inf), i
