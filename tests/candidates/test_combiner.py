"""Point combiner: logistic fit, Platt calibration on held-out flights, reliability, file format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rams.candidates.calibration import reliability
from rams.candidates.combiner import (
    PointCombiner,
    fit_logistic,
    fit_platt,
    load_combiner,
    resolve_combiner,
    sigmoid,
)
from rams.candidates.fusion import BASE_FEATURES, FusedPoint, feature_matrix
from rams.config import CandidateConfig
from rams.errors import RamsInputError
from rams.training.combiner import LabelledFlight, fit_combiner, model_card


def flight(seed: int, n: int = 800) -> LabelledFlight:
    """Points whose mine probability is sigmoid(6 cnn_score + 0.5 rx_score - 6), scattered."""
    rng = np.random.default_rng(seed)
    pts = []
    labels = []
    for x, y, c, rx in zip(rng.uniform(0, 500, n), rng.uniform(0, 500, n), rng.uniform(0, 1, n),
                           rng.uniform(0, 8, n), strict=True):
        f = dict.fromkeys(BASE_FEATURES, 0.0) | {"cnn_score": float(c), "rx_score": float(rx), "has_cnn": 1.0}
        pts.append(FusedPoint(float(x), float(y), "cnn", features=f))
        labels.append(int(rng.random() < sigmoid(np.array(6 * c + 0.5 * rx - 6)).item()))
    return LabelledFlight(f"f{seed}", pts, np.array(labels), int(sum(labels)))


def test_fit_logistic_recovers_coefficients() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 2))
    y = (rng.random(20000) < sigmoid(1.5 * x[:, 0] - 2.0 * x[:, 1] + 0.5)).astype(float)
    m = fit_logistic(x, y, ("a", "b"), l2=0.0)
    w = np.array(m.weights) / np.array(m.scale)
    assert w == pytest.approx([1.5, -2.0], abs=0.1)
    assert m.logit(np.zeros((1, 2)))[0] == pytest.approx(0.5, abs=0.1)
    with pytest.raises(ValueError, match="both"):
        fit_logistic(x, np.zeros(len(x)), ("a", "b"))


def test_platt_undoes_an_overconfident_score() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, 20000)
    y = (rng.random(z.size) < sigmoid(z)).astype(float)
    a, b = fit_platt(3.0 * z, y)  # a model three times too sure of itself
    assert a == pytest.approx(1 / 3, abs=0.03) and b == pytest.approx(0.0, abs=0.05)
    _, ece_raw = reliability(sigmoid(3.0 * z), y)
    _, ece_cal = reliability(sigmoid(a * 3.0 * z + b), y)
    assert ece_raw is not None and ece_cal is not None and ece_cal < 0.02 < ece_raw


def test_reliability_table_by_hand() -> None:
    p = np.array([0.05, 0.15, 0.15, 0.95, 0.95])
    y = np.array([0, 1, 0, 1, 1])
    bins, ece = reliability(p, y, n_bins=10)
    assert [b.n for b in bins] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[1].frequency == 0.5 and bins[2].mean_probability is None
    # (1 * 0.05 + 2 * 0.35 + 2 * 0.05) / 5
    assert ece == pytest.approx(0.17)


def test_calibrated_on_held_out_flights() -> None:
    cfg = CandidateConfig()
    combiner, metrics = fit_combiner([flight(s) for s in range(3)], [flight(s) for s in (10, 11)], cfg)
    assert metrics["calibration_flights"] == ["f10", "f11"]
    assert metrics["calibration_ece_split_half"] is not None and metrics["calibration_ece_split_half"] < 0.06
    test = [flight(s, 3000) for s in (20, 21)]
    x = np.vstack([feature_matrix(f.points, BASE_FEATURES) for f in test])
    y = np.concatenate([f.label for f in test])
    p = combiner.probability(x, np.zeros((len(x), 4)))
    _, ece = reliability(p, y)
    assert ece is not None and ece < 0.04
    card = model_card(combiner, {"command": "pytest"})
    assert "| evidence | cnn_score |" in card and "f10, f11" in card


def test_file_round_trip_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    combiner, _ = fit_combiner([flight(1, 300)], [flight(2, 300)], CandidateConfig())
    path = combiner.save(tmp_path / "c.json")
    again = load_combiner(path)
    x = feature_matrix(flight(3, 50).points, BASE_FEATURES)
    z = np.zeros((50, 4))
    assert again.probability(x, z) == pytest.approx(combiner.probability(x, z), abs=1e-6)
    (tmp_path / "bad.json").write_text('{"format": "other"}')
    with pytest.raises(RamsInputError, match="format"):
        load_combiner(tmp_path / "bad.json")
    monkeypatch.setenv("RAMS_MODELS_DIR", str(tmp_path / "empty"))
    prior, warning = resolve_combiner(None)
    assert warning is not None and "not calibrated" in warning
    assert prior.meta["name"].startswith("prior")
    with pytest.raises(RamsInputError, match="not found"):
        resolve_combiner("missing")


def ground_flight(seed: int, group: str, sign: float) -> LabelledFlight:
    """Mines follow cnn_score on every ground; rx_score helps on one and misleads on another."""
    rng = np.random.default_rng(seed)
    n = 600
    pts, labels = [], []
    for x, y, c, rx in zip(rng.uniform(0, 500, n), rng.uniform(0, 500, n), rng.uniform(0, 1, n),
                           rng.uniform(0, 8, n), strict=True):
        f = dict.fromkeys(BASE_FEATURES, 0.0) | {"cnn_score": float(c), "rx_score": float(rx), "has_cnn": 1.0}
        pts.append(FusedPoint(float(x), float(y), "cnn", features=f))
        labels.append(int(rng.random() < sigmoid(np.array(3 * c + sign * 1.5 * (rx - 4) - 1.5)).item()))
    return LabelledFlight(f"{group}{seed}", pts, np.array(labels), int(sum(labels)), group)


def test_cross_ground_logits_come_from_models_that_never_saw_the_ground() -> None:
    from rams.training.combiner import cross_ground_logits

    cfg = CandidateConfig()
    fit = [ground_flight(s, "a", +1.0) for s in (0, 1)] + [ground_flight(s, "b", -1.0) for s in (2, 3)]
    cal = [ground_flight(4, "a", +1.0), ground_flight(5, "b", -1.0)]
    z, y, groups = cross_ground_logits(fit, cal, cfg, 1e-2)
    assert len(z) == sum(len(f.label) for f in fit + cal) and sorted(set(groups)) == ["a", "b"]
    # Ground b scored by the model of ground a, where rx_score means the opposite: worse than
    # chance on b's points (a model that had seen b would rank them well).
    on_b = np.array(groups) == "b"
    rx_b = np.concatenate([feature_matrix(f.points, BASE_FEATURES)[:, BASE_FEATURES.index("rx_score")]
                           for f in fit + cal if f.group == "b"])
    assert np.corrcoef(z[on_b], rx_b)[0, 1] > 0.5  # a's model: more rx, more mine
    assert np.corrcoef(y[on_b], rx_b)[0, 1] < -0.2  # on b: more rx, fewer mines
    combiner, metrics = fit_combiner(fit, cal, cfg)
    assert metrics["calibration_method"] == "cross-ground" and metrics["cross_ground_ece"] is not None
    # Calibrated for ground it did not see, the combiner is less sure than on its own ground.
    held_combiner, held = fit_combiner(fit, cal, cfg, calibration="held-out")
    assert held["calibration_method"] == "held-out" and held["cross_ground_ece"] is None
    assert held_combiner.evidence == combiner.evidence and held_combiner.pattern == combiner.pattern
    assert combiner.platt_a < 0.8 * held_combiner.platt_a


def test_one_ground_falls_back_to_held_out_calibration() -> None:
    _, metrics = fit_combiner([flight(s) for s in range(2)], [flight(10)], CandidateConfig())
    assert metrics["calibration_method"] == "held-out" and metrics["cross_ground_ece"] is None


def test_platt_never_reverses_the_ranking() -> None:
    """Logits that rank mines below clutter on the calibration set give slope 0 and the base rate."""
    rng = np.random.default_rng(2)
    z = rng.normal(0, 2, 5000)
    y = (rng.random(z.size) < sigmoid(-z - 2)).astype(float)  # the model's ranking is backwards here
    a, b = fit_platt(z, y)
    assert a == 0.0
    assert sigmoid(np.array(b)).item() == pytest.approx((y.sum() + 1) / (y.sum() + 2) * y.mean()
                                                        + (1 - y.mean()) / (len(y) - y.sum() + 2), rel=1e-6)


def test_combiner_without_cnn_scores_runs_without_the_cnn(tmp_path: Path) -> None:
    """The file keeps a second combiner for runs in which the CNN did not run; for_run picks it."""
    cfg = CandidateConfig()
    with_cnn, _ = fit_combiner([flight(s) for s in range(2)], [flight(10)], cfg)
    without, _ = fit_combiner([flight(s) for s in (3, 4)], [flight(11)], cfg)
    assert with_cnn.for_run(True) == (with_cnn, None)
    chosen, warning = with_cnn.for_run(False)
    assert chosen is with_cnn and warning is not None and "without the CNN" in warning
    both = PointCombiner(with_cnn.evidence, with_cnn.pattern, with_cnn.platt_a, with_cnn.platt_b,
                         meta=with_cnn.meta, without_cnn=without)
    assert both.for_run(False) == (without, None) and both.for_run(True)[0] is both
    loaded = load_combiner(both.save(tmp_path / "c.json"))
    assert loaded.to_dict() == both.to_dict()  # values rounded to 8 decimals in the file
    assert loaded.without_cnn is not None and loaded.without_cnn.to_dict() == without.to_dict()
    assert load_combiner(with_cnn.save(tmp_path / "old.json")).without_cnn is None  # files without it load
    assert "## Without the CNN" in model_card(loaded, {}) and "## Without the CNN" not in model_card(with_cnn, {})


def test_cascade_model_scores_cascade_runs_only(tmp_path: Path) -> None:
    """A file with a cascade model: cascade runs with the CNN and multispectral/thermal get it;
    full scans, runs without the CNN and RGB alone keep their own models; files without one
    score cascade runs with the full-scan model, as before (rule ZY)."""
    from dataclasses import replace

    cfg = CandidateConfig()
    with_cnn, _ = fit_combiner([flight(s) for s in range(2)], [flight(10)], cfg)
    cascade, _ = fit_combiner([flight(s) for s in (3, 4)], [flight(11)], cfg)
    without, _ = fit_combiner([flight(s) for s in (5, 6)], [flight(12)], cfg)
    assert cascade.to_dict() != with_cnn.to_dict()
    assert with_cnn.for_run(True, cascade=True) == (with_cnn, None)
    both = replace(with_cnn, cascade=cascade, without_cnn=without)
    assert both.for_run(True, cascade=True) == (cascade, None)
    assert both.for_run(True, cascade=False) == (both, None)
    assert both.for_run(False, cascade=True) == (without, None)  # the CNN did not run: no scan at all
    assert both.for_run(True, ms_thermal=False, cascade=True)[0] is not cascade
    loaded = load_combiner(both.save(tmp_path / "c.json"))
    assert loaded.cascade is not None and loaded.cascade.to_dict() == cascade.to_dict()
    assert load_combiner(with_cnn.save(tmp_path / "old.json")).cascade is None
    assert "## Cascade runs" in model_card(loaded, {}) and "## Cascade runs" not in model_card(with_cnn, {})


def test_run_without_cnn_warns_when_its_model_put_no_calibration_mine_in_the_mine_layer() -> None:
    """A without-CNN model that ranks (slope > 0) but found no calibration mine: the run says so."""
    cfg = CandidateConfig()
    with_cnn, _ = fit_combiner([flight(s) for s in range(2)], [flight(10)], cfg)
    without, _ = fit_combiner([flight(s) for s in (3, 4)], [flight(11)], cfg)
    assert without.platt_a != 0.0
    found = dict(without.meta, calibration_mine_layer={"n_truth": 60, "tp": 3, "recall": 0.05})
    missed = dict(without.meta, calibration_mine_layer={"n_truth": 60, "tp": 0, "recall": 0.0})
    for meta, warns in ((found, False), (missed, True)):
        w = PointCombiner(without.evidence, without.pattern, without.platt_a, without.platt_b, meta=meta)
        both = PointCombiner(with_cnn.evidence, with_cnn.pattern, with_cnn.platt_a, with_cnn.platt_b,
                             meta=with_cnn.meta, without_cnn=w)
        chosen, warning = both.for_run(False)
        assert chosen is w and (warning is not None) == warns
        if warns:
            assert warning is not None and "none of the 60 mines" in warning


def test_rgb_only_model_weighs_the_cnn_features_alone(tmp_path: Path) -> None:
    """Runs from an RGB orthomosaic alone get the rgb_only model, fitted with every non-CNN
    feature set to 0: the RGB anomaly features of a point then cannot move its probability."""
    from dataclasses import replace

    from rams.candidates.fusion import CNN_FEATURES
    from rams.training.combiner import restrict_features

    cfg = CandidateConfig()
    with_cnn, _ = fit_combiner([flight(s) for s in range(2)], [flight(10)], cfg)
    fits = restrict_features([flight(s) for s in (5, 6)], CNN_FEATURES)
    assert all(p.features["rx_score"] == 0.0 for f in fits for p in f.points)
    assert any(p.features["cnn_score"] > 0.0 for f in fits for p in f.points)
    rgb, _ = fit_combiner(fits, restrict_features([flight(12)], CNN_FEATURES), cfg)
    weights = dict(zip(rgb.evidence.features, rgb.evidence.weights, strict=True))
    assert weights["rx_score"] == 0.0 and weights["cnn_score"] > 0.5
    x = np.zeros((2, len(BASE_FEATURES)))
    x[:, BASE_FEATURES.index("cnn_score")] = 0.7
    x[:, BASE_FEATURES.index("has_cnn")] = 1.0
    x[1, BASE_FEATURES.index("rx_score")] = 15.0  # a saturated RGB anomaly under the second
    p = rgb.probability(x, np.zeros((2, len(rgb.pattern.features) - 1)))
    assert p[0] == pytest.approx(p[1])
    p_full = with_cnn.probability(x, np.zeros((2, len(with_cnn.pattern.features) - 1)))
    assert p_full[1] > p_full[0] + 0.05  # the full model reads that peak as evidence

    # for_run: RGB alone with the CNN -> rgb_only; older files warn and fall back
    assert with_cnn.for_run(True, ms_thermal=False)[0] is with_cnn
    assert "without a multispectral or thermal raster" in str(with_cnn.for_run(True, ms_thermal=False)[1])
    full = replace(with_cnn, rgb_only=rgb)
    assert full.for_run(True, ms_thermal=False) == (rgb, None)
    assert full.for_run(True, ms_thermal=True) == (full, None)
    # neither the CNN nor multispectral/thermal: one probability, the fit's base rate, and a warning
    constant, warning = full.for_run(False, ms_thermal=False)
    assert warning is not None and "neither the CNN" in warning
    rate = full.base_rate()
    assert rate == pytest.approx(full.meta["n_calibration_mines"] / full.meta["n_calibration_points"])
    rng = np.random.default_rng(0)
    xr = rng.uniform(0, 10, (50, len(BASE_FEATURES)))
    pr = constant.probability(xr, rng.uniform(0, 3, (50, len(constant.pattern.features) - 1)))
    assert np.allclose(pr, rate) and constant.evidence_probability(xr).max() < cfg.seed_probability  # no row seeds
    loaded = load_combiner(full.save(tmp_path / "c.json"))
    assert loaded.rgb_only is not None and loaded.rgb_only.to_dict() == rgb.to_dict()
    assert "## RGB orthomosaic alone" in model_card(loaded, {})


def test_a_combiner_fitted_with_another_detector_warns() -> None:
    from dataclasses import replace

    from rams.candidates.combiner import detector_mismatch

    cfg = CandidateConfig()
    fitted, _ = fit_combiner([flight(0)], [flight(10)], cfg)
    fitted = replace(fitted, meta={**fitted.meta, "detector": "rams_rgb sha256 15c2eb05dac5af22"})
    assert detector_mismatch(fitted, "rams_rgb sha256 15c2eb05dac5af22") is None
    assert detector_mismatch(fitted, "custom sha256 15c2eb05dac5af22") is None  # same weights, other name
    warning = detector_mismatch(fitted, "rams_rgb sha256 0123456789abcdef")
    assert warning is not None and "0123456789abcdef" in warning and "not calibrated" in warning
    assert detector_mismatch(fitted, None) is None  # no CNN ran
    assert detector_mismatch(replace(fitted, meta={}), "rams_rgb sha256 0123456789abcdef") is None  # hand-set


def test_domain_is_the_features_constant_at_every_fit_point(tmp_path: Path) -> None:
    """``has_cnn`` is 1 at every point of these flights: a point without it is outside the
    domain; restricted fits (rgb_only) record only the features they keep."""
    from rams.candidates.fusion import CNN_FEATURES

    cfg = CandidateConfig()
    comb, metrics = fit_combiner([flight(s) for s in range(2)], [flight(10)], cfg)
    # every feature these flights leave at 0 is constant too: all but cnn_score and rx_score
    assert comb.domain["has_cnn"] == 1.0 and "cnn_score" not in comb.domain and "rx_score" not in comb.domain
    assert metrics["domain_constant_features"] == comb.domain
    x = np.zeros((3, len(BASE_FEATURES)))
    x[:, BASE_FEATURES.index("has_cnn")] = [1.0, 0.0, 1.0]
    x[2, BASE_FEATURES.index("thermal")] = 1.0  # 0 at every fit point
    assert comb.outside_domain(x).tolist() == [False, True, True]
    loaded = load_combiner(comb.save(tmp_path / "c.json"))
    assert loaded.domain == comb.domain and loaded.outside_domain(x).tolist() == [False, True, True]
    assert "`has_cnn` = 1" in model_card(loaded, {}).split("## Domain")[1]
    # a file without a domain (older fits) puts every point inside it
    doc = json.loads((tmp_path / "c.json").read_text())
    del doc["domain"]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    assert not load_combiner(tmp_path / "old.json").outside_domain(x).any()
    doc["domain"] = {"constant": {"no_such_feature": 1.0}}
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(RamsInputError, match="no_such_feature"):
        load_combiner(tmp_path / "bad.json")
    rgb, _ = fit_combiner([flight(s) for s in range(2)], [flight(10)], cfg, domain_features=CNN_FEATURES)
    assert set(rgb.domain) <= set(CNN_FEATURES) and "thermal" not in rgb.domain


def test_shipped_combiners_flag_only_points_their_fits_never_saw() -> None:
    """The shipped file's three models: a run's usual points are inside each model's domain (a
    CNN detection with no anomaly beside it too, since rule ZZD's fit holds such points)."""
    from rams.candidates.combiner import resolve_combiner
    from rams.candidates.fusion import CNN_FEATURES

    shipped, _ = resolve_combiner(None)
    assert shipped.rgb_only is not None and shipped.without_cnn is not None

    def point(**values: float) -> np.ndarray:
        x = np.zeros((1, len(BASE_FEATURES)))
        for k, v in values.items():
            x[0, BASE_FEATURES.index(k)] = v
        return x

    anomaly = point(has_anomaly=1.0, thermal=1.0, rx_score=12.0, n_agree=1.0)
    fused = point(has_anomaly=1.0, thermal=1.0, rx_score=12.0, has_cnn=1.0, cnn_score=0.7, cnn_support=0.7,
                  n_agree=2.0)
    cnn_only = point(has_cnn=1.0, cnn_score=0.7, cnn_support=0.7, n_agree=1.0)
    # rule ZZD: the with-CNN model was fitted on flights where the CNN called things with no
    # anomaly beside them (ground it never trained on), so those points are inside its domain too
    assert not shipped.outside_domain(np.vstack([anomaly, fused, cnn_only])).any()
    # without the CNN every point is an anomaly peak: none outside
    assert not shipped.without_cnn.outside_domain(anomaly).any()
    # the RGB-only model's domain names CNN features only: RGB anomaly peaks stay inside
    assert set(shipped.rgb_only.domain) <= set(CNN_FEATURES)
    assert not shipped.rgb_only.outside_domain(np.vstack([anomaly, fused, cnn_only])).any()
