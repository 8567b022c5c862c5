"""Reading the YAML files a user hands rams (manifests, configs, recipes, data sets' ``data.yaml``).

One reader, so that every kind of bad file gives the same one-line error naming it: not
YAML, not text (a binary or wrongly encoded file), or a value YAML itself refuses (an
impossible date such as ``2026-13-45`` raises ``ValueError`` inside the parser).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rams.errors import RamsInputError


def read_yaml(path: str | Path, what: str = "file") -> Any:
    """The parsed content of the YAML file ``path`` (None for an empty file).

    Args:
        path: the file.
        what: what the file is, for the message (``"flight manifest"``, ``"config"``).

    Raises:
        RamsInputError: the file cannot be read, is not UTF-8 text or is not valid YAML;
            the message is one line naming the file and, where YAML gives it, the line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RamsInputError(path, f"{what} is not UTF-8 text (a binary or wrongly encoded file?)") from None
    except OSError as exc:
        raise RamsInputError(path, f"cannot read the {what} ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise RamsInputError(path, f"{what} is not valid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RamsInputError(path, f"{what} is not valid YAML: {first}") from None
    except ValueError as exc:  # a value the parser refuses, e.g. the date 2026-13-45
        raise RamsInputError(path, f"{what} holds a value YAML cannot read: {exc}") from None
