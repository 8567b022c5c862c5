"""Settings of ``rams survey``: merging flights and checking minefield records."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SurveyConfig(BaseModel):
    """How flights are merged and records are judged (distances in metres).

    The registration settings bound the search for a displaced record: a recorded pattern
    is looked for within ``search_radius_m`` of the record and at rotations up to
    ``max_rotation_deg``; a detection within ``inlier_radius_m`` of a moved recorded mine
    supports the move.
    """

    model_config = ConfigDict(extra="forbid")

    #: two mine points of different flights closer than this are one mine.
    dedup_radius_m: float = Field(default=0.6, gt=0, allow_inf_nan=False)
    #: how far from a record its minefield may have been displaced.
    search_radius_m: float = Field(default=100.0, gt=0, allow_inf_nan=False)
    max_rotation_deg: float = Field(default=30.0, ge=0, le=180)
    inlier_radius_m: float = Field(default=0.75, gt=0)
    #: recorded pairs drawn by RANSAC (each pair is tried against every matching detected pair).
    ransac_pairs: int = Field(default=400, ge=1)
    #: recorded and detected pair lengths closer than this can be the same pair.
    pair_length_tol_m: float = Field(default=0.5, gt=0)
    #: a pattern is found when at least this many recorded mines are matched ...
    min_inliers: int = Field(default=4, ge=3)
    #: ... and at least this share of the recorded mines that the found position puts on
    #: imaged ground. A regular grid recorded where nothing was laid still lines up a third
    #: of its mines with a real minefield nearby (7 of 21 at 0.3-0.4 m rms on development
    #: scene 1000), true finds matched 75 to 95 %: half separates them.
    min_inlier_fraction: float = Field(default=0.5, gt=0, le=1)
    #: a found pattern offset or rotated by more than these is ``displaced``.
    displaced_offset_m: float = Field(default=2.0, ge=0)
    displaced_rotation_deg: float = Field(default=3.0, ge=0)
    #: mine points inside a record needed to call it ``confirmed`` without a fitted pattern.
    confirm_min_points: int = Field(default=3, ge=1)
    #: detections up to this far outside a record make it ``evidence_outside``.
    evidence_outside_m: float = Field(default=50.0, ge=0)
    #: below this imaged share a record is ``not_imaged``; below ``fully_imaged_fraction``
    #: (and with nothing found) it is ``partly_imaged``.
    min_imaged_fraction: float = Field(default=0.05, ge=0, le=1)
    fully_imaged_fraction: float = Field(default=0.95, ge=0, le=1)
    #: seed of the RANSAC draws (the same inputs give the same verdicts).
    seed: int = 0
