"""`python -m tests.specs writes DIR`: write the tests' merged specs (openapi.yaml plus a fragment) into DIR."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.specs import spec_with_more_operations, spec_with_writes

if __name__ == "__main__":
    kinds = {"writes": spec_with_writes, "more": spec_with_more_operations}
    if len(sys.argv) != 3 or sys.argv[1] not in kinds:
        sys.exit("usage: python -m tests.specs writes|more DIR")
    folder = Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    print(kinds[sys.argv[1]](folder))
