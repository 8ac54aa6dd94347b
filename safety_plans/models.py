"""Safety plans: the plan and its versions, trusted contacts, and alerts sent to them.

A plan holds no content of its own: every save is a new ``PlanVersion`` whose content is
encrypted under the member's key, so earlier versions can be read and restored. Trusted
contacts and alerts are encrypted the same way; only plain metadata (times, flags, delivery
states) is readable in the database.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.fields import EncryptedJSONField, EncryptedTextField


class Plan(models.Model):
    """A member's safety plan: one per member. Its content is in its current version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    current = models.ForeignKey("PlanVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"plan {self.id}"


class PlanVersion(models.Model):
    """One saved state of a plan. Restoring an old version saves a new one naming it.

    ``content`` is the whole plan as a dict: ``{"sections": {<section key>: {"checked":
    [item keys], "notes": str}}, "code_word": str, "alert_message": str}``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()  # 1, 2, ... within the plan
    saved_at = models.DateTimeField(default=timezone.now, editable=False)
    restored_from = models.PositiveIntegerField(null=True, blank=True)  # the number restored, if any
    content = EncryptedJSONField(owner_field="member")

    sealed_as = "safety_plans.planversion"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_per_number")]

    def __str__(self) -> str:
        return f"version {self.number} of {self.plan_id}"


class TrustedContactQuerySet(models.QuerySet):
    def for_member(self, member):
        return self.filter(member=member)

    def active(self):
        return self.filter(removed_at__isnull=True)


class TrustedContact(models.Model):
    """Someone the member trusts; ``may_alert`` says whether alerts go to them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = EncryptedTextField(owner_field="member")
    relationship = EncryptedTextField(owner_field="member")
    phone = EncryptedTextField(owner_field="member")  # E.164, checked with phonenumbers
    may_alert = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = TrustedContactQuerySet.as_manager()

    sealed_as = "safety_plans.trustedcontact"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"contact {self.id}"


class Alert(models.Model):
    """One "alert my trusted contacts": the message sent, logged for the member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now, editable=False)
    message = EncryptedTextField(owner_field="member")  # the text sent, location included
    location_included = models.BooleanField(default=False)
    # The form's one-time key: a double tap posts the same key twice and sends once.
    request_key = models.CharField(max_length=64)

    sealed_as = "safety_plans.alert"  # fixed for good: what its encrypted values are bound to

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["member", "request_key"], name="one_alert_per_request_key")]

    def __str__(self) -> str:
        return f"alert {self.id}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"
    RETRYING = "retrying", "Trying again"


class AlertDelivery(models.Model):
    """An alert's text to one contact. Sent at most once: the task re-reads the row and sends
    only while it is queued or retrying and has no provider id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(TrustedContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    provider_id = models.CharField(max_length=64, blank=True)  # the Twilio message SID once sent
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["alert", "id"]
        constraints = [models.UniqueConstraint(fields=["alert", "contact"], name="one_delivery_per_alert_contact")]

    def __str__(self) -> str:
        return f"delivery {self.id}"
