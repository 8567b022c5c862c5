"""How the CNN runs on this CPU: float32, bfloat16 autocast or int8, the fastest accurate one.

Three modes of one fused, channels-last network:

- ``float32``: plain eager PyTorch, the reference.
- ``bfloat16``: the same under ``torch.autocast``; fast only where the CPU computes
  bfloat16 natively (see :mod:`rams.detection.precision`).
- ``int8``: post-training static quantisation with ``torch.ao`` (FX graph mode, the ``x86``
  engine, else ``fbgemm``): per-channel int8 weights, 7-bit activations (``reduce_range``, which
  keeps AVX2's 16-bit accumulations from overflowing), convolution and ReLU fused; the three
  1x1 output heads run in float32 as one convolution (:class:`MergedHeads`), and so does the
  offsets' sigmoid (:data:`INT8_GRAPH_VERSION`); for the EfficientNet-Lite0 trunk its stem and
  first block too (:data:`LITE0_FLOAT_MODULES`; the calibration file names them). The scale
  and zero point of every activation come from a *calibration file* ``NAME.int8.json`` next
  to the weights, made once on real training tiles (``benchmarks/calibrate_int8.py``) and
  tied to the weights by their SHA-256; it also records the AP50 of float32 and int8 on a
  withheld split. The built network (:class:`Int8Network`) also takes its input quantised
  already: 8-bit RGB counts take 256 values per band, so the detector makes the quint8
  input from a table (:class:`InputQuantisation`) and a twin of the graph without its first
  operation runs it, with the same outputs bit for bit.

``precision="auto"`` measures the candidates in a short probe (one 1024 x 1024 input, at
least five interleaved passes each within about 1.5 s, the fastest pass of each) and keeps
the fastest. int8 is a candidate once per quantisation engine whose accuracy the calibration
file records (the engine it was calibrated with, ``x86`` or ``fbgemm``, and ``onednn``, see
:data:`ALT_INT8_ENGINES`): the same quantised weights and activations, other kernels. On an
AVX2 CPU without VNNI (AMD Zen 3), oneDNN's int8 convolutions ran the RGB network 1.8 to 2.2x
as fast as float32 (median of 9 rounds; four runs, median 1.96) and the x86 engine's
(fbgemm's kernels there) 1.2-1.3x. Where
the CPU has VNNI, PyTorch's x86 engine already packs the convolutions for oneDNN, so both
candidates run the same kernels and the second costs only its first probe (then cached). On a machine loaded well beyond its cores the probe can still misjudge; the
choice and the probe's figures are in ``run.json``, and ``precision: int8`` pins it. The candidates are float32; bfloat16 where it
is native; int8 where a quantisation engine exists and the calibration file matches the
weights and records an AP50 loss of at most :data:`AP50_TOLERANCE`. Anything missing (no
engine, no calibration file, a file for other weights, a failure while quantising) leaves
int8 out with the reason recorded; an explicit ``precision="int8"`` that cannot be honoured
warns once and runs float32.

The probe's verdict is cached per machine (:func:`probe_cache_path`, in the user's cache
folder), keyed by the CPU's flags, the PyTorch version and thread count, the weights'
SHA-256 and the candidate modes, so only the first run on a machine pays the probe (1.5 s
and more, several seconds on a busy machine) and, where the verdict is not int8, the int8
preparation. ``run.json`` says whether the verdict came from the cache. A probe that got
less than :data:`PROBE_MIN_CPU_SHARE` of its threads' CPU time (other work on the machine)
is used for that run but not cached: under contention int8 slowed down 20-fold (3.95 Mpx/s
against 74.6 idle) and such a probe picked bfloat16, which a cache would have kept. Where the cache
cannot be read or written (read-only home, no home), every run probes, as before; delete
the file to probe again (for instance after measuring on a machine that was busy).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rams.atomic import write_json_atomic
from rams.config_paths import (
    CACHE_DIR_ENV as CACHE_DIR_ENV,  # re-exported: tests and callers name it here
)
from rams.config_paths import cache_dir
from rams.detection.model import CenterNet
from rams.detection.precision import PRECISIONS, native_bfloat16, resolve_precision

log = logging.getLogger(__name__)

#: What runs the network.
MODES = ("float32", "bfloat16", "int8")
#: What ``precision=`` accepts for inference.
INFERENCE_PRECISIONS = (*PRECISIONS, "int8")
CALIBRATION_FORMAT = "rams-int8-calibration-1"
#: Largest AP50 loss against float32 (on every split the calibration file records) at which
#: ``auto`` may run int8.
AP50_TOLERANCE = 0.01
#: Side of the square input of the speed probe, pixels: the pipeline's tile (at 512 px, int8's
#: lead over bfloat16 was half what it is at 1024 px, and noise on a busy machine reversed it).
PROBE_PX = 1024
#: Timed rounds of the probe (one pass of each candidate, after one warm-up pass): at least
#: PROBE_PASSES, more while under PROBE_SECONDS. Each candidate keeps its fastest pass, since
#: other work on a shared CPU only ever slows a pass down.
PROBE_PASSES = 5
PROBE_SECONDS = 1.5
PROBE_MAX_PASSES = 20
#: Modules kept in float32: the 1x1 output heads, run as one convolution (:class:`MergedHeads`).
#: Their outputs are confidences (logits) and box sizes, where 7-bit steps would reorder
#: detections; they are a few per cent of the work. Every ``torch.sigmoid`` stays float32 too
#: (set by object type in :func:`_prepare`: today only the offsets' sigmoid after the heads;
#: one added to the body would also stay float). A calibration file may name more
#: (:attr:`Int8Calibration.float_modules`, :func:`default_float_modules`).
FLOAT_MODULES = ("heads",)
#: Modules of the EfficientNet-Lite0 trunk kept in float32 as well: its stem and first block,
#: which see the input at full and half resolution. Measured on model ZT (stop 57, withheld
#: flight F14, flip-averaged, 64 calibration tiles, x86 engine on AVX-512 with VNNI; script
#: ``benchmarks/results/stop57/int8_lite0_variants.py``): with only the heads float, int8 lost
#: 0.025 AP50 (0.965 -> 0.940, recall 0.96 -> 0.88); with these float too, 0.004 (0.960, recall
#: 0.96); 8-bit activations instead of 7-bit lost 0.185. Chosen on F14, the same flight that
#: checks the accuracy, among three variants: the calibration's own check is what guards it.
LITE0_FLOAT_MODULES = ("heads", "body.trunk.stem", "body.trunk.blocks.0")
#: Version of the int8 graph, part of the built network's cache key. 2: the three float heads
#: run as one convolution (the same outputs as version 1's three, up to float rounding). 3: the
#: offsets' sigmoid runs in float32; before, PyTorch's default int8 mapping gave it fixed
#: parameters (input scale 1/256, zero point 0) that clamped the offset logit to [0, 1], so
#: int8 offsets could only fall in [0.5, 0.73] of a cell (float32: 0 to 1). 4: the same network,
#: cached with its twin that takes the input quantised already (:class:`Int8Network`).
INT8_GRAPH_VERSION = 4
#: Quantisation engines in order of preference for calibrating (7-bit activations).
INT8_ENGINES = ("x86", "fbgemm")
#: Other engines int8 may run on with the same calibration, where this PyTorch build has them
#: and the calibration file records their accuracy. The probe names them ``int8_<engine>``.
ALT_INT8_ENGINES = ("onednn",)

#: Environment variables that run PyTorch's and oneDNN's kernels as on an older CPU than
#: ``/proc/cpuinfo`` lists (``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2``): part of
#: the probe's cache key, since they change which mode is fastest.
ISA_LIMIT_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")

#: Format tag of the probe-verdict cache file.
PROBE_CACHE_FORMAT = "rams-inference-probe-1"
#: Verdicts kept in the cache file (the oldest go first).
PROBE_CACHE_ENTRIES = 64
#: Least share of its threads' CPU time (process CPU seconds / (wall seconds x threads)) a
#: probe must get for its verdict to be cached.
PROBE_MIN_CPU_SHARE = 0.8

Outputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
Forward = Callable[[torch.Tensor], Outputs]

_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        log.warning("%s", message)


def supported_engines() -> list[str]:
    """Quantised engines of this PyTorch build (a seam for tests)."""
    return list(torch.backends.quantized.supported_engines)


def int8_engine() -> str | None:
    """The quantisation engine int8 runs on: ``x86``, else ``fbgemm``, else None."""
    have = supported_engines()
    return next((e for e in INT8_ENGINES if e in have), None)


def calibration_path(weights: str | Path) -> Path:
    """The int8 calibration file of ``weights`` (``NAME.int8.json`` for ``NAME.pt``)."""
    weights = Path(weights)
    return weights.with_name(f"{weights.stem}.int8.json")


@dataclass
class Int8Calibration:
    """Activation quantisation parameters of one weights file, and its accuracy check.

    Attributes:
        weights_sha256: SHA-256 of the weights file it was made for.
        engine: the engine it was calibrated for ("x86" or "fbgemm").
        qparams: observer name in the prepared FX graph ->
            ``[scale, zero_point, quant_min, quant_max]`` of that activation (quint8).
        source: what it was calibrated on (data set, split, number of images).
        accuracy: one entry per withheld split and engine: ``{"split", "float32_ap50",
            "int8_ap50"}`` and ``"engine"`` (absent: :attr:`engine`).
        float_modules: names (in the graph of :class:`MergedHeads`) of the modules that stay
            float32, their children included; files without the field: :data:`FLOAT_MODULES`.
    """

    weights_sha256: str
    engine: str
    qparams: dict[str, list[float]]
    source: dict[str, Any] = field(default_factory=dict)
    accuracy: list[dict[str, Any]] = field(default_factory=list)
    float_modules: tuple[str, ...] = FLOAT_MODULES

    def ap50_loss(self, engine: str | None = None) -> float | None:
        """Largest float32-minus-int8 AP50 over the splits recorded for ``engine``.

        ``engine`` defaults to the calibration's own; None: none recorded.
        """
        engine = engine or self.engine
        losses = [float(a["float32_ap50"]) - float(a["int8_ap50"]) for a in self.accuracy
                  if a.get("engine", self.engine) == engine]
        return max(losses) if losses else None

    def accurate(self, engine: str | None = None) -> bool:
        """Whether int8 on ``engine`` was checked and lost at most :data:`AP50_TOLERANCE` of AP50.

        ``engine`` defaults to the calibration's own.
        """
        loss = self.ap50_loss(engine)
        return loss is not None and loss <= AP50_TOLERANCE + 1e-9

    def save(self, path: str | Path) -> None:
        """Write the calibration file (atomically)."""
        write_json_atomic(Path(path), {
            "format": CALIBRATION_FORMAT, "weights_sha256": self.weights_sha256,
            "engine": self.engine, "torch": torch.__version__, "source": self.source,
            "accuracy": self.accuracy, "ap50_tolerance": AP50_TOLERANCE,
            "float_modules": list(self.float_modules), "qparams": self.qparams,
        })

    @classmethod
    def load(cls, path: str | Path) -> Int8Calibration:
        """Read a calibration file.

        Raises:
            ValueError: not a calibration file of this format.
        """
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
            if d.get("format") != CALIBRATION_FORMAT:
                raise KeyError("format")
            return cls(str(d["weights_sha256"]), str(d["engine"]),
                       {str(k): [float(v[0]), *(int(x) for x in v[1:])] for k, v in d["qparams"].items()},
                       dict(d.get("source", {})), list(d.get("accuracy", [])),
                       tuple(str(n) for n in d.get("float_modules", FLOAT_MODULES)))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            raise ValueError(f"{path}: not an int8 calibration file ({exc})") from None


class MergedHeads(nn.Module):
    """A CenterNet whose three 1x1 heads run as one convolution, with the same outputs.

    The int8 graph hands the heads a dequantised float tensor and each float convolution
    reads all of it; one convolution of all the heads' output channels (split afterwards) made
    the whole int8 network 2.3 to 7.4 % faster on a 1024 px tile in three interleaved A/B runs
    (AVX2, 2 cores, oneDNN's int8 kernels; 2026-12-02). In float32 two such runs showed no
    gain, so only the int8 graph uses it. Same weights and sums per output channel: the same
    outputs up to float rounding (identical on the AVX2 CPU it was measured on; about 1e-6
    apart where other kernels sum in another order).
    """

    def __init__(self, net: CenterNet) -> None:
        super().__init__()
        self.body = net
        convs = [net.heatmap, net.size, net.offset]
        self.split = (net.heatmap.out_channels, net.heatmap.out_channels + net.size.out_channels)
        self.heads = nn.Conv2d(convs[0].in_channels, sum(c.out_channels for c in convs), 1)
        with torch.no_grad():
            self.heads.weight.copy_(torch.cat([c.weight for c in convs]))
            assert self.heads.bias is not None
            self.heads.bias.copy_(torch.cat([c.bias if c.bias is not None else torch.zeros(c.out_channels)
                                             for c in convs]))

    def forward(self, x: torch.Tensor) -> Outputs:
        """``(heatmap_logits, log_size, offset)``, as :meth:`CenterNet.forward`."""
        out = self.heads(self.body.features(x))
        a, b = self.split
        return out[:, :a], out[:, a:b], torch.sigmoid(out[:, b:])


def default_float_modules(net: nn.Module) -> tuple[str, ...]:
    """The modules a new calibration of ``net`` keeps float32.

    :data:`LITE0_FLOAT_MODULES` for the EfficientNet-Lite0 trunk, else :data:`FLOAT_MODULES`.
    """
    lite0 = isinstance(net, CenterNet) and net.config.backbone == "efficientnet_lite0"
    return LITE0_FLOAT_MODULES if lite0 else FLOAT_MODULES


def _prepare(net: nn.Module, in_channels: int, engine: str, qconfig_engine: str | None = None,
             float_modules: Iterable[str] = FLOAT_MODULES) -> torch.fx.GraphModule:
    """A copy of the fused network, heads merged, with observers after every activation.

    FX graph mode; the heads run as one float convolution (:class:`MergedHeads`), and so do
    ``float_modules`` (names in that graph: ``body.`` and the network's own module name).

    ``engine`` packs the weights; the observers are ``qconfig_engine``'s (default: the same):
    an int8 network for another engine than its calibration's keeps the calibration's 7-bit
    activations, which no 16-bit accumulation of a CPU without VNNI can overflow.
    """
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx

    if not isinstance(net, CenterNet):
        raise RuntimeError(f"int8 is built for the CenterNet detector, not a {type(net).__name__}")
    torch.backends.quantized.engine = engine
    example = torch.zeros(1, in_channels, 64, 64).contiguous(memory_format=torch.channels_last)
    mapping = get_default_qconfig_mapping(qconfig_engine or engine)
    for name in float_modules:
        mapping.set_module_name(name, None)
    mapping.set_object_type(torch.sigmoid, None)
    # The quantisation tracer records a stack trace per graph node, for debugging only: the
    # first symbolisation imports torch._dynamo and torch._inductor (1.3 s at start-up, about
    # two thirds of preparing the int8 network); the graph is the same without them.
    fx_config = getattr(torch.fx, "config", None)
    emit = getattr(fx_config, "do_not_emit_stack_traces", None)
    if emit is not None:
        fx_config.do_not_emit_stack_traces = True  # type: ignore[union-attr]
    try:
        with warnings.catch_warnings():  # FX graph mode is deprecated in favour of torchao's PT2E
            warnings.simplefilter("ignore")
            return prepare_fx(MergedHeads(copy.deepcopy(net)).eval(), mapping, example_inputs=(example,))
    finally:
        if emit is not None:
            fx_config.do_not_emit_stack_traces = emit  # type: ignore[union-attr]


def _observers(prepared: nn.Module) -> dict[str, Any]:
    return {n: m for n, m in prepared.named_children() if n.startswith("activation_post_process")}


@torch.inference_mode()
def calibrate_int8(
    net: nn.Module, inputs: Iterable[torch.Tensor], *, in_channels: int, weights_sha256: str,
    engine: str | None = None, source: dict[str, Any] | None = None,
    float_modules: Iterable[str] | None = None,
) -> Int8Calibration:
    """Observe activations of ``net`` over ``inputs`` and keep their quantisation parameters.

    Args:
        net: the fused float32 network (not modified).
        inputs: normalised network inputs ``(B, C, H, W)``, H and W multiples of 32, made
            exactly as for inference (real tiles at the model's GSD).
        in_channels: input bands.
        weights_sha256: the weights file's hash (the calibration is valid for it only).
        engine: quantisation engine (default: :func:`int8_engine`).
        source: what the inputs are, for the record.
        float_modules: modules kept float32 (default: :func:`default_float_modules`).

    Raises:
        RuntimeError: no quantisation engine, no inputs, or ``net`` is not a
            :class:`~rams.detection.model.CenterNet`.
    """
    engine = engine or int8_engine()
    if engine is None:
        raise RuntimeError("this PyTorch build has no x86 or fbgemm quantisation engine")
    kept = tuple(float_modules) if float_modules is not None else default_float_modules(net)
    prepared = _prepare(net, in_channels, engine, float_modules=kept)
    n = 0
    for x in inputs:
        prepared(x.contiguous(memory_format=torch.channels_last))
        n += int(x.shape[0])
    if n == 0:
        raise RuntimeError("no calibration inputs")
    qparams = {}
    for name, obs in _observers(prepared).items():
        scale, zero_point = obs.calculate_qparams()
        qparams[name] = [float(scale), int(zero_point), int(obs.quant_min), int(obs.quant_max)]
    return Int8Calibration(weights_sha256, engine, qparams, {**(source or {}), "n_images": n},
                           float_modules=kept)


#: Quantised networks of this process by (weights SHA-256, engine): building one takes
#: seconds (weight prepacking), and a batch loads the same detector once per flight.
_int8_cache: dict[tuple[str, str], nn.Module] = {}


def quantize_int8(
    net: nn.Module, calibration: Int8Calibration, in_channels: int, engine: str | None = None,
) -> nn.Module:
    """The int8 network: ``net``'s graph with the calibration's activation parameters.

    ``net`` must hold the weights the calibration was made for (the caller checks the
    hash); the result is cached per weights hash and engine. ``engine``: the quantisation
    engine whose kernels run it (default: the calibration's); the graph and its observers are
    those of the calibration's engine (per-channel symmetric int8 weights, the same for
    ``x86``, ``fbgemm`` and ``onednn``), the activations take the calibration's parameters.

    Returns:
        A module mapping a float32 ``(B, C, H, W)`` input to float32 outputs, as ``net``.

    Raises:
        RuntimeError: the calibration's engine is missing, its observers do not match this
            network's graph (another architecture or PyTorch version), or ``net`` is not a
            :class:`~rams.detection.model.CenterNet`.
    """
    engine = engine or calibration.engine
    if engine not in supported_engines():
        raise RuntimeError(f"quantisation engine {engine!r} is not in this PyTorch build")
    key = (calibration.weights_sha256, engine)
    if key in _int8_cache:
        torch.backends.quantized.engine = engine
        return _int8_cache[key]
    cached = _load_int8_module(calibration, engine)
    if cached is not None:
        torch.backends.quantized.engine = engine
        _remember_int8(key, cached)
        return cached
    converted = convert_with_qparams(_prepare(net, in_channels, engine, calibration.engine,
                                              calibration.float_modules), calibration.qparams)
    split = split_input_quantisation(converted)
    traced = _save_int8_module(converted, calibration, in_channels, engine, split)
    qnet = traced if traced is not None else Int8Network(converted, *(split or (None, None)))
    _remember_int8(key, qnet)
    return qnet


@dataclass(frozen=True)
class InputQuantisation:
    """How the int8 network quantises its float input (its first operation), as quint8.

    ``q = clamp(round(x / scale) + zero_point, 0, 255)``, as :func:`torch.quantize_per_tensor`
    computes it. Inputs that are 8-bit counts under a fixed normalisation take only 256
    values per band, so their quantised form is a table (:meth:`counts_table`), and the
    network input can be made in uint8 instead of float32 (a quarter of the bytes) without
    the network's own pass over the float input.
    """

    scale: float
    zero_point: int

    def quantise(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (float32) quantised as the network's first operation would."""
        return torch.quantize_per_tensor(x, self.scale, self.zero_point, torch.quint8)

    def counts_table(self, table: np.ndarray) -> np.ndarray | None:
        """The quantised values (uint8) of a (256, C) float32 table of normalised counts.

        Each value is quantised alone (the quantiser's scalar code) and among
        :data:`_TABLE_REPEAT` copies of itself (its vectorised code, which quantises a large
        input in chunks whose tails take the scalar code); both must agree for every value,
        else None and the float input serves. Quantisation is elementwise, so the network input
        made from this table is the one the network would quantise from the float input, bit
        for bit (tested against the float path on real tiles).
        """
        flat = np.ascontiguousarray(table, np.float32)
        c = flat.shape[1]
        vector = self.quantise(torch.from_numpy(np.repeat(flat, _TABLE_REPEAT, axis=0)))
        q = vector.int_repr().numpy().reshape(256, _TABLE_REPEAT, c)
        alone = np.array([[int(self.quantise(torch.tensor([v])).int_repr()[0]) for v in row] for row in flat])
        if not (q == alone[:, None, :]).all():
            return None
        return np.ascontiguousarray(q[:, 0])

    def zero(self) -> int:
        """The quantised value of 0.0 (an invalid or padding pixel of the float input)."""
        return int(self.quantise(torch.zeros(1)).int_repr()[0])


#: Copies of each table value quantised together, so that each value goes through the quantiser's
#: vectorised code (more than four AVX-512 vectors of 16 float32 lanes); odd, so that the runs of
#: copies straddle the vectors.
_TABLE_REPEAT = 67


class Int8Network(nn.Module):
    """The int8 network on float inputs, and on inputs quantised already (where it can).

    ``from_quantised`` is the same graph without its first operation (the input's
    quantisation, :class:`InputQuantisation`): a quint8 input with those parameters gives
    the same outputs as the float input it was quantised from.
    """

    def __init__(self, net: nn.Module, from_quantised: nn.Module | None = None,
                 input_quantisation: InputQuantisation | None = None) -> None:
        super().__init__()
        self.net = net
        self.from_quantised = from_quantised if input_quantisation is not None else None
        self.input_quantisation = input_quantisation if from_quantised is not None else None

    def forward(self, x: torch.Tensor) -> Outputs:
        """Outputs of a float32 input, or of a quint8 one quantised with :attr:`input_quantisation`."""
        if x.is_quantized:
            if self.from_quantised is None or self.input_quantisation is None:
                raise ValueError("this int8 network takes float inputs only")
            if (x.q_scale(), x.q_zero_point()) != (self.input_quantisation.scale, self.input_quantisation.zero_point):
                raise ValueError("the input was quantised with other parameters than the network's")
            return self.from_quantised(x)  # type: ignore[no-any-return]
        return self.net(x)  # type: ignore[no-any-return]


def split_input_quantisation(converted: nn.Module) -> tuple[torch.fx.GraphModule, InputQuantisation] | None:
    """A copy of the converted int8 graph that takes a quantised input, and the input's parameters.

    None where the module is not an FX graph that begins with one per-tensor quint8
    quantisation of its input feeding everything else (another graph: the float input serves).
    """
    if not isinstance(converted, torch.fx.GraphModule):
        return None
    graph = converted.graph
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    if len(placeholders) != 1 or len(placeholders[0].users) != 1:
        return None
    quant = next(iter(placeholders[0].users))
    if quant.op != "call_function" or quant.target is not torch.quantize_per_tensor or len(quant.args) != 4:
        return None
    _x, scale_node, zp_node, dtype = quant.args
    if dtype is not torch.quint8 or any(getattr(n, "op", None) != "get_attr" for n in (scale_node, zp_node)):
        return None
    scale = float(getattr(converted, str(scale_node.target)))
    zero_point = int(getattr(converted, str(zp_node.target)))
    copy_ = copy.deepcopy(converted)
    node = next(n for n in copy_.graph.nodes if n.name == quant.name)
    node.replace_all_uses_with(next(n for n in copy_.graph.nodes if n.op == "placeholder"))
    copy_.graph.erase_node(node)
    copy_.graph.eliminate_dead_code()
    copy_.recompile()
    return copy_, InputQuantisation(scale, zero_point)


#: Parameters PyTorch's default int8 mapping fixes for a sigmoid (scale 1/256, zero point 0,
#: range 0-255): in calibration files made before :data:`INT8_GRAPH_VERSION` 3.
_FIXED_SIGMOID = [1.0 / 256, 0, 0, 255]


def convert_with_qparams(prepared: torch.fx.GraphModule, qparams: dict[str, list[float]]) -> nn.Module:
    """The int8 network of a prepared graph, its observers fixed to ``qparams`` by name.

    A calibration made before graph version 3 also holds the two fixed parameters of the
    offsets' int8 sigmoid (:data:`_FIXED_SIGMOID`, its last two activations); the graph no
    longer has them and they are ignored, so such a file still builds the network.

    Raises:
        RuntimeError: the names differ from the graph's observers (another graph).
    """
    from torch.ao.quantization.observer import FixedQParamsObserver
    from torch.ao.quantization.quantize_fx import convert_fx

    names = set(_observers(prepared))
    qparams = {k: v for k, v in qparams.items() if k in names or list(v) != _FIXED_SIGMOID}
    if names != set(qparams):
        raise RuntimeError(f"the calibration file's {len(qparams)} activations do not "
                           f"match this network's {len(names)}; recalibrate")
    for name, (scale, zero_point, qmin, qmax) in qparams.items():
        setattr(prepared, name, FixedQParamsObserver(  # type: ignore[no-untyped-call]
            scale=scale, zero_point=int(zero_point), dtype=torch.quint8,
            quant_min=int(qmin), quant_max=int(qmax)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convert_fx(prepared)


def _remember_int8(key: tuple[str, str], qnet: nn.Module) -> None:
    if len(_int8_cache) >= 4:
        _int8_cache.pop(next(iter(_int8_cache)))
    _int8_cache[key] = qnet


def qparams_digest(calibration: Int8Calibration) -> str:
    """First 12 hex digits of the SHA-256 of the calibration's activation parameters.

    The modules it keeps float count too, where they are not the default :data:`FLOAT_MODULES`.
    """
    record: Any = calibration.qparams
    if tuple(calibration.float_modules) != FLOAT_MODULES:
        record = {"qparams": calibration.qparams, "float_modules": list(calibration.float_modules)}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:12]


def int8_module_path(calibration: Int8Calibration, engine: str | None = None) -> Path | None:
    """Where the built int8 network of ``calibration`` is kept on this machine (None: no cache).

    ``engine``: the engine it runs on (default: the calibration's). Keyed by the weights'
    SHA-256, the calibration's parameters, the engine, :data:`INT8_GRAPH_VERSION` and the
    PyTorch version: any change builds it again.
    """
    folder = cache_dir()
    if folder is None:
        return None
    name = (f"{calibration.weights_sha256[:16]}-{qparams_digest(calibration)}-{engine or calibration.engine}-g{INT8_GRAPH_VERSION}"
            f"-torch{torch.__version__}.pt")
    return folder / "int8" / name.replace("+", "_")


def _load_int8_module(calibration: Int8Calibration, engine: str) -> nn.Module | None:
    """The built int8 network from the machine's cache, or None (absent or unreadable)."""
    path = int8_module_path(calibration, engine)
    if path is None or not path.is_file():
        return None
    try:
        torch.backends.quantized.engine = engine
        extra = {_INPUT_FILE: ""}
        net = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)  # type: ignore[no-untyped-call]
        from_quantised, params = None, None
        if extra[_INPUT_FILE]:
            d = json.loads(extra[_INPUT_FILE])
            params = InputQuantisation(float(d["scale"]), int(d["zero_point"]))
            from_quantised = torch.jit.load(str(_from_quantised_path(path)), map_location="cpu")  # type: ignore[no-untyped-call]
        return Int8Network(net, from_quantised, params)
    except (RuntimeError, OSError, ValueError, KeyError, TypeError) as exc:
        log.info("int8 network cache %s unreadable (%s); building it again", path, exc)
        return None


#: The cached int8 network's record of its input quantisation (a ``torch.jit`` extra file).
_INPUT_FILE = "rams_input_quantisation.json"


def _from_quantised_path(path: Path) -> Path:
    """Where the cached int8 network without its input quantisation lies, next to the network's."""
    return path.with_name(path.name.removesuffix(".pt") + "-from-quint8.pt")


def _save_int8_module(
    qnet: nn.Module, calibration: Int8Calibration, in_channels: int, engine: str,
    split: tuple[nn.Module, InputQuantisation] | None = None,
) -> Int8Network | None:
    """Trace and freeze ``qnet``, keep it in the machine's cache; the traced network, or None.

    Converting the FX graph costs about 0.6 s a run; loading the frozen TorchScript module
    about 0.07 s, and it runs as fast (same outputs: the network is fully convolutional, so
    the trace holds for any input size). ``split`` (:func:`split_input_quantisation`) is
    traced and kept too, beside it; the network's file is written last and records the
    input's parameters, so a cached network with a record always has its partner. Where
    tracing or the cache fails, None: the caller keeps the converted graph.
    """
    path = int8_module_path(calibration, engine)
    if path is None:
        return None
    try:
        example = torch.zeros(1, in_channels, 128, 128)
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            traced = torch.jit.freeze(torch.jit.trace(qnet, example).eval())  # type: ignore[no-untyped-call]
            from_quantised = None
            if split is not None:
                qexample = split[1].quantise(example.contiguous(memory_format=torch.channels_last))
                from_quantised = torch.jit.freeze(torch.jit.trace(split[0], qexample).eval())  # type: ignore[no-untyped-call]
        path.parent.mkdir(parents=True, exist_ok=True)
        extra = {}
        if from_quantised is not None and split is not None:
            partner = _from_quantised_path(path)
            tmp = partner.with_name(f".{partner.name}.{os.getpid()}.tmp")
            torch.jit.save(from_quantised, str(tmp))
            tmp.replace(partner)
            extra[_INPUT_FILE] = json.dumps({"scale": split[1].scale, "zero_point": split[1].zero_point})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        torch.jit.save(traced, str(tmp), _extra_files=extra)
        tmp.replace(path)
        return Int8Network(traced, from_quantised, split[1] if split is not None else None)
    except (RuntimeError, OSError, ValueError) as exc:
        log.info("int8 network not cached (%s)", exc)
        return None


def forward_for(mode: str, net: nn.Module) -> Forward:
    """A function running ``net`` (the int8 module for "int8") with float32 outputs."""
    if mode == "bfloat16":
        def run_bf16(x: torch.Tensor) -> Outputs:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                h, s, o = net(x)
            return h.float(), s.float(), o.float()
        return run_bf16
    if mode == "int8":
        return Int8Forward(net)
    return net


class Int8Forward:
    """Runs an int8 network on the quantisation engine its weights were packed for.

    Attributes:
        input_quantisation: how the network quantises a float input, where it also takes
            inputs quantised already (:class:`Int8Network`); else None.
    """

    def __init__(self, net: nn.Module) -> None:
        self.net = net
        self.engine = torch.backends.quantized.engine  # the engine the weights were packed for
        self.input_quantisation: InputQuantisation | None = getattr(net, "input_quantisation", None)

    def __call__(self, x: torch.Tensor) -> Outputs:
        """The network's outputs for ``x`` (float32, or quint8 where it takes that)."""
        if torch.backends.quantized.engine != self.engine:  # process-wide; someone changed it
            torch.backends.quantized.engine = self.engine
        return self.net(x)  # type: ignore[no-any-return]


def probe_mpx_s(forwards: dict[str, Forward], in_channels: int, px: int = PROBE_PX,
                passes: int = PROBE_PASSES, seconds: float = PROBE_SECONDS) -> dict[str, float]:
    """Megapixels per second of each forward function.

    Passes are interleaved and the fastest pass of each counts (the median of a few passes
    on a busy 2-core machine picked bfloat16 over an int8 that was three times faster; the
    fastest pass did not).
    """
    x = torch.randn(1, in_channels, px, px, generator=torch.Generator().manual_seed(0))
    x = x.contiguous(memory_format=torch.channels_last)
    times: dict[str, list[float]] = {k: [] for k in forwards}
    with torch.inference_mode():
        for f in forwards.values():
            f(x)
        start = time.perf_counter()
        for i in range(PROBE_MAX_PASSES):
            if i >= passes and time.perf_counter() - start > seconds:
                break
            for k, f in forwards.items():
                t0 = time.perf_counter()
                f(x)
                times[k].append(time.perf_counter() - t0)
    return {k: round(px * px / 1e6 / min(t), 2) for k, t in times.items()}


def probe_cache_path() -> Path | None:
    """The file holding the probe's verdicts on this machine (None: no cache folder)."""
    folder = cache_dir()
    return None if folder is None else folder / "inference-probe.json"


def probe_key(
    weights_sha256: str, candidates: Iterable[str], flags: frozenset[str] | None = None,
    int8_params: str | None = None,
) -> str:
    """The cache key of a probe: what decides which mode is fastest.

    Args:
        weights_sha256: the weights file's hash (the network the probe ran).
        candidates: the modes probed, in order.
        flags: CPU flags (default: this CPU's).
        int8_params: digest of the int8 calibration's parameters (:func:`qparams_digest`),
            when an int8 mode is probed: with :data:`INT8_GRAPH_VERSION`, a recalibrated or
            rebuilt int8 network is probed again.
    """
    from rams.detection.precision import cpu_flags

    modes = list(candidates)
    record = {
        "format": PROBE_CACHE_FORMAT, "flags": sorted(cpu_flags() if flags is None else flags),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "weights_sha256": weights_sha256,
        "modes": modes, "int8_engine": int8_engine() if "int8" in modes else None, "probe_px": PROBE_PX,
        **({"int8_graph": INT8_GRAPH_VERSION, "int8_params": int8_params}
           if any(m.startswith("int8") for m in modes) else {}),
        # kernels limited below the CPU's flags (e.g. ONEDNN_MAX_CPU_ISA=AVX2) run other code
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "isa_limits": {k: os.environ[k] for k in ISA_LIMIT_VARIABLES if k in os.environ},
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _read_probe_cache(path: Path) -> dict[str, Any]:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = d.get("entries") if isinstance(d, dict) and d.get("format") == PROBE_CACHE_FORMAT else None
    return entries if isinstance(entries, dict) else {}


def cached_verdict(key: str) -> dict[str, Any] | None:
    """The cached verdict ``{"mode", "probe_mpx_s", "date_utc"}`` of a probe key, or None."""
    path = probe_cache_path()
    entry = None if path is None else _read_probe_cache(path).get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("mode"), str):
        return None
    rates = entry.get("probe_mpx_s")
    if not isinstance(rates, dict) or entry["mode"] not in rates:
        return None
    return entry


def store_verdict(key: str, mode: str, rates: dict[str, float]) -> bool:
    """Remember a probe's verdict; False where the cache cannot be written (never raises)."""
    path = probe_cache_path()
    if path is None:
        return False
    entries = _read_probe_cache(path)
    entries.pop(key, None)
    entries[key] = {"mode": mode, "probe_mpx_s": dict(rates),
                    "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    while len(entries) > PROBE_CACHE_ENTRIES:
        entries.pop(next(iter(entries)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, {"format": PROBE_CACHE_FORMAT, "entries": entries})
    except OSError as exc:  # read-only or full: the next run probes again
        log.debug("inference probe cache %s not written: %s", path, exc)
        return False
    return True


@dataclass
class InferenceMode:
    """The mode a detector runs in, and why.

    Attributes:
        requested: "auto", "float32", "bfloat16" or "int8".
        mode: what runs: "float32", "bfloat16" or "int8".
        reason: one or two sentences (``run.json``, benchmark reports).
        probe_mpx_s: the probe's throughput of each candidate (empty without a probe).
        engine: the quantisation engine of int8 (None otherwise).
        probe_from_cache: True when the probe's verdict was read from this machine's cache,
            False when the probe ran now, None when there was no probe.
    """

    requested: str
    mode: str
    reason: str
    probe_mpx_s: dict[str, float] = field(default_factory=dict)
    engine: str | None = None
    probe_from_cache: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-types form."""
        return {"requested": self.requested, "mode": self.mode, "reason": self.reason,
                "probe_mpx_s": dict(self.probe_mpx_s), "int8_engine": self.engine,
                "probe_from_cache": self.probe_from_cache}


def _int8_unavailable(
    calibration: Int8Calibration | None, calibration_note: str | None, *, need_accuracy: bool,
    engine: str | None = None,
) -> str | None:
    """Why int8 on ``engine`` cannot be a candidate, found without building it (None: it can).

    ``engine`` defaults to the calibration's own.
    """
    if calibration is None:
        return calibration_note or "no int8 calibration file for these weights"
    engine = engine or calibration.engine
    if need_accuracy and not calibration.accurate(engine):
        loss = calibration.ap50_loss(engine)
        on = "" if engine == calibration.engine else f" on {engine}"
        return (f"int8 accuracy{on} not recorded in the calibration file" if loss is None else
                f"int8{on} lost {loss:.3f} AP50 (> {AP50_TOLERANCE}) in the calibration check")
    if int8_engine() is None:
        return "this PyTorch build has no x86 or fbgemm quantisation engine"
    if engine not in supported_engines():
        return f"this PyTorch build has no {engine} quantisation engine"
    return None


def _int8_or_reason(
    net: nn.Module, in_channels: int, calibration: Int8Calibration | None, calibration_note: str | None,
    *, need_accuracy: bool, engine: str | None = None,
) -> tuple[nn.Module | None, str]:
    """The int8 module on ``engine`` (default: the calibration's), or None and why not."""
    why = _int8_unavailable(calibration, calibration_note, need_accuracy=need_accuracy, engine=engine)
    if why is not None or calibration is None:
        return None, why or ""
    try:
        return quantize_int8(net, calibration, in_channels, engine), ""
    except Exception as exc:  # any failure of the optional fast path falls back to float32
        return None, f"int8 quantisation failed ({type(exc).__name__}: {exc})"


def _int8_candidates(
    calibration: Int8Calibration | None, calibration_note: str | None, engine: str | None,
) -> tuple[dict[str, str], list[str]]:
    """The int8 candidates of ``auto`` (probe name -> engine) and notes on those left out.

    ``int8`` runs on the calibration's engine, ``int8_<engine>`` on each of
    :data:`ALT_INT8_ENGINES` this build has; each needs a passed accuracy record for its
    engine. ``engine`` (not None) keeps that engine's candidate only (any engine: without an
    accuracy record for it, the note says so).
    """
    own = calibration.engine if calibration is not None else None
    alternatives = (*ALT_INT8_ENGINES, *([engine] if engine is not None else []))
    names = {"int8": own, **{f"int8_{e}": e for e in alternatives if e != own}}
    out: dict[str, str] = {}
    notes: list[str] = []
    for name, eng in names.items():
        if engine is not None and eng != engine and not (name == "int8" and eng is None):
            continue
        why = _int8_unavailable(calibration, calibration_note, need_accuracy=True, engine=eng)
        if why is None and eng is not None:
            out[name] = eng
        elif name == "int8" or (calibration is not None and (eng in supported_engines() or eng == engine)):
            notes.append(f"{name} left out ({why})")
    return out, notes


def _mode_of(candidate: str) -> str:
    """The mode (:data:`MODES`) a probe candidate runs: ``int8_onednn`` is ``int8``."""
    return "int8" if candidate.startswith("int8") else candidate


def select_mode(
    net: nn.Module, requested: str, *, in_channels: int,
    calibration: Int8Calibration | None = None, calibration_note: str | None = None,
    flags: frozenset[str] | None = None, weights_sha256: str | None = None, engine: str | None = None,
) -> tuple[InferenceMode, Forward]:
    """Resolve ``requested`` to a mode on this CPU and the function that runs it.

    Args:
        net: the fused float32 network, in eval mode.
        requested: one of :data:`INFERENCE_PRECISIONS`.
        in_channels: input bands (for the probe and the int8 graph).
        calibration: the weights' int8 calibration, if any.
        calibration_note: why there is none (recorded when int8 is left out).
        flags: CPU flags (default: this CPU's).
        weights_sha256: the weights' hash; with it, ``"auto"`` reuses this machine's cached
            probe verdict (:func:`cached_verdict`) and stores a new one. Without it, it probes.
        engine: the quantisation engine of int8: ``"int8"`` runs on it (default: the
            calibration's), ``"auto"`` considers int8 on it only (default: every engine with
            a passed accuracy check, see :func:`_int8_candidates`).

    Raises:
        ValueError: an unknown mode.
    """
    if requested not in INFERENCE_PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(INFERENCE_PRECISIONS)}, not {requested!r}")
    if requested in ("float32", "bfloat16"):
        choice = resolve_precision(requested, flags)
        return InferenceMode(requested, choice.precision, choice.reason), forward_for(choice.precision, net)
    if requested == "int8":
        qnet, why = _int8_or_reason(net, in_channels, calibration, calibration_note, need_accuracy=False,
                                    engine=engine)
        if qnet is None:
            reason = f"int8 requested but unavailable: {why}; running float32"
            _warn_once("int8:" + why, reason)
            return InferenceMode(requested, "float32", reason), forward_for("float32", net)
        return (InferenceMode(requested, "int8", "int8 requested", engine=torch.backends.quantized.engine),
                forward_for("int8", qnet))
    forwards: dict[str, Forward] = {"float32": forward_for("float32", net)}
    notes = []
    if native_bfloat16(flags):
        forwards["bfloat16"] = forward_for("bfloat16", net)
    else:
        notes.append("bfloat16 left out (not native on this CPU)")
    int8_engines, int8_notes = _int8_candidates(calibration, calibration_note, engine)
    candidates = [*forwards, *int8_engines]
    params = qparams_digest(calibration) if calibration is not None else None
    key = probe_key(weights_sha256, candidates, flags, params) if weights_sha256 and len(candidates) > 1 else None
    verdict = cached_verdict(key) if key is not None else None
    if verdict is not None and verdict["mode"] in candidates:
        best = verdict["mode"]
        qnet = None
        usable = True
        if best in int8_engines:  # the int8 network is built only when it will run (seconds)
            qnet, why = _int8_or_reason(net, in_channels, calibration, calibration_note, need_accuracy=True,
                                        engine=int8_engines[best])
            if qnet is None:
                int8_notes.append(f"{best} left out ({why})")
                del int8_engines[best]
                usable = False
        if usable:
            cached = verdict["probe_mpx_s"]
            rates = {k: float(cached[k]) for k in candidates if k in cached}  # in probe order
            forward = forward_for("int8", qnet) if qnet is not None else forwards[best]
            shown = ", ".join(f"{k} {v:g}" for k, v in rates.items())
            reason = (f"auto: fastest in a {PROBE_PX} px probe on this machine, cached {verdict.get('date_utc')} "
                      f"(Mpx/s: {shown})" + "".join(f"; {n}" for n in [*notes, *int8_notes]))
            return (InferenceMode(requested, _mode_of(best), reason, rates, int8_engines.get(best), True),
                    forward)
    for name, eng in list(int8_engines.items()):
        qnet, why = _int8_or_reason(net, in_channels, calibration, calibration_note, need_accuracy=True,
                                    engine=eng)
        if qnet is None:
            int8_notes.append(f"{name} left out ({why})")
            del int8_engines[name]
        else:
            forwards[name] = forward_for("int8", qnet)
    notes.extend(int8_notes)
    if len(forwards) == 1:
        return InferenceMode(requested, "float32", "auto: float32, the only candidate; " + "; ".join(notes)), forwards["float32"]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rates = probe_mpx_s(forwards, in_channels)
    share = (time.process_time() - cpu0) / max(1e-9, (time.perf_counter() - wall0) * torch.get_num_threads())
    best = max(rates, key=lambda k: rates[k])
    if key is not None and list(forwards) == candidates:
        if share >= PROBE_MIN_CPU_SHARE:
            store_verdict(key, best, rates)
        else:
            notes.append(f"verdict not cached: the probe got {share:.0%} of its threads' CPU (busy machine)")
    shown = ", ".join(f"{k} {v:g}" for k, v in rates.items())
    reason = f"auto: fastest in a {PROBE_PX} px probe (Mpx/s: {shown})" + "".join(f"; {n}" for n in notes)
    return (InferenceMode(requested, _mode_of(best), reason, rates, int8_engines.get(best), False),
            forwards[best])
