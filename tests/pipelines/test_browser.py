"""The web page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Starts uvicorn on a free loopback port in a thread, pastes a shipped example note, waits for
the differential and checks that negated findings are shown as negated (struck through, with
the trigger in the title) and that evidence paths are drawn as SVG. Screenshots go to
``test-artifacts/`` (gitignored). Skipped when Chromium or Playwright is missing, except under
``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from pipelines.api import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the browser test to run "
                    "(apt-get install -y chromium; pip install playwright)")
    print(f"skipping browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _need(CHROMIUM.exists() or bool(shutil.which("chromium")), f"{CHROMIUM} is absent")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
                               args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(workspace):
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning",
                                        access_log=False, lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 60 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = ctx.new_page()
    pg.requests_seen = []
    pg.console_errors = []
    pg.on("request", lambda req: pg.requests_seen.append(req.url))
    pg.on("console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda err: pg.console_errors.append(str(err)))
    yield pg
    ctx.close()


def _diagnose(page, server, note: str):
    page.goto(server + "/")
    page.fill("#note", note)
    page.click("#diagnose-btn")
    page.wait_for_selector("#differential > li section.dx", timeout=30_000)


def test_negations_note_shows_negated_findings_and_paths(page, server, examples):
    note = (examples / "note_negations.txt").read_text()
    _diagnose(page, server, note)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-note_negations.png"), full_page=True)

    # the differential, with probabilities
    items = page.locator("#differential > li")
    assert items.count() >= 3
    assert "%" in items.first.locator(".prob").inner_text()

    # negated findings: struck through, marked with a symbol and a screen-reader word, trigger on hover
    absent = page.locator('#note-view mark[data-assertion="absent"]')
    assert absent.count() >= 5
    fever = page.locator('#note-view mark[data-concept="HP:0001945"]').first
    assert fever.get_attribute("data-assertion") == "absent"
    assert "denies" in fever.get_attribute("title")
    style = fever.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in style
    assert "(absent" in fever.locator(".sr").inner_text()
    present = page.locator('#note-view mark[data-assertion="present"]').first
    assert "line-through" not in present.evaluate("e => getComputedStyle(e).textDecorationLine")
    # the note text around the marks is intact
    assert page.locator("#note-view").inner_text().replace("✗", "").replace("hx", "").count("fatigue") >= 2

    # evidence paths drawn as SVG: nodes and labelled edges
    svg = page.locator("#differential svg.paths").first
    assert svg.locator("g.node").count() >= 2
    assert svg.locator("g.edge line").count() >= 1
    assert "has_phenotype" in svg.locator("g.edge text").first.text_content()

    # versions, HPO citation and disclaimer
    assert "Gargano" in page.locator("#sources").inner_text()
    assert "Decision support" in page.locator("#sources .disclaimer").inner_text()
    assert not page.console_errors, page.console_errors
    assert all(u.startswith(server) for u in page.requests_seen), page.requests_seen


def test_ancestor_paths_citations_search_and_history(page, server, examples):
    _diagnose(page, server, (examples / "note_marfan.txt").read_text())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-note_marfan.png"), full_page=True)
    first = page.locator("#differential > li").first
    assert "marfan" in first.locator("h4").inner_text().lower()
    # structured input: "severe myopia" -> subclass_of -> Myopia <- has_phenotype - Marfan (an ancestor step)
    page.fill("#note", "")
    page.fill("#hpo", "HP:0011003 HP:0002616")
    page.click("#diagnose-btn")
    page.wait_for_selector("#differential svg.paths text:has-text('subclass_of')", timeout=30_000)
    page.locator("#differential > li").first.screenshot(path=str(ARTIFACTS / "browser-ancestor-path.png"))
    assert page.locator("#differential svg.paths g.node.phenotype").count() >= 1
    first = page.locator("#differential > li").first
    # PubMed links only for PMIDs
    links = first.locator(".citations a")
    assert links.count() >= 1
    for i in range(links.count()):
        assert links.nth(i).get_attribute("href").startswith("https://pubmed.ncbi.nlm.nih.gov/")
        assert links.nth(i).inner_text().startswith("PMID:")

    # literature search
    page.fill("#search-q", "ectopia lentis")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#search-results li")
    assert "Marfan" in page.locator("#search-results").inner_text() or "omocystinuria" in page.locator(
        "#search-results").inner_text()

    # guideline history (loaded with the page)
    page.wait_for_selector("#history-view table")
    assert "build" in page.locator("#history-view").inner_text()
    assert not page.console_errors, page.console_errors
    assert all(u.startswith(server) for u in page.requests_seen), page.requests_seen


def test_errors_are_shown_and_keyboard_works(page, server):
    page.goto(server + "/")
    # keyboard only: focus the note, type, tab to the button, press Enter
    page.focus("#note")
    page.keyboard.type("No fever.")
    page.focus("#diagnose-btn")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-state=done]", timeout=30_000)
    assert page.locator('#note-view mark[data-assertion="absent"]').count() == 1
    # a server-side error is shown as a message, not a blank page
    page.fill("#note", "")
    page.fill("#hpo", " ".join(f"HP:{i:07d}" for i in range(2001)))   # more ids than the API accepts
    page.click("#diagnose-btn")
    page.wait_for_selector("body[data-state=error]", timeout=30_000)
    assert "hpo" in page.locator("#diagnose-status").inner_text()
    assert page.locator("#results").is_hidden()        # the previous answer is not left on screen
    page.screenshot(path=str(ARTIFACTS / "browser-error.png"))


def test_html_report_file_opens_with_list_and_paths(browser, workspace, examples, tmp_path):
    """`medkg diagnose --html` output: a self-contained file, opened from disk in Chromium."""
    from pipelines.diagnose import diagnose
    from pipelines.html import render_report_html

    text = (examples / "note_marfan.txt").read_text()
    report = diagnose(workspace, notes=[("note_marfan.txt", text)])
    out = tmp_path / "report.html"
    out.write_text(render_report_html(report, notes={"note_marfan.txt": text}), encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    seen = []
    page.on("request", lambda req: seen.append(req.url))
    page.goto(out.as_uri())
    assert page.locator("svg").count() >= 1
    assert page.get_by_text(report.diagnoses[0].label).first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-report-note_marfan.png"), full_page=True)
    ctx.close()
    assert all(url.startswith("file:") or url.startswith("data:") for url in seen), seen
