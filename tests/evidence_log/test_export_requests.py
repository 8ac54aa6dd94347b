"""Asking for a download: it is built in the background, kept encrypted, and expires after a day."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evidence_log.models import ExportRequest, ExportStatus
from evidence_log.verify import bundle_verify
from portal.fields import encrypted_storage
from tests.evidence_log.conftest import record


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
