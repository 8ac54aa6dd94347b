"""The incident diary: entries, their versions (a hash chain per member), and attachments.

An entry holds no content of its own: every change is a new ``EntryVersion`` whose content is
encrypted, and whose hash links it to the member's previous version. Nothing is overwritten.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.fields import EncryptedFileField, EncryptedJSONField, EncryptedTextField

from .errors import EntryGone


class EntryQuerySet(models.QuerySet):
    def for_member(self, member):
        return self.filter(member=member)

    def active(self):
        return self.filter(deleted_at__isnull=True, destroyed_at__isnull=True)

    def recently_deleted(self):
        return self.filter(deleted_at__isnull=False, destroyed_at__isnull=True)


class Entry(models.Model):
    """One incident in a member's diary. Its content is in its newest version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_entries")
    # Set by the server when the entry is first saved; never editable.
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # What the member says; copied out of the encrypted content so the timeline can sort and
    # filter by it. A date and time alone reveal little; what happened stays encrypted.
    occurred_at = models.DateTimeField()
    # Behaviour types, copied out for filtering (codes only, never free text).
    behaviours = models.JSONField(default=list, blank=True)
    current_version = models.ForeignKey(
        "EntryVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    destroyed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-recorded_at"]
        indexes = [models.Index(fields=["member", "-occurred_at"])]

    def __str__(self) -> str:
        return f"entry {self.id}"

    @property
    def current_content(self) -> dict:
        """What the newest version says. A recorded entry always has one, until it is destroyed."""
        version = self.current_version
        if version is None or version.content is None:
            raise EntryGone()
        return version.content


class VersionKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    DELETED = "deleted", "Moved to recently deleted"
    RESTORED = "restored", "Restored"
    DESTROYED = "destroyed", "Destroyed"


class EntryVersion(models.Model):
    """One state of an entry, as a link in the member's hash chain.

    ``hash`` = SHA-256 over the previous version's hash and this version's header (entry,
    number, kind, server time, content digest, attachment hashes). ``content_digest`` is an
    HMAC of the content keyed by a random salt kept inside the encrypted content, so the
    database alone cannot be used to guess short values.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    sequence = models.PositiveBigIntegerField()  # position in the member's chain, from 1
    number = models.PositiveIntegerField()  # position in the entry's history, from 1
    kind = models.CharField(max_length=12, choices=VersionKind.choices)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # The fields the member wrote plus the digest salt; None once the entry is destroyed.
    content = EncryptedJSONField(owner_field="member")
    content_digest = models.CharField(max_length=64, blank=True)
    attachment_hashes = models.JSONField(default=list, blank=True)  # sorted SHA-256 hex digests
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    sealed_as = "evidence_log.entryversion"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["member", "sequence"], name="one_version_per_chain_position"),
            models.UniqueConstraint(fields=["entry", "number"], name="one_version_per_entry_number"),
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.entry_id}"


class AttachmentQuerySet(models.QuerySet):
    def current(self):
        """The files of the entry's current version: those not removed by an edit."""
        return self.filter(removed_in__isnull=True)


class Attachment(models.Model):
    """A photo, screenshot, recording or document, kept byte for byte, encrypted.

    An edit can remove a file added by mistake: the new version no longer lists its hash, and
    ``removed_in`` names that version. The earlier versions still list it (the chain is never
    rewritten), so the file is kept until the entry is destroyed, then destroyed with the rest.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments")
    file = EncryptedFileField(owner_field="member")
    original_name = EncryptedTextField(owner_field="member")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    removed_in = models.ForeignKey(
        EntryVersion,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="removed_attachments",
    )

    objects = AttachmentQuerySet.as_manager()

    sealed_as = "evidence_log.attachment"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"attachment {self.id}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Could not be made"
    # The download held an entry the member destroyed, so it was deleted with it.
    REMOVED = "removed", "Removed, because it held an entry that was destroyed"


class ExportRequest(models.Model):
    """A request for an evidence bundle of a member's diary, by the member or by a support worker
    they share their whole diary with, built in the background and kept encrypted.

    The finished zip can be downloaded until ``expires_at``; after that it is deleted. ``entries``
    are those the bundle holds, so destroying one of them destroys the bundle too.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The support worker who asked for it, when it was not the member (their whole diary is
    # shared with them); empty for the member's own, or once that worker's account is gone.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateField()
    end = models.DateField()
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    bundle = EncryptedFileField(owner_field="member")
    size = models.PositiveBigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    entries = models.ManyToManyField(Entry, related_name="exports", blank=True)

    sealed_as = "evidence_log.exportrequest"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"export {self.id}"

    @property
    def downloadable(self) -> bool:
        return self.status == ExportStatus.READY and self.expires_at is not None and self.expires_at > timezone.now()
