"""Fitting the point combiner on labelled runs, and its model card.

The training data are run folders of ``rams process`` on flights with a truth GeoJSON
(synthetic flights of the combiner family, see :data:`rams.synth.families.COMBINER_FAMILY`;
real labelled flights where available). A
run exports every candidate point (mine and low layers) with its base features
(``f_<name>`` attributes), so the fit reads points from the outputs and needs no
intermediate files: the evidence features do not depend on the combiner, and the pattern
features are recomputed here from the evidence model being fitted.

Labels: a point is a mine when the optimal one-to-one matching of the flight's points to
its true mines (:func:`rams.evaluation.flight.match_points`, 0.5 m) pairs it with one; a
second point on the same mine is a negative (it would be a false alarm in the mine layer).

Protocol: the two logistic models are fitted on ``fit`` flights. The Platt calibration is
fitted across ground (:func:`cross_ground_logits`: each family's flights scored by models
fitted on the other families), because the combiner is used on ground it never saw and
the logits of its own fit ground are overconfident there; with one group only it is fitted
on the ``calibration`` flights. The card reports the reliability on the calibration
flights, ECE with Platt fitted on one half of them and measured on the other half, and the
leave-one-family-out ECE of the cross-ground probabilities.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from rams.candidates.calibration import reliability
from rams.candidates.combiner import Logistic, PointCombiner, fit_logistic, fit_platt, sigmoid
from rams.candidates.fusion import BASE_FEATURES, FusedPoint, feature_matrix
from rams.candidates.patterns import PATTERN_FEATURES
from rams.candidates.scoring import search_patterns
from rams.config import CandidateConfig
from rams.crs import WGS84, transformer
from rams.synth.families import HELD_OUT_FAMILIES

#: Point layers a run exports for every candidate (expected positions are not candidates).
CANDIDATE_FILES = ("detections.geojson", "candidates_low.geojson")


@dataclass
class LabelledFlight:
    """The candidate points of one run and whether each is a mine.

    Attributes:
        name: run folder name.
        points: points with their base features, flight CRS metres.
        label: (N,) 1 for a point matched to a true mine.
        n_truth: true mines of the flight.
        group: the kind of ground it was flown over (the scene family of a synthetic
            flight; a site for real flights), for calibration across ground.
    """

    name: str
    points: list[FusedPoint]
    label: np.ndarray
    n_truth: int
    group: str = ""


def load_labelled_run(out_dir: Path, truth_path: Path, tolerance_m: float = 0.5, group: str = "") -> LabelledFlight:
    """Read a run's candidate points and label them against the truth (see module docstring)."""
    from rams.evaluation.flight import match_points

    run = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    to_flight = transformer(WGS84, run["grid"]["crs"])
    points: list[FusedPoint] = []
    for name in CANDIDATE_FILES:
        path = out_dir / name
        if not path.is_file():
            continue
        for feat in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = feat["properties"]
            x, y = to_flight.transform(*feat["geometry"]["coordinates"][:2])
            feats = {n: float(props.get(f"f_{n}", 0.0) or 0.0) for n in BASE_FEATURES}
            points.append(FusedPoint(float(x), float(y), str(props.get("kind", "")), features=feats))
    truth = json.loads(truth_path.read_text(encoding="utf-8"))["features"]
    mines = [f["geometry"]["coordinates"][:2] for f in truth
             if f["properties"].get("kind") == "mine" and f["geometry"]["type"] == "Point"]
    t_xy = np.array([to_flight.transform(lon, lat) for lon, lat in mines], np.float64).reshape(-1, 2)
    p_xy = np.array([[p.x_m, p.y_m] for p in points], np.float64).reshape(-1, 2)
    label = np.zeros(len(points), np.int64)
    for i, _, _ in match_points(p_xy, t_xy, tolerance_m):
        label[i] = 1
    return LabelledFlight(out_dir.name, points, label, len(t_xy), group)


def restrict_features(flights: list[LabelledFlight], keep: tuple[str, ...]) -> list[LabelledFlight]:
    """The flights with every base feature outside ``keep`` set to 0 (so it gets no weight).

    The RGB-only model is fitted so (``keep`` = :data:`rams.candidates.fusion.CNN_FEATURES`):
    constant inputs carry no weight in :func:`fit_logistic`, so at run time the other
    features of a point are ignored whatever they hold.
    """
    out = []
    for f in flights:
        points = [replace(p, features={n: (v if n in keep else 0.0) for n, v in p.features.items()})
                  for p in f.points]
        out.append(replace(f, points=points))
    return out


