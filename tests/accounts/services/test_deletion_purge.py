"""Purging a deleted account leaves nothing behind: no row in any table points to it or holds its
address, none of its files is left in storage, crypto_audit passes, and no one else loses anything.
A purge stopped part-way, after the keys were destroyed, is finished by the next run."""

import io
import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle
from PIL import Image
from wagtail.log_actions import log
from wagtail.users.models import UserProfile

from diary.models import Attachment, Entry, EntryVersion, ExportRequest, ExportStatus
from diary.services import (
    Behaviour,
    IncidentData,
    entry_delete,
    entry_destroy,
    entry_edit,
    entry_record,
    export_request,
)
from portal import crypto
from portal.accounts.models import AccountEvent, CodeAttempts, PhoneDevice, PhoneNumber, User
from portal.accounts.services import two_step
from portal.fields import EncryptedFieldMixin, encrypted_storage, open_file, store_file
from portal.models import DataKey
from tests.factories import AdminFactory, MemberFactory
from tests.testapp.models import SecretRecord
from tests.two_step import pass_second_step

pytestmark = pytest.mark.django_db

# A behaviour code, copied out of the encrypted content onto the entry row for filtering.
BEHAVIOUR = sorted(Behaviour.CODES)[0]


TEST_SIGNING_KEY = crypto.new_signing_key()


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.PORTAL_SIGNING_KEY = TEST_SIGNING_KEY  # downloads are signed


# --- What a member leaves in the portal ---------------------------------------------------------


def incident(text: str, day: int) -> IncidentData:
    return IncidentData(
        what_happened=text,
        occurred_at=datetime(2025, 3, day, 21, 15, tzinfo=UTC),
        behaviours=[BEHAVIOUR],
        location="Outside the library",
    )


