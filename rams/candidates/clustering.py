"""Density grouping of evidence points (anomaly blobs and detections) in metres.

Single-linkage grouping: two points closer than the radius are in the same group, and
groups are the connected components of that "closer than" graph (as DBSCAN with
``min_samples=1``). Pairs come from a k-d tree, components from scipy's sparse graph
routine, so the cost is O(n log n + pairs).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


def cluster_labels(xy_m: np.ndarray, radius_m: float) -> np.ndarray:
    """Group points whose chains of neighbours are closer than ``radius_m``.

    Args:
        xy_m: (N, 2) array of (x, y) in a metric CRS, metres.
        radius_m: linkage distance, metres.

    Returns:
        (N,) int array of group labels, numbered 0.. in order of each group's first point.
    """
    xy = np.asarray(xy_m, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(r=radius_m, output_type="ndarray")
    graph = coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    _, raw = connected_components(graph, directed=False)
    # Renumber by first appearance so labels do not depend on scipy's internals.
    _, first = np.unique(raw, return_index=True)
    order = np.argsort(np.argsort(first))
    return np.asarray(order[raw], dtype=np.int64)
