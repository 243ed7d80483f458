"""``python -m fashionlab.render.readme_table report/results.json``: the README's results table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..results import Results, from_json
from .report import markdown_table


def main(argv: list[str] | None = None) -> None:
    path = Path((argv or sys.argv[1:] or ["report/results.json"])[0])
    print(markdown_table(from_json(Results, json.loads(path.read_text()))))


if __name__ == "__main__":
    main()
