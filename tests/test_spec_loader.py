"""The one spec loader: YAML 1.2 as Prism, Spectral and Specmatic read it, and clear errors."""

from __future__ import annotations

import pytest
import yaml

from mock_server.spec import SpecError, load_spec, read_yaml, spec_path


def test_the_spec_reads_the_same_as_with_pyyaml():
    text = spec_path().read_text(encoding="utf-8")
    assert read_yaml(text) == yaml.safe_load(text)


def test_yaml_1_2_keeps_dates_and_yes_no_words_as_strings():
    data = read_yaml("when: 2026-03-17\nflag: on\nanswer: no\ntime: 2026-03-17T14:00:00Z\n")
    assert data == {"when": "2026-03-17", "flag": "on", "answer": "no", "time": "2026-03-17T14:00:00Z"}


@pytest.mark.parametrize("text", ["paths: [\n", "paths: {}\npaths: {}\n"], ids=["unclosed bracket", "duplicate key"])
def test_a_broken_spec_is_a_spec_error_naming_the_file(tmp_path, text):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=rf"^{path}:\d+:\d+: not valid YAML: \S"):
        load_spec(path)


def test_bytes_that_are_not_utf8_are_a_spec_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("info: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecError, match="latin1.yaml: not UTF-8 text"):
        load_spec(path)


def _broken_ref_spec(tmp_path):
    text = spec_path().read_text(encoding="utf-8")
    path = tmp_path / "broken-ref.yaml"
    path.write_text(text.replace("$ref: '#/components/schemas/AppointmentData'", "$ref: '#/components/schemas/AppointmentDat'"), encoding="utf-8")
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "AppointmentDat'" in row)
    return path, line


def test_a_ref_to_nothing_is_one_line_with_the_file_the_line_and_the_pointer(tmp_path):
    path, line = _broken_ref_spec(tmp_path)
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:")
    assert "at #/components/schemas/AppointmentResponse/properties/data: $ref '#/components/schemas/AppointmentDat' points to nothing" in message


def test_a_circular_ref_is_named(tmp_path):
    path = tmp_path / "circular.yaml"
    path.write_text('openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    A:\n      $ref: "#/components/schemas/B"\n'
                    '    B:\n      $ref: "#/components/schemas/A"\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"circular.yaml:\d+:\d+: at #/components/schemas/\w: \$ref '#/components/schemas/\w' is circular"):
        load_spec(path)


def test_the_mock_and_the_suite_say_a_broken_spec_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.test_verdict import ROOT

    path, line = _broken_ref_spec(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_"))}
    mock = subprocess.run([sys.executable, "-m", "mock_server", "--spec", str(path), "--port", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    suite = subprocess.run([sys.executable, "-m", "contract_tests", "--report-dir", str(tmp_path / "reports")], cwd=ROOT,
                           env={**env, "MOCK_SPEC": str(path)}, capture_output=True, text=True, timeout=120)
    assert mock.returncode == 2 and suite.returncode == 78
    for output in (mock.stderr, suite.stdout + suite.stderr):
        assert f"{path}:{line}:" in output and "points to nothing" in output and "Traceback" not in output
    assert mock.stderr.strip().count("\n") == 0