def _pattern_inputs(flight: LabelledFlight, combiner_evidence: Any, config: CandidateConfig) -> np.ndarray:
    x_base = feature_matrix(flight.points, BASE_FEATURES)
    z1 = combiner_evidence.logit(x_base)
    search = search_patterns(flight.points, sigmoid(z1), config)
    return np.column_stack([z1, search.x_pattern])


def _pr(p: np.ndarray, y: np.ndarray, n_truth: int, threshold: float) -> dict[str, Any]:
    sel = p >= threshold
    tp = int(y[sel].sum())
    precision = tp / int(sel.sum()) if sel.any() else None
    recall = tp / n_truth if n_truth else None
    return {"threshold": threshold, "n_mine_layer": int(sel.sum()), "tp": tp, "n_truth": n_truth,
            "precision": None if precision is None else round(precision, 4),
            "recall": None if recall is None else round(recall, 4)}


def _fit_models(
    flights: list[LabelledFlight], config: CandidateConfig, l2: float
) -> tuple[Logistic, Logistic]:
    """The evidence model, then the pattern model on its logit and the pattern features."""
    x1 = np.vstack([feature_matrix(f.points, BASE_FEATURES) for f in flights])
    y = np.concatenate([f.label for f in flights])
    evidence = fit_logistic(x1, y, BASE_FEATURES, l2=l2)
    x2 = np.vstack([_pattern_inputs(f, evidence, config) for f in flights])
    pattern = fit_logistic(x2, y, ("evidence_logit", *PATTERN_FEATURES), l2=l2)
    return evidence, pattern


def _logits(flights: list[LabelledFlight], models: tuple[Logistic, Logistic], config: CandidateConfig) -> np.ndarray:
    evidence, pattern = models
    if not flights:
        return np.zeros(0)
    return np.concatenate([pattern.logit(_pattern_inputs(f, evidence, config)) for f in flights])


