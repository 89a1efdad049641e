"""Write docs/step_through.png: viz.step_through's page for the notes' example, half-way
through the backward pass, as headless Chromium shows it (900 x 560).

    .venv/bin/python docs/make_screenshot.py

Needs the Python package playwright and a Chromium (Debian's /usr/bin/chromium, or the
one $CHROMIUM names).
"""

from __future__ import annotations

import os
import pathlib
import tempfile

from playwright.sync_api import sync_playwright

import viz
from autograd_core.examples import notes_f

HERE = pathlib.Path(__file__).resolve().parent
STEPS = 10  # the 6 forward steps, then 4 of the 6 backward steps
TITLE = "f(x; w, b) = 1/(exp(-(wx+b)) + 1), x = 1, w = 0, b = 0"


def main() -> None:
    f, _ = notes_f()
    with tempfile.TemporaryDirectory() as tmp:
        page_path = viz.step_through(f, title=TITLE).save(pathlib.Path(tmp, "notes.html"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu"],
            )
            tab = browser.new_page(viewport={"width": 900, "height": 560})
            tab.goto(pathlib.Path(page_path).as_uri())
            for _ in range(STEPS):
                tab.click("#next")
            tab.screenshot(path=str(HERE / "step_through.png"))
            browser.close()
    print(f"wrote {HERE / 'step_through.png'}")


if __name__ == "__main__":
    main()