def photo(name: str, colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def diary_with_history(member) -> None:
    """Entries with several versions, an edit, one moved to recently deleted, one destroyed, and
    photos; a finished download; and a record of the test app's, with a file."""
    kept = entry_record(member=member, data=incident("He was at the gate again", 3), uploads=[photo("gate.png")])
    entry_edit(
        entry=kept.entry,
        data=incident("He was at the gate again, at nine", 3),
        uploads=[photo("gate-2.png", (10, 200, 10))],
    )
    deleted = entry_record(member=member, data=incident("A message from a new number", 5))
    entry_delete(entry=deleted.entry)
    destroyed = entry_record(member=member, data=incident("Flowers left", 7), uploads=[photo("flowers.png")])
    entry_destroy(entry=destroyed.entry)
    secret = SecretRecord(owner=member, title="kept aside", details={"n": 1})
    store_file(secret, "attachment", io.BytesIO(b"bytes of a recording " * 500))
    secret.save()


def finished_download(member, capture) -> ExportRequest:
    with capture(execute=True):  # the build is queued when the request commits
        export = export_request(member=member, start=date(2025, 3, 1), end=date(2025, 3, 31))
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.bundle
    return export


def two_step_everything(member) -> None:
    """An authenticator app (from the factory), backup codes, a phone and a passkey."""
    two_step.backup_codes_make(user=member)
    two_step.phone_device_create(user=member, number="+447700900123", confirmed=True)
    WebAuthnCredential.objects.create(
        user=member,
        name="Passkey",
        credential_id=b"credential-" + str(member.pk).encode(),
        public_key=b"key",
        sign_count=0,
    )
    WebAuthnUserHandle.objects.create(user=member)
    CodeAttempts.objects.create(user=member, failures=2)


def administered(member, admin) -> None:
    """What administrators and Wagtail leave about an account: Django admin's log of changes to
    it and to its address (both texts name the address), a recovery event, Wagtail's profile and
    log, and a group."""
    for obj in (member, EmailAddress.objects.get(user=member)):
        LogEntry.objects.create(
            user=admin,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message=json.dumps([{"changed": {"fields": ["is_active"]}}]),
        )
    AccountEvent.objects.create(
        user=member, kind=AccountEvent.Kind.TWO_STEP_RESET, actor=admin, reason=AccountEvent.IdentityCheck.CALL_BACK
    )
    UserProfile.get_for_user(member)
    log(instance=member, action="wagtail.edit", user=admin)
    member.groups.add(Group.objects.get_or_create(name="Pilot")[0])
    EmailConfirmation.create(EmailAddress.objects.get(user=member))


def signed_in_twice(member, client_class, sign_in) -> None:
    """One session fully signed in (listed), one waiting for its second step (not listed yet)."""
    full = client_class()
    sign_in(full, member.email)
    assert pass_second_step(full, member).status_code == 302
    waiting = client_class()
    sign_in(waiting, member.email)
    assert Session.objects.count() >= 2


def attempts_on(email: str, client_class, sign_in) -> None:
    """Wrong passwords tried on the address, as typed (upper case included)."""
    for typed in (email, email.upper()):
        sign_in(client_class(), typed, "not-the-password-1")
    # Logs this deployment does not keep, but another might: they hold the address too.
    for log_model in (AccessLog, AccessFailureLog):
        log_model.objects.create(username=email.upper(), ip_address="203.0.113.9", user_agent="Firefox")


def request_deletion(member, *, days_ago: int = 15) -> None:
    User.objects.filter(pk=member.pk).update(deletion_requested_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def everything(client, sign_in, django_capture_on_commit_callbacks):
    """Fill a member's account with every kind of row and file there is."""
    client_class = type(client)

    def fill(member, admin) -> None:
        diary_with_history(member)
        finished_download(member, django_capture_on_commit_callbacks)
        two_step_everything(member)
        signed_in_twice(member, client_class, sign_in)
        administered(member, admin)
        attempts_on(member.email, client_class, sign_in)

    return fill


# --- Looking for what is left ---------------------------------------------------------------------


def links_to_accounts():
    """Every foreign key and one-to-one field to the user model, many-to-many tables included."""
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not None and f.related_model._meta.concrete_model is User:
                yield model, f


def references_by_type_and_id():
    """Every (model, content type field, object id field) pair, as Django admin's LogEntry has."""
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is ContentType and f.name.endswith("content_type"):
                id_name = f.name.removesuffix("content_type") + "object_id"
                if id_name in names:
                    yield model, f.name, id_name


def rows_naming(user_pk) -> dict[str, list]:
    """The rows of every table that point to the account, by foreign key or by type and id."""
    found = {}
    for model, f in links_to_accounts():
        pks = list(model._base_manager.filter(**{f.attname: user_pk}).values_list("pk", flat=True))
        if pks:
            found[f"{model._meta.label}.{f.name}"] = sorted(map(str, pks))
    user_type = ContentType.objects.get_for_model(User)
    for model, type_name, id_name in references_by_type_and_id():
        pks = list(
            model._base_manager.filter(**{type_name: user_type, id_name: str(user_pk)}).values_list("pk", flat=True)
        )
        if pks:
            found[f"{model._meta.label}.{id_name}"] = sorted(map(str, pks))
    return found


def sessions_of(user_pk) -> list[str]:
    """Sessions whose data names the account, however far through signing in they are."""
    return sorted(
        session.session_key for session in Session.objects.all() if str(user_pk) in _session_ids(session.get_decoded())
    )


def _session_ids(data: dict) -> set[str]:
    pending = data.get("account_login") or {}
    return {
        str(value)
        for value in (
            data.get("_auth_user_id"),
            data.get("account_authentication_methods_user"),
            pending.get("user_pk"),
        )
        if value is not None
    }


def text_holding(needle: str) -> list[str]:
    """Every text, character and JSON value of every row of every table that contains ``needle``
    (any case), and every session whose data does."""
    needle = needle.lower()
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not isinstance(f, EncryptedFieldMixin)  # ciphertext, which the checks above cover
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list("pk", *[f.attname for f in fields]):
            for f, value in zip(fields, row[1:], strict=True):
                if value is not None and needle in json.dumps(value).lower():
                    found.append(f"{model._meta.label}#{row[0]}.{f.name}")
    for session in Session.objects.all():
        if needle in json.dumps(session.get_decoded()).lower():
            found.append(f"session {session.session_key}")
    return found


def file_names_of(user_pk) -> set[str]:
    names = set(Attachment.objects.filter(member_id=user_pk).values_list("file", flat=True))
    names |= set(ExportRequest.objects.filter(member_id=user_pk).exclude(bundle="").values_list("bundle", flat=True))
    names |= set(SecretRecord.objects.filter(owner_id=user_pk).values_list("attachment", flat=True))
    return names


def stored_files() -> set[str]:
    root = Path(encrypted_storage().location)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def snapshot(user) -> dict:
    """Everything of one account, opened: to show afterwards that nothing of it changed."""
    return {
        "rows": rows_naming(user.pk),
        "sessions": sessions_of(user.pk),
        "attempts": sorted(AccessAttempt.objects.filter(username=user.email).values_list("pk", flat=True)),
        "versions": [(v.pk, v.hash, v.content) for v in EntryVersion.objects.filter(member=user).order_by("sequence")],
        "files": {a.sha256: b"".join(open_file(a, "file")) for a in Attachment.objects.filter(member=user)},
        "bundles": {e.pk: b"".join(open_file(e, "bundle")) for e in ExportRequest.objects.filter(member=user)},
        "numbers": [p.number for p in PhoneNumber.objects.filter(user=user)],
        "keys": sorted(DataKey.objects.filter(owner=user).values_list("pk", flat=True)),
        "account": User.objects.filter(pk=user.pk).values().get(),
    }


def audit() -> str:
    out = StringIO()
    call_command("crypto_audit", stdout=out, stderr=StringIO())  # raises CommandError on any failure
    return out.getvalue()


def purge() -> str:
    out = StringIO()
    call_command("purge_deleted_accounts", stdout=out, stderr=StringIO())
    return out.getvalue()


def failing_purge() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("purge_deleted_accounts", stdout=out, stderr=err)
    return str(failure.value), out.getvalue() + err.getvalue()


def assert_nothing_left(*, user_pk, email: str, file_names: set[str], audited: bool = True) -> None:
    assert not User.objects.filter(pk=user_pk).exists()
    assert rows_naming(user_pk) == {}
    assert sessions_of(user_pk) == []
    assert text_holding(email) == []
    assert not file_names & stored_files()
    if audited:
        assert "Everything decrypts." in audit()


@pytest.fixture
def two_members(everything):
    """A member with everything, due for deletion, and a bystander with everything, not due."""
    admin = AdminFactory()
    member = MemberFactory(authenticator=True)
    bystander = MemberFactory(authenticator=True)
    everything(member, admin)
    everything(bystander, admin)
    request_deletion(member)
    return member, bystander


def assert_it_had_everything(member) -> None:
    """The checks can fail: before the purge they find the member everywhere."""
    found = rows_naming(member.pk)
    for label in (
        "diary.Entry.member",
        "diary.EntryVersion.member",
        "diary.Attachment.member",
        "diary.ExportRequest.member",
        "testapp.SecretRecord.owner",
        "portal.DataKey.owner",
        "accounts.SignedInSession.user",
        "accounts.AccountEvent.user",
        "accounts.CodeAttempts.user",
        "accounts.PhoneDevice.user",
        "accounts.PhoneNumber.user",
        "accounts.User_groups.user",
        "otp_totp.TOTPDevice.user",
        "otp_static.StaticDevice.user",
        "django_otp_webauthn.WebAuthnCredential.user",
        "django_otp_webauthn.WebAuthnUserHandle.user",
        "account.EmailAddress.user",
        "wagtailusers.UserProfile.user",
        "admin.LogEntry.object_id",
        "wagtailcore.ModelLogEntry.object_id",
    ):
        assert label in found, label
    assert len(found["diary.Entry.member"]) == 3
    assert len(found["diary.EntryVersion.member"]) == 6  # 3 made, an edit, a deletion, a tombstone
    assert Entry.objects.filter(member=member, deleted_at__isnull=False).count() == 1
    assert Entry.objects.filter(member=member, destroyed_at__isnull=False).count() == 1
    assert len(sessions_of(member.pk)) == 2
    # The session waiting for its second step is not listed: only its data names the account.
    assert member.signed_in_sessions.count() == 1
    holding = text_holding(member.email)
    for where in ("accounts.User#", "account.EmailAddress#", "admin.LogEntry#", "axes.AccessAttempt#"):
        assert any(place.startswith(where) for place in holding), where
    assert any(place.startswith("axes.AccessFailureLog#") for place in holding)
    assert any(place.startswith("axes.AccessLog#") for place in holding)
    assert any(place.startswith("wagtailcore.ModelLogEntry#") for place in holding)
    assert len(file_names_of(member.pk)) == 4  # two photos kept, the download, the record's file
    assert file_names_of(member.pk) <= stored_files()


# --- The purge -------------------------------------------------------------------------------------


def test_a_purged_account_leaves_no_row_address_or_file_behind(two_members):
    member, bystander = two_members
    assert_it_had_everything(member)
    before = snapshot(bystander)
    member_pk, email, names = member.pk, member.email, file_names_of(member.pk)

    assert "Deleted 1 account." in purge()

    assert_nothing_left(user_pk=member_pk, email=email, file_names=names)
    # The bystander keeps every row, session, file and key, and all of it still opens.
    assert snapshot(bystander) == before
    assert stored_files() == file_names_of(bystander.pk)
    assert text_holding(bystander.email)  # the search finds an address that is still there
    # The administrator's own account and its other records are untouched.
    assert StaticDevice.objects.filter(user=bystander).exists()
    assert TOTPDevice.objects.filter(user__role="admin").exists()


def test_the_purge_is_idempotent_and_a_second_run_finds_nothing_to_do(two_members):
    member, bystander = two_members
    before = snapshot(bystander)
    assert "Deleted 1 account." in purge()

    assert "Deleted 0 accounts." in purge()

    assert snapshot(bystander) == before


class DeleteRefusingStorage(FileSystemStorage):
    """A storage whose deletes fail, as an object store does when its credentials lapse."""

    def delete(self, name):
        raise PermissionError(f"not allowed to delete {name}")


def use_storage(settings, backend: str | None) -> dict:
    working = settings.STORAGES["encrypted"]
    if backend:
        settings.STORAGES = {**settings.STORAGES, "encrypted": {**working, "BACKEND": backend}}
    return working


def test_a_purge_stopped_after_the_keys_were_destroyed_is_finished_by_the_next_run(settings, two_members):
    member, bystander = two_members
    before = snapshot(bystander)
    member_pk, email, names = member.pk, member.email, file_names_of(member.pk)
    working = use_storage(settings, f"{__name__}.DeleteRefusingStorage")

    error, output = failing_purge()

    # Stopped in the second phase: the keys are gone for good, the account cannot be used, and
    # the rows naming the files are kept so that the next run can try the files again.
    assert str(member_pk) in error
    assert "PermissionError" in output
    assert email not in output
    assert not DataKey.objects.filter(owner_id=member_pk).exists()
    assert User.objects.filter(pk=member_pk, is_active=False).exists()
    assert names <= stored_files()
    assert file_names_of(member_pk) == names

    settings.STORAGES = {**settings.STORAGES, "encrypted": working}
    assert "Deleted 1 account." in purge()

    assert_nothing_left(user_pk=member_pk, email=email, file_names=names)
    assert snapshot(bystander) == before


def test_a_purge_stopped_after_its_first_phase_is_finished_by_the_next_run(two_members):
    """Only the first phase ran (the keys were destroyed and the account closed, then the
    process was stopped): the account is still due, and the next run finishes it."""
    member, bystander = two_members
    before = snapshot(bystander)
    member_pk, email, names = member.pk, member.email, file_names_of(member.pk)
    User.objects.filter(pk=member_pk).update(is_active=False)
    DataKey.objects.filter(owner_id=member_pk).delete()
    with pytest.raises(CommandError):
        audit()  # the state the bug left behind: rows whose key is gone

    assert "Deleted 1 account." in purge()

    assert_nothing_left(user_pk=member_pk, email=email, file_names=names)
    assert snapshot(bystander) == before


class StoresDuringDelete(FileSystemStorage):
    """A storage that, after its first delete, lets something store a file for the member being
    purged (a download finishing its build at that moment)."""

    then: list = []

    def delete(self, name):
        super().delete(name)
        while self.then:
            self.then.pop()()


def test_a_file_stored_while_the_account_is_purged_is_not_left_behind(settings, two_members):
    member, bystander = two_members
    before = snapshot(bystander)
    member_pk, email, names = member.pk, member.email, file_names_of(member.pk)
    late = []

    def store_late():
        record = SecretRecord(owner_id=member_pk, title="late", details={})
        store_file(record, "attachment", io.BytesIO(b"late bytes"))
        record.save()
        late.append(record.attachment)

    StoresDuringDelete.then[:] = [store_late]
    working = use_storage(settings, f"{__name__}.StoresDuringDelete")

    error, output = failing_purge()

    assert str(member_pk) in error and email not in output
    assert late and late[0] in stored_files()  # its row is kept until the file is gone

    settings.STORAGES = {**settings.STORAGES, "encrypted": working}
    assert "Deleted 1 account." in purge()

    assert_nothing_left(user_pk=member_pk, email=email, file_names=names | set(late))
    assert snapshot(bystander) == before


class AccountRowRefusesDeletion:
    """A database trigger that refuses to delete one account's row with an error quoting its
    address, as database errors quote the values involved."""

    def __init__(self, user):
        self.user = user

    def __enter__(self):
        table = User._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_account_delete() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'cannot delete %', OLD.email; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER refuse_account_delete BEFORE DELETE ON {table} FOR EACH ROW "
                    f"WHEN (OLD.id = {int(self.user.pk)}) EXECUTE FUNCTION refuse_account_delete()"
                )
            else:
                cursor.execute(
                    f"CREATE TRIGGER refuse_account_delete BEFORE DELETE ON {table} "
                    f"WHEN OLD.id = {int(self.user.pk)} "
                    f"BEGIN SELECT RAISE(ABORT, 'cannot delete {self.user.email}'); END"
                )
        return self

    def __exit__(self, *exc):
        table = User._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER refuse_account_delete ON {table}")
                cursor.execute("DROP FUNCTION refuse_account_delete()")
            else:
                cursor.execute("DROP TRIGGER refuse_account_delete")


def test_one_account_that_fails_does_not_keep_the_others_and_its_address_is_not_printed(everything):
    admin = AdminFactory()
    stuck, purged = MemberFactory(authenticator=True), MemberFactory(authenticator=True)
    everything(stuck, admin)
    everything(purged, admin)
    request_deletion(stuck)
    request_deletion(purged)
    purged_pk, purged_email, purged_names = purged.pk, purged.email, file_names_of(purged.pk)

    with AccountRowRefusesDeletion(stuck):
        error, output = failing_purge()

    assert "Deleted 1 account." in output
    assert f"accounts {stuck.pk}" in error
    assert stuck.email not in output and stuck.email not in error
    # (crypto_audit fails until the rerun: the stuck account's rows remain, without their key.)
    assert_nothing_left(user_pk=purged_pk, email=purged_email, file_names=purged_names, audited=False)
    # The stuck account's keys are gone and it cannot be signed in to; its rows wait for the rerun.
    assert not DataKey.objects.filter(owner=stuck).exists()
    assert User.objects.filter(pk=stuck.pk, is_active=False).exists()

    stuck_pk, stuck_email, stuck_names = stuck.pk, stuck.email, file_names_of(stuck.pk)
    assert "Deleted 1 account." in purge()

    assert_nothing_left(user_pk=stuck_pk, email=stuck_email, file_names=stuck_names)


def test_a_member_within_the_grace_period_keeps_everything(two_members):
    member, bystander = two_members
    request_deletion(member, days_ago=13)
    before = snapshot(member)

    assert "Deleted 0 accounts." in purge()

    assert snapshot(member) == before
    assert PhoneDevice.objects.filter(user=member).exists()
