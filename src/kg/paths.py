"""Where the project's data lives: ontology/, shapes/, queries/, data/ at the project root.

kg is installed in editable mode from its checkout, so these are found next to `src/`.
`KG_HOME` overrides the root (e.g. for a packaged deployment).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("KG_HOME") or Path(__file__).resolve().parents[2])
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
DATA_DIR = ROOT / "data"
REGISTRY_DIR = DATA_DIR / "registry"
NOTICES_DIR = DATA_DIR / "notices"


def default_store() -> Path:
    """The store used when --store is not given: $KG_STORE, else .kg/store under the current directory."""
    return Path(os.environ.get("KG_STORE") or Path.cwd() / ".kg" / "store")
