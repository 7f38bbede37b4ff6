"""The soak script runs to completion and passes on the clean mock (a short run; `make soak` is the long one)."""

from __future__ import annotations

from bench.soak import main, percentile


def test_a_short_soak_passes(capsys):
    assert main(["--seconds", "3", "--connections", "16", "--warmup", "1"]) == 0
    output = capsys.readouterr().out
    assert "transport errors    0" in output and "unexpected answers  0" in output and "soak: PASS" in output


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
