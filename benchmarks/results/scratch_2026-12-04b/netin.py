"""Scratch: the shipped network input (normalise, pad, channels-last copy) against one pass
into a padded channels-last buffer (tried 2026-12-04, not kept). Run from the repository root."""
import time

import numpy as np
import torch

from rams.detection.detector import PAD_MULTIPLE, load_detector

det = load_detector("models/rams_rgb.pt")
norm = det.metadata.normalisation


def one_pass(images, valid):
    b, c, h, w = images.shape
    ph, pw = -h % PAD_MULTIPLE, -w % PAD_MULTIPLE
    buf = np.zeros((b, h + ph, w + pw, c), np.float32)
    inside = buf[:, :h, :w]
    np.subtract(images.transpose(0, 2, 3, 1), np.asarray(norm["mean"], np.float32), out=inside, dtype=np.float32)
    inside /= np.asarray(norm["std"], np.float32)
    if valid is not None:
        np.multiply(inside, valid[..., None], out=inside)
    return torch.from_numpy(buf).permute(0, 3, 1, 2)


rng = np.random.default_rng(0)
for shape in ((1, 3, 1024, 1024), (1, 3, 611, 587), (2, 3, 300, 333)):
    im = rng.integers(0, 256, shape, dtype=np.uint8)
    valid = rng.random((shape[0],) + shape[2:]) > 0.1
    assert torch.equal(det.network_input(im, valid), one_pass(im, valid))
    t = time.perf_counter(); [det.network_input(im, valid) for _ in range(10)]
    t1 = time.perf_counter(); [one_pass(im, valid) for _ in range(10)]; t2 = time.perf_counter()
    print(shape, f"shipped {(t1 - t) / 10 * 1000:.1f} ms, one pass {(t2 - t1) / 10 * 1000:.1f} ms")
