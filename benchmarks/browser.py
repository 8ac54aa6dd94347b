"""What Chromium sees for `make bench`: bytes on the wire per page, third-party requests, and
how soon the quick exit hides the page.

    python benchmarks/browser.py BASE_URL SESSION_COOKIE PAGES_JSON

PAGES_JSON maps a label to [path, signed_in]. Prints one JSON line.
"""

import json
import statistics
import sys
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
KINDS = {"document": "html", "stylesheet": "css", "script": "js"}

# Watches for the quick exit's class and the next frame after it; notes each Shift event.
WATCH_EXIT = """() => {
  window.__exit = {shifts: []};
  const note = (event) => { if (event.key === "Shift") window.__exit.shifts.push(event.timeStamp); };
  document.addEventListener("keydown", note, true);
  document.addEventListener("keyup", note, true);
  new MutationObserver(() => {
    if (document.documentElement.classList.contains("quick-exit-active") && !window.__exit.hidden) {
      window.__exit.hidden = performance.now();
      requestAnimationFrame(() => { window.__exit.frame = performance.now(); });
    }
  }).observe(document.documentElement, {attributes: true, attributeFilter: ["class"]});
}"""


def page_weight(context, base: str, path: str) -> dict:
    """Encoded bytes of HTML, CSS and JS the page loads (cache empty), and requests elsewhere."""
    host = urlsplit(base).netloc
    page = context.new_page()
    seen: list = []
    asked: list = []
    page.on("request", lambda request: asked.append(request))
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(base + path, wait_until="networkidle")
    totals = {"html": 0, "css": 0, "js": 0, "other": 0}
    third_party = sum(1 for request in asked if urlsplit(request.url).netloc != host)
    for request in seen:
        if urlsplit(request.url).netloc != host:
            continue
        totals[KINDS.get(request.resource_type, "other")] += request.sizes()["responseBodySize"]
    page.close()
    return {**totals, "third_party": third_party, "requests": len(asked)}


def exit_timings(context, base: str, path: str, rounds: int = 7) -> dict:
    """Milliseconds from the third Shift to the page hidden (class set), and to the next frame."""
    page = context.new_page()
    # The exit's sign-out and the neutral site are not part of the measure (and must not end the
    # bench's session): both are refused here.
    page.route("**/*", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    hidden, frame = [], []
    for _ in range(rounds):
        page.goto(base + path, wait_until="networkidle")
        page.evaluate(WATCH_EXIT)
        for _ in range(3):
            page.keyboard.press("Shift")
        page.wait_for_function("() => window.__exit.frame !== undefined", timeout=5000)
        result = page.evaluate("() => window.__exit")
        pressed = max(stamp for stamp in result["shifts"] if stamp <= result["hidden"])
        hidden.append(result["hidden"] - pressed)
        frame.append(result["frame"] - pressed)
    page.close()
    return {"to_hidden_ms": round(statistics.median(hidden), 2), "to_next_frame_ms": round(statistics.median(frame), 2)}


def main() -> None:
    base, session, pages = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    host = urlsplit(base).hostname
    results: dict = {"pages": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for label, (path, signed_in) in pages.items():
            context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
            context.route(lambda url: urlsplit(url).hostname != host, lambda route: route.abort())
            if signed_in:
                context.add_cookies([{"name": "session", "value": session, "domain": host, "path": "/"}])
            results["pages"][label] = page_weight(context, base, path)
            context.close()
        context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
        context.add_cookies([{"name": "session", "value": session, "domain": host, "path": "/"}])
        try:
            results["quick_exit"] = exit_timings(context, base, "/notes/new/")
        except Exception as error:  # noqa: BLE001  (the page weights above are still worth reporting)
            results["quick_exit"] = None
            print(f"quick exit not measured: {error.__class__.__name__}", file=sys.stderr)
        context.close()
        browser.close()
    print("BENCH-JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
