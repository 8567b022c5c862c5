"""Dual-window sizes of the local anomaly detectors, shared by the config (checked when read) and the kernels."""

from __future__ import annotations


def check_window(inner: int, outer: int) -> None:
    """Check dual-window sizes: odd, positive, ``outer > inner``.

    Raises:
        ValueError: a size is even, not positive, or the outer window is not larger.
    """
    for name, size in (("inner", inner), ("outer", outer)):
        if int(size) != size or size < 1 or size % 2 == 0:
            raise ValueError(f"{name} window must be a positive odd integer, got {size}")
    if outer <= inner:
        raise ValueError(f"outer window ({outer}) must be larger than inner window ({inner})")
