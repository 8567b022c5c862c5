"""Fusion: the tile cube of co-registered, normalised bands, and spectral indices and contrasts.

Stage between tiles and the anomaly/detection stages (see the README's "How it works").
"""
