"""What Chromium sees for `make bench`: bytes on the wire per page, third-party requests, and
how soon the quick exit hides the page.

    python benchmarks/browser.py BASE_URL SESSION_COOKIE PAGES_JSON

PAGES_JSON maps a label to [path, signed_in]. Prints one JSON line.
"""

import json
import statistics
import sys
import time
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
KINDS = {"document": "html", "stylesheet": "css", "script": "js"}
PROXY = {"X-Forwarded-Proto": "https"}  # as the TLS proxy says it, so production settings do not redirect
EXIT_PATH = "/exit/"  # the quick exit's sign-out (portal/urls.py)
EXIT_PAGE = "/notes/new/"
ROUNDS = 15  # per way of pressing the exit

# Stamps each press and reports, through the binding, when the page was hidden and when the
# first frame after the press that hid it had been painted. Window capture listeners run before
# the exit's own (on document), so the press is stamped, and its frame callback registered, before
# the exit does anything: the frame callback then runs first in that frame, and the message posted
# from it runs once the frame's style, layout and paint are done, ahead of any work the exit puts
# off until after the frame. The frame is checked to have rendered the page hidden.
WATCH_EXIT = """(press) => {
  const presses = [];
  let hidden = null;
  const report = () => {
    if (hidden && hidden.press && hidden.press.painted !== undefined && !hidden.reported) {
      hidden.reported = true;
      window.__exitMeasured({pressed: hidden.press.pressed, hidden: hidden.at, painted: hidden.press.painted,
                             hiddenInFrame: hidden.press.hiddenInFrame});
    }
  };
  window.addEventListener(press, (event) => {
    if (press === "keyup" && event.key !== "Shift") { return; }
    const record = {pressed: event.timeStamp};
    presses.push(record);
    requestAnimationFrame(() => {
      record.hiddenInFrame = document.documentElement.classList.contains("quick-exit-active");
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { record.painted = performance.now(); report(); };
      channel.port2.postMessage(null);
    });
  }, true);
  new MutationObserver((changes, observer) => {
    if (!document.documentElement.classList.contains("quick-exit-active")) { return; }
    observer.disconnect();
    hidden = {at: performance.now(), press: presses[presses.length - 1]};
    report();
  }).observe(document.documentElement, {attributes: true, attributeFilter: ["class"]});
}"""


def _own(request, host: str) -> bool:
    return urlsplit(request.url).netloc == host


def page_weight(context, base: str, path: str) -> dict:
    """Bytes of HTML, CSS, JS and the rest as sent (cache empty; bodies as encoded on the wire),
    how each kind was encoded (WhiteNoise sends br or gzip only to a browser that asked for it),
    and the requests that went anywhere else."""
    host = urlsplit(base).netloc
    page = context.new_page()
    asked: list = []
    finished: list = []
    page.on("request", lambda request: asked.append(request))
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(base + path, wait_until="networkidle")
    if urlsplit(page.url).path != urlsplit(base + path).path:
        # A signed-in page that fell back to the sign-in page would be weighed as the wrong page.
        raise RuntimeError(f"{path} ended on {urlsplit(page.url).path}")
    totals = {"html": 0, "css": 0, "js": 0, "other": 0}
    encodings: dict[str, set] = {"html": set(), "css": set(), "js": set()}
    for request in finished:
        if not _own(request, host):
            continue
        kind = KINDS.get(request.resource_type, "other")
        totals[kind] += request.sizes()["responseBodySize"]
        if kind in encodings:
            response = request.response()
            encodings[kind].add((response.headers.get("content-encoding") if response else None) or "none")
    third_party = sorted(
        {urlsplit(request.url).hostname or request.url for request in asked if not _own(request, host)}
    )
    page.close()
    return {
        **totals,
        "total": sum(totals.values()),
        "encoding": {kind: "/".join(sorted(found)) for kind, found in encodings.items() if found},
        "requests": len(asked),
        "third_party": len([request for request in asked if not _own(request, host)]),
        "third_party_hosts": third_party,
    }


