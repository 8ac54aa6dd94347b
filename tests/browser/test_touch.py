"""Every page a member uses suits a thumb on a 390 x 844 phone: each control is at least 44 x 44
CSS px, checkboxes and radios are drawn at least 32 px with a label at least 44 px tall, and
the "or press Shift 3 times" hint is offered only where a keyboard is likely.

The controls are found by the page itself (every focusable or interactive element it holds),
not from a list of selectors, so a control added later is measured too.
"""

import pytest
from playwright.sync_api import expect

from diary import services
from tests.browser.checks import assert_accessible
from tests.diary.helpers import record
from tests.factories import ExportRequestFactory, MemberFactory, png_upload

PHONE = {"width": 390, "height": 844}
TARGET = 44  # CSS px: WCAG 2.5.5 (enhanced), and the GOV.UK and Apple guidance
BOX = 32  # a checkbox or radio drawn smaller than this is hard to see, even with a big label

# Every control on the page, measured as laid out. Skipped: what is not shown (hidden, inside
# a hidden parent) and links inside running text, which WCAG 2.5.8 exempts ("the target is in
# a sentence"): a link whose paragraph, list item or cell holds words besides the link's own.
# Links alone in their paragraph or list item are standalone targets and are measured.
# <details> are opened first, so what they fold away is measured too. A skip link, off-screen
# until focused, is measured as it appears when focused.
MEASURE_CONTROLS = """() => {
    document.querySelectorAll("details").forEach((details) => { details.open = true; });
    const CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
        + "[tabindex]:not([tabindex='-1']), label:has(input)";
    const words = (element) => element.textContent.replace(/\\s+/g, " ").trim();
    const inRunningText = (element) => {
        if (element.tagName !== "A") { return false; }
        const block = element.parentElement.closest("p, li, dd, td");
        return block !== null && words(block) !== words(element);
    };
    const measure = (element) => {
        let rect = element.getBoundingClientRect();
        if (rect.right <= 0 || rect.bottom <= 0) {
            element.focus();
            rect = element.getBoundingClientRect();
            element.blur();
        }
        return rect;
    };
    const describe = (element) => element.outerHTML.replace(/\\s+/g, " ").slice(0, 140);
    const found = [];
    const skipped = [];
    for (const element of document.querySelectorAll(CONTROLS)) {
        if (!element.checkVisibility({ visibilityProperty: true })) { continue; }
        if (inRunningText(element)) { skipped.push(describe(element)); continue; }
        const rect = measure(element);
        const choice = element.matches("input[type=checkbox], input[type=radio]");
        const labels = choice ? Array.from(element.labels).map((label) => {
            const box = label.getBoundingClientRect();
            return { width: box.width, height: box.height };
        }) : [];
        found.push({ what: describe(element), width: rect.width, height: rect.height, choice, labels });
    }
    return { found, skipped };
}"""


def too_small(page) -> tuple[list[str], dict]:
    """What on the page is smaller than a thumb, and what was measured."""
    measured = page.evaluate(MEASURE_CONTROLS)
    problems = []
    for control in measured["found"]:
        size = f"{control['width']:.1f}x{control['height']:.1f}"
        if control["choice"]:
            if control["width"] < BOX or control["height"] < BOX:
                problems.append(f"box {size}: {control['what']}")
            tall_labels = [
                label for label in control["labels"] if label["height"] >= TARGET and label["width"] >= TARGET
            ]
            if not tall_labels:
                problems.append(f"label {control['labels']}: {control['what']}")
        elif control["width"] < TARGET or control["height"] < TARGET:
            problems.append(f"{size}: {control['what']}")
    return problems, measured


@pytest.fixture
def phone_page(new_context):
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


@pytest.fixture
def member_with_entries(db):
    """A member with an edited entry holding a file, a recently deleted entry and a download."""
    member = MemberFactory()
    entry = record(member, "Followed from the station", uploads=[png_upload()], behaviours=["following"])
    services.entry_edit(
        entry=entry,
        data=services.IncidentData(what_happened="Followed from the station to home", occurred_at=entry.occurred_at),
    )
    deleted = record(member, "Parked outside again", day=4)
    services.entry_delete(entry=deleted)
    ExportRequestFactory(member=member)
    return {"member": member, "entry": entry, "deleted": deleted}


