"""Cross-cutting records: the members' data keys (always stored wrapped)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class DataKey(models.Model):
    """One AES-256 key of one owner, stored only wrapped by a master key.

    An owner has one current key (the newest); older ones live only until a rotation has
    re-encrypted everything under them. Deleting an owner's keys makes their data unreadable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_keys")
    master_key_id = models.CharField(max_length=64)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"data key {self.id} (master key {self.master_key_id})"
