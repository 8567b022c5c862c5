"""Fit the point combiner (``models/rams_combiner.json`` and its card) on synthetic flights.

Generates flights of every training family in turn by seed (``steppe``, ``sand-litter``,
``rocky-scrub`` and ``meadow``; never the held-out ``ploughed``), runs the whole pipeline
on each with the CNN on (whatever detector ``models/`` holds), labels every candidate
point against the truth (one-to-one within 0.5 m) and fits the combiner: the two logistic
models on the ``--fit`` seeds; the Platt calibration across ground: every flight is scored by models fitted
without its family, and Platt is fitted on those logits
(:func:`rams.training.combiner.cross_ground_logits`), so that probabilities hold on ground
the combiner never saw. The same flights are processed a second time with detection off and
a second combiner is fitted on them in the same way (``without_cnn`` in the file): it
scores the runs in which the CNN does not run (no RGB, RGB too coarse for the model,
detection off), where the first would take every anomaly peak for clutter. A third time
they are processed from their RGB orthomosaic alone (``rgb_only``: a sibling folder with
its own manifest), and a third combiner is fitted there on the CNN features only: on such
a run the anomaly core works on the RGB bands, whose peaks the first model would read as
thermal/spectral evidence.

Why ``meadow`` (:data:`rams.synth.families.COMBINER_FAMILY`) is among them: the detectors
never train on it. On their own training families they are near perfect (every mine has a
CNN detection beside its anomaly peak), so a combiner fitted only there learns that a mine
without a CNN detection does not exist and trusts the CNN far more than it earns on any
other ground (every real flight). On the meadow the CNN misses most mines, as on unfamiliar
ground, and the anomaly evidence has to carry them. ``--families`` overrides the list
(comma-separated, cycled by seed). Seeds 200 and up are disjoint from the tests (0-9), the
detector's training flights (100-111) and the benchmarks (1000+).

``--oddments`` draws half the flights (:func:`oddment_seed`; two of each family's four) with
mine-sized oddments of any colour and spectrum in their clutter (``--oddments metal``: small
steel chips and plates instead, experiment V)
(:func:`rams.synth.families.with_oddments`): on the training families the CNN rarely fires
on clutter, so without them the combiner learns that a CNN call on an anomaly is nearly
always a mine, which ground with clutter of an unseen colour or material disproves.

``--rerender LOOK`` (experiment ZI) re-renders the RGB of the same half of the flights with a
stress look of ``bench_candidates.py`` before the runs with the CNN. ``--with-cnn-only`` fits
the with-CNN model alone and copies the other two from the shipped combiner (experiments ZI
and ZJ). ``--fit`` and ``--cal`` take comma-separated ranges (``200-211,216-227``).
``--add-families`` (rule ZZD) adds one fit flight of each named family (seeds from
``--add-seed``, 300 by default) to the with-CNN model's fit, each its own ground in the
calibration across ground, on top of the flights of ``--families``: on ground the detector never
trained on its calls can be wrong, which the training families never show the combiner. The
models without the CNN and from RGB alone are fitted without them (as rule ZZD judged).
``--seen-held-out`` lets ``--families`` name held-out families that have been benchmarked
already (experiment ZK: a combiner fitted on many kinds of ground); the families still blind
(:data:`BLIND_FAMILIES`) are refused.

Flights and runs are kept in ``--work`` and reused; a run is redone when the detector's
weights or the ``rams`` source changed (their SHA-256 is recorded next to the run), so
after a new detector or pipeline change lands the same command refits on fresh outputs.

Usage::

    python benchmarks/fit_combiner.py [--work /tmp/rams-combiner] [--size-m 60]
        [--fit 200-211] [--cal 212-215] [--families steppe,sand-litter,rocky-scrub,meadow]
        [--real-rgb DIR] [--coarse-rgb-gsd-m 0.02] [--oddments [any|metal] [--oddment-seeds mixed|blocks]]
        [--rerender warm|cool_dark] [--with-cnn-only] [--seen-held-out --add-families F,F,... [--add-seed 300]]
        [--out models/rams_combiner.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

# a sibling script (the script's folder is on sys.path when it runs): the stress looks of the
# candidate benchmark, so the fit's re-rendered flights are the very looks it judges with
from bench_candidates import RERENDER, rerender_rgb

from rams.candidates.combiner import load_combiner, prior_combiner
from rams.candidates.fusion import CNN_FEATURES
from rams.checksum import sha256_file
from rams.config import load_config
from rams.config_paths import models_dir
from rams.evaluation.sensor_subsets import sensor_subset_flight
from rams.orchestration.pipeline import process_flight
from rams.synth import generate_flight
from rams.synth.families import HELD_OUT_FAMILIES, TRAINING_FAMILIES
from rams.synth.flight import DEFAULT_GSD_M
from rams.training.combiner import (
    LabelledFlight,
    fit_combiner,
    load_labelled_run,
    model_card,
    restrict_features,
)

REPO = Path(__file__).resolve().parents[1]


#: Held-out families nothing has run on yet: the judges of the next decisions (rule ZK's
#: date-palm and olive-grove are seen since it; cotton-field since rule ZL and cassava-plot since
#: rule ZM, stop 52; village-edge added blind in stop 53 and seen since it judged rule ZT in
#: stop 57; basalt-plateau added blind in stop 58 and seen since it judged rule ZU; salt-flat
#: likewise since rule ZV; peat-moor added blind at the end of stop 58, seen since rule ZW;
#: lichen-tundra added blind in stop 59, seen since rule ZX; snowmelt-field added blind at the end
#: of stop 59, seen since rule ZZ; coffee-slope added blind in stop 60, seen since rule ZZA; qat-terrace
#: added blind at the end of stop 60, seen since rule ZZD; forest-belt added blind in stop 62, seen
#: since rule ZZE; wadi added blind in stop 63, seen since rule ZZG; palmyra-sand added blind in stop 64), never fitted on, even with ``--seen-held-out``.
BLIND_FAMILIES: tuple[str, ...] = ("village-edge", "basalt-plateau", "salt-flat", "peat-moor", "lichen-tundra",
                                      "snowmelt-field", "coffee-slope", "qat-terrace",
                                      "forest-belt", "wadi", "palmyra-sand")


def _seeds(text: str) -> list[int]:
    """Seeds of ``A-B`` ranges and single seeds, comma-separated (``200-211,216-227``)."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        seeds += range(int(lo), int(hi or lo) + 1)
    return seeds