def _filtered_timeline(page):
    page.goto("/notes/")
    page.get_by_text("Search and filter").click()
    page.get_by_label("Search your entries").fill("station")
    page.get_by_label("From").fill("2025-03-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Show entries").click()
    expect(page.locator("[data-filter-summary]")).to_be_visible()


# name -> the address (given the member's entries), or a function that opens the page.
MEMBER_PAGES = {
    "home": lambda e: "/home/",
    "timeline": lambda e: "/notes/",
    "timeline, filtered": lambda e: _filtered_timeline,
    "new entry": lambda e: "/notes/new/",
    "entry": lambda e: f"/notes/{e['entry'].id}/",
    "history": lambda e: f"/notes/{e['entry'].id}/history/",
    "edit": lambda e: f"/notes/{e['entry'].id}/edit/",
    "delete": lambda e: f"/notes/{e['entry'].id}/delete/",
    "recently deleted": lambda e: "/notes/deleted/",
    "deleted entry": lambda e: f"/notes/{e['deleted'].id}/",
    "delete now": lambda e: f"/notes/{e['deleted'].id}/delete-now/",
    "empty recently deleted": lambda e: "/notes/deleted/empty/",
    "downloads": lambda e: "/notes/download/",
    "account": lambda e: "/accounts/settings/",
    "sessions": lambda e: "/accounts/sessions/",
    "two-step sign-in": lambda e: "/accounts/two-step/",
    "two-step app": lambda e: "/accounts/two-step/app/",
    "email": lambda e: "/accounts/email/",
    "password": lambda e: "/accounts/password/change/",
    "delete account": lambda e: "/accounts/delete/",
    "reauthenticate": lambda e: "/accounts/reauthenticate/",
}


@pytest.mark.parametrize("name", MEMBER_PAGES.keys())
def test_every_control_on_a_members_page_fits_a_thumb(
    phone_page, sign_in, confirm_it_is_you, live_server, member_with_entries, name
):
    page = phone_page
    member = member_with_entries["member"]
    sign_in(page, member)
    where = MEMBER_PAGES[name](member_with_entries)
    if callable(where):
        where(page)
    else:
        response = page.goto(where)
        if "/accounts/reauthenticate/" in page.url and where != "/accounts/reauthenticate/":
            confirm_it_is_you(page, member)
            response = page.goto(where)
        assert response.status == 200, f"{where}: {response.status}"
        assert page.url == f"{live_server.url}{where}", page.url

    problems, measured = too_small(page)

    assert len(measured["found"]) >= 8  # the header, the exit and the page's own controls
    assert problems == [], f"{name} ({page.url}):\n" + "\n".join(problems)


def test_the_measure_finds_a_small_control(phone_page, live_server):
    """The check above can fail: a small button and an unstyled checkbox are reported, a
    link in a sentence is not."""
    phone_page.goto("/accounts/login/")
    phone_page.evaluate(
        """() => {
            document.querySelector("main").insertAdjacentHTML("beforeend",
                '<button type="reset" class="tiny">x</button>'
                + '<input type="checkbox" id="plain" class="plain-box"><span>no label</span>'
                + '<p>Read <a href="/help/using-this-site/" class="in-prose">this</a> first.</p>');
            // Through the CSSOM, which the page's Content Security Policy allows.
            Object.assign(document.querySelector(".tiny").style, { fontSize: "8px", padding: "0", minHeight: "0" });
            Object.assign(document.querySelector(".plain-box").style, { width: "13px", height: "13px" });
        }"""
    )

    problems, measured = too_small(phone_page)

    assert any('class="tiny"' in problem for problem in problems), problems
    assert any(problem.startswith("box") and "plain-box" in problem for problem in problems), problems
    assert any(problem.startswith("label []") and "plain-box" in problem for problem in problems), problems
    assert not any("in-prose" in problem for problem in problems)
    assert any("in-prose" in skipped for skipped in measured["skipped"])


