from decimal import Decimal

from wbs.calibration import (
    ElementActual,
    calibrate,
    calibration_factors,
    ratio_stats,
    worst_planned,
)


def test_ratio_stats_hand_computed():
    stats = ratio_stats([Decimal(x) for x in ("1.0", "1.5", "2.0", "0.5", "1.2")])
    # sorted 0.5 1.0 1.2 1.5 2.0: median 1.2; halves (0.5, 1.0) and (1.5, 2.0)
    assert (stats.median, stats.p25, stats.p75) == (
        Decimal("1.200"),
        Decimal("0.750"),
        Decimal("1.750"),
    )
    assert stats.spread == Decimal("1.000")
    assert ratio_stats([]) is None


def test_calibrate_and_factors():
    actuals = [
        ElementActual("a", 10, 15, Decimal("100"), Decimal("100")),
        ElementActual("a", 10, 12, Decimal("100"), Decimal("120")),
        ElementActual("a", 4, 8, Decimal("100"), Decimal("80")),
        ElementActual("b", 5, 5),
        ElementActual("c", 2, 6),
    ]
    stats = calibrate(actuals)
    assert stats["a"].duration.median == Decimal("1.500")  # 1.2, 1.5, 2.0
    assert stats["a"].cost.median == Decimal("1.000")  # 0.8, 1.0, 1.2
    assert stats["b"].cost is None
    factors = calibration_factors(stats, min_samples=3)
    assert set(factors) == {"a"}  # b has ratio 1, c too few samples
    assert factors["a"].duration_ratio == Decimal("1.500")
    assert factors["a"].cost_ratio == Decimal("1.000")
    assert [s.template_code for s in worst_planned(stats)] == ["c", "a", "b"]
