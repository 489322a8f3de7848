"""The pins live in requirements.txt; environment.yml must mirror them exactly."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)")


def pins(path):
    return dict(m.groups() for line in path.read_text().splitlines() if (m := PIN.match(line)))


def test_requirements_are_exact_pins():
    lines = [s for s in (ROOT / "requirements.txt").read_text().splitlines() if s.strip() and not s.startswith("#")]
    assert lines and all("==" in s for s in lines), "every requirement is pinned with =="


def test_environment_yml_mirrors_requirements():
    assert pins(ROOT / "environment.yml") == pins(ROOT / "requirements.txt")


@pytest.mark.parametrize(
    "package", ["torch", "librosa", "numpy", "pandas", "matplotlib", "ipywidgets", "jupyterlab", "nbval"]
)
def test_the_design_card_packages_are_pinned(package):
    assert package in pins(ROOT / "requirements.txt")


def test_installed_versions_match_the_pins():
    from importlib.metadata import version

    for name, pinned in pins(ROOT / "requirements.txt").items():
        assert version(name).split("+")[0] == pinned, name


def test_every_third_party_import_is_a_pinned_requirement():
    """A module the code imports, at the top of a file or inside a function, comes from a package that
    requirements.txt pins: nothing works only because something else happened to install it."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    local = {"helpers", "bench", "tools", "tests"} | {
        p.stem for d in ("tools", "tests") for p in (ROOT / d).glob("*.py")
    }
    names = set()
    for folder in ("helpers", "bench", "tools", "tests", "notebooks/src"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    third_party = {n for n in names if n not in sys.stdlib_module_names and n not in local and n != "__future__"}
    where = packages_distributions()
    pinned = {name.lower().replace("_", "-") for name in pins(ROOT / "requirements.txt")}
    missing = {
        n: where.get(n) for n in third_party if not any(d.lower().replace("_", "-") in pinned for d in where.get(n, []))
    }
    assert not missing, f"imported but not pinned in requirements.txt: {missing}"
