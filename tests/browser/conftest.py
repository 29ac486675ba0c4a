"""A real JupyterLab in headless Chromium, for testing widgets as a learner sees them.

Session fixtures start one JupyterLab server (from this interpreter, so from the
project's ``.venv``) on a free loopback port with a random token and throw-away
settings, workspace, runtime and config folders, serving a temporary copy of
``notebooks/`` (the committed lessons are never touched), and one headless Chromium
(Debian's ``/usr/bin/chromium``, driven by Playwright). Both are shut down in every
outcome, kernels included.

Tests skip only when Chromium is absent (and fail even then when ``$CI`` is set);
everything else that goes wrong fails. ``pytest -m browser`` runs only these,
``pytest -m "not browser"`` everything but these. Screenshots (and a screenshot of the
page when a test fails) go to ``screenshots/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil  # comes with ipykernel; finds the kernels the server started
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"
CHROMIUM = Path(os.environ.get("VIZCNN_CHROMIUM", "/usr/bin/chromium"))
# --no-sandbox: Chromium refuses to start as root otherwise (CI runs as root).
# The network flags: without them Chromium floods the closed network with connections.
# Playwright passes most of these too (and a fresh temporary --user-data-dir of its
# own); they are listed so the test states what it relies on.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
]
SERVER_START_S = 60
KERNEL_S = 90  # kernel start, TensorFlow import and a cell's work, on a busy 2-core CPU
UI_S = 30  # JupyterLab and widget rendering


def wait_visible(locator, what, *, timeout_s=UI_S):
    """Wait until ``locator`` is visible; fail naming ``what`` otherwise."""
    try:
        locator.first.wait_for(state="visible", timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        raise AssertionError(f"{what} never appeared within {timeout_s} s") from None
    return locator.first


def wait_until(condition, what, *, seen=None, timeout_s=UI_S, interval_s=0.1):
    """Poll ``condition()`` until it is true; fail naming ``what`` (and ``seen()``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval_s)
    last = f" (last seen: {seen()!r})" if seen is not None else ""
    raise AssertionError(f"{what}: still not the case after {timeout_s} s{last}")


@dataclass
class Lab:
    """A running JupyterLab: where it serves, its token and its (temporary) root folder."""

    url: str
    token: str
    root: Path
    log: Path

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def notebook_url(self, name):
        # A workspace of its own: JupyterLab would otherwise reopen earlier tests' tabs.
        workspace = re.sub(r"\W+", "-", Path(name).stem)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?token={self.token}"

    def log_tail(self, n=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(folder: Path):
    """JupyterLab user settings: no news/update pop-ups, every cell rendered in the DOM."""
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        # Windowed notebooks render only the cells in view; tests find cells by index.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _stop(process: subprocess.Popen, lab: Lab | None):
    """Stop the server and every process it started (kernels run in their own sessions)."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if lab is not None and process.poll() is None:
        try:  # polite first: the server shuts its kernels down itself
            lab.api("/api/shutdown", method="POST")
            process.wait(timeout=10)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
                process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(children, timeout=10)


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (Debian: apt install chromium)"
        if os.environ.get("CI"):  # .ci/run installs it: a CI without it is broken
            pytest.fail(reason + "; CI must run the browser tests")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium_path):
    """JupyterLab serving a temporary copy of notebooks/, shut down in every outcome."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    dirs = {name: base / name for name in ("settings", "workspaces", "runtime", "config", "data")}
    for folder in dirs.values():
        folder.mkdir()
    _write_settings(dirs["settings"])
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # tests force Agg; a learner's kernel has the inline backend
    env.update(
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        IPYTHONDIR=str(base / "ipython"),
    )
    port, token = _free_port(), secrets.token_hex(24)
    log = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",  # CI runs as root; harmless otherwise
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--LabApp.news_url=",
    ]
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
    server = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {process.returncode} before answering "
                    f"/api/status; its log ends:\n{server.log_tail()}"
                )
            try:
                server.api("/api/status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not answer /api/status within {SERVER_START_S} s; "
                        f"its log ends:\n{server.log_tail()}"
                    ) from None
                time.sleep(0.25)
        yield server
    finally:
        _stop(process, server)


@pytest.fixture(scope="session")
def browser(chromium_path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh browser tab; a screenshot of it is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(exist_ok=True)
            name = re.sub(r"\W+", "_", request.node.name)
            try:
                page.screenshot(path=SCREENSHOTS / f"FAILED_{name}.png", full_page=True)
            except PlaywrightError:
                pass
        context.close()


class Notebook:
    """A notebook opened in JupyterLab, driven through its menus and keyboard."""

    def __init__(self, page, lab, name):
        self.page, self.lab, self.name = page, lab, name
        self.runs = 0
        page.goto(lab.notebook_url(name))
        wait_visible(self.cells, f"{name}'s cells")
        # The status bar names the kernel and its state once the session is connected.
        wait_visible(
            page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle$")),
            f"kernel of {name} idle in the status bar",
            timeout_s=KERNEL_S,
        )

    @property
    def cells(self):
        panel = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        return panel.locator(".jp-Notebook .jp-Cell")

    def menu(self, top, item):
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
        entry = self.page.locator(".lm-Menu-content .lm-Menu-item").filter(
            has=self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$"))
        )
        wait_visible(entry, f"menu entry {top} > {item}").click()

    def clear_outputs(self):
        """Edit > Clear Outputs of All Cells (also blanks the saved execution counts)."""
        self.menu("Edit", "Clear Outputs of All Cells")
        wait_until(
            lambda: not self.cells.locator(".jp-OutputArea-output").count(),
            "all outputs cleared",
            seen=lambda: self.cells.locator(".jp-OutputArea-output").count(),
        )

    def run_cell(self, index, *, timeout_s=KERNEL_S):
        """Select cell ``index`` (0-based, as in the .ipynb), run it with Ctrl+Enter, wait."""
        cell = self.cells.nth(index)
        prompt = cell.locator(".jp-InputArea-prompt")
        prompt.scroll_into_view_if_needed()
        prompt.click()  # selects the cell in command mode
        self.page.keyboard.press("Control+Enter")
        self.runs += 1
        wanted = f"[{self.runs}]:"
        wait_until(
            lambda: prompt.inner_text().strip() == wanted,
            f"cell {index} of {self.name} finished (prompt {wanted})",
            seen=lambda: prompt.inner_text().strip(),
            timeout_s=timeout_s,
        )
        stderr = cell.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        text = "\n".join(stderr.all_inner_texts())
        if "Traceback" in text:
            raise AssertionError(f"cell {index} of {self.name} failed:\n{text}")
        return cell


@pytest.fixture
def open_notebook(page, lab):
    """``open_notebook(name)`` opens notebooks/<name> (the temporary copy) in the lab."""

    def open_(name):
        return Notebook(page, lab, name)

    return open_
