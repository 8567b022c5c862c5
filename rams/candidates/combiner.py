"""The point combiner: features of a candidate point -> calibrated probability that it is a mine.

Two logistic regressions and a calibration, all plain numpy:

1. ``evidence`` model on :data:`rams.candidates.fusion.BASE_FEATURES`: what the sensors
   say about the point alone. Its probability picks the seed points of the pattern search.
2. ``pattern`` model on the evidence logit plus :data:`rams.candidates.patterns.PATTERN_FEATURES`
   (row membership, lattice position, neighbours' evidence): minefields are laid in rows.
3. Platt scaling ``p = sigmoid(a * z + b)`` of the pattern logit ``z``, fitted on flights
   that neither model saw, so that the probability means what it says (reliability).

Its domain: a feature that had one value at every fit point (``has_anomaly`` = 1 when no
CNN detection of the fit flights lay away from an anomaly peak) carries no weight, and a
point with another value is one the combiner never saw; the models' answer there is an
extrapolation (see :meth:`PointCombiner.outside_domain`).

Each regression standardises its inputs (``(x - mean) / scale``) and minimises the mean
log loss plus ``l2 / 2 * |w|^2`` by Newton's method (IRLS), which converges in a few
iterations on these small problems (each step halved until the loss drops). Stored as JSON (format :data:`FORMAT`) in ``models/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rams.errors import RamsInputError

FORMAT = "rams-combiner/1"

#: The nested combiners a file may hold, each for runs with other evidence (see
#: :meth:`PointCombiner.for_run`).
NESTED = ("without_cnn", "rgb_only", "cascade")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, stable for large ``|z|``."""
    z = np.asarray(z, dtype=np.float64)
    return np.asarray(np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z)))))


def _log_loss(z: np.ndarray, w: np.ndarray, target: np.ndarray, ridge: np.ndarray) -> float:
    u = z @ w
    # log(1 + e^u) - t u, stable
    return float(np.mean(np.logaddexp(0.0, u) - target * u) + 0.5 * np.sum(ridge * w * w))


