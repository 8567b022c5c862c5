"""A small synthetic survey, built once per session: one 48 m scene, two overlapping flights.

The scene (seed 2) holds one row minefield of 10 PMN-2; the two flights share 16 m of
ground in the middle, so a mine there is detected by both. ``rams batch`` runs on them with
the CNN in cascade mode (windows around anomaly peaks), which keeps the session short.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from rams.survey.runs import read_runs
from rams.survey.scenario import SurveyFlights, build_survey_flights
from rams.survey.scenario_records import RecordTruth, draw_records

SCENE_SIZE_M = 48.0
SCENE_SEED = 2
OVERLAP_M = 16.0


@pytest.fixture(scope="session")
def survey_flights(tmp_path_factory: pytest.TempPathFactory) -> SurveyFlights:
    """Batch outputs of two overlapping flights over one synthetic scene.

    Set ``RAMS_SURVEY_TEST_DIR`` to keep the scene and batch outputs between sessions
    (complete flights are not redone).
    """
    keep = os.environ.get("RAMS_SURVEY_TEST_DIR")
    work = Path(keep) if keep else tmp_path_factory.mktemp("survey")
    flights = build_survey_flights(
        work, SCENE_SIZE_M, SCENE_SEED, nx=2, ny=1, overlap_m=OVERLAP_M,
        config_overrides={"detection": {"mode": "cascade"}},
    )
    assert all(o.status in ("done", "skipped") for o in flights.outcomes), [o.message for o in flights.outcomes]
    assert len(flights.outcomes) == 2
    return flights


def write_records(
    flights: SurveyFlights, path: Path, roles: dict[str, str], seed: int, **kwargs: Any
) -> list[RecordTruth]:
    """Draw records from the scene's truth (known errors) and write them as GeoJSON."""
    runs, crs = read_runs(flights.runs_root)
    imaged = shapely.union_all([r.footprint for r in runs])
    truth = json.loads(flights.truth_path.read_text())
    doc, truths = draw_records(truth, crs, roles, np.random.default_rng(seed), imaged=imaged, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return truths
