"""A record with an encrypted text, JSON and file field, owned by a user."""

import uuid

from django.conf import settings
from django.db import models

from portal.fields import EncryptedFileField, EncryptedJSONField, EncryptedTextField


class SecretRecord(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = EncryptedTextField(owner_field="owner")
    details = EncryptedJSONField(owner_field="owner")
    attachment = EncryptedFileField(owner_field="owner")

    sealed_as = "testapp.secretrecord"

    def __str__(self) -> str:
        return f"record {self.id}"
