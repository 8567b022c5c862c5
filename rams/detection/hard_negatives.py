"""Hard-negative mining: train more often on the ground the detector mistakes for mines.

Most real tiles hold no mine, and a random crop of one is mostly easy ground (bare soil,
grass). The false alarms that matter to a survey team come from a few look-alikes: stones,
litter, boot prints, shadows, stubble. Every few epochs the current (EMA) model is run over
the training images; its confident detections that lie on no labelled object (nor on an
ignored one) become *hard points* of their image, and later crops of that image are centred
on one of them with probability ``p``. The images with hard points are also drawn more
often. It is the online counterpart of the bootstrapping used for pedestrian detectors
(Dalal and Triggs 2005) and of OHEM (Shrivastava et al. 2016), at the image-crop level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rams.detection.detector import Detector


@dataclass
class HardNegatives:
    """Hard points per training image.

    Attributes:
        points: image index -> float32 (K, 2) ``x, y`` pixel centres of false detections,
            most confident first.
        min_score: lowest confidence that counts as a false alarm worth training on.
        per_image: most points kept per image.
        margin: a detection whose centre lies inside a labelled box grown by this fraction of
            its size on each side is a hit (or an ignored object), not a false alarm.
    """

    points: dict[int, np.ndarray] = field(default_factory=dict)
    min_score: float = 0.15
    per_image: int = 4
    margin: float = 0.5

    def __len__(self) -> int:
        return sum(len(v) for v in self.points.values())

    def mine(
        self, detector: Detector, images: list[np.ndarray], boxes: list[np.ndarray],
        indices: np.ndarray, *, batch_size: int = 16,
    ) -> dict[str, float]:
        """Replace the hard points of ``indices`` with the detector's current false alarms.

        Args:
            detector: the model as it stands.
            images: all training images, uint8 (H, W, C) at the model's GSD.
            boxes: per image its labelled boxes (every class, ignored ones included),
                (N, 4) ``x0, y0, x1, y1`` pixels.
            indices: the images to run the detector over.
            batch_size: images per forward pass.

        Returns:
            ``{"images": n, "false_alarms": k, "images_with_false_alarms": m}``.
        """
        chosen = [int(i) for i in indices]
        dets = detector.predict_images([images[i] for i in chosen], min_score=self.min_score,
                                       batch_size=batch_size)
        n_fa = n_img = 0
        for i, det in zip(chosen, dets, strict=True):
            pts = false_alarm_centres(det.boxes, det.scores, boxes[i], self.margin)[: self.per_image]
            if len(pts):
                self.points[i] = pts
                n_fa += len(pts)
                n_img += 1
            else:
                self.points.pop(i, None)
        return {"images": float(len(chosen)), "false_alarms": float(n_fa),
                "images_with_false_alarms": float(n_img)}

    def draw_weights(self, base: np.ndarray, boost: float) -> np.ndarray:
        """Drawing weights with every image holding hard points weighted ``1 + boost`` times.

        Args:
            base: (N,) the images' usual drawing weights.
            boost: extra weight of an image with hard points, relative to its base.

        Returns:
            (N,) weights summing to 1.
        """
        w = np.asarray(base, np.float64).copy()
        for i in self.points:
            w[i] *= 1.0 + boost
        return np.asarray(w / w.sum())


def false_alarm_centres(
    det_boxes: np.ndarray, det_scores: np.ndarray, truth_boxes: np.ndarray, margin: float,
) -> np.ndarray:
    """Centres of detections that lie on no labelled box, most confident first.

    Args:
        det_boxes: (D, 4) detections ``x0, y0, x1, y1`` pixels.
        det_scores: (D,) confidences.
        truth_boxes: (T, 4) labelled boxes.
        margin: each labelled box is grown by this fraction of its width/height per side.

    Returns:
        float32 (K, 2) ``x, y``.
    """
    if not len(det_boxes):
        return np.zeros((0, 2), np.float32)
    cx = (det_boxes[:, 0] + det_boxes[:, 2]) / 2
    cy = (det_boxes[:, 1] + det_boxes[:, 3]) / 2
    free = np.ones(len(det_boxes), bool)
    for x0, y0, x1, y1 in np.asarray(truth_boxes, np.float32).reshape(-1, 4):
        mx, my = margin * (x1 - x0), margin * (y1 - y0)
        free &= ~((cx >= x0 - mx) & (cx <= x1 + mx) & (cy >= y0 - my) & (cy <= y1 + my))
    order = np.argsort(-det_scores[free], kind="stable")
    return np.stack([cx[free], cy[free]], 1)[order].astype(np.float32)
