"""Every diary page is for the member who owns the diary, and for nobody else.

Other members and every staff role are told the page does not exist (404); anonymous visitors
are sent to sign in. Pages are never cached and their titles never carry entry text.
"""

import hashlib
import io
import re
import uuid
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from diary import services
from diary.incident import Answer, IncidentData
from diary.models import Entry, EntryVersion, VersionKind
from tests.diary.helpers import FORM, SECRET_TEXT, record
from tests.portal.support import SENSITIVE_WORDS


def jpeg_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def diary(member):
    """The member's active entry (with a photo) and a recently deleted one."""
    photo = SimpleUploadedFile("gate.jpg", jpeg_bytes(), content_type="image/jpeg")
    entry = record(member, uploads=[photo])
    deleted = record(member, "Deleted text about the car park")
    services.entry_delete(entry=deleted)
    entry.refresh_from_db()
    deleted.refresh_from_db()
    return {"entry": entry, "deleted": deleted, "attachment": entry.attachments.get()}


# name, method, which object the address names, what the owner gets
VIEWS = [
    ("diary:timeline", "get", None, 200),
    ("diary:new", "get", None, 200),
    ("diary:new", "post", None, 302),
    ("diary:recently_deleted", "get", None, 200),
    ("diary:entry", "get", "entry", 200),
    ("diary:history", "get", "entry", 200),
    ("diary:edit", "get", "entry", 200),
    ("diary:edit", "post", "entry", 302),
    ("diary:delete", "get", "entry", 200),
    ("diary:delete", "post", "entry", 302),
    ("diary:restore", "post", "deleted", 302),
    ("diary:destroy", "get", "deleted", 200),
    ("diary:destroy", "post", "deleted", 302),
    ("diary:recently_deleted_empty", "get", None, 200),
    ("diary:recently_deleted_empty", "post", None, 302),
    ("diary:attachment", "get", "attachment", 200),
]
# Pages that destroy records also want the password again (see test_destroy.py); the tests of
# who may use each page give it, so that what they check is the role and the entry.
REAUTHENTICATED = {"diary:destroy", "diary:recently_deleted_empty"}
VIEW_IDS = [f"{method} {name}" for name, method, _target, _status in VIEWS]
WRONG_ROLES = ["other_member", "worker", "coordinator", "editor", "admin_user"]


def address(name, target, diary):
    if target is None:
        return reverse(name)
    key = "attachment_id" if target == "attachment" else "entry_id"
    return reverse(name, kwargs={key: diary[target].id})


def call(client, method, url):
    return client.post(url, FORM) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "target", "status"), VIEWS, ids=VIEW_IDS)
def test_owner_can_use_every_page(client, member, diary, name, method, target, status):
    client.force_login(member)
    client.confirm_identity()

    response = call(client, method, address(name, target, diary))

    assert response.status_code == status
    # Signed-in pages (and files) are never kept by the browser or a proxy.
    assert "no-store" in response["Cache-Control"]


# Another member has list pages of their own (their own, empty, diary), covered by
# test_another_member_sees_only_their_own_diary; every other pairing must be a 404.
WRONG_VIEWER_CASES = [
    pytest.param(role, *view, id=f"{role}-{view_id}")
    for role in WRONG_ROLES
    for view, view_id in zip(VIEWS, VIEW_IDS, strict=True)
    if not (role == "other_member" and view[2] is None)
]