def _newton(z: np.ndarray, target: np.ndarray, ridge: np.ndarray, w: np.ndarray, n_iter: int) -> np.ndarray:
    """Minimise the mean log loss + ridge by Newton steps halved until the loss drops."""
    n = len(target)
    loss = _log_loss(z, w, target, ridge)
    for _ in range(n_iter):
        p = sigmoid(z @ w)
        grad = z.T @ (p - target) / n + ridge * w
        hess = (z * (p * (1 - p))[:, None]).T @ z / n + np.diag(ridge) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            trial = w - t * step
            new = _log_loss(z, trial, target, ridge)
            if new <= loss:
                break
            t *= 0.5
        else:
            break
        w, improved = trial, loss - new
        loss = new
        if float(np.abs(t * step).max()) < 1e-9 or improved < 1e-14:
            break
    return w


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression.

    Attributes:
        features: input names, in column order.
        mean: (F,) input means.
        scale: (F,) input standard deviations (1 where an input is constant).
        weights: (F,) coefficients on the standardised inputs.
        bias: intercept.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        """(N,) logits of an (N, F) input matrix."""
        z = (np.asarray(x, np.float64) - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(z @ np.array(self.weights) + self.bias)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "features": list(self.features),
            "mean": [round(v, 8) for v in self.mean],
            "scale": [round(v, 8) for v in self.scale],
            "weights": [round(v, 8) for v in self.weights],
            "bias": round(self.bias, 8),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Logistic:
        """Inverse of :meth:`to_dict`."""
        n = len(d["features"])
        if not (len(d["mean"]) == len(d["scale"]) == len(d["weights"]) == n):
            raise ValueError("combiner: features, mean, scale and weights differ in length")
        return cls(
            tuple(d["features"]), tuple(map(float, d["mean"])), tuple(map(float, d["scale"])),
            tuple(map(float, d["weights"])), float(d["bias"]),
        )


def fit_logistic(
    x: np.ndarray, y: np.ndarray, features: tuple[str, ...], *, l2: float = 1e-2, n_iter: int = 50
) -> Logistic:
    """Fit a standardised L2 logistic regression by Newton's method.

    Args:
        x: (N, F) inputs.
        y: (N,) labels in {0, 1}.
        features: the F input names.
        l2: ridge strength on the standardised weights (not on the bias).
        n_iter: most Newton steps.

    Returns:
        The fitted model.

    Raises:
        ValueError: empty input, or labels of one class only.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if len(y) == 0 or y.min() == y.max():
        raise ValueError("fit_logistic needs both positive and negative examples")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.column_stack([(x - mean) / scale, np.ones(len(y))])
    w = np.zeros(z.shape[1])
    ridge = np.full(z.shape[1], l2)
    ridge[-1] = 0.0
    w = _newton(z, y, ridge, w, n_iter)
    return Logistic(features, tuple(mean.tolist()), tuple(scale.tolist()), tuple(w[:-1].tolist()), float(w[-1]))


def fit_platt(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) of ``sigmoid(a * z + b)`` fitted to held-out labels.

    Uses Platt's smoothed targets ``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)``, which keep
    a perfectly separated calibration set from driving ``a`` to infinity. The slope is kept
    >= 0: where the held-out logits rank mines below clutter (evidence that does not carry
    over to the calibration ground), the result is ``a = 0`` and the base rate.
    """
    y = np.asarray(y, np.float64)
    n_pos, n_neg = float(y.sum()), float(len(y) - y.sum())
    target = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    z = np.column_stack([np.asarray(logits, np.float64), np.ones(len(y))])
    w = _newton(z, target, np.zeros(2), np.array([1.0, 0.0]), 100)
    if w[0] < 0.0:
        # The calibration must not reverse the model's ranking. The log loss is convex in
        # (a, b), so with the unconstrained slope negative the best slope >= 0 is 0: every
        # point gets the mean (smoothed) target, the base rate.
        t = float(target.mean())
        return 0.0, float(np.log(t / (1.0 - t)))
    return float(w[0]), float(w[1])


@dataclass(frozen=True)
class PointCombiner:
    """Evidence model, pattern model and calibration (see the module docstring).

    Attributes:
        evidence: logistic model on the base features.
        pattern: logistic model on ``evidence_logit`` and the pattern features.
        platt_a: calibration slope.
        platt_b: calibration intercept.
        meta: provenance and metrics recorded when it was fitted.
        without_cnn: the combiner for runs in which the CNN did not run (see
            :meth:`for_run`), or None.
        rgb_only: the combiner for runs with the CNN but no multispectral or thermal
            raster (an RGB orthomosaic alone, the commonest real survey), fitted on the CNN
            features only, or None.
        cascade: the combiner for runs whose CNN read only the windows around the anomaly
            peaks (``detection.mode`` cascade), fitted on cascade runs of the same flights,
            or None (this combiner then scores them too).
        domain: features that had one value at every fit point, name -> that value
            (empty: not recorded, every point is in the domain).
    """

    evidence: Logistic
    pattern: Logistic
    platt_a: float = 1.0
    platt_b: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    without_cnn: PointCombiner | None = None
    rgb_only: PointCombiner | None = None
    cascade: PointCombiner | None = None
    domain: dict[str, float] = field(default_factory=dict, hash=False)

    def outside_domain(self, x_base: np.ndarray) -> np.ndarray:
        """(N,) True where a point differs from the fit points in a feature that was constant there.

        Such a point is one the combiner never saw (a CNN detection with no anomaly peak
        beside it, when every fit point had one): its probability would be an extrapolation.
        """
        x_base = np.asarray(x_base, np.float64).reshape(-1, len(self.evidence.features))
        out = np.zeros(len(x_base), bool)
        for name, value in self.domain.items():
            out |= np.abs(x_base[:, self.evidence.features.index(name)] - value) > 1e-9
        return out

    def for_run(self, cnn_ran: bool, ms_thermal: bool = True,
                cascade: bool = False) -> tuple[PointCombiner, str | None]:
        """The combiner for the evidence a run has, and a warning when none fits.

        The evidence model weighs the anomaly features as the multispectral and thermal
        sensors make them, and the CNN's as its detector makes them, so each mix of evidence
        needs its own fit:

        - CNN and multispectral/thermal anomaly core: this combiner, or :attr:`cascade`
          when the CNN read only the windows around the anomaly peaks (``cascade`` True).
          A full scan's CNN detections away from any peak count in the local clutter
          density and the neighbours' evidence, and a cascade run has none there; rule ZY
          (stop 60) fitted such a model and found it changed nothing that mattered (cascade's
          lost precision was the CNN's own: rule ZZ), so none ships.
        - No CNN (no RGB, RGB too coarse, detection off): a combiner fitted on runs with the
          CNN has learnt that a mine has a CNN response beside it and would score every
          anomaly peak as clutter. :attr:`without_cnn`, fitted on runs of the same flights
          with detection off, scores those runs; when its calibration slope is 0 (it ranks
          nothing), the warning says that every point gets the base rate, and when it put no
          mine of its calibration flights in the mine layer, the warning says to expect few
          or no mine points.
        - CNN but no multispectral or thermal raster (``ms_thermal`` False): the anomaly
          core then runs on the RGB bands, whose peaks are any object or patch of another
          colour (stones, clods, litter; grass blades at millimetre GSD), not the thermal and
          spectral contrasts the evidence model learnt; scored as those, they make a mine
          layer of clutter. :attr:`rgb_only`, fitted on the CNN features of RGB-only runs,
          scores them.
        - Neither: no model scores RGB anomaly peaks alone; every point gets the base rate
          of :attr:`without_cnn` (else of this combiner) and the warning says so.
        """
        if not ms_thermal:
            if cnn_ran:
                if self.rgb_only is not None:
                    return self.rgb_only, None
                return self, ("the point combiner has no model for flights without a multispectral or "
                              "thermal raster: anomaly peaks of the RGB orthomosaic are scored as if they "
                              "were multispectral/thermal evidence, which overrates them (refit it: python "
                              "benchmarks/fit_combiner.py)")
            rate = (self.without_cnn or self).base_rate()
            return constant_combiner(self, rate), (
                "neither the CNN nor a multispectral or thermal raster: the anomaly peaks come from the "
                f"RGB orthomosaic alone, which no model of the point combiner scores; every candidate "
                f"point has the same probability ({rate:.3f}, the base rate of the combiner's fit flights)")
        if cnn_ran:
            return (self.cascade if cascade and self.cascade is not None else self), None
        if self.without_cnn is not None:
            if self.without_cnn.platt_a != 0.0:
                layer = self.without_cnn.meta.get("calibration_mine_layer") or {}
                if layer.get("n_truth") and not layer.get("tp"):
                    return self.without_cnn, (
                        "the CNN did not run: candidate points are scored on anomaly evidence alone, which "
                        f"put none of the {layer['n_truth']} mines of the combiner's calibration flights in "
                        "the mine layer (models/rams_combiner.md); expect few or no mine points, and read "
                        "the low-confidence layer, where the anomaly peaks are")
                return self.without_cnn, None
            return self.without_cnn, (
                "the CNN did not run: every candidate point has the same probability (the base rate of "
                "the combiner's fit flights), because anomaly evidence alone does not rank mines above "
                "clutter on ground the combiner did not see (models/rams_combiner.md); no point reaches "
                "the mine layer and no SHA is fenced from the points")
        return self, ("the point combiner has no model for runs without the CNN: anomaly peaks are "
                      "scored as if the CNN had seen nothing at them, so few or none reach the mine "
                      "layer (refit it: python benchmarks/fit_combiner.py)")

    def base_rate(self) -> float:
        """Share of mines among the candidate points of the fit's calibration flights.

        A hand-set combiner has no such record: ``sigmoid(platt_b)`` then.
        """
        n = self.meta.get("n_calibration_points")
        if n:
            return float(self.meta["n_calibration_mines"]) / float(n)
        return float(sigmoid(np.array(self.platt_b)))

    def evidence_probability(self, x_base: np.ndarray) -> np.ndarray:
        """(N,) probability from the base features alone (uncalibrated; seeds patterns)."""
        return sigmoid(self.evidence.logit(x_base))

    def probability(self, x_base: np.ndarray, x_pattern: np.ndarray) -> np.ndarray:
        """(N,) calibrated probability that each point is a mine.

        Args:
            x_base: (N, len(evidence.features)) base features.
            x_pattern: (N, len(pattern.features) - 1) pattern features (the evidence
                logit is prepended here).
        """
        z1 = self.evidence.logit(x_base)
        z2 = self.pattern.logit(np.column_stack([z1, x_pattern]))
        return sigmoid(self.platt_a * z2 + self.platt_b)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out = {
            "format": FORMAT,
            "evidence": self.evidence.to_dict(),
            "pattern": self.pattern.to_dict(),
            "calibration": {"method": "platt", "a": round(self.platt_a, 8), "b": round(self.platt_b, 8)},
            "meta": self.meta,
        }
        if self.domain:
            out["domain"] = {"constant": {k: float(v) for k, v in sorted(self.domain.items())}}
        for name, nested in (("without_cnn", self.without_cnn), ("rgb_only", self.rgb_only),
                             ("cascade", self.cascade)):
            if nested is not None:
                out[name] = nested.to_dict()
        return out

    def save(self, path: str | Path) -> Path:
        """Write the JSON file."""
        from rams.atomic import write_text_atomic

        write_text_atomic(path, json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")
        return Path(path)


def load_combiner(path: str | Path) -> PointCombiner:
    """Read a combiner JSON file.

    Raises:
        RamsInputError: missing file, wrong format tag, or malformed content.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RamsInputError(path, "combiner file not found") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise RamsInputError(path, f"combiner file is not readable JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RamsInputError(path, f"not a combiner file (format must be {FORMAT!r})")
    try:
        return _from_dict(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RamsInputError(path, f"malformed combiner file ({exc})") from exc


def _from_dict(doc: dict[str, Any]) -> PointCombiner:
    cal = doc["calibration"]
    nested = {name: None if doc.get(name) is None else _from_dict(doc[name]) for name in NESTED}
    evidence = Logistic.from_dict(doc["evidence"])
    domain = {str(k): float(v) for k, v in ((doc.get("domain") or {}).get("constant") or {}).items()}
    if unknown := set(domain) - set(evidence.features):
        raise ValueError(f"domain names features the evidence model lacks: {sorted(unknown)}")
    return PointCombiner(
        evidence, Logistic.from_dict(doc["pattern"]),
        float(cal["a"]), float(cal["b"]), dict(doc.get("meta") or {}), **nested, domain=domain,
    )


def detector_mismatch(combiner: PointCombiner, detector: str | None) -> str | None:
    """A warning when the CNN that ran is not the one the combiner was fitted with, else None.

    The CNN features (score, support) mean what that detector's scores meant on the fit
    flights; another detector's (a retrained model, a custom one) are on another scale, and
    the probabilities are then not calibrated for it.

    Args:
        combiner: the loaded combiner (its ``meta["detector"]``: ``"NAME sha256 FIRST16"``,
            as ``benchmarks/fit_combiner.py`` records it; a hand-set one has none).
        detector: the same form for the weights that ran, or None (no CNN, or not known).
    """
    fitted = str(combiner.meta.get("detector") or "")
    if not detector or not fitted or "sha256" not in fitted:
        return None
    if fitted.split("sha256")[-1].strip()[:16] == detector.split("sha256")[-1].strip()[:16]:
        return None
    return (f"the point combiner was fitted with the CNN {fitted}, but this run's CNN is {detector}: "
            "its point probabilities are not calibrated for this detector (refit it: python "
            "benchmarks/fit_combiner.py)")


#: Evidence logit of :func:`constant_combiner` (probability about 1e-13).
_NO_SEED_LOGIT = -30.0


def constant_combiner(template: PointCombiner, probability: float) -> PointCombiner:
    """A combiner that gives every point ``probability`` (the features of ``template``, no weights).

    Its evidence model gives about 0, so that no point seeds the row search.
    """
    p = min(max(probability, 1e-6), 1.0 - 1e-6)
    z = float(np.log(p / (1.0 - p)))

    def flat(model: Logistic, bias: float) -> Logistic:
        return replace(model, weights=(0.0,) * len(model.features), bias=bias)

    # The evidence probability only seeds the row search; near 0 it seeds nothing (no row
    # could count: every point is below the area probability), so thousands of RGB texture
    # peaks cost no pair search.
    return PointCombiner(flat(template.evidence, _NO_SEED_LOGIT), flat(template.pattern, 0.0), 0.0, z,
                         meta={"name": f"constant {p:.4f}"})


def prior_combiner() -> PointCombiner:
    """A hand-set combiner used when no fitted one is found (and to bootstrap the fit).

    Evidence logit ``-4 + 4 * cnn_score + 0.5 * (rx_score - 6) + 1.5 * (n_agree - 1)``;
    pattern membership adds 2. Not calibrated: a warning says so.
    """
    from rams.candidates.fusion import BASE_FEATURES
    from rams.candidates.patterns import PATTERN_FEATURES

    w_base = {"cnn_score": 4.0, "rx_score": 0.5, "n_agree": 1.5}
    nb = len(BASE_FEATURES)
    evidence = Logistic(
        BASE_FEATURES, (0.0,) * nb, (1.0,) * nb,
        tuple(w_base.get(n, 0.0) for n in BASE_FEATURES), -4.0 - 3.0 - 1.5,
    )
    names = ("evidence_logit", *PATTERN_FEATURES)
    w_pat = {"evidence_logit": 1.0, "row_member": 2.0}
    pattern = Logistic(names, (0.0,) * len(names), (1.0,) * len(names), tuple(w_pat.get(n, 0.0) for n in names), 0.0)
    return PointCombiner(evidence, pattern, meta={"name": "prior (hand-set, not fitted)"})


def resolve_combiner(name: str | None) -> tuple[PointCombiner, str | None]:
    """The configured combiner, and a warning when the hand-set prior stands in for it.

    Args:
        name: a path, a file name in ``models/``, or None for ``models/rams_combiner.json``.

    Returns:
        ``(combiner, warning)``: the warning is None when a fitted file was loaded.

    Raises:
        RamsInputError: a named file is missing or malformed.
    """
    from rams.config_paths import models_dir

    if name is None:
        path = models_dir() / "rams_combiner.json"
        if not path.is_file():
            return prior_combiner(), (
                f"no fitted point combiner at {path}: point probabilities come from a hand-set "
                "prior and are not calibrated (fit one: python benchmarks/fit_combiner.py)"
            )
        return load_combiner(path), None
    path = Path(name)
    if not path.is_file() and not path.is_absolute():
        path = models_dir() / (name if name.endswith(".json") else f"{name}.json")
    return load_combiner(path), None
