"""Checks shared by browser tests: axe-core finds nothing, and the page fits a small phone."""

from axe_playwright_python.sync_playwright import Axe

PHONE = {"width": 320, "height": 640}


def assert_accessible(page) -> None:
    results = Axe().run(page)
    problems = [f"{v['id']} ({v['impact']})" for v in results.response["violations"]]
    assert problems == [], f"{page.url}: {problems}"


def assert_fits(page) -> None:
    """Nothing wider than the 320 px phone screen, so nothing needs scrolling sideways."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
