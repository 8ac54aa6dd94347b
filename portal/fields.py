"""Encrypted model fields, built on ``portal.crypto``.

A model using them must have a UUID primary key with a default (so each value can be bound
to its row before the row is saved) and name the field that holds the owner, whose data key
encrypts the value. Values are decrypted lazily, on first access to the attribute.
"""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from django.core import checks
from django.core.files import File
from django.core.files.storage import storages
from django.db import models

from portal import crypto

ENCRYPTED_STORAGE = "encrypted"


class Sealed(str):
    """A value as stored: ciphertext, not yet opened."""


def sealed_as(model: type[models.Model]) -> str:
    """The name a model's encrypted values and files are bound to, declared on the model as
    ``sealed_as`` and never changed afterwards: renaming the class or its app must not leave
    what was sealed under the old name unreadable. Read from the model whose table holds the
    column, whichever proxy or child model the row is read or written through."""
    return model._meta.concrete_model.sealed_as  # type: ignore[union-attr]  # never None for a model with fields


def value_aad_for(instance, field) -> bytes:
    return crypto.value_aad(
        owner_id=field.owner_id(instance),
        model_label=sealed_as(field.model),
        field_name=field.name,
        row_id=instance.pk,
    )


class _OpenOnAccess:
    """Attribute that holds plaintext, opening the stored ciphertext the first time it is read."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        name = self.field.attname
        if name not in instance.__dict__:
            instance.refresh_from_db(fields=[name])
        value = instance.__dict__[name]
        if isinstance(value, Sealed):
            value = self.field.open(instance, value)
            instance.__dict__[name] = value
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


if TYPE_CHECKING:
    _FieldBase = models.Field
else:
    _FieldBase = object  # the mixin sits before a concrete Field in each encrypted field's bases


def _encrypted_model_errors(field) -> list[checks.Error]:
    errors = []
    pk = field.model._meta.pk
    if not isinstance(pk, models.UUIDField) or not pk.has_default():
        errors.append(
            checks.Error(
                "A model with encrypted fields needs a UUIDField primary key with a default.",
                obj=field,
                id="portal.E001",
            )
        )
    if not isinstance(getattr(field.model._meta.concrete_model, "sealed_as", None), str):
        errors.append(
            checks.Error(
                "A model with encrypted fields needs a fixed `sealed_as` name (see portal.fields.sealed_as).",
                hint='Add, for a new model, sealed_as = "<app_label>.<model_name>" and never change it.',
                obj=field,
                id="portal.E002",
            )
        )
    return errors


class EncryptedFieldMixin(_FieldBase):
    """AES-256-GCM under the owner's data key; bound to owner, model, field and row.

    Not searchable, filterable or orderable in SQL: the database holds only ciphertext.
    """

    def __init__(self, *args, owner_field: str, **kwargs):
        self.owner_field = owner_field
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["owner_field"] = self.owner_field
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _OpenOnAccess(self))

    def check(self, **kwargs):
        return [*super().check(**kwargs), *_encrypted_model_errors(self)]

    def get_internal_type(self):
        return "TextField"

    def owner_id(self, instance):
        return getattr(instance, f"{self.owner_field}_id")

    def from_db_value(self, value, expression, connection):
        return None if value is None else Sealed(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is None:
            return None
        plaintext = self.to_plaintext(value)
        return Sealed(
            crypto.encrypt_value(
                plaintext, owner_id=self.owner_id(model_instance), aad=value_aad_for(model_instance, self)
            )
        )

    def get_prep_value(self, value):
        if value is None or isinstance(value, Sealed):
            return value
        raise TypeError(f"{self.model.__name__}.{self.name} is encrypted and cannot be used in a database query.")

    def get_lookup(self, lookup_name):
        # "exact" goes through get_prep_value above (and "= None" becomes "isnull"); the
        # pattern lookups (contains, iexact, regex, ...) would not, and would silently
        # compare with ciphertext.
        if lookup_name in {"exact", "isnull"}:
            return super().get_lookup(lookup_name)
        raise TypeError(
            f"{self.model.__name__}.{self.name} is encrypted and cannot be used in a database query (__{lookup_name})."
        )

    def to_plaintext(self, value) -> str:
        raise NotImplementedError

    def from_plaintext(self, plaintext: str):
        raise NotImplementedError

    def open(self, instance, sealed: Sealed):
        plaintext = crypto.decrypt_value(sealed, owner_id=self.owner_id(instance), aad=value_aad_for(instance, self))
        return self.from_plaintext(plaintext)

    def value_to_string(self, obj):
        raise TypeError("Encrypted fields are not serialised; export through the app's services.")


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Text encrypted at rest. See EncryptedFieldMixin: not searchable or orderable in SQL."""

    def to_plaintext(self, value) -> str:
        return str(value)

    def from_plaintext(self, plaintext: str) -> str:
        return plaintext


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """JSON encrypted at rest. See EncryptedFieldMixin: not searchable or orderable in SQL."""

    if TYPE_CHECKING:  # what django-stubs reads as the attribute's type: any JSON value
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def to_plaintext(self, value) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def from_plaintext(self, plaintext: str):
        return json.loads(plaintext)


