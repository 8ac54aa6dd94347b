"""Recovery for someone who lost every way of passing the second step, done by an administrator."""

from django.core.management.base import BaseCommand, CommandError

from portal.accounts.errors import AccountError
from portal.accounts.models import AccountEvent, User
from portal.accounts.services.two_step import two_step_reset


class Command(BaseCommand):
    help = (
        "Remove two-step sign-in from an account whose owner lost their app and backup codes. "
        "Check who is asking first, outside the portal; the action is recorded in the account's history."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account to recover.")
        parser.add_argument("--by", required=True, help="Email address of the administrator doing it.")
        parser.add_argument(
            "--reason",
            required=True,
            choices=AccountEvent.IdentityCheck.values,
            help="How the person's identity was checked: "
            + "; ".join(f"{value} = {label}" for value, label in AccountEvent.IdentityCheck.choices),
        )

    def handle(self, *args, email: str, by: str, reason: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        actor = User.objects.filter(email__iexact=by).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        if actor is None:
            raise CommandError(f"No account has the address {by}.")
        try:
            two_step_reset(user=user, actor=actor, reason=reason)
        except AccountError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Two-step sign-in removed from {user.email}, who is signed out everywhere. "
            "They set it up again at their next sign-in" + (" (required for staff)." if user.is_portal_staff else ".")
        )