def cross_ground_logits(
    fit_flights: list[LabelledFlight], cal_flights: list[LabelledFlight], config: CandidateConfig, l2: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Logits of every point scored by models that never saw its ground.

    For each group ``g`` (see :attr:`LabelledFlight.group`), the two models are fitted on
    the fit flights of the other groups and score every flight (fit and calibration) of
    ``g``. Returns ``(logits, labels, groups)``, or empty arrays with fewer than two groups.
    """
    groups = sorted({f.group for f in fit_flights + cal_flights})
    if len(groups) < 2 or "" in groups:
        return np.zeros(0), np.zeros(0), []
    z, y, g_of = [], [], []
    for g in groups:
        others = [f for f in fit_flights if f.group != g]
        mine = [f for f in fit_flights + cal_flights if f.group == g]
        z.append(_logits(mine, _fit_models(others, config, l2), config))
        y.append(np.concatenate([f.label for f in mine]))
        g_of += [g] * len(z[-1])
    return np.concatenate(z), np.concatenate(y), g_of


def fit_combiner(
    fit_flights: list[LabelledFlight], cal_flights: list[LabelledFlight], config: CandidateConfig,
    *, l2: float = 1e-2, calibration: str = "cross-ground", domain_features: tuple[str, ...] = BASE_FEATURES,
) -> tuple[PointCombiner, dict[str, Any]]:
    """Fit the evidence and pattern models on ``fit_flights`` and the Platt calibration.

    ``calibration``:

    - ``"cross-ground"`` (default when the flights carry two or more groups): Platt is
      fitted on the logits of :func:`cross_ground_logits` (every flight scored by models
      fitted without its ground), so that a probability means what it says on ground the
      combiner has not seen, which is where it is used; with fewer than two groups it
      falls back to the next;
    - ``"held-out"``: Platt on the final models' logits of ``cal_flights``.

    The card's calibration metrics are measured on ``cal_flights`` with the final models;
    ``cross_ground_ece`` is the ECE of the cross-ground probabilities with Platt fitted on
    the other groups' points (leave one group out).

    The combiner's domain (:attr:`PointCombiner.domain`) is the features of
    ``domain_features`` that have one value at every fit point; features left out there
    are those the caller zeroed on purpose (:func:`restrict_features`), which the model
    ignores at run time whatever they hold.

    Returns:
        The combiner and the metrics for its card (also stored in ``combiner.meta``).

    Raises:
        ValueError: a set is empty or holds only one class of label, or an unknown
            ``calibration``.
    """
    if not fit_flights or not cal_flights:
        raise ValueError("fit_combiner needs fit and calibration flights")
    if calibration not in ("cross-ground", "held-out"):
        raise ValueError(f"unknown calibration {calibration!r}")
    y_fit = np.concatenate([f.label for f in fit_flights])
    evidence, pattern = _fit_models(fit_flights, config, l2)
    z_cal = [_logits([f], (evidence, pattern), config) for f in cal_flights]
    y_cal = [f.label for f in cal_flights]
    z_x, y_x, g_x = cross_ground_logits(fit_flights, cal_flights, config, l2) if calibration == "cross-ground" \
        else (np.zeros(0), np.zeros(0), [])
    method = "cross-ground" if len(z_x) else "held-out"
    if method == "cross-ground":
        a, b = fit_platt(z_x, y_x)
        g_arr = np.array(g_x)
        p_x = np.zeros(len(z_x))
        for g in sorted(set(g_x)):
            rest = g_arr != g
            a_g, b_g = fit_platt(z_x[rest], y_x[rest])
            p_x[~rest] = sigmoid(a_g * z_x[~rest] + b_g)
        _, cross_ece = reliability(p_x, y_x)
    else:
        a, b = fit_platt(np.concatenate(z_cal), np.concatenate(y_cal))
        cross_ece = None
    p_cal = sigmoid(a * np.concatenate(z_cal) + b)
    bins, ece = reliability(p_cal, np.concatenate(y_cal))
    # Held-out estimate: Platt on one half of the calibration flights, ECE on the other.
    half = max(1, len(cal_flights) // 2)
    split_ece = None
    if len(cal_flights) >= 2:
        a2, b2 = fit_platt(np.concatenate(z_cal[:half]), np.concatenate(y_cal[:half]))
        z_rest = np.concatenate(z_cal[half:])
        _, split_ece = reliability(sigmoid(a2 * z_rest + b2), np.concatenate(y_cal[half:]))
    metrics = {
        "fit_flights": [f.name for f in fit_flights],
        "calibration_flights": [f.name for f in cal_flights],
        "n_fit_points": len(y_fit), "n_fit_mines": int(y_fit.sum()),
        "n_calibration_points": len(p_cal), "n_calibration_mines": int(np.concatenate(y_cal).sum()),
        "l2": l2,
        "calibration_method": method,
        "calibration_ece": ece,
        "calibration_ece_split_half": split_ece,
        "cross_ground_ece": cross_ece,
        "reliability": [b_.to_dict() for b_ in bins],
        "calibration_mine_layer": _pr(p_cal, np.concatenate(y_cal), sum(f.n_truth for f in cal_flights),
                                      config.mine_probability),
    }
    x_fit = np.vstack([feature_matrix(f.points, BASE_FEATURES) for f in fit_flights])
    domain = {n: float(col[0]) for n, col in zip(BASE_FEATURES, x_fit.T, strict=True)
              if n in domain_features and len(col) and np.all(col == col[0])}
    metrics["domain_constant_features"] = domain
    combiner = PointCombiner(evidence, pattern, a, b, meta=metrics, domain=domain)
    return combiner, metrics


_CALIBRATION_TEXT = {
    "cross-ground": "across ground (each family's flights scored by models fitted on the other families)",
    "held-out": "on the calibration flights",
}


def model_card(combiner: PointCombiner, extra: dict[str, Any]) -> str:
    """Markdown model card: data, features and weights, metrics, calibration table."""
    m = {**combiner.meta, **extra}
    lines = [
        "# rams_combiner: point combiner (evidence fusion -> calibrated mine probability)",
        "",
        "Two logistic regressions (numpy, L2) and Platt scaling; see `rams/candidates/combiner.py`.",
        "",
        "## Data",
        "",
        f"- Fit flights ({len(m['fit_flights'])}): {', '.join(m['fit_flights'])}",
        f"- Calibration flights ({len(m['calibration_flights'])}): {', '.join(m['calibration_flights'])}",
        f"- Points: {m['n_fit_points']} for fitting ({m['n_fit_mines']} mines), "
        f"{m['n_calibration_points']} for calibration ({m['n_calibration_mines']} mines)",
        "- Labels: one-to-one matching of points to true mines within 0.5 m.",
        _families_line(m),
    ]
    for key in ("command", "detector", "size_m", "seconds", "families", "added_fit_flights"):
        if key in m:
            lines.append(f"- {key}: `{m[key]}`")
    lines += ["", "## Features and weights (standardised inputs)", "", "| model | feature | weight |", "|---|---|---|"]
    lines += [*_weight_rows(combiner, skip_zero=False), "", _platt_line(combiner), "",
        "## Metrics (calibration flights)", "",
        f"- ECE of the shipped calibration on the calibration flights: {m['calibration_ece']}",
        f"- ECE on ground the combiner never saw (leave one family out: models and Platt "
        f"fitted on the other families): {m.get('cross_ground_ece')}",
        f"- ECE (Platt fitted on half of them, measured on the other half): {m['calibration_ece_split_half']}",
        f"- Mine layer (p >= {m['calibration_mine_layer']['threshold']}): precision "
        f"{m['calibration_mine_layer']['precision']}, recall {m['calibration_mine_layer']['recall']} "
        f"({m['calibration_mine_layer']['tp']} of {m['calibration_mine_layer']['n_truth']} mines)",
        "", "| bin | n | mean p | mine frequency |", "|---|---|---|---|",
    ]
    for b in m["reliability"]:
        lines.append(f"| {b['lower']:.1f}-{b['upper']:.1f} | {b['n']} | {b['mean_probability']} | {b['frequency']} |")
    lines += _domain_lines(combiner)
    if combiner.without_cnn is not None:
        lines += _without_cnn_section(combiner.without_cnn)
    if combiner.rgb_only is not None:
        lines += _rgb_only_section(combiner.rgb_only, m.get("real_rgb"))
    if combiner.cascade is not None:
        lines += _cascade_section(combiner.cascade)
    lines += ["", "Refit after any detector change: `python benchmarks/fit_combiner.py`.", ""]
    return "\n".join(lines)


def _families_line(m: dict[str, Any]) -> str:
    """The card's line on the scene families fitted on, held-out ones named (rules ZK, ZZD)."""
    families = list(m.get("families", []))
    added = [f for f in m.get("added_fit_flights", {}).values() if f not in families]
    used = families + added
    held = [f for f in HELD_OUT_FAMILIES if f in used]
    unused = [f for f in HELD_OUT_FAMILIES if f not in used]
    line = ("- Synthetic flights (`rams synth`, project code, no external licence) of "
            f"{', '.join(used) if used else 'the training families'}")
    if held:
        line += (f"; of these, {', '.join(f'`{f}`' for f in held)} are held-out families already benchmarked "
                 "(seen), fitted on by the combiner only (the flights added by --add-families by its "
                 "with-CNN model alone), never by a detector; the other held-out families "
                 f"({', '.join(f'`{f}`' for f in unused)}) were not used.")
    else:
        line += f"; the held-out families ({', '.join(f'`{f}`' for f in unused)}) were not used."
    return line + (" The combiner family (`meadow`) is never used to train the detectors, so the fit sees "
                   "what a detection is worth on ground its detector never saw.")


def _domain_lines(combiner: PointCombiner) -> list[str]:
    """The card's domain section: features with one value at every fit point."""
    if not combiner.domain:
        return []
    what = ", ".join(f"`{k}` = {v:g}" for k, v in sorted(combiner.domain.items()))
    return ["", "## Domain", "",
            f"Features with one value at every fit point: {what}. A point with another value is one "
            "the combiner never saw; it is not scored by extrapolation: a CNN detection where no "
            "multispectral or thermal raster covers the ground goes to the RGB-only model, any other "
            "such point gets the calibration flights' base rate and the low layer "
            "(`scored_by: base_rate`; `rams/candidates/scoring.py`)."]


def _weight_rows(combiner: PointCombiner, *, skip_zero: bool) -> list[str]:
    """Table rows of the two models' standardised weights and biases."""
    rows = []
    for name, model in (("evidence", combiner.evidence), ("pattern", combiner.pattern)):
        rows += [f"| {name} | {f} | {w:+.3f} |" for f, w in zip(model.features, model.weights, strict=True)
                 if w != 0.0 or not skip_zero]
        rows.append(f"| {name} | (bias) | {model.bias:+.3f} |")
    return rows


def _platt_line(combiner: PointCombiner) -> str:
    method = combiner.meta.get("calibration_method", "held-out")
    return (f"Platt calibration: p = sigmoid({combiner.platt_a:.4f} * z + {combiner.platt_b:.4f}), "
            f"fitted {_CALIBRATION_TEXT.get(method, '')}")


def _without_cnn_section(combiner: PointCombiner) -> list[str]:
    """Card lines of the combiner for runs without the CNN."""
    m = combiner.meta
    lines = [
        "", "## Without the CNN (`without_cnn`)", "",
        "Scores the runs in which the CNN does not run (no RGB orthomosaic, RGB too coarse for the "
        "model, detection off). Fitted the same way on the same flights processed with detection off "
        f"{_counts(m)}. The CNN features are 0 there and carry no weight.",
    ]
    flat = [] if combiner.platt_a != 0.0 else [
        "The calibration slope is 0: across ground the evidence model's logits ranked mines "
        "below clutter (pooled over families, ground where every peak scores high holds few "
        "mines per peak), and a calibration may not reverse a ranking, so every point gets "
        "the base rate of the fit flights. Anomaly evidence alone does not tell mines from "
        "clutter on ground the combiner did not see.", ""]
    return [*lines, *_weights_block(combiner), *flat, *_metric_lines(m)]


def _rgb_only_section(combiner: PointCombiner, real: dict[str, Any] | None) -> list[str]:
    """Card lines of the combiner for runs with the CNN but no multispectral or thermal raster."""
    m = combiner.meta
    real_fit = [n for n in m["fit_flights"] if n.startswith("run-real-")]
    lines = [
        "", "## RGB orthomosaic alone (`rgb_only`)", "",
        "Scores the runs with the CNN but no multispectral or thermal raster. The anomaly core then "
        "runs on the RGB bands (on a grid no finer than 2 cm), and its peaks are any object or patch "
        "that differs in colour (stones, clods, litter, tile seams), not the thermal and spectral "
        "contrasts the first model weighs. Fitted the same way on the "
        "same flights processed from their RGB orthomosaic alone "
        f"{_counts(m)}, on the CNN features only (the RGB anomaly features "
        "are set to 0 and carry no weight).",
        *([] if not real_fit else [
            "", f"Real flights among the fit flights ({len(real_fit)}): {', '.join(real_fit)}: mosaics of "
            f"the real tiles a detector never trained on (its selection share) from {', '.join(real['folders']) if real else '?'} "
            "(benchmarks/real_rgb_flights.py). " + (f"Credit: {real['credit']}." if real else "")]),
    ]
    return [*lines, *_weights_block(combiner), *_metric_lines(m)]


def _cascade_section(combiner: PointCombiner) -> list[str]:
    """Card lines of the combiner for runs whose CNN read only the windows around the peaks."""
    m = combiner.meta
    lines = [
        "", "## Cascade runs (`cascade`)", "",
        "Scores the runs whose CNN read only the windows around the anomaly peaks (`detection.mode` "
        "cascade, or `auto` with a multispectral or thermal raster). A full scan's CNN detections away "
        "from any peak count in the local clutter density and the neighbours' evidence, and a cascade run "
        "has none there (rule ZY, stop 60, tried this model for that reason; cascade's lost precision "
        "turned out to be the CNN's, and no cascade model ships). Fitted the same way on the same "
        f"flights processed in cascade mode {_counts(m)}.",
        *([f"- command: `{m['command']}`"] if "command" in m else []),
    ]
    return [*lines, *_weights_block(combiner), *_metric_lines(m)]


def _counts(m: dict[str, Any]) -> str:
    """A nested model's fit and calibration points and mines, in parentheses."""
    return (f"({m['n_fit_points']} points, {m['n_fit_mines']} mines; calibration {m['n_calibration_points']} "
            f"points, {m['n_calibration_mines']} mines)")


def _weights_block(combiner: PointCombiner) -> list[str]:
    """A nested model's table of non-zero weights and its Platt line."""
    return ["", "| model | feature | weight |", "|---|---|---|", *_weight_rows(combiner, skip_zero=True), "",
            _platt_line(combiner), ""]


def _metric_lines(m: dict[str, Any]) -> list[str]:
    """A nested model's calibration ECEs and mine layer on its calibration flights."""
    layer = m["calibration_mine_layer"]
    return [
        f"- ECE on the calibration flights: {m['calibration_ece']}; leave one family out: "
        f"{m.get('cross_ground_ece')}; Platt on one half, measured on the other: {m['calibration_ece_split_half']}",
        f"- Mine layer (p >= {layer['threshold']}): precision {layer['precision']}, recall {layer['recall']} "
        f"({layer['tp']} of {layer['n_truth']} mines)",
    ]
