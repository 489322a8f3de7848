"""The series in a real browser: notebooks run through JupyterLab's own menu in Chromium, and the latent explorer
answers its slider. What nbval cannot see: widgets rendered by the front end, and outputs as a reader gets them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 300_000  # a smoke run takes under a minute, even on a machine busy training

ERRORS_JS = """name => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== name) return [`the current tab is not ${name}`];
  return panel.context.model.toJSON().cells.flatMap((cell, i) => (cell.outputs || [])
    .filter(out => out.output_type === "error").map(out => `cell ${i}: ${out.ename}: ${out.evalue}`));
}"""

KERNEL_IDLE_JS = "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'"

DONE_JS = """() => {
  const status = document.querySelector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator");
  const prompts = [...document.querySelectorAll(".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt")];
  return status && status.dataset.status === "idle" && prompts.length > 0
    && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""

MEDIA_JS = """box => {
  const img = box.querySelector(".widget-output img");
  const audio = box.querySelector(".widget-output audio");
  const source = audio && (audio.querySelector("source") || audio);
  return {image: img ? img.src : null, audio: source ? source.src : null};
}"""


def open_notebook(page: Page, lab: dict, name: str) -> None:
    """A fresh layout (?reset) with only this notebook, its kernel started and idle."""
    page.goto(f"{lab['base']}/lab/tree/{name}?reset&token={lab['token']}")
    expect(page.locator(".jp-NotebookPanel")).to_have_count(1, timeout=120_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=120_000)


def run_all_cells(page: Page) -> None:
    """Through the menu a reader would use."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^Run All Cells")).click()


def wait_until_done(page: Page) -> None:
    """Kernel idle and every code cell numbered: a cell still queued or cancelled after an error shows [ ] or [*]."""
    try:
        page.wait_for_function(DONE_JS, timeout=RUN_TIMEOUT_MS, polling=500)
    except PlaywrightTimeoutError:
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        dialogs = page.locator(".jp-Dialog-header").all_inner_texts()
        pytest.fail(f"not done after {RUN_TIMEOUT_MS // 1000} s: prompts {prompts}, dialogs {dialogs}")


def assert_ran_clean(page: Page, name: str) -> None:
    """No error output (stderr warnings are fine), and the kernel really ran the smoke profile."""
    assert page.evaluate(ERRORS_JS, name) == []
    expect(page.locator(".jp-OutputArea-output", has_text="profile: smoke")).to_have_count(1)


def run_notebook(page: Page, lab: dict, name: str) -> None:
    open_notebook(page, lab, name)
    run_all_cells(page)
    wait_until_done(page)
    assert_ran_clean(page, name)


def explorer(page: Page) -> Locator:
    """The interact widget that holds a slider: found by what it is, not by its cell's place or prose."""
    box = page.locator(".widget-interact").filter(has=page.locator(".widget-slider"))
    expect(box).to_have_count(1)
    expect(box.locator(".widget-output img")).to_be_visible()
    expect(box.locator(".widget-output audio")).to_have_count(1)
    return box


def media(box: Locator) -> dict:
    return box.evaluate(MEDIA_JS)


def move_slider(page: Page, box: Locator) -> None:
    """Focus the noUiSlider handle and press End (t = 1): one change event, so one redraw."""
    box.locator(".noUi-handle").focus()
    page.keyboard.press("End")
    expect(box.locator(".widget-readout")).to_have_text("1.00")


def wait_for_new_media(page: Page, box: Locator, before: dict) -> dict:
    """Both the image and the player replaced: the Output widget redraws the image first, the audio after it."""
    changed = """([box, before]) => {
      const img = box.querySelector(".widget-output img"), audio = box.querySelector(".widget-output audio");
      const source = audio && (audio.querySelector("source") || audio);
      return img && source && img.src !== before.image && source.src !== before.audio;
    }"""
    page.wait_for_function(changed, arg=[box.element_handle(), before], timeout=RUN_TIMEOUT_MS, polling=250)
    wait_until_done(page)
    return media(box)


def test_task_2_runs_in_jupyterlab(page, lab, shots):
    run_notebook(page, lab, "Task_2.ipynb")
    page.locator(".jp-CodeCell").last.scroll_into_view_if_needed()
    page.screenshot(path=shots / "task2_done.png")


def test_latent_explorer_answers_its_slider(page, lab, shots):
    run_notebook(page, lab, "06_listen_and_evaluate.ipynb")
    box = explorer(page)
    cell = page.locator(".jp-CodeCell").filter(has=box)
    before = media(box)
    assert before["image"].startswith("data:image/") and before["audio"].startswith("data:audio/")
    cell.screenshot(path=shots / "06_explorer_before.png")
    move_slider(page, box)
    after = wait_for_new_media(page, box, before)
    assert after["image"] != before["image"] and after["audio"] != before["audio"]
    assert "Traceback" not in box.inner_text()
    cell.screenshot(path=shots / "06_explorer_after.png")
