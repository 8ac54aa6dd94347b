"""A member working with support workers: who is linked to whom, what the member shares with
each, the worker's marks and case notes, and the trail of every read by someone other than the
member.

Being linked grants nothing: a worker reads only what a ShareGrant names, checked on every
request (casework.permissions), so a revoked grant stops the very next one.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.fields import EncryptedTextField


class LinkQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(accepted_at__isnull=False)


class Link(models.Model):
    """A member and a support worker who work together, made by the member entering the
    worker's referral code, or asked for by a coordinator and accepted by the member. The member
    can end it at any time, and every grant goes with it.

    Until the member accepts a coordinator's request, the link is theirs alone to see: the worker
    and the coordinator see nothing of it, so asking cannot tell a coordinator whether an
    address belongs to a member.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker_links")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload")
    # What the worker sees the member called: the member's choice, encrypted under their key.
    display_name = EncryptedTextField(owner_field="member")
    linked_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the member said yes: at once for a code they entered; empty while a coordinator's
    # request waits for them.
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The coordinator who made the link; empty when the member entered a referral code.
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the worker last opened the case: what is newer is "new" on their caseload.
    worker_seen_at = models.DateTimeField(null=True, blank=True)
    # When the worker was last told there is an update (at most one notice an hour per member).
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = LinkQuerySet.as_manager()

    sealed_as = "casework.link"  # fixed for good: what its encrypted values are bound to

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "worker"], name="one_link_per_member_and_worker")]
        ordering = ["linked_at"]

    def __str__(self) -> str:
        return f"link {self.id}"


class ShareGrant(models.Model):
    """One thing a member chose to let one linked worker read. Deleting it is revoking it."""

    class Scope(models.TextChoices):
        DIARY = "diary", "Your whole diary, including entries you add later"
        ENTRY = "entry", "One diary entry"
        PLAN = "plan", "Your safety plan"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="grants")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    # The entry, for a grant of one entry; a destroyed entry takes its grants with it.
    entry = models.ForeignKey("diary.Entry", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="entry_grant_names_one_entry",
                condition=(Q(scope="entry") & Q(entry__isnull=False)) | (~Q(scope="entry") & Q(entry__isnull=True)),
            ),
            models.UniqueConstraint(
                fields=["link", "scope"], condition=~Q(scope="entry"), name="one_whole_grant_per_scope"
            ),
            models.UniqueConstraint(fields=["link", "entry"], condition=Q(scope="entry"), name="one_grant_per_entry"),
        ]

    def __str__(self) -> str:
        return self.get_scope_display()


class Review(models.Model):
    """A worker's mark that they have reviewed an entry shared with them."""

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="reviews")
    entry = models.ForeignKey("diary.Entry", on_delete=models.CASCADE, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "entry"], name="one_review_per_entry")]

    def __str__(self) -> str:
        return "reviewed"


class CaseNote(models.Model):
    """A support worker's note about a member's case, read only by the workers of the same
    organisation linked to that member. Encrypted under the member's key, so deleting the
    member's account destroys it with everything else of theirs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = EncryptedTextField(owner_field="member")
    written_at = models.DateTimeField(default=timezone.now, editable=False)

    sealed_as = "casework.casenote"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["-written_at"]
        indexes = [models.Index(fields=["member", "organisation", "-written_at"])]

    def __str__(self) -> str:
        return "case note"


class ReferralCode(models.Model):
    """A one-time code a worker gives a member, who enters it to link with them.

    Only an HMAC of it (keyed with the site's secret) is kept: a leaked table links nobody. It
    works once, for seven days.
    """

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "referral code"


class AccessRecord(models.Model):
    """One read or download of a member's content by someone other than the member.

    Append-only: nothing updates or deletes a record (on PostgreSQL a trigger refuses it). Each
    record keeps who, their role and organisation as they were at the time, and holds no
    content: what was read is named by its kind and the id of the thing. Records outlive the
    accounts they name, which is why they hold plain ids rather than foreign keys.
    """

    class Action(models.TextChoices):
        CASE_OPENED = "case_opened", "Opened your case"
        ENTRY_READ = "entry_read", "Read a diary entry"
        HISTORY_READ = "history_read", "Read the earlier versions of a diary entry"
        FILE_OPENED = "file_opened", "Opened a file from a diary entry"
        PLAN_READ = "plan_read", "Read your safety plan"
        EXPORT_MADE = "export_made", "Asked for a copy of your shared diary"
        EXPORT_DOWNLOADED = "export_downloaded", "Downloaded a copy of your shared diary"

    id = models.BigAutoField(primary_key=True)
    member_id = models.BigIntegerField(db_index=True)
    actor_id = models.BigIntegerField()
    actor_email = models.EmailField()
    actor_role = models.CharField(max_length=20)
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    object_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["member_id", "-at"]), models.Index(fields=["organisation_id", "-at"])]

    def __str__(self) -> str:
        return self.get_action_display()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Access records are never changed.")
        super().save(*args, **kwargs)


class NoticeChoice(models.Model):
    """How a support worker is told there is an update for them: by email, by text to the phone
    they use for sign-in codes, both or neither. The notice never says more than that."""

    worker = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    by_email = models.BooleanField(default=True)
    by_text = models.BooleanField(default=False)

    def __str__(self) -> str:
        return "notice choice"
