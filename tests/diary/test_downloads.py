"""Downloads (diary.downloads): asked for, built in the background, kept encrypted, and
removed after a day or when an entry they hold is destroyed."""

import hashlib
import io
import os
import re
import stat
import tempfile
import time
import uuid
import zipfile
import zlib
from datetime import date, timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from diary.downloads import export_request, exports_destroy_holding
from diary.errors import DiaryError
from diary.models import ExportRequest, ExportStatus
from diary.services import entry_destroy
from diary.verify import bundle_verify
from portal.fields import encrypted_storage
from tests.diary.helpers import in_bundle, record, stored_files
from tests.diary.pdf_text import overlaps, pdf_layout, pdf_pictures
from tests.factories import ExportRequestFactory
from tests.files import heic_bytes, upload


@pytest.fixture
def request_export(django_capture_on_commit_callbacks):
    """Ask for a bundle. The build is queued when the request commits, so the commit is played."""

    def ask(client, start="2025-03-01", end="2025-03-31"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("diary:export"), {"start": start, "end": end})

    return ask


def test_a_member_gets_a_signed_bundle_they_can_verify(client, member, tmp_path, public_key, request_export):
    record(member, "Waiting by the car park", 12)
    client.force_login(member)

    response = request_export(client)
    assert response.status_code == 302
    export = ExportRequest.objects.get(member=member)
    assert export.status == ExportStatus.READY  # tests run tasks at once
    assert export.expires_at - timezone.now() > timedelta(hours=23)

    page = client.get(reverse("diary:export"))
    assert reverse("diary:export_download", args=[export.id]).encode() in page.content
    download = client.get(reverse("diary:export_download", args=[export.id]))
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    assert "attachment" in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert len(body) == export.size
    path = tmp_path / "bundle.zip"
    path.write_bytes(body)
    assert bundle_verify(path, public_key=public_key).ok
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        assert "bundle.pdf" in bundle.namelist()


def test_the_stored_bundle_is_encrypted(client, member, request_export):
    record(member, "Unique words: marmalade lighthouse", 12)
    client.force_login(member)
    request_export(client)
    export = ExportRequest.objects.get(member=member)
    with encrypted_storage().open(export.bundle, "rb") as stored:
        raw = stored.read()
    assert b"marmalade" not in raw
    assert not raw.startswith(b"PK")  # not a readable zip


