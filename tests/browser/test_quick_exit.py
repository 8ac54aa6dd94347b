"""The quick exit in real Chromium: the points of DESIGN.md "The quick exit" a browser can show.

Points 1-5 are here (and the idle-timeout warning, at the end); point 9 (print, 320 px) is in
test_layout.py. Points 6-8 are about what the server sends and belong with tests/portal/.
"""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from playwright.sync_api import expect

from portal.accounts.models import SignedInSession
from tests.factories import MemberFactory

EXIT_LINK_TEXT = "Exit this page"  # the visible button; the skip-link copy says "Exit this page now"
EXIT_PATH = "/exit/"  # both links point here; it signs out, then sends the tab to the neutral site
PRIVATE_SENTENCE = "He was waiting by the bus stop again at seven"


def press_shift(page, times=1):
    for _ in range(times):
        page.keyboard.press("Shift")


def status_region(page):
    return page.locator("[data-quick-exit-status]")


def assert_still_here(page, live_server):
    """The exit has not been triggered: the class the exit sets is absent and we have not left.

    quick-exit.js hides the page synchronously on the keyup that triggers it, so checking right
    after ``keyboard.press`` returns is deterministic.
    """
    assert page.url.startswith(live_server.url)
    assert "quick-exit-active" not in (page.evaluate("document.documentElement.className") or "")


def expect_on_neutral_site(page, neutral_url):
    page.wait_for_url(neutral_url)
    expect(page.locator("h1")).to_have_text("Weather")
    assert page.title() == "Weather"


def exit_without_javascript(page, neutral_url, press):
    """Press the exit with scripts off and check the tab went through /exit/ to the neutral site."""
    with page.expect_request(f"{neutral_url}**") as neutral_request:
        press()
    request = neutral_request.value
    # The server was asked first (it ends the session), and its redirect carried no referrer.
    assert request.redirected_from is not None
    assert request.redirected_from.url.endswith(EXIT_PATH)
    assert "referer" not in request.all_headers()
    # Playwright's routes do not see where a redirect leads, so Chromium first finds the
    # stand-in neutral site unreachable; it then reloads its error page by itself, and that
    # request is answered by the route. Waiting on the address (not on that first load) allows
    # for both steps.
    expect(page).to_have_url(neutral_url)
    expect(page.locator("h1")).to_have_text("Weather")


