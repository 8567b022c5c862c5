"""Which floating-point precision the CNN runs in on this CPU, training and inference alike.

bfloat16 under ``torch.autocast`` about doubles the network's throughput on CPUs that
compute it natively (the ``avx512_bf16`` or ``amx_bf16`` instruction sets); elsewhere it is
emulated, and an AVX2-only CPU runs it at about a tenth of float32's speed (1.1 vs
12.6 Mpx/s, RGB network, 2-core AMD EPYC), and a training step 30 times slower. So the
default ``"auto"`` picks bfloat16 only where the CPU has one of those flags and float32
otherwise; an explicit ``"bfloat16"`` is obeyed, with one warning per process where it is
emulated.

The flags come from ``/proc/cpuinfo`` (Linux); where that file cannot be read, from
PyTorch's own CPU capability checks.
"""

from __future__ import annotations

import functools
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

log = logging.getLogger(__name__)

#: What ``precision=`` accepts for training (inference adds "int8", see
#: :mod:`rams.detection.inference_modes`).
PRECISIONS = ("auto", "float32", "bfloat16")
#: CPU flags (as /proc/cpuinfo spells them) of native bfloat16 arithmetic.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")

_warned: set[str] = set()


@functools.lru_cache(maxsize=4)
def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """Instruction-set flags of this CPU (the first ``flags`` line of ``cpuinfo``).

    Where the file is missing or has no flags line (not Linux), the flags that PyTorch can
    test itself (``avx2``, ``avx512f``, ``avx512_bf16``, ``amx_bf16`` as AMX tiles) stand in.
    """
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return frozenset(value.split())
    except OSError:
        pass
    checks = {"avx2": "_is_avx2_supported", "avx512f": "_is_avx512_supported",
              "avx512_bf16": "_is_avx512_bf16_supported", "amx_bf16": "_is_amx_tile_supported"}
    found = set()
    for flag, fn in checks.items():
        test = getattr(torch.cpu, fn, None)
        if test is not None and test():
            found.add(flag)
    return frozenset(found)


#: Flags that decide the CNN's speed (recorded in run.json next to the chosen mode).
SPEED_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


def cpu_summary(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, object]:
    """The CPU's model name and which of :data:`SPEED_FLAGS` it has (for run records)."""
    name = None
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    name = value.strip()
                    break
    except OSError:
        pass
    flags = cpu_flags(cpuinfo)
    return {"model_name": name, "flags": [f for f in SPEED_FLAGS if f in flags]}


def native_bfloat16(flags: frozenset[str] | None = None) -> bool:
    """Whether the CPU computes bfloat16 natively (``flags`` default: :func:`cpu_flags`)."""
    flags = cpu_flags() if flags is None else flags
    return any(f in flags for f in NATIVE_BF16_FLAGS)


@dataclass(frozen=True)
class PrecisionChoice:
    """A resolved precision and why.

    Attributes:
        requested: what was asked for ("auto", "float32" or "bfloat16").
        precision: what runs ("float32" or "bfloat16").
        reason: one sentence, for ``run.json`` and model cards.
    """

    requested: str
    precision: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """Plain-types form."""
        return {"requested": self.requested, "precision": self.precision, "reason": self.reason}


def resolve_precision(requested: str, flags: frozenset[str] | None = None) -> PrecisionChoice:
    """Resolve ``"auto"`` for this CPU; warn once when bfloat16 is asked for and emulated.

    Args:
        requested: "auto", "float32" or "bfloat16".
        flags: CPU flags (default: this CPU's, :func:`cpu_flags`).

    Raises:
        ValueError: an unknown precision.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
    flags = cpu_flags() if flags is None else flags
    native = native_bfloat16(flags)
    have = ", ".join(f for f in NATIVE_BF16_FLAGS if f in flags)
    if requested == "float32":
        return PrecisionChoice(requested, "float32", "float32 requested")
    if requested == "auto":
        if native:
            return PrecisionChoice(requested, "bfloat16", f"auto: the CPU has native bfloat16 ({have})")
        return PrecisionChoice(requested, "float32", "auto: no native bfloat16 on this CPU "
                               f"(none of {', '.join(NATIVE_BF16_FLAGS)}), so float32")
    if native:
        return PrecisionChoice(requested, "bfloat16", f"bfloat16 requested; the CPU has it natively ({have})")
    reason = (f"bfloat16 requested but this CPU has none of {', '.join(NATIVE_BF16_FLAGS)}: it is "
              "emulated, several times slower than float32 (use precision auto or float32)")
    if "bfloat16" not in _warned:
        _warned.add("bfloat16")
        warnings.warn(reason, RuntimeWarning, stacklevel=2)
        log.warning("%s", reason)
    return PrecisionChoice(requested, "bfloat16", reason)
