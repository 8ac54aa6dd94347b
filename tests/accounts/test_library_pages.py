"""allauth's and django-otp's pages, and allauth's emails, in the portal's own face and voice.

Every page of theirs that a person can reach extends the portal's layout (so the quick exit is
there), has the neutral one-word title, and speaks in sentence case; every subject they can send
is sentence case and says nothing of what the portal is for. The list of pages is checked
against the URL resolver, so a page allauth adds in an upgrade cannot slip through unchecked.
"""

import re
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from tests.accounts.conftest import SENSITIVE_WORDS
from tests.accounts.pages import controls, sentence_case_problems, texts, title_of
from tests.factories import PASSWORD, MemberFactory, TOTPDeviceFactory
from tests.portal.support import all_routes, parse_page

pytestmark = pytest.mark.django_db

NEW_EMAIL = "new.person@example.org"
NEW_PASSWORD = "lantern-orchard-quietly-74"


# --- Reaching each page ---------------------------------------------------------------------


def _signed_in(client, **kwargs):
    member = MemberFactory(**kwargs)
    client.force_login(member)
    return member


def _link(message, pattern: str) -> str:
    [path] = re.findall(rf"https?://[^/\s]+({pattern}\S*)", message.body)
    return path


def _confirm_email_path(client, mailoutbox) -> str:
    client.post("/accounts/signup/", {"email": NEW_EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    return _link(mailoutbox[-1], "/accounts/confirm-email/")


def _reset_key_path(client, mailoutbox) -> str:
    member = MemberFactory()
    client.post("/accounts/password/reset/", {"email": member.email})
    return _link(mailoutbox[-1], "/accounts/password/reset/key/")


def _locked_out(client, settings):
    member = MemberFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"login": member.email, "password": "not-the-password-1"})
    return response


def _two_step_pending(client):
    member = MemberFactory()
    TOTPDeviceFactory(user=member)
    client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    return client.get("/accounts/two-step/verify/")


# page -> how a person reaches it; each returns the response as the person's browser gets it.
PAGES = {
    "account_login": lambda client, **_: client.get("/accounts/login/"),
    "account_signup": lambda client, **_: client.get("/accounts/signup/"),
    "account_reset_password": lambda client, **_: client.get("/accounts/password/reset/"),
    "account_reset_password_done": lambda client, **_: client.get("/accounts/password/reset/done/"),
    # The link from the email: allauth moves the key out of the address, then shows the form.
    "account_reset_password_from_key": lambda client, mailoutbox, **_: client.get(
        _reset_key_path(client, mailoutbox), follow=True
    ),
    "account_reset_password_from_key (used link)": lambda client, **_: client.get(
        "/accounts/password/reset/key/1-not-a-key/", follow=True
    ),
    "account_reset_password_from_key_done": lambda client, **_: client.get("/accounts/password/reset/key/done/"),
    "account_email_verification_sent": lambda client, **_: client.get("/accounts/confirm-email/"),
    "account_confirm_email": lambda client, mailoutbox, **_: Client().get(_confirm_email_path(client, mailoutbox)),
    "account_confirm_email (used link)": lambda client, **_: client.get("/accounts/confirm-email/not-a-key/"),
    "account_inactive": lambda client, **_: client.get("/accounts/inactive/"),
    "account_logout": lambda client, **_: (_signed_in(client), client.get("/accounts/logout/"))[1],
    "account_reauthenticate": lambda client, **_: (_signed_in(client), client.get("/accounts/reauthenticate/"))[1],
    "account_email": lambda client, **_: (
        _signed_in(client),
        client.confirm_identity(),
        client.get("/accounts/email/"),
    )[2],
    "account_change_password": lambda client, **_: (
        _signed_in(client),
        client.confirm_identity(),
        client.get("/accounts/password/change/"),
    )[2],
    "two_step_verify": lambda client, **_: _two_step_pending(client),
    "lockout": lambda client, settings, **_: _locked_out(client, settings),
}
STATUS = {"lockout": 429}

