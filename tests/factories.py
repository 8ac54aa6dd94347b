"""factory_boy factories for the test suite."""

import factory
from allauth.account.models import EmailAddress
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import Organisation, Role, User

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
    before_you_start_seen_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)


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