def exit_timings(browser, base: str, session: str, rounds: int = ROUNDS) -> dict:
    """Milliseconds from the press to the page hidden (the class set) and to the first frame
    painted hidden, for a click on the exit button and for Shift pressed three times.

    The exit's sign-out is held back and then refused, and its neutral site is answered here, so
    neither is part of the measure and the bench's session stays signed in (checked at the end).
    """
    host = urlsplit(base).hostname
    context = browser.new_context(extra_http_headers=PROXY)
    context.add_cookies([{"name": "session", "value": session, "domain": host, "path": "/"}])
    measured: list[dict] = []
    held: list = []
    context.expose_binding("__exitMeasured", lambda source, figures: measured.append(figures))

    def on_request(route) -> None:
        request = route.request
        if urlsplit(request.url).hostname != host:
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Weather</title>")
        elif request.method == "POST" and urlsplit(request.url).path == EXIT_PATH:
            held.append(route)  # the script waits for it (up to its own limit) before it leaves
        else:
            route.continue_()

    context.route("**/*", on_request)
    figures: dict = {}
    for press in ("click", "keyup"):
        hidden, painted = [], []
        for _ in range(rounds):
            page = context.new_page()
            page.goto(base + EXIT_PAGE, wait_until="networkidle")
            if urlsplit(page.url).path != EXIT_PAGE:
                raise RuntimeError(f"{EXIT_PAGE} ended on {urlsplit(page.url).path}: the session was not signed in")
            page.wait_for_timeout(100)  # the page's own start-up work is over before the press
            page.evaluate(WATCH_EXIT, press)
            before = len(measured)
            if press == "click":
                page.locator("a.quick-exit").click()
            else:
                for _ in range(3):
                    page.keyboard.press("Shift")
            deadline = time.monotonic() + 5
            while len(measured) == before:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the exit did not hide the page after a {press}")
                page.wait_for_timeout(10)
            result = measured[-1]
            if not result["hiddenInFrame"]:
                raise RuntimeError(f"the frame after the {press} still showed the page")
            hidden.append(result["hidden"] - result["pressed"])
            painted.append(result["painted"] - result["pressed"])
            # The sign-out is waited for and answered here, not refused: a refused one makes the
            # script fall back to a beacon, and a keepalive request still to come when the page
            # closes goes past the routes, straight to the server.
            while not held:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the exit never asked to sign out after a {press}")
                page.wait_for_timeout(10)
            for route in held:
                route.fulfill(status=204)
            held.clear()
            page.wait_for_url(lambda url: urlsplit(url).hostname != host)
            page.close()
        figures["click" if press == "click" else "shift x3"] = {
            "to_hidden_ms": _spread(hidden),
            "to_painted_ms": _spread(painted),
        }
    context.unroute("**/*")
    check = context.new_page()
    check.goto(base + EXIT_PAGE)
    if urlsplit(check.url).path != EXIT_PAGE:
        raise RuntimeError("the exit's sign-out reached the server during the measure")
    context.close()
    return {"rounds": rounds, "page": EXIT_PAGE, **figures}


def _spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "worst": round(max(values), 2)}


def main() -> None:
    base, session, pages = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    host = urlsplit(base).hostname
    results: dict = {"pages": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for label, (path, signed_in) in pages.items():
            context = browser.new_context(extra_http_headers=PROXY)
            context.route(lambda url: urlsplit(url).hostname != host, lambda route: route.abort())
            if signed_in:
                context.add_cookies([{"name": "session", "value": session, "domain": host, "path": "/"}])
            results["pages"][label] = page_weight(context, base, path)
            context.close()
        try:
            results["quick_exit"] = exit_timings(browser, base, session)
        except Exception as error:  # noqa: BLE001  (the page weights above are still worth reporting)
            results["quick_exit"] = None
            print(f"quick exit not measured: {error}", file=sys.stderr)
        browser.close()
    print("BENCH-JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
