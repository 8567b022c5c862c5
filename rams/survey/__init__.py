"""Survey level: many flights merged into one planner layer, minefield records checked.

Data flow: :mod:`~rams.survey.runs` (read ``rams batch`` outputs) ->
:mod:`~rams.survey.merge` (SHAs merged, points deduplicated) ->
:mod:`~rams.survey.records` (records in) -> :mod:`~rams.survey.registration` (RANSAC
rigid fit of recorded patterns) -> :mod:`~rams.survey.verdicts` (a verdict per record) ->
:mod:`~rams.survey.writer` and :mod:`~rams.survey.report` (GeoPackage, GeoJSON, HTML).
Entry point: :func:`run_survey`. :mod:`~rams.survey.scenario` builds synthetic surveys
for the tests and the benchmark.
"""

from rams.survey.config import SurveyConfig
from rams.survey.run import SurveyResult, run_survey

__all__ = ["SurveyConfig", "SurveyResult", "run_survey"]
