"""The pins live in requirements.txt; environment.yml must mirror them exactly."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)")


def pins(path):
    return dict(m.groups() for line in path.read_text().splitlines() if (m := PIN.match(line)))


def test_requirements_are_exact_pins():
    lines = [l for l in (ROOT / "requirements.txt").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines and all("==" in l for l in lines), "every requirement is pinned with =="


def test_environment_yml_mirrors_requirements():
    assert pins(ROOT / "environment.yml") == pins(ROOT / "requirements.txt")


@pytest.mark.parametrize("package", ["torch", "librosa", "numpy", "pandas", "matplotlib", "ipywidgets",
                                     "jupyterlab", "nbval"])
def test_the_design_card_packages_are_pinned(package):
    assert package in pins(ROOT / "requirements.txt")


def test_installed_versions_match_the_pins():
    from importlib.metadata import version

    for name, pinned in pins(ROOT / "requirements.txt").items():
        assert version(name).split("+")[0] == pinned, name