def _date_inputs(html: str) -> dict[str, str]:
    """The date fields of the page's form, by name, with the value each is rendered with."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if 'type="date"' in tag:
            name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def test_the_dates_the_form_offers_are_sent_as_they_are_and_make_a_download(client, member, request_export):
    record(member, "Waiting by the car park", 12)
    client.force_login(member)

    offered = _date_inputs(client.get(reverse("diary:export")).content.decode())

    # A date input shows, and sends, only YYYY-MM-DD; anything else reaches the server blank.
    assert offered == {"start": "2025-03-12", "end": timezone.localdate().isoformat()}
    response = request_export(client, **offered)
    assert response.status_code == 302
    export = ExportRequest.objects.get(member=member)
    assert (export.start, export.end) == (date(2025, 3, 12), timezone.localdate())
    assert export.status == ExportStatus.READY


def test_a_missing_date_is_named_once_and_the_other_date_is_kept(client, member, request_export):
    client.force_login(member)

    response = request_export(client, start="", end="2025-03-31")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("This field is required.") == 1
    assert _date_inputs(html) == {"start": "", "end": "2025-03-31"}
    assert not ExportRequest.objects.exists()


def test_the_page_refreshes_itself_while_a_download_is_prepared_and_stops_when_it_is_ready(client, member):
    export = ExportRequestFactory(member=member)  # asked for, not yet built
    client.force_login(member)

    assert client.get(reverse("diary:export"))["Refresh"] == "3"
    ExportRequest.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    assert client.get(reverse("diary:export"))["Refresh"] == "3"

    ExportRequest.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY, expires_at=timezone.now() + timedelta(hours=24)
    )
    assert "Refresh" not in client.get(reverse("diary:export"))


@pytest.mark.parametrize("status", [ExportStatus.FAILED, ExportStatus.REMOVED])
def test_a_download_that_is_finished_one_way_or_another_does_not_refresh_the_page(client, member, status):
    ExportRequestFactory(member=member, status=status)
    client.force_login(member)

    assert "Refresh" not in client.get(reverse("diary:export"))


def test_a_download_stuck_for_long_stops_refreshing_the_page_so_the_session_can_time_out(client, member):
    ExportRequestFactory(member=member, requested_at=timezone.now() - timedelta(minutes=11))
    client.force_login(member)

    assert "Refresh" not in client.get(reverse("diary:export"))


def test_a_form_sent_back_with_a_mistake_is_not_refreshed_away(client, member, request_export):
    ExportRequestFactory(member=member)
    client.force_login(member)

    response = request_export(client, start="", end="2025-03-31")

    assert response.status_code == 200 and "Refresh" not in response


def test_dates_the_wrong_way_round_are_refused_kindly(client, member, request_export):
    client.force_login(member)
    response = request_export(client, start="2025-04-01", end="2025-03-01")
    assert response.status_code == 200
    assert b"before the" in response.content
    assert not ExportRequest.objects.exists()


@pytest.mark.parametrize("who", ["other_member", "worker", "coordinator", "editor", "admin_user"])
def test_nobody_else_can_download_it(client, member, request, who, request_export):
    record(member, "Something", 12)
    client.force_login(member)
    request_export(client)
    export = ExportRequest.objects.get(member=member)

    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("diary:export_download", args=[export.id])).status_code == 404
    page = client.get(reverse("diary:export"))
    assert page.status_code in (200, 404)
    assert str(export.id).encode() not in page.content


def test_anonymous_visitors_are_sent_to_sign_in(client, member):
    response = client.get(reverse("diary:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_expired_download_is_gone(client, member, request_export):
    record(member, "Something", 12)
    client.force_login(member)
    request_export(client)
    export = ExportRequest.objects.get(member=member)
    ExportRequest.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert client.get(reverse("diary:export_download", args=[export.id])).status_code == 404
    call_command("diary_housekeeping")
    assert not ExportRequest.objects.exists()
    assert not encrypted_storage().exists(export.bundle)


def test_a_storage_fault_marks_the_download_failed_and_keeps_nothing(
    client, member, settings, tmp_path, request_export
):
    record(member, "Something", 12)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocked}},
    }
    client.force_login(member)

    request_export(client)

    export = ExportRequest.objects.get(member=member)
    assert export.status == ExportStatus.FAILED
    assert export.bundle == ""
    assert b"could not be made" in client.get(reverse("diary:export")).content


def test_a_long_account_is_made_into_a_download(client, member, request_export, public_key, tmp_path):
    record(member, ("He followed me from the station to my door. " * 140)[:6_000], 12)
    client.force_login(member)

    request_export(client)

    export = ExportRequest.objects.get(member=member)
    assert export.status == ExportStatus.READY
    path = tmp_path / "bundle.zip"
    path.write_bytes(b"".join(client.get(reverse("diary:export_download", args=[export.id])).streaming_content))
    assert bundle_verify(path, public_key=public_key).ok


def test_an_iphone_photo_is_kept_as_it_was_in_the_zip_and_drawn_in_the_pdf(
    client, member, request_export, public_key, tmp_path
):
    photo = heic_bytes(size=(320, 240), colour=(200, 30, 30))
    client.force_login(member)
    client.post(
        reverse("diary:new"),
        {
            "what_happened": "A photo of his car outside",
            "occurred_date": "2025-03-12",
            "occurred_time": "09:00",
            "attachments": [upload("IMG_4032.HEIC", photo, "image/heic")],
        },
    )

    request_export(client)

    export = ExportRequest.objects.get(member=member)
    body = b"".join(client.get(reverse("diary:export_download", args=[export.id])).streaming_content)
    path = tmp_path / "bundle.zip"
    path.write_bytes(body)
    assert bundle_verify(path, public_key=public_key).ok
    with zipfile.ZipFile(path) as bundle:
        assert bundle.read(in_bundle(photo, "heic")) == photo  # the original
        pdf = bundle.read("bundle.pdf")
    (drawn,) = [Image.open(io.BytesIO(picture)) for picture in pdf_pictures(pdf)]
    assert drawn.format == "JPEG" and drawn.size == (320, 240)  # a converted copy
    red, green, blue = drawn.convert("RGB").getpixel((160, 120))
    assert red > 150 and green < 80 and blue < 80  # of the photo
    (page,) = [page for page in pdf_layout(pdf) if page.image_boxes]
    assert hashlib.sha256(photo).hexdigest() in page.text
    assert overlaps(page) == []


# --- No unencrypted copy anywhere -------------------------------------------------------------


def _temporary_files_holding(marker: bytes, *, before: set[str], since: float) -> list[str]:
    """Files under the system's temporary folder, made or changed since the test began, that
    hold ``marker``, as they are or inside a zip."""
    found = []
    for folder, _dirs, names in os.walk(tempfile.gettempdir()):
        for name in names:
            path = os.path.join(folder, name)
            try:
                status = os.lstat(path)
                if not stat.S_ISREG(status.st_mode) or (path in before and status.st_mtime < since):
                    continue
                if status.st_size > 200 * 1024 * 1024:
                    continue
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue  # gone meanwhile, or another user's
            if marker in data or marker in _unzipped(data):
                found.append(path)
    return found


def _unzipped(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return b""


def _existing_temporary_files() -> set[str]:
    return {os.path.join(folder, name) for folder, _dirs, names in os.walk(tempfile.gettempdir()) for name in names}


@pytest.mark.usefixtures("files_from_before_the_checks")
def test_no_unencrypted_copy_is_left_in_the_temporary_folder_after_a_failed_and_a_good_download(
    client, member, request_export
):
    marker = f"The demo sentence {uuid.uuid4().hex} was written here.".encode()
    before, since = _existing_temporary_files(), time.time() - 1
    entry = record(member, marker.decode(), 12, uploads=[upload("note.txt", b"a note", "text/plain")])
    attachment = entry.attachments.get()
    client.force_login(member)

    # A download that fails half way: the storage has lost one of the attached files.
    stored_name = attachment.file
    with encrypted_storage().open(stored_name, "rb") as stored:
        kept = stored.read()
    encrypted_storage().delete(stored_name)
    request_export(client)
    failed = ExportRequest.objects.get(member=member)
    assert failed.status == ExportStatus.FAILED

    # Then one that works.
    encrypted_storage().save(stored_name, io.BytesIO(kept))
    request_export(client)
    made = ExportRequest.objects.exclude(pk=failed.pk).get(member=member)
    assert made.status == ExportStatus.READY
    body = b"".join(client.get(reverse("diary:export_download", args=[made.id])).streaming_content)
    assert marker in _unzipped(body)  # the marker would be found, were it anywhere

    assert _temporary_files_holding(marker, before=before, since=since) == []
    assert sorted(stored_files()) == sorted([stored_name, made.bundle])


# --- Destroying an entry destroys the downloads that hold it -------------------------------------


def test_destroying_an_entry_removes_every_download_that_holds_it(client, member, request_export):
    gone = record(member, "Words the member chose to destroy.", 12)
    record(member, "An entry of February.", 10, month=2)
    client.force_login(member)
    request_export(client)  # March: holds the entry
    request_export(client, start="2025-02-01", end="2025-02-28")  # February: does not
    holding = ExportRequest.objects.get(member=member, start="2025-03-01")
    other = ExportRequest.objects.get(member=member, start="2025-02-01")
    assert holding.status == other.status == ExportStatus.READY
    assert list(holding.entries.all()) == [gone]

    entry_destroy(entry=gone)

    holding.refresh_from_db()
    assert holding.status == ExportStatus.REMOVED
    assert holding.bundle == "" and holding.size == 0 and not holding.entries.exists()
    other.refresh_from_db()
    assert other.status == ExportStatus.READY
    assert sorted(stored_files()) == [other.bundle]  # the removed download's file is gone from storage
    assert client.get(reverse("diary:export_download", args=[holding.id])).status_code == 404
    page = client.get(reverse("diary:export")).content.decode()
    assert "removed, because it held an entry that was destroyed" in page
    assert "Words the member chose" not in page


def test_exports_destroy_holding_counts_the_downloads_it_removed(client, member, request_export):
    entry = record(member, "Something", 12)
    client.force_login(member)
    request_export(client)
    request_export(client, start="2025-03-12", end="2025-03-12")

    assert exports_destroy_holding(entry=entry) == 2
    assert exports_destroy_holding(entry=entry) == 0  # already removed
    assert set(ExportRequest.objects.values_list("status", flat=True)) == {ExportStatus.REMOVED}
    assert stored_files() == []


class StorageThatDestroysWhileStoring(FileSystemStorage):
    """The encrypted storage, where the member destroys an entry just as a download is stored:
    the bundle holding it is complete and on its way into storage."""

    entry = None

    def _save(self, name, content):
        entry, StorageThatDestroysWhileStoring.entry = StorageThatDestroysWhileStoring.entry, None
        if entry is not None:
            entry_destroy(entry=entry)
        return super()._save(name, content)


def test_a_download_being_made_while_an_entry_in_it_is_destroyed_is_not_kept(
    client, member, request_export, settings, tmp_path
):
    gone = record(member, "Words the member chose to destroy.", 12)
    record(member, "Another entry.", 13)
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted": {
            "BACKEND": f"{__name__}.StorageThatDestroysWhileStoring",
            "OPTIONS": {"location": settings.STORAGES["encrypted"]["OPTIONS"]["location"]},
        },
    }
    StorageThatDestroysWhileStoring.entry = gone
    client.force_login(member)

    request_export(client)

    gone.refresh_from_db()
    assert gone.destroyed_at is not None
    export = ExportRequest.objects.get(member=member)
    assert export.status == ExportStatus.REMOVED
    assert export.bundle == ""
    assert stored_files() == []  # the finished bundle was discarded, not kept
    assert client.get(reverse("diary:export_download", args=[export.id])).status_code == 404


def test_the_service_itself_refuses_dates_the_wrong_way_round(member):
    with pytest.raises(DiaryError, match="before the 'From' date"):
        export_request(member=member, start=date(2025, 4, 1), end=date(2025, 3, 1))

    assert not ExportRequest.objects.exists()
