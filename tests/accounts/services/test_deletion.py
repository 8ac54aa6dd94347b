"""A member deletes their account: asked for their password again, a grace period in which
signing in keeps the account, then crypto-shredding (keys first, then rows and files)."""

import io
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from portal import crypto
from portal.accounts import session_state
from portal.accounts.models import User
from portal.accounts.selectors import accounts_due_for_purge
from portal.accounts.services.deletion import account_deletion_cancel, account_purge
from portal.fields import encrypted_storage, open_file, store_file
from portal.models import DataKey
from tests.factories import PASSWORD, MemberFactory
from tests.testapp.models import SecretRecord

pytestmark = pytest.mark.django_db

DELETE_URL = "/accounts/delete/"
SETTINGS_URL = "/accounts/settings/"
REAUTHENTICATE_URL = "/accounts/reauthenticate/?next=/accounts/delete/"
STAFF_ROLES = ["worker", "coordinator", "editor", "admin_user"]


# --- Helpers -------------------------------------------------------------------------------


def reauthenticate(client, password: str = PASSWORD):
    return client.post(REAUTHENTICATE_URL, {"password": password})


def age_authentication(client, *, minutes: int) -> None:
    """Make this session's last confirmation of who it is ``minutes`` older."""
    session = client.session
    session[session_state.REAUTHENTICATED_AT_KEY] -= minutes * 60
    session.save()


def make_record(owner, n: int = 1) -> SecretRecord:
    record = SecretRecord(owner=owner, title=f"what happened on day {n}", details={"day": n})
    store_file(record, "attachment", io.BytesIO(f"photo {n} ".encode() * 4000))
    record.save()
    return record


def opened(record) -> tuple[str, dict, bytes]:
    fresh = SecretRecord.objects.get(pk=record.pk)
    return fresh.title, fresh.details, b"".join(open_file(fresh, "attachment"))


def storage_names() -> set[str]:
    root = Path(encrypted_storage().location)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def aad(owner_id, record_id, field_name: str) -> bytes:
    return crypto.value_aad(
        owner_id=owner_id, model_label="testapp.secretrecord", field_name=field_name, row_id=record_id
    )


def kept_aside(record) -> dict:
    """A copy of a row's stored values and file bytes, as a backup or a thief would hold them."""
    title, details, name = SecretRecord.objects.values_list("title", "details", "attachment").get(pk=record.pk)
    with encrypted_storage().open(name, "rb") as stream:
        file_bytes = stream.read()
    return {
        "owner_id": record.owner_id,
        "row_id": record.pk,
        "title": str(title),
        "details": str(details),
        "file": file_bytes,
        "file_name": name,
    }


def open_kept_value(kept: dict, field_name: str) -> str:
    return crypto.decrypt_value(
        kept[field_name], owner_id=kept["owner_id"], aad=aad(kept["owner_id"], kept["row_id"], field_name)
    )


def open_kept_file(kept: dict) -> bytes:
    aad_ = aad(kept["owner_id"], kept["row_id"], "attachment")
    return b"".join(crypto.decrypt_file(io.BytesIO(kept["file"]), owner_id=kept["owner_id"], aad=aad_))


def relabelled(kept: dict, data_key) -> dict:
    """The kept-aside ciphertext, edited to name another data key the system still holds."""
    relabel = dict(kept, owner_id=data_key.owner_id)
    for field_name in ("title", "details"):
        prefix, _, payload = kept[field_name].split(":", 2)
        relabel[field_name] = f"{prefix}:{data_key.id.hex}:{payload}"
    magic = len(crypto.FILE_MAGIC)
    relabel["file"] = kept["file"][:magic] + data_key.id.bytes + kept["file"][magic + 16 :]
    return relabel


def assert_nothing_opens(kept: dict) -> None:
    aad_of = {name: aad(kept["owner_id"], kept["row_id"], name) for name in ("title", "details", "attachment")}
    for field_name in ("title", "details"):
        with pytest.raises(crypto.DecryptionError):
            open_kept_value(kept, field_name)
    with pytest.raises(crypto.DecryptionError):
        open_kept_file(kept)
    # Nor does any data key left in the system, whoever it belongs to.
    for data_key in DataKey.objects.all():
        attempt = relabelled(kept, data_key)
        for field_name in ("title", "details"):
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt_value(attempt[field_name], owner_id=data_key.owner_id, aad=aad_of[field_name])
        with pytest.raises(crypto.DecryptionError):
            b"".join(
                crypto.decrypt_file(io.BytesIO(attempt["file"]), owner_id=data_key.owner_id, aad=aad_of["attachment"])
            )


def request_deletion(member, *, days_ago: int) -> None:
    member.deletion_requested_at = timezone.now() - timedelta(days=days_ago)
    member.save(update_fields=["deletion_requested_at"])


def purge() -> str:
    out = StringIO()
    call_command("purge_deleted_accounts", stdout=out, stderr=StringIO())
    return out.getvalue()


def failing_purge() -> tuple[CommandError, str]:
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("purge_deleted_accounts", stdout=StringIO(), stderr=err)
    return failure.value, err.getvalue()


