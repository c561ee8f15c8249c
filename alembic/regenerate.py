"""Regenerate the single initial migration from every domain's models.

    .venv/bin/python alembic/regenerate.py

Deletes ``alembic/versions/*.py``, autogenerates ``0001_initial`` against an empty temporary
SQLite database, and checks it upgrades, downgrades and upgrades again. It served while no
database existed to migrate; since ``0002`` (databases made by ``make run`` exist), a model
change gets a migration of its own instead, and this script refuses to run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from alembic import command
    from app.cli import alembic_config

    versions = ROOT / "alembic" / "versions"
    later = sorted(p.name for p in versions.glob("*.py") if not p.name.startswith("0001_"))
    if later:
        print(
            "refused: migrations after the initial one exist",
            *later,
            "- add a new migration instead",
            file=sys.stderr,
        )
        return 1
    for old in versions.glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/empty.db"
        config = alembic_config(url)
        command.revision(config, message="initial", autogenerate=True, rev_id="0001")
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")
    print("regenerated:", *sorted(p.name for p in versions.glob("*.py")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