def wait_until(page, condition, message, timeout_ms=5_000):
    """Let Playwright deliver events until ``condition()`` holds."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(message)


def exit_button(page):
    return page.get_by_role("link", name=EXIT_LINK_TEXT, exact=True)


def assert_no_private_text(page, member):
    expect(page.get_by_text(PRIVATE_SENTENCE)).to_have_count(0)
    expect(page.get_by_text(member.email)).to_have_count(0)


# --- 1 and 2: Shift three times, and what does not count ---------------------------------------


def test_pressing_shift_three_times_leaves_for_the_neutral_site(page, signed_in_member, neutral_url):
    expect(page.locator("main")).to_contain_text(signed_in_member.email)
    # The shortcut is offered only once the script that implements it is running.
    expect(page.locator("[data-quick-exit-hint]")).to_have_text("or press Shift 3 times")
    expect(page.locator("[data-quick-exit-hint]")).to_be_visible()

    press_shift(page, 3)

    expect_on_neutral_site(page, neutral_url)


def test_each_shift_press_only_has_to_come_within_five_seconds_of_the_last(page, live_server, neutral_url):
    page.clock.install()
    page.goto("/")
    press_shift(page)
    page.clock.fast_forward(4_000)
    press_shift(page)
    page.clock.fast_forward(4_000)  # 8 s since the first press, 4 s since the last
    press_shift(page)

    expect_on_neutral_site(page, neutral_url)


def test_a_pause_of_more_than_five_seconds_starts_the_count_again(page, live_server):
    page.clock.install()
    page.goto("/")
    press_shift(page, 2)
    page.clock.fast_forward(5_100)
    press_shift(page)

    assert_still_here(page, live_server)
    expect(status_region(page)).to_contain_text("2 more times")


@pytest.mark.parametrize(
    "chord",
    [
        ["Shift+KeyA"],  # a capital letter: Shift is held while A is pressed
        ["down:Shift", "KeyA", "up:Shift"],
        ["Shift+Tab"],  # moving back through a form
        ["down:Control", "Shift", "up:Control"],  # switching keyboard layout
        ["down:Alt", "Shift", "up:Alt"],
    ],
    ids=["shift+a", "shift-held-over-a", "shift+tab", "ctrl+shift", "alt+shift"],
)
def test_shift_used_with_another_key_does_not_count(page, live_server, neutral_url, chord):
    page.goto("/")
    for step in chord:
        if step.startswith("down:"):
            page.keyboard.down(step[5:])
        elif step.startswith("up:"):
            page.keyboard.up(step[3:])
        else:
            page.keyboard.press(step)
    press_shift(page, 2)

    # Only the two plain presses counted.
    assert_still_here(page, live_server)
    expect(status_region(page)).to_contain_text("1 more time")

    press_shift(page)
    expect_on_neutral_site(page, neutral_url)


def test_any_other_key_between_shift_presses_resets_the_count(page, live_server, neutral_url):
    page.goto("/accounts/login/")
    page.locator('[name="login"]').focus()
    press_shift(page, 2)
    page.keyboard.press("KeyA")
    press_shift(page)

    assert_still_here(page, live_server)
    expect(status_region(page)).to_contain_text("2 more times")

    press_shift(page, 2)
    expect_on_neutral_site(page, neutral_url)


# --- 2: the announcements ----------------------------------------------------------------------


def test_status_region_announces_the_count_and_its_expiry(page, live_server):
    page.goto("/")
    status = status_region(page)
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    box = status.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1, f"status region should be visually hidden: {box}"
    expect(status).to_be_empty()

    press_shift(page)
    expect(status).to_contain_text("2 more times")
    press_shift(page)
    expect(status).to_contain_text("1 more time")

    page.wait_for_timeout(4_000)
    expect(status).to_contain_text("1 more time")  # still within the 5 s window
    expect(status).to_contain_text("expired", timeout=2_500)
    assert_still_here(page, live_server)

    # Expired means the count starts again: one press now is the first of three.
    press_shift(page)
    expect(status).to_contain_text("2 more times")


# --- 1 and 4: the visible button, the skip-link copy, and no JavaScript ----------------------


def test_clicking_exit_this_page_leaves_and_signs_out(page, signed_in_member, live_server, neutral_url):
    exit_button(page).click()

    expect_on_neutral_site(page, neutral_url)
    page.goto("/home/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/home/$"))


@pytest.mark.parametrize("where", ["/home/", "/notes/new/", "/accounts/login/"])
def test_skip_link_copy_of_the_exit_is_the_first_tab_stop(new_context, sign_in, live_server, neutral_url, where):
    page = new_context().new_page()
    if where != "/accounts/login/":
        sign_in(page, MemberFactory())
    page.goto(where)
    skip_exit = page.locator(".skip-link[data-quick-exit]")
    assert skip_exit.bounding_box()["x"] < 0, "the skip link should sit off-screen until focused"

    page.keyboard.press("Tab")  # once, from a freshly loaded page

    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert page.evaluate("document.activeElement.matches('.skip-link[data-quick-exit]')"), focused
    assert focused == "Exit this page now"
    # "Skip to main content" still comes among the first stops, after the exit's two links.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    box = skip_exit.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, f"the focused skip link should be on screen: {box}"
    expect(skip_exit).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect_on_neutral_site(page, neutral_url)


def test_both_exit_links_are_plain_noreferrer_links_to_the_exit_address(page, signed_in_member, neutral_url):
    # The portal's own exit address, which signs out before sending the tab on: a tap made
    # before the script has loaded must end the session too. The script reads the neutral site
    # from the bar.
    links = page.locator("a[data-quick-exit]")
    expect(links).to_have_count(2)
    for link in links.all():
        assert link.get_attribute("href") == EXIT_PATH
        assert "noreferrer" in link.get_attribute("rel").split()
    expect(page.locator(".quick-exit-bar")).to_have_attribute("data-quick-exit-destination", neutral_url)


def test_exit_link_works_without_javascript(new_context, live_server, neutral_url):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/accounts/login/")
    expect(page.locator("[data-quick-exit-hint]")).to_be_hidden()  # no Shift shortcut without the script
    links = page.locator("a[data-quick-exit]")
    expect(links).to_have_count(2)
    for link in links.all():
        assert link.get_attribute("href") == EXIT_PATH
        assert "noreferrer" in link.get_attribute("rel").split()

    exit_without_javascript(page, neutral_url, exit_button(page).click)


@pytest.mark.parametrize("which", ["button", "skip-link"])
def test_without_javascript_the_exit_signs_out_on_the_server(
    new_context, sign_in, live_server, neutral_url, session_cookie, which
):
    """A tap before the script has loaded (a slow phone) or with scripts off: the link alone
    must end the session, so Back, reload and a copied cookie all find only the sign-in page."""
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    member = MemberFactory()
    sign_in(page, member)
    page.goto("/notes/new/")
    page.get_by_label("What happened").fill(PRIVATE_SENTENCE)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text(PRIVATE_SENTENCE)  # the saved entry
    page.goto("/notes/")
    expect(page.locator("main")).to_contain_text(PRIVATE_SENTENCE)
    old_cookie = session_cookie(context)
    session_key = old_cookie["value"]
    assert Session.objects.filter(session_key=session_key).exists()
    assert SignedInSession.objects.filter(user=member).exists()

    def press():
        if which == "button":
            exit_button(page).click()
        else:
            page.locator(".skip-link[data-quick-exit]").focus()
            page.keyboard.press("Enter")

    exit_without_javascript(page, neutral_url, press)
    # Ended on the server: the session row and its place in the owner's list are gone.
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not SignedInSession.objects.filter(user=member).exists()
    assert session_cookie(context) is None

    page.go_back()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/notes/$"))
    expect(page.locator('main [name="password"]')).to_be_visible()  # the sign-in form
    assert_no_private_text(page, member)
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/notes/$"))
    assert_no_private_text(page, member)

    # Whoever copied the cookie before the exit gets only the sign-in page, in a browser...
    thief = new_context(java_script_enabled=False)
    thief.add_cookies([old_cookie])
    thief_page = thief.new_page()
    thief_page.goto("/notes/")
    expect(thief_page).to_have_url(re.compile(r"/accounts/login/\?next=/notes/$"))
    assert_no_private_text(thief_page, member)
    # ...or by hand.
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    response = replay.get("/notes/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/notes/"


# --- 3 and 4: hidden at once, session ended, then replaced -------------------------------------


# While a cross-site navigation is pending, Chromium holds back DevTools commands to the page
# (page.evaluate would wait for the new page), so the page reports its own state instead.
STATE_PROBE = """
setInterval(function () {
  var main = document.querySelector("main");
  console.log("exit-probe " + JSON.stringify({
    url: location.href,
    title: document.title,
    active: document.documentElement.classList.contains("quick-exit-active"),
    bodyVisibility: getComputedStyle(document.body).visibility,
    mainVisible: main ? main.checkVisibility({visibilityProperty: true}) : null
  }));
}, 50);
"""


def test_page_is_hidden_and_retitled_before_the_neutral_site_arrives(page, signed_in_member, live_server, neutral_url):
    reports = []
    page.on(
        "console",
        lambda message: (
            reports.append(json.loads(message.text.removeprefix("exit-probe ")))
            if message.text.startswith("exit-probe ")
            else None
        ),
    )
    page.add_init_script(STATE_PROBE)
    page.reload()
    original_title = page.title()
    assert "Daybook" in original_title
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    held = []
    page.route(f"{neutral_url}**", lambda route: held.append(route))  # keep the neutral page back

    press_shift(page, 3)
    wait_until(page, lambda: held, "the tab never set off for the neutral site")
    reports_before = len(reports)
    wait_until(page, lambda: len(reports) >= reports_before + 3, "the page stopped reporting its state")

    # The navigation is under way but has not finished: the portal's page is still there,
    # and everything it showed is hidden and its title is neutral.
    for state in reports[reports_before:]:
        assert state["url"] == f"{live_server.url}/home/"
        assert state["active"] is True
        assert state["bodyVisibility"] == "hidden"
        assert state["mainVisible"] is False
        assert state["title"] != original_title
        assert "Daybook" not in state["title"] and "Home" not in state["title"]

    # The sign-out was sent first, then the neutral site was asked for, with no referrer.
    portal_and_neutral = [(method, url) for method, url in requests if "/static/" not in url]
    exit_index = portal_and_neutral.index(("POST", f"{live_server.url}/exit/"))
    neutral_index = next(i for i, (_, url) in enumerate(portal_and_neutral) if url.startswith(neutral_url))
    assert exit_index < neutral_index
    assert "referer" not in held[0].request.all_headers()

    held[0].fulfill(status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>")
    expect_on_neutral_site(page, neutral_url)


def test_exit_endpoint_answers_with_clear_site_data(page, context, signed_in_member, live_server, session_cookie):
    assert session_cookie(context) is not None

    with page.expect_response(lambda response: response.url == f"{live_server.url}/exit/") as exit_info:
        exit_button(page).click()

    response = exit_info.value
    assert response.request.method == "POST"
    assert response.status == 204
    clear_site_data = response.header_value("Clear-Site-Data")
    for data_type in ('"cache"', '"cookies"', '"storage"'):
        assert data_type in clear_site_data
    page.wait_for_url(re.compile(r"^https://weather\.example/"))
    assert session_cookie(context) is None

    # The plain-link form of the endpoint redirects to the neutral site with the same header.
    direct = context.request.get("/exit/", max_redirects=0)
    assert direct.status == 302
    assert direct.headers["location"] == "https://weather.example/"
    assert '"cookies"' in direct.headers["clear-site-data"]


# --- 5: nothing private after leaving ------------------------------------------------------------


def test_after_exit_back_reload_and_the_old_cookie_all_lead_to_sign_in(
    page, context, new_context, signed_in_member, live_server, neutral_url, session_cookie
):
    email = signed_in_member.email
    # A second signed-in page, so that Back from the neutral site lands on the member's home.
    page.locator("main").get_by_role("link", name="Using this site safely").click()
    page.wait_for_url("**/help/using-this-site/")
    old_cookie = session_cookie(context)

    # Control: the captured cookie is a working key to the member's home before the exit.
    thief = new_context()
    thief.add_cookies([old_cookie])
    thief_page = thief.new_page()
    thief_page.goto("/home/")
    expect(thief_page).to_have_url(f"{live_server.url}/home/")
    expect(thief_page.locator("main")).to_contain_text(email)

    press_shift(page, 3)
    expect_on_neutral_site(page, neutral_url)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/home/$"))
    expect(page.locator('main [name="password"]')).to_be_visible()  # the sign-in form
    expect(page.get_by_text(email)).to_have_count(0)

    page.goto("/home/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/home/$"))
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/home/$"))
    expect(page.get_by_text(email)).to_have_count(0)

    # Whoever copied the cookie before the exit gets nothing now.
    thief_page.goto("/home/")
    expect(thief_page).to_have_url(re.compile(r"/accounts/login/\?next=/home/$"))
    expect(thief_page.get_by_text(email)).to_have_count(0)
    late_thief = new_context()
    late_thief.add_cookies([old_cookie])
    late_page = late_thief.new_page()
    late_page.goto("/home/")
    expect(late_page).to_have_url(re.compile(r"/accounts/login/\?next=/home/$"))


# --- The idle timeout's warning, which also keeps a left-open page from staying signed in --------


def test_idle_warning_appears_and_stay_signed_in_hides_it(page, settings, sign_in, live_server):
    settings.SESSION_IDLE_TIMEOUT = 5
    settings.SESSION_IDLE_WARNING = 3  # the warning shows after 2 s of nothing
    member = MemberFactory()
    sign_in(page, member)
    box = page.locator("[data-idle-warning-box]")
    expect(box).to_be_hidden()

    expect(box).to_be_visible(timeout=4_000)
    expect(box).to_have_attribute("role", "alert")
    with page.expect_response("**/session/keep-alive/") as keep_alive:
        box.get_by_role("button", name="Stay signed in").click()
    assert keep_alive.value.status == 204
    expect(box).to_be_hidden()

    # Left alone, the page reloads once the server has ended the session: the sign-in page.
    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=10_000)
    expect(page.get_by_text("You were signed out because nothing happened for a while.")).to_be_visible()
    expect(page.get_by_text(member.email)).to_have_count(0)


def test_stay_signed_in_after_the_server_ended_the_session_shows_sign_in(page, settings, sign_in, live_server):
    settings.SESSION_IDLE_TIMEOUT = 60
    settings.SESSION_IDLE_WARNING = 59  # the page warns after 1 s and would reload after 61 s
    member = MemberFactory()
    sign_in(page, member)
    box = page.locator("[data-idle-warning-box]")
    expect(box).to_be_visible(timeout=3_000)
    # Meanwhile the server's limit passes (a laptop asleep, a tab left in the background).
    settings.SESSION_IDLE_TIMEOUT = 1
    page.wait_for_timeout(1_500)

    box.get_by_role("button", name="Stay signed in").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=5_000)
    expect(page.get_by_text(member.email)).to_have_count(0)