# allauth's and django-otp-webauthn's addresses that are not pages a person reads, and why.
NOT_PAGES = {
    # Every account has a password (sign-up asks for one): allauth sends the person to change it.
    "account_set_password": "redirects to changing the password",
    # Signing in by an emailed code is off: allauth sends the person to the sign-in page.
    "account_confirm_login_code": "redirects to sign in",
    # Confirming it is you is the portal's own page; allauth's emailed-code way is switched off.
    "account_request_reauthentication_code": "refused (403)",
    "account_confirm_reauthentication_code": "refused (403)",
    # The passkey ceremonies, answered in JSON to the portal's own script, and its translations.
    "credential-registration-begin": "JSON",
    "credential-registration-complete": "JSON",
    "credential-authentication-begin": "JSON",
    "credential-authentication-complete": "JSON",
    "js-i18n-catalog": "JavaScript",
}

# One word after the site's name: neutral, and the same for a family of pages.
TITLE_WORDS = {"Account", "Password", "Email"}


def _library_url_names() -> set[str]:
    """The name of every address whose view is allauth's or django-otp's (a portal page that
    replaces one of theirs at the same address is checked under the same name)."""
    names = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif pattern.lookup_str.startswith(("allauth.", "django_otp")) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_library_address_is_checked_as_a_page_or_named_as_not_one():
    names = _library_url_names()
    pages = {name.split(" (")[0] for name in PAGES}

    assert "account_login" in names and "account_confirm_email" in names  # the walk finds them
    assert names - pages - NOT_PAGES.keys() == set()


@pytest.mark.parametrize("name", NOT_PAGES)
def test_the_addresses_that_are_not_pages_say_nothing_of_their_own(client, name):
    # For a signed-in person, which is where allauth would offer them most.
    _signed_in(client)
    path = next(path for path, route_name, _parameters in all_routes() if route_name == name)
    if NOT_PAGES[name] in {"JSON", "JavaScript"}:
        return  # read by script; the passkey tests cover them
    response = client.get(path)
    if NOT_PAGES[name].startswith("refused"):
        assert response.status_code == 403
        assert "Confirm Access" not in response.content.decode()
    else:
        assert response.status_code == 302


@pytest.fixture(params=PAGES)
def page(request, client, mailoutbox, settings):
    response = PAGES[request.param](client, mailoutbox=mailoutbox, settings=settings)
    assert response.status_code == STATUS.get(request.param, 200), request.param
    return request.param, response.content.decode()


def test_each_page_has_the_portal_layout_and_its_quick_exit(page):
    _name, html = page

    links = parse_page(_Response(html)).quick_exit_links

    assert any(link["tag"] == "a" and link.get("href") == reverse("quick_exit") for link in links)
    assert "site-footer" in html  # the whole of base.html, not a page of its own with an exit added


def test_each_page_has_a_neutral_one_word_title(page):
    _name, html = page

    title = title_of(html)
    site, _, word = title.partition(" – ")

    assert site == settings.SITE_NAME, title
    assert word in TITLE_WORDS, title
    assert not SENSITIVE_WORDS.search(title)


def test_each_page_speaks_in_sentence_case(page):
    _name, html = page

    found = controls(html)
    problems = {text: sentence_case_problems(text) for _tag, text in found if sentence_case_problems(text)}

    assert texts(html, "h1"), "a page without a heading"
    assert problems == {}


class _Response:
    """Enough of a response for tests.portal.support.parse_page."""

    charset = "utf-8"

    def __init__(self, html: str) -> None:
        self.content = html.encode()


# --- The rule the checks above rely on ------------------------------------------------------


@pytest.mark.parametrize(
    "stock", ["Sign In", "Reset My Password", "Make Primary", "Re-send Verification", "Verify Your Email Address"]
)
def test_the_sentence_case_rule_catches_allauths_stock_words(stock):
    assert sentence_case_problems(stock)


@pytest.mark.parametrize(
    "ours",
    [
        "Sign in",
        "Text a code to my phone ending 23",
        "Daybook – Account",
        "Is person@example.org yours? Confirm it",
        "Lost your phone?",
        "Send the link",
    ],
)
def test_the_sentence_case_rule_lets_sentence_case_through(ours):
    assert sentence_case_problems(ours) == []


def test_the_page_checks_would_catch_a_stock_page():
    html = render_to_string("account/base_reauthenticate.html", {})

    assert [text for text in texts(html, "h1") if sentence_case_problems(text)] == ["Confirm Access"]


# --- What particular pages say and offer ----------------------------------------------------


