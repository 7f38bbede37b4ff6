"""A JUnit XML file for a run that stopped before its tests (a configuration error), so CI never reads a stale one."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path


def write_junit_error(path: Path, name: str, message: str) -> None:
    """One test case in error, carrying the message, in pytest's JUnit layout."""
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name="contract", errors="1", failures="0", skipped="0", tests="1",
                          time="0", timestamp=time.strftime("%Y-%m-%dT%H:%M:%S"))
    case = ET.SubElement(suite, "testcase", classname="contract_tests", name=name, time="0")
    error = ET.SubElement(case, "error", message=message)
    error.text = message
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