@pytest.mark.parametrize(("role", "name", "method", "target", "status"), WRONG_VIEWER_CASES)
def test_everyone_else_is_told_the_page_does_not_exist(
    client, request, member, diary, role, name, method, target, status, settings
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    client.confirm_identity()  # even with their own password just given
    versions_before = EntryVersion.objects.count()

    response = call(client, method, address(name, target, diary))

    assert response.status_code == 404
    assert SECRET_TEXT.encode() not in response.content
    assert EntryVersion.objects.count() == versions_before  # nothing recorded, deleted or restored
    assert Entry.objects.filter(destroyed_at__isnull=False).count() == 0


REAUTH_VIEWS = [view for view in VIEWS if view[0] in REAUTHENTICATED]
REAUTH_VIEW_IDS = [f"{method} {name}" for name, method, _target, _status in REAUTH_VIEWS]


@pytest.mark.parametrize("role", ["worker", "coordinator", "editor", "admin_user"])
@pytest.mark.parametrize(("name", "method", "target", "status"), REAUTH_VIEWS, ids=REAUTH_VIEW_IDS)
def test_staff_are_told_the_page_does_not_exist_before_any_password_is_asked(
    client, request, diary, role, name, method, target, status
):
    client.force_login(request.getfixturevalue(role))

    response = call(client, method, address(name, target, diary))

    assert response.status_code == 404
    assert Entry.objects.filter(destroyed_at__isnull=False).count() == 0


def test_another_member_emptying_their_recently_deleted_leaves_the_owners_alone(client, other_member, diary):
    client.force_login(other_member)
    client.confirm_identity()

    page = client.get(reverse("diary:recently_deleted_empty"))
    client.post(reverse("diary:recently_deleted_empty"))

    assert b"car park" not in page.content
    deleted = Entry.objects.get(pk=diary["deleted"].pk)
    assert deleted.destroyed_at is None
    assert deleted.current_version.content["what_happened"] == "Deleted text about the car park"


def test_another_member_sees_only_their_own_diary(client, other_member, diary):
    client.force_login(other_member)

    for name in ("diary:timeline", "diary:recently_deleted", "diary:new"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert SECRET_TEXT.encode() not in response.content
        assert b"car park" not in response.content
    assert b"nothing in your diary yet" in client.get(reverse("diary:timeline")).content
    assert b"Nothing has been deleted recently" in client.get(reverse("diary:recently_deleted")).content
    # A search for the owner's words finds nothing.
    client.post(reverse("diary:timeline"), {"q": "blue gate"})
    assert SECRET_TEXT.encode() not in client.get(reverse("diary:timeline")).content


@pytest.mark.parametrize(("name", "method", "target", "status"), VIEWS, ids=VIEW_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(client, diary, name, method, target, status):
    url = address(name, target, diary)
    versions_before = EntryVersion.objects.count()

    response = call(client, method, url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert EntryVersion.objects.count() == versions_before


def test_unknown_entry_and_file_addresses_are_404(client, member, diary):
    client.force_login(member)
    client.confirm_identity()
    for name in ("diary:entry", "diary:history", "diary:edit", "diary:delete", "diary:destroy"):
        assert client.get(reverse(name, kwargs={"entry_id": uuid.uuid4()})).status_code == 404
    assert client.get(reverse("diary:attachment", kwargs={"attachment_id": uuid.uuid4()})).status_code == 404


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("diary:timeline", None),
        ("diary:new", None),
        ("diary:recently_deleted", None),
        ("diary:entry", "entry"),
        ("diary:history", "entry"),
        ("diary:edit", "entry"),
        ("diary:delete", "entry"),
        ("diary:destroy", "deleted"),
        ("diary:recently_deleted_empty", None),
    ],
)
def test_titles_are_neutral_and_never_carry_entry_text(client, member, diary, name, target, settings):
    client.force_login(member)
    client.confirm_identity()

    html = client.get(address(name, target, diary)).content.decode()

    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert title == f"{settings.SITE_NAME} – Notes"
    assert not SENSITIVE_WORDS.search(title)


def test_quick_entry_needs_only_what_happened_and_defaults_to_now(client, member):
    client.force_login(member)
    page = client.get(reverse("diary:new")).content.decode()
    assert 'name="occurred_date"' in page and 'type="date"' in page
    assert 'name="occurred_time"' in page and 'type="time"' in page
    assert 'name="occurred_approximately"' in page

    response = client.post(
        reverse("diary:new"),
        {
            "what_happened": "Car outside again",
            "occurred_date": "2025-04-02",
            "occurred_time": "07:15",
            "occurred_approximately": "on",
            "behaviours": ["following", "turning_up"],
            "vehicle": "Silver estate",
            "children_present": "yes",
        },
    )

    entry = Entry.objects.for_member(member).get()
    assert response["Location"] == reverse("diary:entry", kwargs={"entry_id": entry.id})
    data = IncidentData.from_content(entry.current_version.content)
    assert data.what_happened == "Car outside again"
    assert data.occurred_approximately and data.children_present == Answer.YES
    assert data.reported_to_police == Answer.NOT_ANSWERED  # not posted: not answered, never "no"
    assert data.vehicle == "Silver estate"
    assert entry.behaviours == ["following", "turning_up"]
    # 07:15 in London on 2 April (summer time) is 06:15 UTC.
    assert entry.occurred_at == datetime(2025, 4, 2, 6, 15, tzinfo=UTC)


def test_quick_entry_without_what_happened_is_refused_and_keeps_the_rest(client, member):
    client.force_login(member)

    response = client.post(
        reverse("diary:new"),
        {"what_happened": "   ", "occurred_date": "2025-04-02", "occurred_time": "07:15", "location": "Bus stop"},
    )

    assert response.status_code == 200
    assert "Say what happened" in response.content.decode()
    assert 'value="Bus stop"' in response.content.decode()
    assert not Entry.objects.exists()


def test_detail_shows_both_times_every_field_and_the_file_fingerprint(client, member):
    photo = jpeg_bytes()
    entry = record(
        member,
        when=datetime(2025, 1, 5, 10, 0, tzinfo=UTC),
        uploads=[SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")],
        location="Mill Lane",
        exact_words="You can't hide",
        sender="+44 7700 900123",
        vehicle="Red van",
        witnesses="Neighbour, flat 2",
        effect="Could not sleep",
        reported_to_police=True,
        crime_reference="CR/123/25",
        officer="PC 4321",
        behaviours=["threats"],
    )
    client.force_login(member)

    html = client.get(reverse("diary:entry", kwargs={"entry_id": entry.id})).content.decode()

    assert hashlib.sha256(photo).hexdigest() in html
    for text in [
        SECRET_TEXT,
        "Mill Lane",
        "You can&#x27;t hide",
        "+44 7700 900123",
        "Red van",
        "Neighbour, flat 2",
        "Could not sleep",
        "CR/123/25",
        "PC 4321",
        "Threats",
        "Sunday 5 January 2025, 10:00",
        "First written down",
    ]:
        assert text in html, text


def test_edit_makes_a_new_version_and_history_lists_every_version(client, member):
    entry = record(member)
    client.force_login(member)
    form = client.get(reverse("diary:edit", kwargs={"entry_id": entry.id})).content.decode()
    assert SECRET_TEXT in form  # the form starts from the current words

    client.post(reverse("diary:edit", kwargs={"entry_id": entry.id}), {**FORM, "what_happened": "Corrected words"})
    client.post(reverse("diary:delete", kwargs={"entry_id": entry.id}))
    client.post(reverse("diary:restore", kwargs={"entry_id": entry.id}))

    kinds = list(entry.versions.order_by("number").values_list("kind", flat=True))
    assert kinds == [VersionKind.CREATED, VersionKind.EDITED, VersionKind.DELETED, VersionKind.RESTORED]
    html = client.get(reverse("diary:history", kwargs={"entry_id": entry.id})).content.decode()
    for label in ("Created", "Edited", "Moved to recently deleted", "Restored"):
        assert label in html
    assert html.count('class="history-version"') == 4
    detail = client.get(reverse("diary:entry", kwargs={"entry_id": entry.id})).content.decode()
    assert "Corrected words" in detail


def test_delete_restore_and_delete_now(client, member):
    entry = record(member)
    client.force_login(member)
    client.confirm_identity()

    client.post(reverse("diary:delete", kwargs={"entry_id": entry.id}))
    assert SECRET_TEXT not in client.get(reverse("diary:timeline")).content.decode()
    assert SECRET_TEXT in client.get(reverse("diary:recently_deleted")).content.decode()
    # A deleted entry cannot be changed until it is restored.
    assert client.get(reverse("diary:edit", kwargs={"entry_id": entry.id})).status_code == 404

    client.post(reverse("diary:restore", kwargs={"entry_id": entry.id}))
    assert SECRET_TEXT in client.get(reverse("diary:timeline")).content.decode()
    # "Delete now" is only for entries already in recently deleted.
    assert client.get(reverse("diary:destroy", kwargs={"entry_id": entry.id})).status_code == 404

    client.post(reverse("diary:delete", kwargs={"entry_id": entry.id}))
    confirm = client.get(reverse("diary:destroy", kwargs={"entry_id": entry.id}))
    assert "cannot be recovered" in confirm.content.decode()
    client.post(reverse("diary:destroy", kwargs={"entry_id": entry.id}))

    entry.refresh_from_db()
    assert entry.destroyed_at is not None
    assert SECRET_TEXT not in client.get(reverse("diary:recently_deleted")).content.decode()
    assert client.get(reverse("diary:entry", kwargs={"entry_id": entry.id})).status_code == 404


def test_attachment_is_served_decrypted_only_with_safe_headers(client, member, settings):
    photo = jpeg_bytes()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    entry = record(
        member,
        uploads=[
            SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg"),
            SimpleUploadedFile("letter.pdf", pdf, content_type="application/pdf"),
        ],
    )
    image, document = entry.attachments.order_by("content_type")[1], entry.attachments.order_by("content_type")[0]
    client.force_login(member)

    response = client.get(reverse("diary:attachment", kwargs={"attachment_id": image.id}))
    assert b"".join(response.streaming_content) == photo
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]

    response = client.get(reverse("diary:attachment", kwargs={"attachment_id": document.id}))
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "letter" not in response["Content-Disposition"]  # the member's own file name stays private

    # On disk there is only ciphertext.
    stored = list((settings.STORAGES["encrypted"]["OPTIONS"]["location"]).rglob("*"))
    blobs = [path.read_bytes() for path in stored if path.is_file()]
    assert len(blobs) == 2
    assert all(photo not in blob and b"%PDF" not in blob for blob in blobs)


def test_members_and_only_members_see_the_diary_links(client, member, worker):
    client.force_login(member)
    assert reverse("diary:timeline") in client.get(reverse("home")).content.decode()
    client.force_login(worker)
    assert reverse("diary:timeline") not in client.get(reverse("home")).content.decode()


def test_a_date_in_the_future_is_refused(client, member):
    client.force_login(member)

    response = client.post(
        reverse("diary:new"),
        {"what_happened": "Typo in the year", "occurred_date": "2099-01-01", "occurred_time": "10:00"},
    )

    assert "in the future" in response.content.decode()
    assert "Typo in the year" in response.content.decode()
    assert not Entry.objects.exists()


def test_a_date_before_1900_is_refused(client, member):
    client.force_login(member)

    response = client.post(
        reverse("diary:new"),
        {"what_happened": "Typo in the year", "occurred_date": "0001-01-01", "occurred_time": "10:00"},
    )

    assert response.status_code == 200
    assert "before 1900" in response.content.decode()
    assert not Entry.objects.exists()
