"""Inference modes: precision "auto" per CPU (faked flags), int8 against float32 on real tiles,
and clean fallbacks when the quantisation engine or the calibration is missing."""

from __future__ import annotations

import dataclasses
import functools
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from rams.config_paths import models_dir
from rams.detection import inference_modes as im
from rams.detection import precision as prec
from rams.detection.detector import load_detector, save_detector
from rams.detection.inference_modes import (
    Int8Calibration,
    calibrate_int8,
    calibration_path,
    quantize_int8,
    select_mode,
)
from rams.detection.model import CenterNet, model_config
from rams.detection.precision import cpu_flags, cpu_summary, resolve_precision
from tests.conftest import SHARED_DATASETS

#: A plain-network RGB model with an int8 calibration (model Z, shipped until 2026-12-06).
PLAIN_RGB = models_dir() / "experiments" / "rams_rgb_Z" / "rams_rgb.pt"

AVX2 = frozenset({"sse4_2", "avx", "avx2", "fma"})
AVX512_BF16 = AVX2 | {"avx512f", "avx512_vnni", "avx512_bf16"}
SAPPHIRE_RAPIDS = AVX2 | {"avx512f", "amx_tile", "amx_bf16", "amx_int8"}


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees its own warn-once memory and int8 cache."""
    monkeypatch.setattr(prec, "_warned", set())
    monkeypatch.setattr(im, "_warned", set())
    monkeypatch.setattr(im, "_int8_cache", {})
    # the fake probes below return at once; their CPU share is noise, so any share caches
    monkeypatch.setattr(im, "PROBE_MIN_CPU_SHARE", 0.0)


# --- precision "auto" from CPU flags ---------------------------------------------------------

@pytest.mark.parametrize(("flags", "expected"), [
    (AVX2, "float32"), (AVX512_BF16, "bfloat16"), (SAPPHIRE_RAPIDS, "bfloat16"),
    (frozenset(), "float32"),
])
def test_auto_picks_bfloat16_only_where_native(flags: frozenset[str], expected: str) -> None:
    choice = resolve_precision("auto", flags)
    assert choice.precision == expected
    assert choice.requested == "auto"
    assert ("no native bfloat16" in choice.reason) == (expected == "float32")


def test_explicit_bfloat16_on_avx2_warns_once_with_the_reason() -> None:
    with pytest.warns(RuntimeWarning, match="emulated") as record:
        first = resolve_precision("bfloat16", AVX2)
    assert len(record) == 1 and "avx512_bf16" in str(record[0].message)
    assert first.precision == "bfloat16"  # obeyed, not overridden
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve_precision("bfloat16", AVX2)  # second time: silent


def test_explicit_bfloat16_where_native_and_float32_never_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_precision("bfloat16", AVX512_BF16).precision == "bfloat16"
        assert resolve_precision("float32", AVX2).precision == "float32"


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("float16", AVX2)


def test_cpu_flags_and_summary_read_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse avx avx2 fma\n\n"
                    "processor\t: 1\nflags\t\t: fpu sse avx avx2 fma\n")
    assert cpu_flags(info) == frozenset({"fpu", "sse", "avx", "avx2", "fma"})
    assert cpu_summary(info) == {"model_name": "AMD EPYC 7B13", "flags": ["avx2"]}
    # no such file (not Linux): PyTorch's own checks stand in, whatever this machine has
    assert cpu_flags(tmp_path / "missing") <= {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}


# --- mode selection, on a small random network ------------------------------------------------

def _net(seed: int = 0, in_channels: int = 3) -> CenterNet:
    torch.manual_seed(seed)
    net = CenterNet(model_config("small", in_channels, 2)).eval()
    for m in net.modules():  # non-trivial batch norms, so that fusion matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return net.fuse()


@functools.cache
def _observed(seed: int = 0) -> Int8Calibration:
    """Calibration of ``_net(seed)`` on random inputs (made once: observing takes seconds)."""
    g = torch.Generator().manual_seed(1)
    return calibrate_int8(_net(seed), [torch.randn(2, 3, 96, 96, generator=g) for _ in range(3)],
                          in_channels=3, weights_sha256="a" * 64)


def _calibration(net: CenterNet, digest: str = "a" * 64, *, loss: float | None = 0.002) -> Int8Calibration:
    """A copy of the observed calibration with an accuracy record of ``loss`` (None: none)."""
    base = _observed()
    accuracy = [] if loss is None else [{"split": "synthetic", "float32_ap50": 0.9, "int8_ap50": 0.9 - loss}]
    return dataclasses.replace(base, weights_sha256=digest, qparams=dict(base.qparams), accuracy=accuracy)


def test_int8_tracks_float32_and_the_saved_calibration_rebuilds_the_same_network(tmp_path: Path) -> None:
    net = _net()
    cal = _calibration(net)
    cal.save(tmp_path / "m.int8.json")
    back = Int8Calibration.load(tmp_path / "m.int8.json")
    assert back.qparams == cal.qparams and back.accuracy == cal.accuracy and back.accurate()
    assert im.int8_module_path(back) == im.int8_module_path(cal)  # a loaded file keys the same built network
    x = torch.randn(1, 3, 128, 160, generator=torch.Generator().manual_seed(2))
    q1 = quantize_int8(net, cal, 3)
    im._int8_cache.clear()
    q2 = quantize_int8(net, back, 3)
    assert q1 is not q2
    with torch.inference_mode():
        ref, a, b = net(x), q1(x), q2(x)
    for r, u, v in zip(ref, a, b, strict=True):
        assert torch.equal(u, v)  # same qparams, same int8 network
        assert u.shape == r.shape and u.dtype == torch.float32
    # heatmap logits: int8 error small against the spread of the float32 logits
    err = float((a[0] - ref[0]).abs().max())
    assert err < 0.25 * float(ref[0].std() * 6)


def test_auto_runs_the_fastest_candidate_of_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _calibration(net)
    monkeypatch.setattr(im, "probe_mpx_s", lambda forwards, c: {k: {"float32": 20.0, "bfloat16": 35.0, "int8": 60.0}[k] for k in forwards})
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX512_BF16)
    assert mode.mode == "int8" and mode.probe_mpx_s == {"float32": 20.0, "bfloat16": 35.0, "int8": 60.0}
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)
    assert mode.mode == "int8" and "bfloat16" not in mode.probe_mpx_s
    assert "bfloat16 left out (not native" in mode.reason
    monkeypatch.setattr(im, "probe_mpx_s", lambda forwards, c: {k: {"float32": 20.0, "bfloat16": 35.0, "int8": 15.0}[k] for k in forwards})
    assert select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)[0].mode == "float32"
    assert select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX512_BF16)[0].mode == "bfloat16"


def _recording_probe(monkeypatch: pytest.MonkeyPatch, rates: dict[str, float]) -> list[list[str]]:
    """Replace the speed probe by one answering ``rates`` (read at each call); the list of
    the candidates of each call is returned and grows as it is called."""
    calls: list[list[str]] = []

    def probe(forwards: dict, c: int) -> dict[str, float]:
        calls.append(list(forwards))
        return {k: rates[k] for k in forwards}

    monkeypatch.setattr(im, "probe_mpx_s", probe)
    return calls


needs_onednn = pytest.mark.skipif("onednn" not in im.supported_engines(),
                                  reason="this PyTorch build has no onednn quantisation engine")


def _two_engine_calibration(net: CenterNet, onednn_loss: float | None = 0.001) -> Int8Calibration:
    """A calibration whose accuracy is recorded for its own engine (no ``engine`` key, as
    older files) and, with ``onednn_loss``, for onednn."""
    cal = _calibration(net)
    if onednn_loss is not None:
        cal.accuracy.append({"split": "synthetic", "engine": "onednn", "float32_ap50": 0.9,
                             "int8_ap50": 0.9 - onednn_loss})
    return cal


def test_accuracy_records_are_per_engine() -> None:
    cal = _two_engine_calibration(_net(), onednn_loss=0.05)
    assert cal.ap50_loss() == pytest.approx(0.002) and cal.accurate() and cal.accurate(cal.engine)
    assert cal.ap50_loss("onednn") == pytest.approx(0.05) and not cal.accurate("onednn")
    assert cal.ap50_loss("fbgemm") is None and not cal.accurate("fbgemm")


@needs_onednn
def test_auto_probes_int8_on_each_checked_engine_and_records_the_fastest(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _two_engine_calibration(net)
    rates = {"float32": 13.0, "int8": 18.0, "int8_onednn": 28.0}
    probed = _recording_probe(monkeypatch, rates)
    built: list[str | None] = []
    real_quantize = im.quantize_int8

    def spy(net_: CenterNet, cal_: Int8Calibration, c: int, engine: str | None = None) -> torch.nn.Module:
        built.append(engine)
        return real_quantize(net_, cal_, c, engine)

    monkeypatch.setattr(im, "quantize_int8", spy)
    mode, forward = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    assert probed == [["float32", "int8", "int8_onednn"]]
    assert built == [cal.engine, "onednn"]  # each candidate packed for its own engine
    assert mode.mode == "int8" and mode.engine == "onednn" and mode.to_dict()["int8_engine"] == "onednn"
    assert "int8_onednn 28" in mode.reason
    x = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(5))
    with torch.inference_mode():
        expected = quantize_int8(net, cal, 3, "onednn")(x)[0]
        assert torch.equal(forward(x)[0], expected)
    # the cached verdict builds the onednn network again, without a probe
    im._int8_cache.clear()
    torch.backends.quantized.engine = cal.engine  # the engine recorded is the verdict's, not the global one
    again, forward = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    assert again.probe_from_cache is True and again.engine == "onednn" and len(probed) == 1
    assert built[-1] == "onednn"
    with torch.inference_mode():
        assert torch.equal(forward(x)[0], expected)
    # x86 faster: int8 on the calibration's engine
    rates["int8"] = 40.0
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)
    assert mode.mode == "int8" and mode.engine == cal.engine
    # an explicit engine narrows auto to it
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, engine="onednn")
    assert mode.engine == "onednn" and "int8" not in mode.probe_mpx_s


@needs_onednn
def test_an_engine_without_its_own_accuracy_check_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    monkeypatch.setattr(im, "probe_mpx_s", lambda forwards, c: {k: {"float32": 13.0, "int8": 18.0,
                                                                    "int8_onednn": 28.0}[k] for k in forwards})
    for cal, why in ((_two_engine_calibration(net, onednn_loss=None), "int8 accuracy on onednn not recorded"),
                     (_two_engine_calibration(net, onednn_loss=0.02), "int8 on onednn lost 0.020 AP50")):
        mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)
        assert mode.engine == cal.engine and "int8_onednn" not in mode.probe_mpx_s
        assert f"int8_onednn left out ({why}" in mode.reason
    # an explicit request runs it anyway (as int8 without any record does)
    mode, _ = select_mode(net, "int8", in_channels=3, calibration=_two_engine_calibration(net, None),
                          flags=AVX2, engine="onednn")
    assert mode.mode == "int8" and mode.engine == "onednn"


@needs_onednn
def test_a_cached_onednn_verdict_that_fails_to_build_probes_again_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _two_engine_calibration(net)
    probed = _recording_probe(monkeypatch, {"float32": 13.0, "int8": 18.0, "int8_onednn": 28.0})
    select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    real_quantize = im.quantize_int8

    def onednn_broken(net_: CenterNet, cal_: Int8Calibration, c: int, engine: str | None = None) -> torch.nn.Module:
        if engine == "onednn":
            raise RuntimeError("onednn prepack failed")
        return real_quantize(net_, cal_, c, engine)

    monkeypatch.setattr(im, "quantize_int8", onednn_broken)
    im._int8_cache.clear()
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    assert probed[-1] == ["float32", "int8"] and len(probed) == 2  # probed again, without it
    assert mode.mode == "int8" and mode.engine == cal.engine and mode.probe_from_cache is False
    assert "int8_onednn left out (int8 quantisation failed (RuntimeError: onednn prepack failed))" in mode.reason


def test_an_engine_outside_the_known_ones_is_named_when_left_out() -> None:
    net = _net()
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=_two_engine_calibration(net), flags=AVX2,
                          engine="qnnpack")
    assert mode.mode == "float32"
    assert "int8_qnnpack left out (int8 accuracy on qnnpack not recorded" in mode.reason


def test_a_build_without_onednn_probes_the_calibrations_engine_only(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _two_engine_calibration(net)
    monkeypatch.setattr(im, "supported_engines", lambda: ["qnnpack", "x86", "fbgemm"])
    monkeypatch.setattr(im, "probe_mpx_s", lambda forwards, c: {k: {"float32": 13.0, "int8": 18.0}[k] for k in forwards})
    mode, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)
    assert mode.engine == cal.engine and list(mode.probe_mpx_s) == ["float32", "int8"]
    assert "onednn" not in mode.reason  # nothing to say about an engine the build lacks
    with pytest.warns(RuntimeWarning, match="no onednn quantisation engine"):
        mode, forward = select_mode(net, "int8", in_channels=3, calibration=cal, flags=AVX2, engine="onednn")
    assert mode.mode == "float32" and forward is net


def test_auto_reuses_the_machines_cached_probe_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _calibration(net)
    probes = _recording_probe(monkeypatch, {"float32": 20.0, "bfloat16": 35.0, "int8": 15.0})
    first, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX512_BF16, weights_sha256="a" * 64)
    assert first.mode == "bfloat16" and first.probe_from_cache is False and probes == [["float32", "bfloat16", "int8"]]
    path = im.probe_cache_path()
    assert path is not None and path.is_file()
    quantised: list[object] = []
    monkeypatch.setattr(im, "quantize_int8", lambda *a: quantised.append(a))  # must not be needed
    again, forward = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX512_BF16,
                                 weights_sha256="a" * 64)
    assert again.mode == "bfloat16" and again.probe_from_cache is True and again.to_dict()["probe_from_cache"] is True
    assert again.probe_mpx_s == first.probe_mpx_s and "cached" in again.reason
    assert len(probes) == 1 and quantised == []  # neither the probe nor the int8 preparation ran
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.equal(forward(x)[0], im.forward_for("bfloat16", net)(x)[0])
    # another CPU, other weights or no hash at all: probe again
    select_mode(net, "auto", in_channels=3, calibration=None, flags=AVX512_BF16, weights_sha256="a" * 64)
    select_mode(net, "auto", in_channels=3, calibration=None, flags=AVX512_BF16, weights_sha256="b" * 64)
    select_mode(net, "auto", in_channels=3, calibration=None, flags=SAPPHIRE_RAPIDS, weights_sha256="b" * 64)
    uncached, _ = select_mode(net, "auto", in_channels=3, calibration=None, flags=SAPPHIRE_RAPIDS)
    assert len(probes) == 5 and uncached.probe_from_cache is False


def test_probe_key_changes_when_the_kernels_are_limited_below_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    # ONEDNN_MAX_CPU_ISA=AVX2 on an AVX-512 machine runs other kernels (bfloat16 emulated):
    # a verdict cached without the limit must not be reused under it, nor the other way round
    for name in im.ISA_LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    plain = im.probe_key("a" * 64, ["float32", "bfloat16"], AVX512_BF16)
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    limited = im.probe_key("a" * 64, ["float32", "bfloat16"], AVX512_BF16)
    assert limited != plain
    assert im.probe_key("a" * 64, ["float32", "bfloat16"], AVX512_BF16) == limited  # stable


def test_probe_key_changes_with_the_int8_graph_and_its_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    """A verdict measured on another int8 network (graph version, calibration) is not reused."""
    modes = ["float32", "int8", "int8_onednn"]
    base = im.probe_key("a" * 64, modes, AVX2, "p1")
    assert im.probe_key("a" * 64, modes, AVX2, "p2") != base
    monkeypatch.setattr(im, "INT8_GRAPH_VERSION", im.INT8_GRAPH_VERSION + 1)
    assert im.probe_key("a" * 64, modes, AVX2, "p1") != base
    # without an int8 candidate neither matters
    assert im.probe_key("a" * 64, ["float32"], AVX2, "p1") == im.probe_key("a" * 64, ["float32"], AVX2, "p2")


def test_a_probe_starved_of_cpu_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    probes: list[int] = []

    def probe(forwards: dict, c: int) -> dict[str, float]:
        probes.append(1)
        time.sleep(0.05)  # waiting, as a thread descheduled by other work does: no CPU time
        return {k: {"float32": 20.0, "bfloat16": 35.0}[k] for k in forwards}

    monkeypatch.setattr(im, "probe_mpx_s", probe)
    monkeypatch.setattr(im, "PROBE_MIN_CPU_SHARE", 0.8)
    for _ in range(2):
        mode, _ = select_mode(net, "auto", in_channels=3, flags=AVX512_BF16, weights_sha256="a" * 64)
        assert mode.mode == "bfloat16" and mode.probe_from_cache is False
        assert "verdict not cached: the probe got" in mode.reason
    assert len(probes) == 2


def test_a_cached_int8_verdict_builds_int8_and_a_failure_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _calibration(net)
    monkeypatch.setattr(im, "probe_mpx_s", lambda forwards, c: {k: {"float32": 20.0, "int8": 60.0}[k] for k in forwards})
    select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    mode, forward = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    assert mode.mode == "int8" and mode.probe_from_cache is True and mode.engine in im.INT8_ENGINES
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.equal(forward(x)[0], quantize_int8(net, cal, 3)(x)[0])

    def broken(*args: object) -> None:
        raise NotImplementedError("quantized::conv2d_prepack missing")

    monkeypatch.setattr(im, "quantize_int8", broken)
    mode, forward = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2, weights_sha256="a" * 64)
    assert mode.mode == "float32" and forward is net and "int8 quantisation failed" in mode.reason


def test_an_unwritable_or_corrupt_cache_only_means_probing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    net = _net()
    probes: list[int] = []

    def probe(forwards: dict, c: int) -> dict[str, float]:
        probes.append(1)
        return {k: {"float32": 20.0, "bfloat16": 35.0}[k] for k in forwards}

    monkeypatch.setattr(im, "probe_mpx_s", probe)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(im.CACHE_DIR_ENV, str(blocker / "rams"))  # mkdir fails, as on a read-only home
    for _ in range(2):
        mode, _ = select_mode(net, "auto", in_channels=3, flags=AVX512_BF16, weights_sha256="a" * 64)
        assert mode.mode == "bfloat16" and mode.probe_from_cache is False
    assert len(probes) == 2
    monkeypatch.setenv(im.CACHE_DIR_ENV, str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "inference-probe.json").write_text("{not json")
    mode, _ = select_mode(net, "auto", in_channels=3, flags=AVX512_BF16, weights_sha256="a" * 64)
    assert mode.probe_from_cache is False and len(probes) == 3
    mode, _ = select_mode(net, "auto", in_channels=3, flags=AVX512_BF16, weights_sha256="a" * 64)
    assert mode.probe_from_cache is True and len(probes) == 3  # the corrupt file was replaced


def test_auto_leaves_out_int8_without_a_passed_accuracy_check() -> None:
    net = _net()
    for cal, why in ((_calibration(net, loss=0.03), "lost 0.030 AP50"),
                     (_calibration(net, "b" * 64, loss=None), "accuracy not recorded"),
                     (None, "no int8 calibration")):
        mode, forward = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)
        assert mode.mode == "float32" and why in mode.reason
        assert forward is net  # the plain float32 network, no probe needed


def test_missing_engine_falls_back_to_float32_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _calibration(net)
    monkeypatch.setattr(im, "supported_engines", lambda: ["qnnpack"])  # an ARM-only build
    with pytest.warns(RuntimeWarning, match="no x86 or fbgemm quantisation engine"):
        mode, forward = select_mode(net, "int8", in_channels=3, calibration=cal, flags=AVX2)
    assert mode.mode == "float32" and forward is net
    auto, _ = select_mode(net, "auto", in_channels=3, calibration=cal, flags=AVX2)
    assert auto.mode == "float32" and "no x86 or fbgemm" in auto.reason
    with pytest.raises(RuntimeError, match="not in this PyTorch build"):
        quantize_int8(net, cal, 3)


def test_a_failure_while_quantising_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net()
    cal = _calibration(net)

    def broken(*args: object) -> None:
        raise NotImplementedError("quantized::conv2d_prepack missing")

    monkeypatch.setattr(im, "quantize_int8", broken)
    with pytest.warns(RuntimeWarning, match="int8 quantisation failed"):
        mode, _ = select_mode(net, "int8", in_channels=3, calibration=cal, flags=AVX2)
    assert mode.mode == "float32"


def test_calibration_of_another_network_is_refused() -> None:
    cal = _calibration(_net())
    cal.qparams.pop(next(iter(cal.qparams)))
    with pytest.raises(RuntimeError, match="recalibrate"):
        quantize_int8(_net(), cal, 3)


def test_load_detector_uses_the_calibration_file_only_for_its_own_weights(tmp_path: Path) -> None:
    net = CenterNet(model_config("small", 3, 2))
    meta = {"class_names": ["a", "b"], "channels": "rgb", "in_channels": 3, "threshold": 0.3,
            "normalisation": {"mode": "fixed", "mean": [120.0] * 3, "std": [40.0] * 3}}
    path = tmp_path / "m.pt"
    digest = save_detector(path, net, meta)
    det = load_detector(path, precision="float32")
    cal = calibrate_int8(det.net, [torch.randn(1, 3, 64, 64)], in_channels=3, weights_sha256=digest)
    cal.save(calibration_path(path))
    assert calibration_path(path).name == "m.int8.json"
    assert load_detector(path, precision="int8").precision == "int8"
    cal.weights_sha256 = "0" * 64
    cal.save(calibration_path(path))
    with pytest.warns(RuntimeWarning, match="made for other weights"):
        assert load_detector(path, precision="int8").precision == "float32"


# --- int8 against float32 on real tiles ------------------------------------------------------

#: Tolerance of the int8 check on real tiles: every clear float32 detection (confidence at
#: least the threshold + 0.1) has an int8 detection whose centre is within 4 px (one heatmap
#: cell at the model's input) and whose confidence differs by less than 0.1.
CENTRE_TOL_PX = 4.0
SCORE_TOL = 0.1


def _same_detections(a: list, b: list, threshold: float) -> int:
    n = 0
    for da, db in zip(a, b, strict=True):
        for box, score in zip(da.boxes, da.scores, strict=True):
            if score < threshold + 0.1:
                continue
            n += 1
            centre = (box[:2] + box[2:]) / 2
            dist = np.hypot(*((db.boxes[:, :2] + db.boxes[:, 2:]) / 2 - centre).T)
            assert dist.size and dist.min() < CENTRE_TOL_PX, (score, dist.min() if dist.size else None)
            assert abs(db.scores[dist.argmin()] - score) < SCORE_TOL
    return n


def _real_samples(name: str, split: str, n: int) -> list:
    from rams.detection.yolo import read_split

    root = SHARED_DATASETS / name
    if not (root / split).is_dir():
        pytest.skip(f"tile set not found at {root}")
    return [s for s in read_split(root, split) if len(s.classes)][:n]


@pytest.mark.parametrize("engine", [None, pytest.param("onednn", marks=needs_onednn)])
def test_int8_matches_float32_on_real_thermal_frames(engine: str | None) -> None:
    from rams.detection.yolo import load_image

    images = [load_image(s.image, 1) for s in _real_samples("landmines-thermal-yolo", "test", 12)]
    fp32 = load_detector("rams_thermal", precision="float32")
    int8 = load_detector("rams_thermal", precision="int8", int8_engine=engine)
    assert int8.precision == "int8", int8.inference_mode.reason
    assert int8.inference_mode.engine == (engine or "x86")
    a = fp32.predict_tile_images(images, min_score=0.05)
    b = int8.predict_tile_images(images, min_score=0.05)
    assert _same_detections(a, b, fp32.threshold) >= 5  # not vacuous


@pytest.mark.parametrize("engine", [None, pytest.param("onednn", marks=needs_onednn)])
def test_int8_matches_float32_on_real_rgb_tiles_at_the_model_gsd(engine: str | None) -> None:
    from rams.detection.sources import estimate_gsd_m, labelled_box_sides
    from rams.detection.yolo import class_names, load_image

    samples = _real_samples("pfm1-drone-rgb", "valid", 12)
    gsd = estimate_gsd_m(labelled_box_sides(samples, class_names(SHARED_DATASETS / "pfm1-drone-rgb")))
    assert gsd is not None
    images = [load_image(s.image, 3) for s in samples]
    fp32 = load_detector("rams_rgb", precision="float32")
    int8 = load_detector("rams_rgb", precision="int8", int8_engine=engine)
    assert int8.precision == "int8", int8.inference_mode.reason
    assert int8.inference_mode.engine == (engine or "x86")
    a = fp32.predict_at_gsd(images, gsd, min_score=0.05)
    b = int8.predict_at_gsd(images, gsd, min_score=0.05)
    assert _same_detections(a, b, fp32.threshold) >= 5


@pytest.mark.parametrize("engine", [None, pytest.param("onednn", marks=needs_onednn)])
def test_int8_detections_from_the_quantised_input_are_those_of_the_float_input(engine: str | None) -> None:
    """On real RGB tiles of the withheld flight, with invalid pixels and padding, predict's
    quantised network input (uint8 from the counts' table) gives exactly the detections of the
    float32 input the network quantises itself."""
    from rams.detection.yolo import load_image

    samples = _real_samples("pfm1-drone-rgb", "valid", 4)
    # the plain network's int8 graph begins by quantising its input; the shipped lite0 model's
    # does not (its stem runs float32), so it takes the float batch: checked at the end
    det = load_detector(PLAIN_RGB, precision="int8", int8_engine=engine)
    assert det.precision == "int8" and det._forward.input_quantisation is not None  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    found = 0
    for s in samples:
        image = load_image(s.image, 3).transpose(2, 0, 1)[None, :, :600, :650].copy()  # padded to 608 x 672
        valid = rng.random(image.shape[:1] + image.shape[2:]) > 0.05
        quantised = det.network_batch(image, valid, quantised=True)
        assert quantised.is_quantized and quantised.is_contiguous(memory_format=torch.channels_last)
        plain = det.network_batch(image, valid)
        assert torch.equal(quantised.int_repr(), torch.quantize_per_tensor(
            plain, quantised.q_scale(), quantised.q_zero_point(), torch.quint8).int_repr())
        a = det.predict(image, valid, min_score=0.05)[0]
        params = det._forward.input_quantisation  # type: ignore[attr-defined]
        det._forward.input_quantisation = None  # type: ignore[attr-defined]
        try:
            b = det.predict(image, valid, min_score=0.05)[0]
        finally:
            det._forward.input_quantisation = params  # type: ignore[attr-defined]
        assert np.array_equal(a.boxes, b.boxes) and np.array_equal(a.scores, b.scores)
        assert np.array_equal(a.classes, b.classes)
        found += len(a.scores)
    assert found >= 4  # not vacuous
    # float32 has no quantised input, nor has the shipped lite0 model's int8: the float batch
    fp32 = load_detector("rams_rgb", precision="float32")
    assert not fp32.network_batch(image, valid, quantised=True).is_quantized
    lite0 = load_detector("rams_rgb", precision="int8", int8_engine=engine)
    assert lite0.precision == "int8" and lite0.input_quantisation is None
    assert not lite0.network_batch(image, valid, quantised=True).is_quantized


# --- the choice in run.json ------------------------------------------------------------------

def test_run_json_records_the_inference_mode_and_why(small_flight: object, tmp_path: Path) -> None:
    import json

    from rams.config import load_config
    from rams.orchestration.pipeline import process_flight

    torch.manual_seed(0)
    net = CenterNet(model_config("small", 3, 4))
    meta = {"class_names": ["PFM-1", "PMN-2", "OZM-72", "TM-62"], "channels": "rgb", "in_channels": 3,
            "normalisation": {"mode": "fixed", "mean": [120.0] * 3, "std": [30.0] * 3},
            "threshold": 0.3, "name": "uncalibrated"}
    model = tmp_path / "uncalibrated.pt"
    save_detector(model, net, meta)
    flight = small_flight()  # type: ignore[operator]
    config = load_config(overrides={"tiles": {"tile_px": 128}, "detection": {
        "enabled": True, "model": str(model), "mode": "full", "tile_px": 256}})
    assert config.detection.precision == "auto"  # the default
    process_flight(flight, tmp_path / "out", config)
    record = json.loads((tmp_path / "out" / "run.json").read_text())["detection"]
    assert record["model"] == "uncalibrated"
    inference = record["inference"]
    assert inference["requested"] == "auto"
    assert inference["mode"] in ("float32", "bfloat16")  # no calibration file: never int8
    assert "int8 left out (no int8 calibration file uncalibrated.int8.json)" in inference["reason"]
    assert record["cpu"]["flags"] == cpu_summary()["flags"]
    assert ("bfloat16" in inference["probe_mpx_s"]) == prec.native_bfloat16()
    if inference["probe_mpx_s"]:  # a probe ran, in this test's empty cache: not from the cache
        assert inference["probe_from_cache"] is False


def test_built_int8_network_is_kept_and_reloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The converted int8 graph is traced into the machine's cache; later runs load it (same outputs)."""
    monkeypatch.setenv(im.CACHE_DIR_ENV, str(tmp_path / "cache"))
    net = _net()
    cal = _calibration(net)
    path = im.int8_module_path(cal)
    assert path is not None and not path.exists()
    built = quantize_int8(net, cal, 3)
    assert path.is_file()
    im._int8_cache.clear()
    loaded = quantize_int8(net, cal, 3)
    assert isinstance(loaded, im.Int8Network) and isinstance(loaded.net, torch.jit.ScriptModule)
    assert loaded is not built
    for shape in ((1, 3, 128, 160), (2, 3, 96, 64)):  # any input size, as the converted graph
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(3))
        with torch.inference_mode():
            for u, v in zip(built(x), loaded(x), strict=True):
                assert torch.equal(u, v)
    # other qparams: another file; a damaged file is rebuilt, not trusted
    other = dataclasses.replace(cal, qparams={k: [v[0] * 1.01, *v[1:]] for k, v in cal.qparams.items()})
    assert im.int8_module_path(other) != path
    path.write_bytes(b"not a module")
    im._int8_cache.clear()
    rebuilt = quantize_int8(net, cal, 3)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(4))
    with torch.inference_mode():
        assert torch.equal(rebuilt(x)[0], built(x)[0])
    assert path.stat().st_size > 1000


