"""factory_boy factories for the test suite: one per model.

Diary entries and their files are made through the diary's own services, as their versions
join the member's hash chain; everything else is a plain row.
"""

import datetime
import hashlib
import io
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from casework.models import AccessRecord, CaseNote, Link, ShareGrant
from diary.models import Attachment, Entry, ExportRequest
from diary.services import IncidentData, entry_edit, entry_record
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
from safety_plans.models import Alert, AlertDelivery, Plan, PlanVersion, TrustedContact
from safety_plans.services import plan_save

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Support service {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A member with a verified email address and the password ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    role = Role.MEMBER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def authenticator(self, create, extracted, **kwargs):
        """A confirmed authenticator app: staff have one unless given ``authenticator=False``,
        members only when given ``authenticator=True``."""
        wanted = self.is_portal_staff if extracted is None else extracted
        if create and wanted:
            TOTPDevice.objects.create(user=self, name="Authenticator app", confirmed=True)


class MemberFactory(UserFactory):
    before_you_start_seen_at = factory.Faker("date_time", tzinfo=datetime.UTC)


class WorkerFactory(UserFactory):
    role = Role.WORKER
    organisation = factory.SubFactory(OrganisationFactory)


class CoordinatorFactory(UserFactory):
    role = Role.COORDINATOR
    organisation = factory.SubFactory(OrganisationFactory)


class EditorFactory(UserFactory):
    role = Role.EDITOR


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_superuser = True


# Accounts: how people sign in, and what the account page lists.


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app (for a member; staff get theirs from UserFactory)."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(MemberFactory)
    name = "Authenticator app"
    confirmed = True


class StaticDeviceFactory(factory.django.DjangoModelFactory):
    """Backup codes: ten single-use codes, unless given ``tokens=[...]``."""

    class Meta:
        model = StaticDevice
        skip_postgeneration_save = True

    user = factory.SubFactory(MemberFactory)
    name = "Backup codes"
    confirmed = True

    @factory.post_generation
    def tokens(self, create, extracted, **kwargs):
        if create:
            for token in extracted if extracted is not None else [StaticToken.random_token() for _ in range(10)]:
                self.token_set.create(token=token)


class PhoneDeviceFactory(factory.django.DjangoModelFactory):
    """A phone for text codes, with its number encrypted in a PhoneNumber row of its own."""

    class Meta:
        model = PhoneDevice
        skip_postgeneration_save = True

    class Params:
        number = factory.Sequence(lambda n: f"+4477009{n % 100000:05d}")

    user = factory.SubFactory(MemberFactory)
    name = "Phone"
    confirmed = True
    phone_number = factory.RelatedFactory(
        "tests.factories.PhoneNumberFactory",
        factory_related_name="device",
        user=factory.SelfAttribute("..user"),
        number=factory.SelfAttribute("..number"),
    )


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    device = factory.SubFactory(PhoneDeviceFactory, phone_number=None)
    user = factory.SelfAttribute("device.user")
    number = factory.Sequence(lambda n: f"+4477009{n % 100000:05d}")


class SignedInSessionFactory(factory.django.DjangoModelFactory):
    """A row of the sessions list (the Django session it names is not made)."""

    class Meta:
        model = SignedInSession

    user = factory.SubFactory(MemberFactory)
    session_key = factory.Sequence(lambda n: f"session{n:025d}")
    browser = "Firefox on Android"


class AccountEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountEvent

    user = factory.SubFactory(MemberFactory)
    kind = AccountEvent.Kind.SIGNED_IN


class EmailChangeFactory(factory.django.DjangoModelFactory):
    """A change of address waiting for the new address to confirm it with ``token``."""

    class Meta:
        model = EmailChange

    class Params:
        token = factory.Sequence(lambda n: f"confirm-token-{n}")

    user = factory.SubFactory(MemberFactory)
    old_email = factory.SelfAttribute("user.email")
    new_email = factory.Sequence(lambda n: f"new-address{n}@example.org")
    confirm_token_hash = factory.LazyAttribute(lambda change: hashlib.sha256(change.token.encode()).hexdigest())


class DataKeyFactory(factory.django.DjangoModelFactory):
    """A fresh data key for ``owner``, made by portal.crypto: it becomes their current key."""

    class Meta:
        model = DataKey

    owner = factory.SubFactory(MemberFactory)

    @classmethod
    def _create(cls, model_class, *, owner, **kwargs):
        key_id, _raw = crypto.data_key_create(owner_id=owner.pk)
        return model_class.objects.get(pk=key_id)


# The diary: recorded through its services, so every version is a link of the member's chain.


def png_upload(name: str = "photo.png", colour=(200, 30, 30)) -> SimpleUploadedFile:
    """A small, valid PNG, as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class EntryFactory(factory.django.DjangoModelFactory):
    """A diary entry recorded with ``entry_record``: its first version is the next link of
    the member's chain. Other keyword arguments are fields of IncidentData; ``uploads`` are
    files recorded with it."""

    class Meta:
        model = Entry

    member = factory.SubFactory(MemberFactory)
    what_happened = factory.Sequence(lambda n: f"Something happened, number {n}")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @classmethod
    def _create(cls, model_class, *, member, uploads=(), **fields):
        return entry_record(member=member, data=IncidentData(**fields), uploads=list(uploads)).entry


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A file kept with an entry, through the diary's services: recorded with a new entry, or,
    given ``entry``, added to it as a new version."""

    class Meta:
        model = Attachment

    entry = None
    upload = factory.LazyFunction(png_upload)

    @classmethod
    def _create(cls, model_class, *, entry, upload, **entry_fields):
        if entry is None:
            entry = EntryFactory(uploads=[upload], **entry_fields)
        else:
            data = IncidentData.from_content(entry.current_version.content)
            entry_edit(entry=entry, data=data, uploads=[upload])
        return entry.attachments.order_by("-uploaded_at").first()


class ExportRequestFactory(factory.django.DjangoModelFactory):
    """A download asked for and not yet built (``export_make`` builds it)."""

    class Meta:
        model = ExportRequest

    member = factory.SubFactory(MemberFactory)
    start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    end = factory.LazyFunction(timezone.localdate)


# Safety plans: the plan saved through its services, so every version is numbered as the app does.


def plan_content(notes: str = "My sister Jo, any time.") -> dict:
    """A plan with one section filled in and a code word."""
    return {
        "sections": {"people": {"checked": ["told_someone"], "notes": notes}},
        "code_word": "blue umbrella",
        "alert_message": "",
    }


class PlanFactory(factory.django.DjangoModelFactory):
    """A member's plan, saved once with ``plan_save`` (its first version is ``plan.current``)."""

    class Meta:
        model = Plan

    member = factory.SubFactory(MemberFactory)
    content = factory.LazyFunction(plan_content)

    @classmethod
    def _create(cls, model_class, *, member, content):
        return plan_save(member=member, content=content).plan


class PlanVersionFactory(factory.django.DjangoModelFactory):
    """A new version of ``plan`` (a new plan if none is given), saved with ``plan_save``."""

    class Meta:
        model = PlanVersion

    plan = None
    content = factory.Sequence(lambda n: plan_content(notes=f"Version notes, number {n}"))

    @classmethod
    def _create(cls, model_class, *, plan, content):
        member = plan.member if plan is not None else MemberFactory()
        return plan_save(member=member, content=content)


class TrustedContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustedContact

    member = factory.SubFactory(MemberFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    relationship = "Sister"
    phone = factory.Sequence(lambda n: f"+4477009{n % 100000:05d}")
    may_alert = True


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    member = factory.SubFactory(MemberFactory)
    message = "Please call me as soon as you can."
    request_key = factory.Sequence(lambda n: f"request-key-{n:08d}")


class AlertDeliveryFactory(factory.django.DjangoModelFactory):
    """One contact's text of an alert; the alert and contact belong to the same member."""

    class Meta:
        model = AlertDelivery

    alert = factory.SubFactory(AlertFactory)
    member = factory.LazyAttribute(lambda delivery: delivery.alert.member)
    contact = factory.LazyAttribute(lambda delivery: TrustedContactFactory(member=delivery.alert.member))


# Support workers and sharing (casework).


class LinkFactory(factory.django.DjangoModelFactory):
    """A member linked with a support worker; by itself it shares nothing."""

    class Meta:
        model = Link

    member = factory.SubFactory(MemberFactory)
    worker = factory.SubFactory(WorkerFactory)
    display_name = factory.Sequence(lambda n: f"Person {n}")
    accepted_at = factory.LazyFunction(timezone.now)


class ShareGrantFactory(factory.django.DjangoModelFactory):
    """What the member shares with the linked worker: the whole diary unless told otherwise."""

    class Meta:
        model = ShareGrant

    link = factory.SubFactory(LinkFactory)
    scope = ShareGrant.Scope.DIARY
    entry = None


class CaseNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    member = factory.SelfAttribute("link.member")
    organisation = factory.SelfAttribute("link.worker.organisation")
    author = factory.SelfAttribute("link.worker")
    text = "Called and talked through the plan."

    class Params:
        link = factory.SubFactory(LinkFactory)


class AccessRecordFactory(factory.django.DjangoModelFactory):
    """One read of a member's content by a worker, as casework.trail writes it."""

    class Meta:
        model = AccessRecord

    member_id = factory.LazyAttribute(lambda record: record.link.member_id)
    actor_id = factory.LazyAttribute(lambda record: record.link.worker_id)
    actor_email = factory.LazyAttribute(lambda record: record.link.worker.email)
    actor_role = Role.WORKER
    organisation_id = factory.LazyAttribute(lambda record: record.link.worker.organisation_id)
    organisation_name = factory.LazyAttribute(lambda record: record.link.worker.organisation.name)
    action = AccessRecord.Action.ENTRY_READ

    class Params:
        link = factory.SubFactory(LinkFactory)
