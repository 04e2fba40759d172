#!/usr/bin/env python3
"""Write the JSON Schemas of the data files from the pydantic models, so editors validate while typing.

The schemas are committed under ``docs/schema/`` (MkDocs publishes them as they are, under
``/schema/`` on the site) and every data file names its schema in ``"$schema"``. ``--check``
compares instead of writing and exits 1 when a committed schema no longer matches the models.

    python scripts/gen_schema.py            # rewrite docs/schema/*.schema.json
    python scripts/gen_schema.py --check    # exit 1 if any of them is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from probes.model.catalog import CatalogFile
from probes.model.implementations import ImplementationsFile
from probes.model.report import Report

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "schema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "report.schema.json": (Report, "aioc probe report: one run against one implementation"),
    "catalog.schema.json": (CatalogFile, "aioc catalog file: rows and the matrices that arrange them"),
    "implementations.schema.json": (ImplementationsFile, "aioc implementations: the matrix columns"),
}


def render(model: type[BaseModel], title: str) -> str:
    """The schema text for one model, with ``$schema`` keys spelt as the data files spell them."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["title"] = title
    return json.dumps({"$schema": DIALECT, **schema}, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name -> schema text, for every data file kind."""
    return {name: render(model, title) for name, (model, title) in SCHEMAS.items()}


def stale(out: Path) -> list[Path]:
    """The schema files under ``out`` that are missing or differ from what the models give."""
    return [
        out / name
        for name, text in generate().items()
        if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text
    ]


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    """Write the schemas, or with ``--check`` report the stale ones in one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed schema is stale")
    parser.add_argument(
        "--out", type=Path, default=OUT, help="directory of the schemas (default: docs/schema)"
    )
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(args.out)
        if outdated:
            names = ", ".join(_shown(p) for p in outdated)
            print(
                f"stale JSON Schema: {names} — run python scripts/gen_schema.py and commit", file=sys.stderr
            )
            return 1
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (args.out / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