def encrypted_storage():
    return storages[ENCRYPTED_STORAGE]


class EncryptedFileField(models.CharField):
    """The storage name of a file encrypted under the owner's data key.

    Write with ``store_file`` and read with ``open_file``; the name is random and reveals
    nothing. The file's associated data binds it to the owner, model, field and row.
    """

    def __init__(self, *args, owner_field: str, **kwargs):
        self.owner_field = owner_field
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["owner_field"] = self.owner_field
        return name, path, args, kwargs

    def owner_id(self, instance):
        return getattr(instance, f"{self.owner_field}_id")

    def check(self, **kwargs):
        return [*super().check(**kwargs), *_encrypted_model_errors(self)]


def _file_field(instance, field_name: str) -> EncryptedFileField:
    field = instance._meta.get_field(field_name)
    if not isinstance(field, EncryptedFileField):
        raise TypeError(f"{field_name} is not an EncryptedFileField.")
    return field


def store_file(instance, field_name: str, source: IO[bytes]) -> crypto.SealedFile:
    """Encrypt ``source`` into storage for ``instance.<field_name>`` (the row is not saved here).

    Returns the sealed file's details (SHA-256 and size of the original bytes).
    """
    field = _file_field(instance, field_name)
    sealed = crypto.encrypt_file(source, owner_id=field.owner_id(instance), aad=value_aad_for(instance, field))
    return _save_sealed(instance, field, sealed)


@contextmanager
def file_writer(instance, field_name: str) -> Iterator[crypto.FileSealer]:
    """A stream to write ``instance.<field_name>`` into, encrypted as it is written.

    The plaintext is never written anywhere. When the block ends without an error, the file is
    put in storage and its name set on ``instance`` (the row is not saved here); the writer's
    ``sealed`` then holds the SHA-256 and size of the original bytes. On an error nothing is stored.
    """
    field = _file_field(instance, field_name)
    with crypto.FileSealer(owner_id=field.owner_id(instance), aad=value_aad_for(instance, field)) as sealer:
        yield sealer
        _save_sealed(instance, field, sealer.finish())


def _save_sealed(instance, field, sealed: crypto.SealedFile) -> crypto.SealedFile:
    name = f"{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"
    try:
        stored_name = encrypted_storage().save(name, File(sealed.file, name=name))
    finally:
        sealed.file.close()
    setattr(instance, field.attname, stored_name)
    return sealed


def open_file(instance, field_name: str) -> Iterator[bytes]:
    """Yield the original bytes of ``instance.<field_name>``, decrypted chunk by chunk."""
    field = _file_field(instance, field_name)
    name = getattr(instance, field.attname)
    if not name:
        raise FileNotFoundError(f"{instance._meta.label} {instance.pk} has no {field_name} file.")
    with encrypted_storage().open(name, "rb") as stream:
        yield from crypto.decrypt_file(stream, owner_id=field.owner_id(instance), aad=value_aad_for(instance, field))


def delete_file(name: str) -> None:
    if name:
        encrypted_storage().delete(name)


def encrypted_models() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every installed model with encrypted values or files, and those fields.

    Each column is listed once, with the model whose table holds it: proxy models are left
    out, and a child model lists only its own fields, not those of its parents.
    """
    from django.apps import apps

    found: list[tuple[type[models.Model], list[models.Field]]] = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields: list[models.Field] = [
            f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedFieldMixin | EncryptedFileField)
        ]
        if fields:
            found.append((model, fields))
    return found