def test_int8_network_takes_its_input_quantised_already_with_the_same_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The int8 network's twin without its first operation (the input's quantisation): a quint8
    input quantised with the network's parameters gives the float input's outputs bit for bit,
    built, reloaded from the cache and without a cache; other parameters are refused; a cached
    network without the twin's record (an older cache file) still runs float inputs."""
    monkeypatch.setenv(im.CACHE_DIR_ENV, str(tmp_path / "cache"))
    net = _net()
    cal = _calibration(net)
    built = quantize_int8(net, cal, 3)
    im._int8_cache.clear()
    loaded = quantize_int8(net, cal, 3)
    assert isinstance(loaded, im.Int8Network) and isinstance(loaded.from_quantised, torch.jit.ScriptModule)
    params = loaded.input_quantisation
    assert params is not None and params == built.input_quantisation
    real_cache_dir = im.cache_dir
    monkeypatch.setattr(im, "cache_dir", lambda: None)  # no cache folder: the FX graphs themselves
    im._int8_cache.clear()
    graphs = quantize_int8(net, cal, 3)
    assert isinstance(graphs.from_quantised, torch.fx.GraphModule) and graphs.input_quantisation == params
    g = torch.Generator().manual_seed(5)
    for shape in ((2, 3, 96, 128), (1, 3, 64, 32)):
        x = (3 * torch.randn(*shape, generator=g)).contiguous(memory_format=torch.channels_last)
        q = params.quantise(x)
        with torch.inference_mode():
            for module in (built, loaded, graphs):
                for u, v in zip(module(x), module(q), strict=True):
                    assert torch.equal(u, v)
    wrong = torch.quantize_per_tensor(x, params.scale * 2, params.zero_point, torch.quint8)
    with pytest.raises(ValueError, match="other parameters"):
        loaded(wrong)
    # a cache file of a network saved without the twin's record: float inputs only
    monkeypatch.setattr(im, "cache_dir", real_cache_dir)
    path = im.int8_module_path(cal)
    assert path is not None and path.is_file()
    torch.jit.save(loaded.net, str(path))
    im._int8_cache.clear()
    old = quantize_int8(net, cal, 3)
    assert old.input_quantisation is None
    with torch.inference_mode():
        assert torch.equal(old(x)[0], loaded(x)[0])
    with pytest.raises(ValueError, match="float inputs only"):
        old(q)


