"""tests/scale runs only when asked for (`make test-scale`: `-m scale`).

It brings a whole cluster up (two replicas of everything, PostgreSQL, Redis,
haproxy) and takes minutes: `make test` and `make test-fast` leave it out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "scale" in (config.option.markexpr or ""):
        return
    left_out = [i for i in items if HERE in Path(str(i.fspath)).parents]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [i for i in items if i not in left_out]
