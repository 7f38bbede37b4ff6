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
    with pytest.raises(SpecError, match=f"{path} is not valid YAML"):
        load_spec(path)


def test_bytes_that_are_not_utf8_are_a_spec_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("info: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecError, match="is not valid YAML"):
        load_spec(path)
