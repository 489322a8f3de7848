"""A headless JupyterLab serving output-free copies of the notebooks, and Chromium to drive it (make browser-test)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Known to work as root with the network closed: nothing may phone home or fetch components.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every cell in the DOM (so prompts can be counted), the notebook's own kernel without a "Select Kernel" dialog,
# no autosave (the copies stay as made), and no news or update toasts over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def copy_without_outputs(src: Path, dst: Path) -> None:
    """The committed notebooks carry a full run's outputs: start from none, so every prompt the test sees is new."""
    nb = nbformat.read(src, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, dst)


def write_settings(folder: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp: Path) -> dict:
    """The kernel inherits the server's environment: smoke profile, and runs (smoke data included) kept in tmp."""
    env = {**os.environ, "AUDIOGAN_PROFILE": "smoke", "AUDIOGAN_RUNS": str(tmp / "runs")}
    env.pop("AUDIOGAN_DATA", None)
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / "runtime")
    return env


def lab_command(tmp: Path, port: int, token: str) -> list[str]:
    return [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--expose-app-in-browser",  # window.jupyterapp: the notebook model, to read error outputs exactly
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp / 'notebooks'}",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
    ]


def wait_until_up(proc: subprocess.Popen, url: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def shut_down(proc: subprocess.Popen, base: str, token: str) -> None:
    """Ask the server to stop (it shuts its kernels down too); signal its process group only if it will not."""
    try:
        request = urllib.request.Request(
            f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
        )
        urllib.request.urlopen(request, timeout=10).close()
        proc.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is None:
                os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """Base URL and token of a JupyterLab whose root is a temp folder holding copies of the notebooks."""
    tmp = tmp_path_factory.mktemp("lab")
    (tmp / "notebooks").mkdir()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        copy_without_outputs(nb, tmp / "notebooks" / nb.name)
    write_settings(tmp / "settings")
    port, token = free_port(), secrets.token_hex(16)
    base, log = f"http://127.0.0.1:{port}", tmp / "jupyter.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            lab_command(tmp, port, token),
            env=server_env(tmp),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(proc, f"{base}/api/status?token={token}", log)
        yield {"base": base, "token": token, "log": log}
    finally:
        shut_down(proc, base, token)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """Debian's Chromium with a fresh profile; Playwright never downloads a browser of its own here."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Screenshots land in runs/browser/ (git-ignored), to be looked at after a run."""
    folder = ROOT / "runs" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
