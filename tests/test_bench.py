"""The benchmark's helpers: wrk's output read right, the earlier mock exported from git, the right state folder."""

from __future__ import annotations

import subprocess

import pytest

from bench.compare import BEFORE_COMMIT, export_commit, fine_ratio, parse_wrk, ratio, state_folder_bytes

WRK_OUTPUT = """Running 6s test @ http://127.0.0.1:4010/api/v1/calcom/appointments/kko1gv8tFZe8JjpCpct5tG
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   470.12us  310.40us  12.30ms   91.20%
  Latency Distribution
     50%  470.00us
     75%  600.00us
     90%  800.00us
     99%    1.58ms
  367188 requests in 6.00s, 312.40MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  61198.12
Transfer/sec:     52.07MB
"""


def test_wrk_output_is_read_in_milliseconds_with_socket_errors_counted():
    rps, p50, p99, errors = parse_wrk(WRK_OUTPUT)
    assert (rps, p50, p99, errors) == (61198.12, pytest.approx(0.47), 1.58, 3)


def test_a_ratio_without_a_base_says_so():
    assert (ratio(1.58, 7.54), ratio(1.0, 0)) == ("0.21x", "n/a")


def test_a_fine_ratio_shows_what_a_rounded_one_hides():
    # 100 ms against Prism's 490 ms rounds to "0.20x", yet misses a target of at most 0.20x
    assert (ratio(0.100, 0.490), fine_ratio(0.100, 0.490), fine_ratio(1.0, 0)) == ("0.20x", "0.204x", "n/a")


def test_the_mock_before_this_work_is_exported_byte_compiled(tmp_path):
    has_commit = subprocess.run(["git", "cat-file", "-e", f"{BEFORE_COMMIT}^{{commit}}"], capture_output=True).returncode == 0
    if not has_commit:
        pytest.skip(f"commit {BEFORE_COMMIT} is not in this clone (a shallow clone): the benchmark reports the row as not measured")
    assert export_commit(BEFORE_COMMIT, tmp_path) == ""
    assert (tmp_path / "mock_server" / "cli.py").is_file() and (tmp_path / "openapi.yaml").is_file()
    assert list((tmp_path / "mock_server" / "__pycache__").glob("cli.*.pyc"))


def test_a_commit_outside_the_history_is_a_reason_not_a_crash(tmp_path):
    reason = export_commit("0" * 40, tmp_path)
    assert "not in this clone's history" in reason


class _Logged:
    def __init__(self, text: str):
        self.text = text

    def log_text(self) -> str:
        return self.text


def test_only_the_running_mocks_state_folder_is_counted(tmp_path):
    stopped, running, stranger = tmp_path / "stopped", tmp_path / "running", tmp_path / "stranger"
    running.mkdir()
    stranger.mkdir()
    (running / "store.sqlite").write_bytes(b"x" * 3000)
    (stranger / "store.sqlite").write_bytes(b"x" * 50000)
    log = f"Mock: ...\nadmin API on ...; CORS on; state in {stopped}\nMock: ...\nadmin API on ...; CORS on; state in {running}\n"
    assert state_folder_bytes(_Logged(log)) == 3000  # type: ignore[arg-type]
    assert state_folder_bytes(_Logged("no start-up line")) == 0  # type: ignore[arg-type]