def test_file_chooser_is_a_large_button_and_lists_the_chosen_files(phone_page, sign_in, live_server, tmp_path):
    photo = tmp_path / "bus stop.png"
    photo.write_bytes(png_upload().read())
    sign_in(phone_page, MemberFactory())
    phone_page.goto("/notes/new/")
    chooser = phone_page.locator('input[type="file"]')

    box = chooser.bounding_box()
    assert box["height"] >= TARGET and box["width"] >= 200, box
    chooser.set_input_files(str(photo))

    chosen = phone_page.locator("[data-chosen-files]")
    expect(chosen).to_be_visible()
    expect(chosen).to_contain_text("bus stop.png")
    expect(chosen).to_contain_text(f"({photo.stat().st_size} bytes)")


def test_show_all_and_clear_are_secondary_buttons(phone_page, sign_in, live_server, member_with_entries):
    """Beside the main action, "Show all" and "Clear" are drawn as secondary buttons (white, with
    a border), not as a second main button."""
    sign_in(phone_page, member_with_entries["member"])
    _filtered_timeline(phone_page)
    main_action = phone_page.get_by_role("button", name="Show entries")
    colour = "element => getComputedStyle(element).backgroundColor"

    for name in ("Show all", "Clear the search and filters"):
        button = phone_page.get_by_role("button", name=name)
        assert button.evaluate(colour) == "rgb(255, 255, 255)", name
        assert button.evaluate(colour) != main_action.evaluate(colour)


def test_an_upload_sent_after_the_session_ended_opens_the_sign_in_page_as_a_page(
    new_context, sign_in, live_server, tmp_path
):
    """The script sends the form itself (for its progress bar) and must follow the answer as a
    plain post would: here the sign-in page, with its own header, not pasted into this one."""
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_upload().read())
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, MemberFactory())
    page.goto("/notes/new/")
    page.get_by_label("What happened").fill("Car outside")
    page.locator('input[type="file"]').set_input_files(str(photo))
    context.clear_cookies()  # the session has ended meanwhile (idle timeout, another device)

    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/notes/new/")
    expect(page.locator("header nav")).to_contain_text("Sign in")
    expect(page.locator("header nav")).not_to_contain_text("Notes")


# --- The Shift hint: only where a keyboard is likely ---------------------------------------------


def test_shift_hint_is_hidden_on_a_touch_screen(phone_page, live_server):
    phone_page.goto("/accounts/login/")
    phone_page.wait_for_load_state("load")

    expect(phone_page.get_by_role("link", name="Exit this page", exact=True)).to_be_visible()
    expect(phone_page.get_by_text("or press Shift 3 times")).to_be_hidden()


def test_shift_hint_is_shown_on_a_desktop(page, live_server):
    page.goto("/accounts/login/")

    expect(page.get_by_text("or press Shift 3 times")).to_be_visible()


# --- axe-core on the diary's pages at 390 x 844, the filtered timeline included ---------------

DIARY_PAGES = [
    "timeline",
    "timeline, filtered",
    "new entry",
    "entry",
    "history",
    "edit",
    "delete",
    "recently deleted",
    "deleted entry",
    "delete now",
    "empty recently deleted",
    "downloads",
]


def test_diary_pages_have_no_axe_violations_on_a_phone(
    phone_page, sign_in, confirm_it_is_you, live_server, member_with_entries
):
    page = phone_page
    member = member_with_entries["member"]
    sign_in(page, member)
    problems = []
    for name in DIARY_PAGES:
        where = MEMBER_PAGES[name](member_with_entries)
        if callable(where):
            where(page)
        else:
            page.goto(where)
            if "/accounts/reauthenticate/" in page.url:
                confirm_it_is_you(page, member)
                page.goto(where)
        page.wait_for_load_state("load")
        for details in page.locator("main details").all():
            details.evaluate("element => element.open = true")
        try:
            assert_accessible(page)
        except AssertionError as failure:
            problems.append(f"{name}: {failure}")
    assert problems == []
