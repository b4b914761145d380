"""The run report: one self-contained page of a real (small) run, drawn in a real browser.

The browser test opens the page in headless Chromium through Playwright and checks what a
person would see: every figure drew its data with titled axes, nothing threw in the
console, the inspection's pixel slider changes the series shown, and the page fits a phone's
width. It saves full-page screenshots under data/report-screenshots/. Without Chromium it
skips, saying so, unless CROPSERIES_BROWSER_TESTS=required (CI), where it fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from fixture_data import generated

from cropseries.cli import main

#: Figures of the test run's report (its data has double crops, so exclusions are drawn).
FIGURES = 10
SCREENSHOTS = Path(__file__).resolve().parents[1] / "data" / "report-screenshots"
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory, spark):
    """A whole small run: generated data, split, stats, one epoch of training, evaluation."""
    from cropseries.config import LoaderConfig, SplitConfig
    from cropseries.split import run_split
    from cropseries.stats import compute_stats
    from cropseries.train.evaluate import evaluate
    from cropseries.train.fit import TrainConfig, train

    root = tmp_path_factory.mktemp("report")
    course = generated(root / "course", pixels=300)
    splits, out = str(root / "splits"), str(root / "train")
    run_split(spark, course, splits, SplitConfig())
    compute_stats(spark, splits)
    loader = LoaderConfig(seed=1, batch_size=256)
    trained = train(splits, out, TrainConfig(epochs=2, seed=1), loader)
    evaluate(splits, trained.model_path, out, config=loader, start_days=(0, 45, 90, 180))
    return {"splits": splits, "train": out, "root": root}


@pytest.fixture(scope="module")
def report(run):
    bench = run["root"] / "loader.json"  # a bench/loader.py result, as it saves one
    bench.write_text(
        json.dumps({"floor_rows_s": 400000, "course_rows_s": 9000, "loader_rows_s": 200000})
    )
    path = run["root"] / "report.html"
    command = ["report", "--splits", run["splits"], "--train", run["train"]]
    assert main([*command, "--bench", str(bench), "--out", str(path)]) == 0
    return path


def test_the_page_is_self_contained_with_a_heading_and_caption_everywhere(report):
    page = report.read_text()
    assert page.count("plotly.js v") == 1  # plotly.js embedded once
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)  # nothing fetched
    assert re.search(r"<title>cropseries run report", page)
    headings = re.findall(r"<h2 [^>]*>([^<]+)</h2>", page)
    assert [h.split(":")[0] for h in headings] == [
        "The run",
        "01_split",
        "02_stats",
        "03_loader",
        "04_train",
    ]
    figures = re.findall(r"<figure>.*?</figure>", page, re.DOTALL)
    # map, classes, exclusions (double crops), bands, balance, inspection, throughput,
    # training curves, accuracy by start day, confusion matrix
    assert len(figures) == FIGURES
    assert all("<figcaption" in f and "aria-describedby" in f for f in figures)
    assert "split + excluded = input</td><td>yes" in page
    assert report.stat().st_size < 15e6


def test_a_run_without_training_says_so(run, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--splits", run["splits"], "--out", str(out)]) == 0
    assert "wrote the report of" in capsys.readouterr().out
    assert "No training run given (--train DIR)." in out.read_text()


def _browser():
    """Headless Chromium through Playwright, or a skip (a failure where it is required)."""
    required = os.environ.get("CROPSERIES_BROWSER_TESTS") == "required"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if chromium is None or sync_playwright is None:
        missing = "Chromium (apt-get install chromium)" if chromium is None else "playwright"
        if required:
            pytest.fail(f"the browser test needs {missing}, and CI requires it")
        pytest.skip(f"no browser to draw the report in: {missing} is not installed")
    return sync_playwright, chromium


PLOTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  id: gd.id,
  traces: gd.data.length,
  points: gd.data.map(t => t.type === 'heatmap' ? (t.z || []).length
                                                 : (t.x || t.y || []).length),
  titles: Object.keys(gd._fullLayout)
    .filter(k => /^[xy]axis\\d*$/.test(k) && gd._fullLayout[k].visible !== false
                 && gd._fullLayout[k]._id)
    .map(k => [k, (gd._fullLayout[k].title || {}).text || '']),
  drawn: gd.querySelectorAll('.main-svg').length,
}))"""


def test_every_figure_draws_in_chromium_and_the_pixel_slider_works(report):
    sync_playwright, chromium = _browser()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.plot .js-plotly-plot')].length === {FIGURES} &&"
            " [...document.querySelectorAll('.js-plotly-plot')].every(gd => gd._fullLayout)"
        )
        plots = page.evaluate(PLOTS)
        assert len(plots) == FIGURES
        traces = {plot["id"]: plot["traces"] for plot in plots}
        assert traces["split-figure-1"] == 3  # one per split
        assert traces["loader-figure-1"] == 3 * 12  # raw, kept, bucketed for each of 12 pixels
        assert traces["train-figure-3"] == 1  # the confusion matrix
        for plot in plots:
            assert plot["traces"] > 0 and max(plot["points"]) > 0, plot["id"]
            assert plot["drawn"] > 0, plot["id"]
            untitled = [axis for axis, title in plot["titles"] if not title.strip()]
            assert not untitled, f"{plot['id']}: axes without a title {untitled}"
        page.screenshot(path=str(SCREENSHOTS / "report-1280.png"), full_page=True)

        inspection = page.locator("#loader-figure-1")
        before = inspection.evaluate("gd => [gd.layout.title.text, gd.data.map(t => t.visible)]")
        rail = inspection.locator(".slider-rail-touch-rect")
        box = rail.bounding_box()
        rail.click(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
        page.wait_for_timeout(500)
        after = inspection.evaluate("gd => [gd.layout.title.text, gd.data.map(t => t.visible)]")
        assert after[0] != before[0] and after[1] != before[1]  # another pixel's series shown
        assert sum(v is True for v in after[1]) == sum(v is True for v in before[1])

        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1, f"the page is {overflow} px wider than a phone's screen"
        page.screenshot(path=str(SCREENSHOTS / "report-390.png"), full_page=True)
        browser.close()
    assert errors == []