@pytest.fixture
def reauthenticated(client, member, sign_in):
    """A member who has just given their password again."""
    sign_in(client, member.email)
    assert reauthenticate(client)["Location"] == DELETE_URL
    return client


# --- The account page ------------------------------------------------------------------------


def test_the_account_page_offers_deletion_to_members(client, member):
    client.force_login(member)

    page = client.get(SETTINGS_URL)

    assert page.status_code == 200
    assert f'href="{DELETE_URL}"' in page.content.decode()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_account_page_offers_no_deletion_to_staff(request, client, role):
    client.force_login(request.getfixturevalue(role))

    page = client.get(SETTINGS_URL)

    assert page.status_code == 200
    assert DELETE_URL not in page.content.decode()


# --- Asking for deletion ---------------------------------------------------------------------


def test_deletion_asks_for_the_password_again_when_it_was_given_long_ago(client, member, sign_in):
    sign_in(client, member.email)
    reauthenticate(client)
    age_authentication(client, minutes=10)

    response = client.get(DELETE_URL)

    assert response.status_code == 302
    assert response["Location"] == REAUTHENTICATE_URL
    assert client.get(REAUTHENTICATE_URL).status_code == 200

    response = reauthenticate(client)

    assert response["Location"] == DELETE_URL
    page = client.get(DELETE_URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Delete your account" in text
    assert "everything you have written and uploaded here will be destroyed" in text
    assert f"deleted {django_settings.ACCOUNT_DELETION_GRACE.days} days from now" in text
    assert "sign in and it will be kept" in text


def test_a_wrong_password_does_not_open_the_deletion_page(client, member, sign_in):
    sign_in(client, member.email)

    response = reauthenticate(client, "not-the-password-1")

    assert response.status_code == 200  # the form again, with its error
    assert client.get(DELETE_URL)["Location"] == REAUTHENTICATE_URL


def test_deletion_cannot_be_asked_for_without_the_password(client, member, sign_in):
    sign_in(client, member.email)

    response = client.post(DELETE_URL)

    assert response["Location"] == REAUTHENTICATE_URL
    member.refresh_from_db()
    assert member.deletion_requested_at is None
    assert client.session[SESSION_KEY] == str(member.pk)


def test_asking_for_deletion_schedules_it_and_signs_the_member_out(reauthenticated, member):
    response = reauthenticated.post(DELETE_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    member.refresh_from_db()
    assert timezone.now() - member.deletion_requested_at < timedelta(minutes=1)
    assert SESSION_KEY not in reauthenticated.session
    assert reauthenticated.get("/home/")["Location"].startswith("/accounts/login/")
    due = member.deletion_requested_at + django_settings.ACCOUNT_DELETION_GRACE
    sign_in_page = reauthenticated.get("/accounts/login/").content.decode()
    assert f"Your account will be deleted on {date_format(timezone.localtime(due), 'j F Y')}." in sign_in_page
    assert "sign in before then and it will be kept" in sign_in_page
    # Nothing is removed yet.
    assert User.objects.filter(pk=member.pk, is_active=True).exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_cannot_use_the_deletion_page(request, client, sign_in, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    reauthenticate(client)

    assert client.get(DELETE_URL).status_code == 404
    assert client.post(DELETE_URL).status_code == 404
    user.refresh_from_db()
    assert user.deletion_requested_at is None


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_get_a_404_without_being_asked_for_their_password(request, client, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(DELETE_URL).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for response in (client.get(DELETE_URL), client.post(DELETE_URL), client.get(SETTINGS_URL)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


# --- Changing one's mind -----------------------------------------------------------------------


def test_signing_in_during_the_grace_period_keeps_the_account(client, member, sign_in):
    request_deletion(member, days_ago=13)

    response = sign_in(client, member.email)

    member.refresh_from_db()
    assert member.deletion_requested_at is None
    page = client.get(response["Location"])
    assert "You signed in, so your account will not be deleted. Nothing was removed." in page.content.decode()
    request_deletion(member, days_ago=0)  # nothing left over: a later request starts afresh
    assert member not in accounts_due_for_purge()


def test_asking_then_signing_in_again_keeps_everything(reauthenticated, member, sign_in):
    record = make_record(member)
    expected = opened(record)
    reauthenticated.post(DELETE_URL)
    member.refresh_from_db()
    assert member.deletion_requested_at is not None
    request_deletion(member, days_ago=13)  # a day before the grace period ends

    sign_in(reauthenticated, member.email)

    member.refresh_from_db()
    assert member.deletion_requested_at is None
    assert "Deleted 0 accounts." in purge()
    assert opened(record) == expected


# --- Purging after the grace period ----------------------------------------------------------


def test_after_the_grace_period_the_member_is_crypto_shredded(member, other_member):
    records = [make_record(member, 1), make_record(member, 2)]
    kept = [kept_aside(record) for record in records]
    # The copies do open while the member's key exists: the checks below can fail.
    assert open_kept_value(kept[0], "title") == "what happened on day 1"
    assert open_kept_file(kept[1]).startswith(b"photo 2 ")
    bystander = make_record(other_member)
    bystander_expected = opened(bystander)
    member_pk = member.pk
    request_deletion(member, days_ago=15)

    assert "Deleted 1 account." in purge()

    assert not User.objects.filter(pk=member_pk).exists()
    assert not DataKey.objects.filter(owner_id=member_pk).exists()
    assert not SecretRecord.objects.filter(owner_id=member_pk).exists()
    names = storage_names()
    assert not {copy["file_name"] for copy in kept} & names
    for copy in kept:
        assert_nothing_opens(copy)
    # The other member is untouched.
    assert opened(bystander) == bystander_expected
    assert bystander.attachment in names


def test_an_account_within_the_grace_period_is_not_purged(member):
    record = make_record(member)
    expected = opened(record)
    request_deletion(member, days_ago=13)

    assert "Deleted 0 accounts." in purge()

    assert opened(record) == expected
    assert DataKey.objects.filter(owner=member).exists()
    member.refresh_from_db()
    assert member.is_active


def test_a_member_who_signs_in_while_the_purge_runs_is_kept(member):
    record = make_record(member)
    expected = opened(record)
    request_deletion(member, days_ago=15)
    [due] = list(accounts_due_for_purge())  # the purge has read its list...
    account_deletion_cancel(user=User.objects.get(pk=member.pk))  # ...and then the member signs in

    assert account_purge(user=due) is False

    assert opened(record) == expected
    member.refresh_from_db()
    assert member.is_active


class DeleteRefusingStorage(FileSystemStorage):
    """A storage whose deletes fail, as an object store does when its credentials lapse."""

    def delete(self, name):
        raise PermissionError(f"not allowed to delete {name}")


def test_when_file_deletion_fails_the_keys_are_already_gone_and_a_rerun_finishes(settings, member, other_member):
    records = [make_record(member, 1), make_record(member, 2)]
    kept = [kept_aside(record) for record in records]
    bystander = make_record(other_member)
    bystander_expected = opened(bystander)
    request_deletion(member, days_ago=15)
    working = settings.STORAGES["encrypted"]
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted": {**working, "BACKEND": f"{__name__}.DeleteRefusingStorage"},
    }

    error, err = failing_purge()

    assert str(member.pk) in str(error)
    assert "PermissionError" in err
    assert not DataKey.objects.filter(owner_id=member.pk).exists()
    for copy in kept:
        assert_nothing_opens(copy)
    with pytest.raises(crypto.DecryptionError):
        SecretRecord.objects.get(pk=records[0].pk).title  # noqa: B018
    member.refresh_from_db()
    assert not member.is_active  # the shell of the account cannot be signed in to

    settings.STORAGES = {**settings.STORAGES, "encrypted": working}
    assert "Deleted 1 account." in purge()

    assert not User.objects.filter(pk=member.pk).exists()
    assert not SecretRecord.objects.filter(owner_id=member.pk).exists()
    assert storage_names() == {bystander.attachment}
    assert opened(bystander) == bystander_expected


class RowsRefuseDeletion:
    """A database trigger that makes deleting SecretRecord rows fail (a real database fault)."""

    def __enter__(self):
        table = SecretRecord._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_delete() RETURNS trigger AS "
                    "$$ BEGIN RAISE EXCEPTION 'rows are kept'; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER refuse_delete BEFORE DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_delete()"
                )
            else:
                cursor.execute(
                    f"CREATE TRIGGER refuse_delete BEFORE DELETE ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'rows are kept'); END"
                )
        return self

    def __exit__(self, *exc):
        table = SecretRecord._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER refuse_delete ON {table}")
                cursor.execute("DROP FUNCTION refuse_delete()")
            else:
                cursor.execute("DROP TRIGGER refuse_delete")


@pytest.mark.django_db(transaction=True)
def test_the_keys_are_destroyed_and_committed_before_any_row_is_deleted(client, sign_in):
    member, other_member = MemberFactory(), MemberFactory()
    records = [make_record(member, 1), make_record(member, 2)]
    kept = [kept_aside(record) for record in records]
    bystander = make_record(other_member)
    bystander_expected = opened(bystander)
    request_deletion(member, days_ago=15)

    with RowsRefuseDeletion():
        error, err = failing_purge()

    assert str(member.pk) in str(error)
    # The rows are still there, but their key was destroyed (and committed) first.
    assert SecretRecord.objects.filter(owner_id=member.pk).count() == 2
    assert not DataKey.objects.filter(owner_id=member.pk).exists()
    for record in records:
        with pytest.raises(crypto.DecryptionError, match="no longer exists"):
            SecretRecord.objects.get(pk=record.pk).title  # noqa: B018
    for copy in kept:
        assert_nothing_opens(copy)
    # Signing in cannot bring back a deletion that has begun.
    sign_in(client, member.email)
    assert SESSION_KEY not in client.session
    member.refresh_from_db()
    assert member.deletion_requested_at is not None

    assert "Deleted 1 account." in purge()

    assert not User.objects.filter(pk=member.pk).exists()
    assert not SecretRecord.objects.filter(owner_id=member.pk).exists()
    assert opened(bystander) == bystander_expected
