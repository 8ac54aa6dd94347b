"""Create (or refresh) one demo account per role, then every app's demo data. Safe to run again.

Staff must use two-step sign-in, so each demo staff account gets an authenticator app whose
setup key is printed (kept across runs, so an app set up once keeps working). Apps register
their demo data in their own ``demo.py`` (see portal/demo.py).
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import Organisation, Role, User
from portal.accounts.services.staff import role_groups_sync
from portal.accounts.services.two_step import app_secret_text
from portal.demo import demo_data_create

DEMO_ORGANISATION = "Demo Support Service"
DEMO_ACCOUNTS = (
    ("member@demo.test", Role.MEMBER),
    ("member2@demo.test", Role.MEMBER),
    ("worker@demo.test", Role.WORKER),
    ("coordinator@demo.test", Role.COORDINATOR),
    ("editor@demo.test", Role.EDITOR),
    ("reviewer@demo.test", Role.REVIEWER),
    ("admin@demo.test", Role.ADMIN),
)


class Command(BaseCommand):
    help = "Create one demo account per role, with the given password."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for every demo account.")

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        if settings.PRODUCTION:
            # An administrator with a password printed to a terminal has no place in production.
            raise CommandError(
                "seed_demo is for development and demos: its accounts share one printed password, "
                "so it does not run in production."
            )
        organisation, _ = Organisation.objects.get_or_create(name=DEMO_ORGANISATION)
        self.stdout.write(f"Demo accounts (password: {password})")
        self.stdout.write(
            "Staff accounts ask for a code: add the setup key (or the otpauth link) to an authenticator app."
        )
        members = []
        for email, role in DEMO_ACCOUNTS:
            in_organisation = role in (Role.WORKER, Role.COORDINATOR)
            user, _ = User.objects.update_or_create(
                email=email,
                defaults={
                    "role": role,
                    "organisation": organisation if in_organisation else None,
                    "is_superuser": role == Role.ADMIN,
                    "is_active": True,
                },
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            role_groups_sync(user=user)  # the editor drafts advice, the reviewer approves it
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            self.stdout.write(f"  {role.label:<16} {email}")
            if role == Role.MEMBER:
                members.append(user)
            else:
                app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
                if app is None:
                    app = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
                self.stdout.write(f"  {'':<16} authenticator setup key: {app_secret_text(app)}")
                self.stdout.write(f"  {'':<16} {app.config_url}")
        demo_data_create(members=members)
