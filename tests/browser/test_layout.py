"""The quick exit's place on the page: hidden in print, never over a form field on a 320 px phone,
and pages that raise no Content Security Policy violations or script errors."""

import pytest
from playwright.sync_api import expect

from tests.factories import MemberFactory

FIELDS = "input:not([type=hidden]), button, select, textarea"

# Where the focused element and the exit bar are on screen (viewport pixels), and what it is.
FOCUS_STATE = """(fieldSelector) => {
    const element = document.activeElement;
    const rect = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,
        left: r.left, right: r.right, width: r.width, height: r.height}; };
    return {
        isField: element.matches(fieldSelector),
        name: element.name || element.id || element.textContent.trim().slice(0, 30),
        inFooter: !!element.closest("footer"),
        field: rect(element),
        bar: rect(document.querySelector(".quick-exit-bar")),
        viewportHeight: window.innerHeight,
        exiting: document.documentElement.classList.contains("quick-exit-active"),
    };
}"""


def overlap(a, b):
    """How many square pixels two rectangles share."""
    width = min(a["right"], b["right"]) - max(a["left"], b["left"])
    height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(width, 0) * max(height, 0)


def box_to_rect(box):
    return {
        "top": box["y"],
        "bottom": box["y"] + box["height"],
        "left": box["x"],
        "right": box["x"] + box["width"],
    }


# --- Print ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in page", "member home"])
def test_print_leaves_out_the_quick_exit(page, sign_in, signed_in):
    if signed_in:
        sign_in(page, MemberFactory())
    else:
        page.goto("/accounts/login/")
    bar = page.locator(".quick-exit-bar")
    exit_links = page.locator("a[data-quick-exit]")
    expect(bar).to_be_visible()
    expect(page.get_by_role("link", name="Exit this page", exact=True)).to_be_visible()

    page.emulate_media(media="print")

    expect(bar).to_be_hidden()
    for link in exit_links.all():
        expect(link).to_be_hidden()
    expect(page.get_by_text("or press Shift 3 times")).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()  # the page itself still prints

    page.emulate_media(media="screen")
    expect(bar).to_be_visible()


# --- 320 px --------------------------------------------------------------------------------------


def _sign_up_with_errors(page):
    """The sign-up form after a failed attempt: longer, with error messages above the fields."""
    page.goto("/accounts/signup/")
    page.locator('[name="email"]').fill("someone@example.org")
    page.locator('[name="password1"]').fill("lantern-orchard-quietly-74")
    page.locator('[name="password2"]').fill("a-different-password-99")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".errorlist").first).to_be_visible()


FORM_PAGES = {
    "sign-in": lambda page: page.goto("/accounts/login/"),
    "sign-up": lambda page: page.goto("/accounts/signup/"),
    "sign-up-with-errors": _sign_up_with_errors,
}


@pytest.mark.parametrize("height", [640, 400], ids=["320x640", "320x400-keyboard-open"])
@pytest.mark.parametrize("form_page", FORM_PAGES.keys())
def test_exit_bar_never_covers_a_form_field_at_320px(new_context, live_server, form_page, height):
    page = new_context(viewport={"width": 320, "height": height}).new_page()
    FORM_PAGES[form_page](page)
    expect(page.get_by_text("or press Shift 3 times")).to_be_visible()  # the bar at its tallest

    assert_fields_clear_of_exit_bar(page, live_server)


def test_exit_bar_never_covers_a_form_field_at_320px_without_javascript(new_context, live_server):
    page = new_context(viewport={"width": 320, "height": 400}, java_script_enabled=False).new_page()
    page.goto("/accounts/signup/")

    assert_fields_clear_of_exit_bar(page, live_server)


def assert_fields_clear_of_exit_bar(page, live_server):
    bar = page.locator(".quick-exit-bar")
    expect(page.get_by_role("link", name="Exit this page", exact=True)).to_be_in_viewport()

    # Nothing is wider than the phone, so nothing hides off to the side either.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    fields = page.locator(f"main :is({FIELDS})")
    assert fields.count() >= 3
    bar_rect = box_to_rect(bar.bounding_box())
    for field in fields.all():
        assert overlap(box_to_rect(field.bounding_box()), bar_rect) == 0, field.evaluate("e => e.outerHTML")

    # Move through the page with the keyboard, forwards and then back (Shift+Tab, which must not
    # count towards the Shift x3 exit), checking each focused field is clear of the sticky bar.
    visited = {"forwards": [], "backwards": []}
    for direction, key in (("forwards", "Tab"), ("backwards", "Shift+Tab")):
        for _ in range(40):
            page.keyboard.press(key)
            state = page.evaluate(FOCUS_STATE, FIELDS)
            assert state["exiting"] is False
            if state["isField"]:
                visited[direction].append(state["name"])
                assert overlap(state["field"], state["bar"]) == 0, (direction, state)
                assert state["field"]["top"] >= state["bar"]["bottom"], (direction, state)
                assert state["field"]["bottom"] <= state["viewportHeight"] + 1, (
                    direction,
                    state,
                )  # sub-pixel
            if direction == "forwards" and state["inFooter"]:
                break
            if direction == "backwards" and state["name"] == "Exit this page now":
                break
        else:
            raise AssertionError(f"Tab ({direction}) never reached the end: {visited}")

    assert len(visited["forwards"]) == fields.count()
    assert visited["backwards"] == list(reversed(visited["forwards"]))

    # Focus each field directly (as a tap does), starting from the bottom of the page.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    for field in reversed(fields.all()):
        field.focus()
        field_rect = box_to_rect(field.bounding_box())
        assert overlap(field_rect, box_to_rect(bar.bounding_box())) == 0, field.evaluate("e => e.outerHTML")
    assert page.url.startswith(live_server.url)


# --- Content Security Policy and script errors ---------------------------------------------------

# Reported to the console by the page itself as well, in case Chromium words its own message
# differently one day.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watch_page():
    """Collects Content Security Policy violations and uncaught script errors from a page."""

    def watch(page):
        problems = []
        page.add_init_script(CSP_LISTENER)
        page.on(
            "console",
            lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return problems

    return watch


def _use_the_page(page):
    """What a visitor does that runs the page's scripts: a Shift press, focusing fields."""
    page.keyboard.press("Shift")
    for field in page.locator(f"main :is({FIELDS})").all():
        field.focus()
    page.wait_for_timeout(100)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/help/using-this-site/"])
def test_public_pages_raise_no_csp_violations(page, watch_page, path):
    problems = watch_page(page)
    response = page.goto(path)
    assert response.status == 200
    assert response.headers["content-security-policy"]
    _use_the_page(page)

    assert problems == []


def test_signed_in_pages_and_the_exit_raise_no_csp_violations(page, watch_page, sign_in, neutral_url):
    problems = watch_page(page)
    sign_in(page, MemberFactory(before_you_start_seen_at=None))
    assert page.url.endswith("/start/")
    _use_the_page(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/accounts/two-step/offer/")
    _use_the_page(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Set it up now").click()
    _use_the_page(page)  # the QR code is an image drawn by the portal, allowed by the policy
    page.goto("/home/")
    _use_the_page(page)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")  # the third press: the exit
    page.wait_for_url(neutral_url)

    assert problems == []


def test_csp_watch_catches_a_violation(page, watch_page, live_server):
    """The checks above can fail: an inline script is refused and reported."""
    problems = watch_page(page)
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.head.appendChild(script);
        }"""
    )
    page.wait_for_timeout(100)

    assert page.evaluate("window.inlineRan") is None
    assert any("Content Security Policy" in problem for problem in problems), problems