def test_the_email_page_shows_the_one_address_and_the_change_form_only(client):
    member = _signed_in(client)
    client.confirm_identity()

    html = client.get("/accounts/email/").content.decode()
    main = html[html.index("<main") :]

    assert member.email in main
    assert [text for tag, text in controls(html) if tag == "button"] == ["Send a link to the new address"]
    assert main.count("<form") == 1 and 'name="new_email"' in main
    for stock in ("Make Primary", "Make primary", "Re-send", "Remove", 'name="action_primary"', 'name="action_remove"'):
        assert stock not in main


def test_sign_up_says_which_address_to_use_before_it_is_typed(client):
    html = client.get("/accounts/signup/").content.decode()

    advice = re.search(r'<p id="email-advice">(.*?)</p>', html, flags=re.DOTALL)
    email_input = re.search(r'<input[^>]*name="email"[^>]*>', html)

    assert advice and email_input
    assert advice.start() < email_input.start()
    assert "only you can read" in advice.group(1) and "notices" in advice.group(1)
    assert 'aria-describedby="email-advice"' in email_input.group(0)


def test_the_reset_form_and_the_password_change_form_label_in_sentence_case(client, mailoutbox):
    reset = PAGES["account_reset_password_from_key"](client, mailoutbox=mailoutbox).content.decode()
    change = PAGES["account_change_password"](client).content.decode()

    assert [label.rstrip(":") for label in texts(reset, "label")] == ["New password", "New password again"]
    assert [label.rstrip(":") for label in texts(change, "label")][:3] == [
        "Current password",
        "New password",
        "New password again",
    ]


def test_choosing_a_new_password_from_the_link_still_works(client, mailoutbox):
    member = MemberFactory()
    client.post("/accounts/password/reset/", {"email": member.email})
    form_page = client.get(_link(mailoutbox[-1], "/accounts/password/reset/key/"), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "action": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_confirming_the_address_from_the_page_still_works(client, mailoutbox):
    path = _confirm_email_path(client, mailoutbox)

    response = Client().post(path)

    assert response.status_code == 302
    assert MemberFactory._meta.model.objects.get(email=NEW_EMAIL).emailaddress_set.get().verified


# --- Email subjects -------------------------------------------------------------------------

ALLAUTH_EMAILS = Path(allauth.__file__).parent / "templates" / "account" / "email"
PORTAL_EMAILS = Path(settings.BASE_DIR) / "portal" / "accounts" / "templates" / "account" / "email"
SUBJECT_TEMPLATES = sorted(
    {path.name for path in (*ALLAUTH_EMAILS.glob("*_subject.txt"), *PORTAL_EMAILS.glob("*_subject.txt"))}
)


def test_every_subject_allauth_can_send_is_replaced_by_the_portals():
    stock = {path.name for path in ALLAUTH_EMAILS.glob("*_subject.txt")}

    assert stock, "allauth's templates moved: the check below would pass on nothing"
    assert stock - {path.name for path in PORTAL_EMAILS.glob("*_subject.txt")} == set()


@pytest.mark.parametrize("template", SUBJECT_TEMPLATES)
def test_every_subject_is_sentence_case_and_neutral(rf, template):
    subject = " ".join(render_to_string(f"account/email/{template}", {}).split())
    full = get_adapter(rf.get("/")).format_email_subject(subject)

    assert full == f"{settings.SITE_NAME}: {subject}"
    assert subject[0].isupper() and sentence_case_problems(subject) == []
    assert not SENSITIVE_WORDS.search(full)


def test_the_emails_people_trigger_here_carry_the_portals_subjects(client, mailoutbox):
    known = MemberFactory()
    client.post("/accounts/password/reset/", {"email": known.email})
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    Client().post("/accounts/signup/", {"email": known.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    Client().post("/accounts/signup/", {"email": NEW_EMAIL, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    subjects = [message.subject for message in mailoutbox]

    assert subjects == [
        "Daybook: Choose a new password",
        "Daybook: Someone asked to reset a password with this address",
        "Daybook: Someone tried to make an account with your address",
        "Daybook: Confirm your email address",
    ]
    for message in mailoutbox:
        assert "Hello from" not in message.body and "You're receiving" not in message.body
        assert not SENSITIVE_WORDS.search(message.body)


# --- Messages allauth shows on the next page ------------------------------------------------


def test_signing_in_and_out_say_so_in_plain_words(client, member, sign_in):
    signed_in = sign_in(client, member.email, follow=True).content.decode()
    signed_out = client.post("/accounts/logout/", follow=True).content.decode()

    assert "You are signed in." in signed_in and "Successfully" not in signed_in
    assert "You have signed out." in signed_out
