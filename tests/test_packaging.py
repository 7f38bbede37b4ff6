"""The package installs from a wheel into any virtualenv and runs from any directory, spec and data inside.

The wheel is built from this checkout, installed into a fresh virtualenv (its dependencies borrowed from
the project's own, so no network is needed beyond the build), and the mock, the token command and the
`ravan_mock` pytest plugin are run from a directory that is not the checkout.
"""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mock_server.serving.launcher import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; returns its python."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(work / "dist")],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((work / "dist").glob("*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    new_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies: the project's virtualenv as a plain path (its .pth files, the editable install among them, are not read)
    (new_site / "borrowed_dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MOCK_SPEC", "MOCK_FIXTURES")}
    return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_installed_package_is_the_wheels_not_the_checkout(installed, tmp_path):
    where = run(installed, "-c", "import mock_server, mock_server.spec as s; print(mock_server.__file__); print(s.DEFAULT_SPEC_PATH)", cwd=tmp_path)
    package, spec = where.stdout.split()
    assert str(installed.parent.parent) in package and str(ROOT) not in package
    assert Path(spec).is_file() and not Path(spec).is_symlink()  # a copy of openapi.yaml inside the wheel


class InstalledMock(ServerProcess):
    name = "installed-mock"

    def __init__(self, python: Path, cwd: Path):
        super().__init__()
        self.python, self.cwd = python, cwd

    def command(self) -> list[str]:
        return [str(self.python), "-m", "mock_server", "--host", self.host, "--port", str(self.port), "--workers", "1"]


def test_the_mock_runs_from_another_directory(installed, tmp_path):
    token = run(installed, "-m", "mock_server", "token", cwd=tmp_path).stdout.strip()
    script = run(installed, "-c", "import shutil, sys; print(shutil.which('ravan-mock', path=sys.prefix + '/bin'))", cwd=tmp_path).stdout.strip()
    assert script.endswith("ravan-mock")
    with InstalledMock(installed, tmp_path) as server:
        request = urllib.request.Request(f"{server.base_url}/api/v1/calcom/appointments/kko1gv8tFZe8JjpCpct5tG", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    assert "Mock: GET" in server.log_text() and "profile ravan" in server.log_text() and "openapi.yaml" in server.log_text()


def readme_example() -> str:
    """The client test the README shows for the ravan_mock fixture."""
    match = re.search(r"<!-- ravan_mock example -->\s*```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "the README lost its ravan_mock example"
    return match.group(1)


def test_the_readmes_ravan_mock_example_runs_with_the_installed_plugin(installed, tmp_path):
    assert len(readme_example().strip().splitlines()) <= 12
    (tmp_path / "test_client.py").write_text(readme_example(), encoding="utf-8")
    result = run(installed, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_client.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


def test_the_wheel_holds_only_the_products_packages_and_names_the_suites_dependencies_as_an_extra(tmp_path):
    import zipfile
    from email.parser import Parser

    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    with zipfile.ZipFile(next(tmp_path.glob("*.whl"))) as wheel:
        names = wheel.namelist()
        metadata = Parser().parsestr(wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    top_level = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert top_level == {"mock_server", "contract_tests"}, top_level
    requires = metadata.get_all("Requires-Dist")
    core = [r for r in requires if "extra ==" not in r]
    contract = [r for r in requires if 'extra == "contract"' in r]
    assert not any(r.startswith(("schemathesis", "pytest", "requests")) for r in core), core
    assert any(r.startswith("hypothesis") for r in core), core  # the mocker's pattern strings come from hypothesis
    assert {r.split(" ")[0].split("~")[0].split(";")[0] for r in contract} >= {"schemathesis", "hypothesis", "pytest", "requests"}


def test_the_installed_contract_suite_runs_from_another_directory(installed, tmp_path):
    reports = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "MOCK_")) and k != "PYTHONPATH"}
    result = subprocess.run([str(installed), "-m", "contract_tests", "--report-dir", str(reports)], cwd=tmp_path,
                            env={**env, "CONTRACT_MAX_EXAMPLES": "5", "CONTRACT_SEED": "3"}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "GREEN: the embedded mock honours openapi.yaml" in result.stdout
    assert (reports / "contract-report.md").read_text().startswith("# Contract report: GREEN")
    assert str(ROOT) not in result.stdout  # the installed suite, not the checkout's
