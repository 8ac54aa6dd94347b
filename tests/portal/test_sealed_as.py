"""Encrypted values are bound to a name each model declares once (``sealed_as``), not to the
class's Python name: the diary moved from the package ``evidence_log`` to ``diary``, and what
was sealed before the move must still open."""

import uuid

import pytest
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from diary.models import EntryVersion
from portal import crypto
from portal.fields import EncryptedTextField, Sealed, encrypted_models, sealed_as
from tests.diary.helpers import record
from tests.factories import MemberFactory

# What every encrypted model's values are bound to. A row here never changes once released:
# changing one would leave every value sealed under the old name unreadable.
SEALED_NAMES = {
    "accounts.phonenumber": "accounts.phonenumber",
    "casework.casenote": "casework.casenote",
    "casework.link": "casework.link",
    "diary.attachment": "evidence_log.attachment",
    "diary.entryversion": "evidence_log.entryversion",
    "diary.exportrequest": "evidence_log.exportrequest",
    "safety_plans.alert": "safety_plans.alert",
    "safety_plans.planversion": "safety_plans.planversion",
    "safety_plans.trustedcontact": "safety_plans.trustedcontact",
    "testapp.secretrecord": "testapp.secretrecord",
}


def test_every_encrypted_model_keeps_the_name_its_values_were_sealed_under():
    assert {model._meta.label_lower: sealed_as(model) for model, _fields in encrypted_models()} == SEALED_NAMES


@pytest.mark.django_db
def test_content_sealed_before_the_diary_was_renamed_still_opens():
    member = MemberFactory()
    version = record(member, "He was at the station again").versions.get()
    content = {**version.content, "what_happened": "Sealed under the old package name"}
    old_aad = crypto.value_aad(
        owner_id=member.pk, model_label="evidence_log.entryversion", field_name="content", row_id=version.pk
    )
    plaintext = EntryVersion._meta.get_field("content").to_plaintext(content)
    sealed = crypto.encrypt_value(plaintext, owner_id=member.pk, aad=old_aad)
    EntryVersion.objects.filter(pk=version.pk).update(content=Sealed(sealed))

    assert EntryVersion.objects.get(pk=version.pk).content["what_happened"] == "Sealed under the old package name"


@isolate_apps("tests.testapp")
def test_a_model_with_encrypted_fields_but_no_sealed_name_fails_the_system_check():
    class Unnamed(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
        note = EncryptedTextField(owner_field="owner")

        class Meta:
            app_label = "testapp"

        def __str__(self) -> str:
            return "unnamed"

    errors = Unnamed._meta.get_field("note").check()

    assert [error.id for error in errors] == ["portal.E002"]
    assert isinstance(errors[0], checks.Error)
