"""Every factory builds a valid, saved object; diary entries built by them keep the chain whole."""

import hashlib

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import check_password
from django.db import connection

from diary import export, verify
from diary.models import Attachment, Entry, EntryVersion, ExportRequest, ExportStatus
from portal import crypto
from portal.accounts.models import (
    AccountEvent,
    EmailChange,
    Organisation,
    PhoneDevice,
    PhoneNumber,
    Role,
    SignedInSession,
    User,
)
from portal.models import DataKey
from tests import factories

pytestmark = pytest.mark.django_db


def saved(obj):
    """The object as stored: read back from the database, and valid by the model's own rules."""
    stored = type(obj).objects.get(pk=obj.pk)
    stored.full_clean(validate_unique=False)
    return stored


@pytest.mark.parametrize(
    ("factory", "role"),
    [
        (factories.UserFactory, Role.MEMBER),
        (factories.MemberFactory, Role.MEMBER),
        (factories.WorkerFactory, Role.WORKER),
        (factories.CoordinatorFactory, Role.COORDINATOR),
        (factories.EditorFactory, Role.EDITOR),
        (factories.AdminFactory, Role.ADMIN),
    ],
)
def test_users_of_every_role(factory, role):
    user = saved(factory())

    assert user.role == role
    assert check_password(factories.PASSWORD, user.password)
    assert EmailAddress.objects.get(user=user).verified
    assert (user.organisation is not None) == (role in (Role.WORKER, Role.COORDINATOR))


def test_organisation():
    organisation = saved(factories.OrganisationFactory())

    assert Organisation.objects.filter(name=organisation.name).count() == 1


def test_authenticator_app_and_backup_codes():
    app = saved(factories.TOTPDeviceFactory())
    codes = saved(factories.StaticDeviceFactory(user=app.user))

    assert app.confirmed
    assert codes.user == app.user
    assert codes.token_set.count() == 10
    assert factories.StaticDeviceFactory(tokens=["abcd1234"]).token_set.get().token == "abcd1234"


def test_phone_with_its_encrypted_number():
    phone = saved(factories.PhoneDeviceFactory(number="+447700900123"))

    assert isinstance(phone, PhoneDevice)
    assert phone.number == "+447700900123"
    number = saved(phone.phone_number)
    assert number.user == phone.user
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {PhoneNumber._meta.db_table}")  # noqa: S608
        ((stored,),) = cursor.fetchall()
    assert "900123" not in stored  # encrypted at rest


def test_phone_number_alone_makes_its_device():
    number = saved(factories.PhoneNumberFactory())

    assert PhoneDevice.objects.get(pk=number.device_id).number == number.number
    assert PhoneNumber.objects.count() == 1


def test_signed_in_session_event_and_email_change():
    session = saved(factories.SignedInSessionFactory())
    event = saved(factories.AccountEventFactory(user=session.user))
    change = saved(factories.EmailChangeFactory(user=session.user, token="the-token"))

    assert isinstance(session, SignedInSession)
    assert isinstance(event, AccountEvent)
    assert event.user == session.user
    assert isinstance(change, EmailChange)
    assert change.old_email == session.user.email
    assert change.confirm_token_hash == hashlib.sha256(b"the-token").hexdigest()
    assert change.confirmed_at is None


def test_data_key_is_the_owners_current_key():
    key = saved(factories.DataKeyFactory())

    assert isinstance(key, DataKey)
    assert crypto.unwrap_data_key(key)


def test_entries_and_files_join_the_chain_and_it_verifies(settings, tmp_path):
    settings.PORTAL_SIGNING_KEY = crypto.new_signing_key()
    member = factories.MemberFactory()

    first = saved(factories.EntryFactory(member=member, location="Outside home"))
    second = factories.EntryFactory(member=member, uploads=[factories.png_upload()])
    added = saved(factories.AttachmentFactory(entry=first, upload=factories.png_upload("later.png")))
    alone = saved(factories.AttachmentFactory(member=member))

    assert isinstance(first, Entry)
    assert first.current_version.content["location"] == "Outside home"
    assert second.attachments.count() == 1
    assert isinstance(added, Attachment)
    assert added.entry == first
    assert alone.entry.member == member
    assert EntryVersion.objects.filter(member=member).count() == 4  # three entries, one edit
    bundle = tmp_path / "bundle.zip"
    with bundle.open("wb") as target:
        export.bundle_build(member=member, start=first.occurred_at.date(), end=first.occurred_at.date(), target=target)
    result = verify.bundle_verify(bundle, public_key=crypto.public_key_b64())
    assert result.problem is None, result.problem
    assert len(result.document["chain"]) == 4


def test_entries_of_a_new_member_each():
    entry = saved(factories.EntryFactory())

    assert entry.member.role == Role.MEMBER
    assert User.objects.count() == 1
    assert entry.current_version.number == 1


def test_export_request():
    export_request = saved(factories.ExportRequestFactory())

    assert isinstance(export_request, ExportRequest)
    assert export_request.status == ExportStatus.PENDING
    assert export_request.start < export_request.end
