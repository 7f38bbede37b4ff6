"""How much of a big spec one run checks: a stated cap on operations, and a budget of examples per operation.

A spec of 1,200 operations, each fuzzed as thoroughly as one, would take hours: a gate must end in minutes. So a
run checks at most CONTRACT_MAX_OPERATIONS operations (default 60; 0: every one), chosen evenly across the spec
so that every part of the API is sampled, the same ones on every run; the verdict says how many were checked and
names those left out. Past 20 operations the generated requests per operation shrink (never below 5), so that
the run's total stays about that of 20 operations at the full budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_server.spec import ApiSpec, Operation

DEFAULT_MAX_OPERATIONS = 60
FULL_BUDGET_OPERATIONS = 20
MIN_EXAMPLES = 5


@dataclass(frozen=True)
class Scope:
    """The operations a run checks, and those the cap leaves out."""

    checked: tuple[Operation, ...]
    left_out: tuple[Operation, ...]
    cap: int  # 0: no cap

    @property
    def total(self) -> int:
        """Every operation of the spec."""
        return len(self.checked) + len(self.left_out)

    def keys(self) -> set[tuple[str, str]]:
        """(METHOD, path template) of every checked operation."""
        return {(op.method, op.path) for op in self.checked}

    def summary(self) -> str:
        """'60 of 1,223 operations (CONTRACT_MAX_OPERATIONS=60)', or '' when every operation is checked."""
        if not self.left_out:
            return ""
        return f"{len(self.checked):,} of {self.total:,} operations (CONTRACT_MAX_OPERATIONS={self.cap})"


def choose(spec: ApiSpec, cap: int) -> Scope:
    """At most `cap` operations, spread evenly over the spec's order (0: all)."""
    operations = list(spec.operations.values())
    if cap <= 0 or len(operations) <= cap:
        return Scope(tuple(operations), (), cap)
    picked = {index * len(operations) // cap for index in range(cap)}
    checked = tuple(op for index, op in enumerate(operations) if index in picked)
    left_out = tuple(op for index, op in enumerate(operations) if index not in picked)
    return Scope(checked, left_out, cap)


def examples_per_operation(examples: int, checked: int) -> int:
    """The generated requests per operation: the full budget up to 20 operations, then shared (at least 5)."""
    if checked <= FULL_BUDGET_OPERATIONS:
        return examples
    return max(MIN_EXAMPLES, examples * FULL_BUDGET_OPERATIONS // checked)


_ACTIVE: list[Scope] = []


def use_scope(scope: Scope) -> None:
    """The run's scope (set once the settings and spec are read, before the tests are collected)."""
    _ACTIVE[:] = [scope]


def active_scope(spec: ApiSpec | None = None) -> Scope:
    """The run's scope; every operation of spec when none was set (a module imported outside a run)."""
    if _ACTIVE:
        return _ACTIVE[0]
    if spec is None:
        from mock_server.contract.rules import current_spec

        spec = current_spec()
    return choose(spec, 0)