def test_quantised_table_of_counts_is_the_quantisation_of_each_value() -> None:
    """The 256-entry table the quantised network input is made from holds, for every count and
    band, what quantising that normalised value gives (the input's zero too); none of the 0.0
    edge is lost (values quantising to both ends of the range)."""
    params = im.InputQuantisation(0.0453, 64)
    counts = np.arange(256, dtype=np.float32)
    table = np.stack([(counts - m) / s for m, s in ((120.0, 30.0), (0.0, 1.0), (255.0, 0.5))], -1)
    q = params.counts_table(table)
    assert q is not None and q.dtype == np.uint8 and q.shape == (256, 3)
    for band in range(3):
        column = torch.from_numpy(np.ascontiguousarray(table[:, band]))
        expected = torch.stack([params.quantise(column[i:i + 1]).int_repr()[0] for i in range(256)])
        assert np.array_equal(q[:, band], expected.numpy())
    assert q.min() == 0 and q.max() == 255  # the clamp at both ends is exercised
    assert params.zero() == 64


def test_merged_heads_match_the_three_head_graph_of_the_same_calibration() -> None:
    """The int8 graph runs the float heads as one convolution (MergedHeads) and the offsets'
    sigmoid in float32; every other activation keeps the calibration's name and parameters, so
    it must match the graph with three heads built from the same parameters by name (the
    offsets aside: that graph clamps them to [0.5, 0.73], PyTorch's fixed sigmoid parameters)."""
    import copy

    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx

    net = _net()
    cal = _calibration(net)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 128, 160, generator=g).contiguous(memory_format=torch.channels_last)
    merged = im.MergedHeads(copy.deepcopy(net)).eval()
    with torch.inference_mode():
        for u, v in zip(net(x), merged(x), strict=True):
            assert torch.allclose(u, v, rtol=0, atol=1e-5)
    # the three-head graph of version 2, with its own fixed-parameter sigmoid observers
    torch.backends.quantized.engine = cal.engine
    mapping = get_default_qconfig_mapping(cal.engine)
    for name in ("heatmap", "size", "offset"):
        mapping.set_module_name(name, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        three = prepare_fx(copy.deepcopy(net).eval(), mapping, example_inputs=(x,))
    fixed = {n: list(im._FIXED_SIGMOID) for n in im._observers(three) if n not in cal.qparams}
    assert len(fixed) == 2  # the sigmoid's input and output
    reference = im.convert_with_qparams(three, {**cal.qparams, **fixed})
    int8 = quantize_int8(net, cal, 3)
    # a calibration file of version 2, with the sigmoid's fixed entries, builds the same network
    im._int8_cache.clear()
    legacy = quantize_int8(net, dataclasses.replace(cal, qparams={**cal.qparams, **fixed}), 3)
    with torch.inference_mode():
        ref, out, f32 = reference(x), int8(x), net(x)
        for u, v in zip(out, legacy(x), strict=True):
            assert torch.equal(u, v)
    for u, v in zip(ref[:2], out[:2], strict=True):  # heatmap logits and sizes
        assert torch.allclose(u, v, rtol=0, atol=1e-5)
    # offsets: float32's range now, not the clamped one
    assert float(ref[2].min()) >= 0.5 - 1e-6 and float(ref[2].max()) <= 0.731
    assert float((out[2] - f32[2]).abs().max()) < float((ref[2] - f32[2]).abs().max())
    assert float(out[2].min()) < 0.5 or float(out[2].max()) > 0.731


def test_a_lite0_calibration_keeps_its_stem_float_and_the_file_says_so(tmp_path: Path) -> None:
    """The EfficientNet-Lite0 trunk's stem and first block stay float32 (int8 there cost the
    shipped lite0 model 0.025 AP50 on the withheld flight); the calibration file names them,
    and rebuilds the same network; a file without the field keeps only the heads float."""
    torch.manual_seed(0)
    net = CenterNet(model_config("lite0", 3, 2)).eval().fuse()
    g = torch.Generator().manual_seed(1)
    cal = calibrate_int8(net, [torch.randn(1, 3, 96, 96, generator=g) for _ in range(2)],
                         in_channels=3, weights_sha256="b" * 64)
    assert cal.float_modules == im.LITE0_FLOAT_MODULES
    assert im.default_float_modules(_net()) == im.FLOAT_MODULES == _observed().float_modules
    prepared = im._prepare(net, 3, cal.engine, float_modules=cal.float_modules)
    int8 = im.convert_with_qparams(prepared, cal.qparams)
    modules = dict(int8.named_modules())
    for name in ("body.trunk.stem.0", "body.trunk.blocks.0.depthwise.0", "body.trunk.blocks.1.expand.0"):
        kind = type(modules[name]).__module__
        assert ("quantized" in kind) == (name == "body.trunk.blocks.1.expand.0"), (name, kind)
    # all-int8 graph of the same network: more activations observed
    assert len(cal.qparams) < len(im._observers(im._prepare(net, 3, cal.engine)))
    cal.save(tmp_path / "m.int8.json")
    back = Int8Calibration.load(tmp_path / "m.int8.json")
    assert back.float_modules == cal.float_modules and back.qparams == cal.qparams
    assert im.int8_module_path(back) == im.int8_module_path(cal)
    assert im.qparams_digest(back) != im.qparams_digest(dataclasses.replace(back, float_modules=im.FLOAT_MODULES))
    x = torch.randn(1, 3, 128, 128, generator=g)
    with torch.inference_mode():
        for u, v in zip(quantize_int8(net, back, 3)(x), int8(x), strict=True):
            assert torch.equal(u, v)
    # a file written before the field existed: only the heads stay float
    old = json.loads((tmp_path / "m.int8.json").read_text())
    del old["float_modules"]
    (tmp_path / "old.int8.json").write_text(json.dumps(old))
    assert Int8Calibration.load(tmp_path / "old.int8.json").float_modules == im.FLOAT_MODULES


def test_int8_builds_a_network_with_a_bilinear_pyramid() -> None:
    torch.manual_seed(3)
    net = CenterNet(model_config("lite0-bilinear", 3, 1)).eval().fuse()
    g = torch.Generator().manual_seed(4)
    cal = calibrate_int8(net, [torch.randn(2, 3, 96, 96, generator=g) for _ in range(2)],
                         in_channels=3, weights_sha256="b" * 64)
    q = quantize_int8(net, cal, 3)
    x = torch.randn(1, 3, 96, 128, generator=g)
    with torch.inference_mode():
        ref, out = net(x), q(x)
    assert out[0].shape == ref[0].shape
    # the int8 heatmap follows the float32 one (same ranking of cells, roughly)
    r = np.corrcoef(ref[0].flatten().numpy(), out[0].flatten().numpy())[0, 1]
    assert r > 0.9