def detector_digest(config_model: str | None, sensor: str) -> str:
    """SHA-256 of the detector weights the pipeline will load."""
    path = Path(config_model) if config_model else models_dir() / f"rams_{sensor}.pt"
    if not path.is_file():
        path = models_dir() / (config_model if str(config_model).endswith(".pt") else f"{config_model}.pt")
    return sha256_file(path)


def source_digest() -> str:
    """SHA-256 of the ``rams`` package's Python source (a pipeline change redoes the runs)."""
    h = hashlib.sha256()
    package = REPO / "rams"
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


#: How ``--oddments`` picks its flights (see :func:`oddment_seed`).
ODDMENT_SEEDS = ("mixed", "blocks")


def oddment_seed(seed: int, how: str = "mixed") -> bool:
    """Whether ``--oddments`` draws this flight with oddments.

    ``mixed``: ``seed // 4 + seed % 4`` odd. Families cycle by seed (four of them), so with
    the default seeds every family gets oddments on two of its four flights, and two of the
    four calibration flights carry them (201, 203, 204, 206, 209, 211; 212, 214).
    ``blocks`` (experiment K): ``seed // 4`` odd (204-207 and every calibration flight
    212-215), which calibrates on oddment ground only.
    """
    if how == "blocks":
        return (seed // 4) % 2 == 1
    return (seed // 4 + seed % 4) % 2 == 1


def prepare_run(
    seed: int, size_m: float, work: Path, digest: str, families: list[str], reuse: bool = False,
    cnn: bool = True, rgb_only: bool = False, rgb_gsd_m: float | None = None, oddments: str | None = None,
    rerender: str | None = None, cascade: bool = False, family: str | None = None,
) -> tuple[Path, Path]:
    """Generate (once) and process (when the detector or source changed, unless ``reuse``) one
    fit or calibration flight; ``cnn=False`` processes it with detection off, ``rgb_only``
    from its RGB orthomosaic alone; ``rgb_gsd_m`` renders its RGB at another GSD than
    ``rams synth``'s (an area-survey flight); ``oddments`` draws it with mine-sized oddments
    of that kind in its clutter (``any`` colour, or ``metal``: :func:`rams.synth.families.with_oddments`);
    ``rerender`` rewrites its RGB orthomosaic with that look of ``bench_candidates.RERENDER``
    (a copy of the flight, the multispectral and thermal rasters unchanged); ``cascade``
    processes it with the CNN on the windows around the anomaly peaks only; ``family`` draws
    it from that family instead of the one ``families`` gives its seed (``--add-families``)."""
    family = family or families[seed % len(families)]
    assert family not in BLIND_FAMILIES  # main() allows held-out families only with --seen-held-out
    gsd = {**DEFAULT_GSD_M, "rgb": rgb_gsd_m or DEFAULT_GSD_M["rgb"]}
    gsd_cm = gsd["rgb"] * 100  # in the name: a generator change makes new flights
    odd = {None: "", "any": "-odd"}.get(oddments, f"-odd{oddments}")
    flight = work / f"flight-{family}-{seed}-{size_m:g}m-{gsd_cm:g}cm{odd}"
    rr = f"-rr{rerender}" if rerender else ""
    suffix = "-rgbonly" if rgb_only else ("-cascade" if cascade else ("" if cnn else "-nocnn"))
    out = work / f"run-{family}-{seed}-{size_m:g}m-{gsd_cm:g}cm{odd}{rr}{suffix}"
    if not (flight / "truth.geojson").is_file():
        generate_flight(flight, size_m=size_m, seed=seed, family=family, gsd_m=gsd, oddments=oddments or False)
    if rerender:
        looked = flight.with_name(flight.name + rr)
        if not (looked / "truth.geojson").is_file():
            partial = looked.with_name(looked.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(flight, partial)
            rerender_rgb(partial, rerender, seed)
            partial.rename(looked)
        flight = looked
    if rgb_only:
        flight = sensor_subset_flight(flight)
    _process_once(flight, out, work, digest, reuse, cnn, cascade)
    return out, flight / "truth.geojson"


def _process_once(flight: Path, out: Path, work: Path, digest: str, reuse: bool, cnn: bool = True,
                  cascade: bool = False) -> None:
    """Process ``flight`` into ``out`` unless a run made with the same detector and source is there."""
    stamp = out / "detector.sha256"
    done = (out / "run.json").is_file() and stamp.is_file()
    recorded, current = (stamp.read_text().split() if done else []), digest.split()
    # ``reuse`` forgives a change of the rams source, never another detector: a run of other
    # weights has other CNN features (stop 47: ZI and ZJ were first fitted on runs of the ZD
    # decoy detector left in the work folder). A run with the detection off does not depend on
    # the detector, so its stamp's detector is not compared (rule ZZE).
    same_detector = recorded[:1] == current[:1] or (done and not cnn)
    same_source = recorded[1:] == current[1:]
    if not (same_detector and (reuse or same_source)):
        # The runs export every candidate with its features whatever combiner scores them;
        # the hand-set prior does, so a combiner of an older feature list never blocks a refit.
        prior = work / "prior_combiner.json"
        prior_combiner().save(prior)
        detection = {"enabled": False} if not cnn else ({"mode": "cascade"} if cascade else {"mode": "full"})
        config = load_config(overrides={"candidates": {"combiner": str(prior)}, "detection": detection})
        process_flight(flight, out, config, force=True)
        stamp.write_text(digest + "\n")


def real_rgb_runs(folder: Path, work: Path, digest: str, reuse: bool, group_key: str) -> list[LabelledFlight]:
    """Process and label every real RGB-only flight of ``folder`` (benchmarks/real_rgb_flights.py)."""
    flights = []
    for flight in sorted(p.parent for p in folder.glob("*/flight.yaml")):
        out = work / f"run-real-{flight.name}"
        _process_once(flight, out, work, digest, reuse)
        m = re.match(group_key, flight.name)
        group = "real:" + (m.group(1) if m else flight.name)
        f = load_labelled_run(out, flight / "truth.geojson", group=group)
        print(f"real {f.name} ({group}): {len(f.points)} points, {int(f.label.sum())} on mines of {f.n_truth}",
              flush=True)
        flights.append(f)
    return flights


def main() -> None:
    """Fit and write the combiner and its card."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rams-combiner"))
    ap.add_argument("--size-m", type=float, default=60.0)
    ap.add_argument("--fit", default="200-211", help="Seeds of the fit flights (A-B, comma-separated ranges or seeds).")
    ap.add_argument("--cal", default="212-215", help="Seeds of the calibration flights (A-B, comma-separated ranges or seeds).")
    ap.add_argument("--out", type=Path, default=REPO / "models" / "rams_combiner.json")
    ap.add_argument("--reuse-runs", action="store_true",
                    help="Keep existing runs even when the rams source changed (only valid when the "
                         "change is in candidate scoring or patterns, after the exported features); "
                         "a run of other detector weights is always redone.")
    ap.add_argument("--real-rgb", type=Path, action="append", default=[],
                    help="Folder of real labelled RGB-only flights (benchmarks/real_rgb_flights.py; "
                         "never the withheld flight) added to the RGB-only model's fit flights.")
    ap.add_argument("--real-group-key", default=r"^(.*)_F\d+$",
                    help="Regex whose first group is the site of a real flight's folder name "
                         "(flights of one site are one ground in the calibration across ground).")
    ap.add_argument("--real-rgb-credit", default=(
        "Imagery: de Smet, Nikulin, Baur, \"Scatterable Landmine Detection Project Dataset 1-8\" (2020), "
        "Binghamton University; tiles and labels: Roboflow export \"aai521-final-project\" v4 in "
        "github.com/joelUSD/PFM1-Detection (Apache-2.0 per that repository, MIT per its data.yaml)"),
        help="Licence and attribution of the --real-rgb flights, for the card.")
    ap.add_argument("--coarse-rgb-gsd-m", type=float, action="append", default=[],
                    help="Also fit the with-CNN and RGB-only models on the same flights with their RGB "
                         "rendered at this GSD (an area-survey flight the CNN reads upsampled).")
    ap.add_argument("--oddments", nargs="?", const="any", default=None, choices=("any", "metal"),
                    help="Draw half the fit and calibration flights (oddment_seed) with mine-sized oddments in "
                         "their clutter (rams.synth.families.with_oddments; 'any' colour, the default, or "
                         "'metal': small steel chips and plates): clutter the CNN may fire on, so that the "
                         "combiner learns what a CNN call is worth there.")
    ap.add_argument("--oddment-seeds", choices=ODDMENT_SEEDS, default="mixed",
                    help="Which flights --oddments draws with oddments (see oddment_seed).")
    ap.add_argument("--rerender", choices=sorted(RERENDER), default=None,
                    help="Re-render the RGB of half the flights (the --oddment-seeds choice) with this "
                         "look of bench_candidates.RERENDER before the runs with every sensor and the CNN (rule ZI).")
    ap.add_argument("--with-cnn-only", action="store_true",
                    help="Fit only the model of the runs with every sensor and the CNN; the models "
                         "without the CNN and from RGB alone are copied from the shipped combiner.")
    ap.add_argument("--cascade", action="store_true",
                    help="Fit only the model of cascade runs (detection.mode: cascade, every sensor and the "
                         "CNN; rule ZY) on the same flights, and nest it as 'cascade' into a copy of the "
                         "shipped combiner (the other models unchanged).")
    ap.add_argument("--seen-held-out", action="store_true",
                    help="Allow held-out families that have been benchmarked already (seen) in --families "
                         "(rule ZK); the blind ones (BLIND_FAMILIES) are refused whatever is given.")
    ap.add_argument("--families", default=",".join(TRAINING_FAMILIES),
                    help="Scene families of the flights, comma-separated, cycled by seed.")
    ap.add_argument("--add-families", default="",
                    help="One more fit flight of each of these families (comma-separated), seeds from "
                         "--add-seed up, each family its own ground in the calibration across ground "
                         "(rule ZZD: ground the detector never trained on, where its calls can be wrong).")
    ap.add_argument("--add-seed", type=int, default=300, help="Seed of the first --add-families flight.")
    args = ap.parse_args()
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    added = [f.strip() for f in args.add_families.split(",") if f.strip()]
    allowed = set(TRAINING_FAMILIES) | (set(HELD_OUT_FAMILIES) - set(BLIND_FAMILIES) if args.seen_held_out else set())
    if not families or not set(families + added) <= allowed:
        sys.exit(f"--families and --add-families must be among {', '.join(sorted(allowed))} "
                 f"(never {' or '.join(sorted(set(HELD_OUT_FAMILIES) - allowed))})")
    fit_seeds, cal_seeds = _seeds(args.fit), _seeds(args.cal)
    add_seeds = dict(zip(range(args.add_seed, args.add_seed + len(added)), added, strict=True))
    every = fit_seeds + cal_seeds + list(add_seeds)
    if len(set(every)) < len(every) or min(every) < 200 or max(every) >= 1000:
        sys.exit("fit, calibration and added seeds must be disjoint and in 200-999")
    start = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    cfg = load_config()
    digest = detector_digest(cfg.detection.model, cfg.detection.sensor)
    stamp = f"{digest} {source_digest()}"
    sets: dict[tuple[str, str], list[LabelledFlight]] = {}
    # the same flights three ways: every sensor with the CNN; detection off; RGB alone
    variants = {"with_cnn": {"cnn": True}, "without_cnn": {"cnn": False}, "rgb_only": {"rgb_only": True}}
    if args.with_cnn_only:
        variants = {"with_cnn": variants["with_cnn"]}
    if args.cascade:
        variants = {"with_cnn": {"cascade": True}}
    for variant, how in variants.items():
        # detection off, the RGB's GSD changes nothing: the coarse renders only for the CNN's models
        gsds = [None] + (args.coarse_rgb_gsd_m if variant != "without_cnn" else [])
        # the added flights feed the with-CNN model alone (rule ZZD judged that model only)
        added_here = list(add_seeds) if variant == "with_cnn" else []
        for name, seeds in (("fit", fit_seeds + added_here), ("cal", cal_seeds)):
            flights = []
            for seed in seeds:
                family = add_seeds.get(seed, families[seed % len(families)])
                for gsd in gsds:
                    t0 = time.perf_counter()
                    # the flights --oddments and --rerender change (never an added held-out flight)
                    half = oddment_seed(seed, args.oddment_seeds) and seed not in add_seeds
                    odd = args.oddments if half else None
                    # only the model of the runs with every sensor and the CNN learns from them
                    look = args.rerender if half and variant == "with_cnn" else None
                    out, truth = prepare_run(seed, args.size_m, args.work, stamp, families, args.reuse_runs,
                                             rgb_gsd_m=gsd, oddments=odd, rerender=look, family=family, **how)
                    f = load_labelled_run(out, truth, group=family)
                    flights.append(f)
                    print(f"{name} {f.name}: {len(f.points)} points, {int(f.label.sum())} on mines of "
                          f"{f.n_truth} ({time.perf_counter() - t0:.0f} s)", flush=True)
            sets[name, variant] = flights
    combiner, metrics = fit_combiner(sets["fit", "with_cnn"], sets["cal", "with_cnn"], cfg.candidates)
    fitted = [("with the CNN" + (" in cascade runs" if args.cascade else ""), metrics)]
    if args.cascade:
        shipped = load_combiner(models_dir() / "rams_combiner.json")
        combiner = replace(shipped, cascade=replace(combiner, meta={**combiner.meta, "fitted_on": "cascade runs"}))
    elif args.with_cnn_only:
        shipped = load_combiner(models_dir() / "rams_combiner.json")
        combiner = replace(combiner, without_cnn=shipped.without_cnn, rgb_only=shipped.rgb_only)
    else:
        without, without_metrics = fit_combiner(sets["fit", "without_cnn"], sets["cal", "without_cnn"],
                                                 cfg.candidates)
        for folder in args.real_rgb:
            sets["fit", "rgb_only"] += real_rgb_runs(folder, args.work, stamp, args.reuse_runs, args.real_group_key)
        rgb, rgb_metrics = fit_combiner(restrict_features(sets["fit", "rgb_only"], CNN_FEATURES),
                                        restrict_features(sets["cal", "rgb_only"], CNN_FEATURES), cfg.candidates,
                                        domain_features=CNN_FEATURES)
        combiner = replace(combiner, without_cnn=without, rgb_only=rgb)
        fitted += [("without the CNN", without_metrics), ("RGB alone", rgb_metrics)]
    seconds = round(time.perf_counter() - start, 1)
    extra = {
        "command": "python benchmarks/fit_combiner.py " + " ".join(sys.argv[1:]),
        "detector": f"{cfg.detection.model or 'rams_' + cfg.detection.sensor} sha256 {digest[:16]}",
        "size_m": args.size_m, "seconds": seconds, "families": families,
        **({"added_fit_flights": {str(s): f for s, f in add_seeds.items()}} if add_seeds else {}),
        **({"oddments": {"seeds": [s for s in fit_seeds + cal_seeds if oddment_seed(s, args.oddment_seeds)],
                         "how": f"{args.oddment_seeds}: those flights drawn with oddments of kind "
                                f"{args.oddments!r} (rams.synth.families.with_oddments)"}}
           if args.oddments else {}),
        **({"coarse_rgb_gsd_m": args.coarse_rgb_gsd_m} if args.coarse_rgb_gsd_m else {}),
        **({"rerender": {"look": args.rerender, **RERENDER[args.rerender],
                         "seeds": [s for s in fit_seeds + cal_seeds if oddment_seed(s, args.oddment_seeds)],
                         "how": "those flights' RGB re-rendered before the runs with every sensor and the "
                                "CNN (bench_candidates.rerender_rgb); the other two models' runs plain"}}
           if args.rerender else {}),
        **({"reused_runs": "runs made before a change to candidate scoring or patterns"} if args.reuse_runs else {}),
        **({"cascade": "the cascade model fitted on cascade runs (detection.mode: cascade); every other "
                       "model copied from the shipped models/rams_combiner.json"} if args.cascade else {}),
        **({"with_cnn_only": "without_cnn and rgb_only copied from the shipped models/rams_combiner.json"}
           if args.with_cnn_only else {}),
        **({"real_rgb": {"folders": [str(p) for p in args.real_rgb], "credit": args.real_rgb_credit}}
           if args.real_rgb else {}),
    }
    if args.cascade:  # the shipped fit's provenance stays; the cascade model records its own
        assert combiner.cascade is not None
        combiner.cascade.meta.update(extra)
        combiner.save(args.out)
        args.out.with_suffix(".md").write_text(model_card(combiner, {}), encoding="utf-8")
    else:
        combiner.meta.update(extra)
        combiner.save(args.out)
        args.out.with_suffix(".md").write_text(model_card(combiner, extra), encoding="utf-8")
    for label, m in fitted:
        print(label, json.dumps({k: m[k] for k in ("calibration_ece", "calibration_ece_split_half",
                                                   "cross_ground_ece", "calibration_mine_layer")}, indent=1))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')} in {seconds} s")


if __name__ == "__main__":
    main()
