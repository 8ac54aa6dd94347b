"""The canary: what members write and upload is nowhere in the database or file storage in the clear.

Every model with encrypted fields is found by introspection (``portal.fields.encrypted_models``),
so a model added later is covered without touching this file. Each gets a row owned by a new
member, with a unique canary in every encrypted field and file; then the database is read with
raw SQL, every table and column of it, and every stored file byte by byte, as a thief with a
copy of both would. The canary must appear nowhere, not even as base64 or hex, while the
portal itself still reads every canary back.
"""

import base64
import datetime
import decimal
import io
import secrets
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import isolate_apps
from django.utils import timezone

from portal import crypto, fields
from portal.models import DataKey
from tests.factories import MemberFactory
from tests.testapp.models import SecretRecord

MAX_DEPTH = 3  # how far the filler follows required foreign keys to other models


# --- Building a row of any model ----------------------------------------------------------------


def _cannot_fill(model, field, why: str):
    pytest.fail(
        f"The canary test cannot fill the required field {model._meta.label}.{field.name} "
        f"({type(field).__name__}): {why}. Extend _value_for() in tests/portal/test_canary.py "
        f"so that it can build a {model.__name__}; every model with encrypted fields must be checked.",
        pytrace=False,
    )


def _needs_a_value(field) -> bool:
    """Whether saving a row would fail unless the field is given a value."""
    if field.primary_key and (field.has_default() or isinstance(field, models.AutoField)):
        return False
    if getattr(field, "generated", False) or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    if field.null or field.has_default():
        return False
    if isinstance(field, models.OneToOneField) and field.remote_field.parent_link:
        return False  # filled by the parent row
    # Without a default, Django saves the empty string for text: a valid row for the database.
    return not isinstance(field, models.CharField | models.TextField | models.FileField)


def _value_for(model, field, owner, depth: int):
    """A value for a required field that is not encrypted and that the canary does not care about."""
    if field.is_relation:
        related = field.related_model
        if related is get_user_model():
            return owner
        if not isinstance(related, type) or depth >= MAX_DEPTH:
            _cannot_fill(model, field, f"it points to {related!r}, which the filler cannot build")
        return _saved(related, owner, depth + 1)
    if field.choices:
        return field.flatchoices[0][0]
    simple = [
        (models.BooleanField, False),
        (models.UUIDField, uuid.uuid4()),
        (models.DateTimeField, timezone.now()),
        (models.DateField, timezone.localdate()),
        (models.TimeField, datetime.time(12, 0)),
        (models.DurationField, datetime.timedelta(0)),
        (models.DecimalField, decimal.Decimal(0)),
        (models.FloatField, 0.0),
        (models.IntegerField, 0),
        (models.JSONField, {}),
        (models.BinaryField, b""),
        (models.GenericIPAddressField, "192.0.2.1"),
    ]
    for field_class, value in simple:
        if isinstance(field, field_class):
            return value
    _cannot_fill(model, field, "the filler knows no value for this kind of field")


def build(model, owner, depth: int = 0):
    """An unsaved row of ``model`` owned by ``owner``, its required fields filled in.

    Encrypted fields are left empty; foreign keys to the user model point to ``owner``.
    """
    encrypted = {f.name for f in model._meta.concrete_fields if _is_encrypted(f)}
    owner_fields = {f.owner_field for f in model._meta.concrete_fields if _is_encrypted(f)}
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in encrypted:
            continue
        if field.name in owner_fields:
            if field.related_model is not get_user_model():
                _cannot_fill(model, field, "its owner field does not point to the user model")
            values[field.name] = owner
        elif _needs_a_value(field):
            values[field.name] = _value_for(model, field, owner, depth)
    return model(**values)


def _saved(model, owner, depth: int):
    row = build(model, owner, depth)
    _save(row)
    return row


def _save(row) -> None:
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        pytest.fail(
            f"The canary test could not save a {row._meta.label} ({error}). Extend _value_for() in "
            "tests/portal/test_canary.py so that it builds a valid row.",
            pytrace=False,
        )


def _is_encrypted(field) -> bool:
    return isinstance(field, fields.EncryptedFieldMixin | fields.EncryptedFileField)


# --- Canaries and where to look for them -------------------------------------------------------------


def _base64_runs(data: bytes) -> set[bytes]:
    """The stretches of base64 that encode ``data`` wherever it sits in a longer encoded text."""
    runs = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data)
        start = -(-8 * shift // 6)  # first character made of canary bits only
        end = 8 * (shift + len(data)) // 6  # the last one too
        run = encoded[start:end]
        runs |= {run, run.translate(bytes.maketrans(b"+/", b"-_"))}
    return runs


def needles(secret: str | bytes) -> set[bytes]:
    """``secret`` in the clear and in the encodings a careless program would store it in."""
    data = secret.encode() if isinstance(secret, str) else secret
    return {data, data.hex().encode(), data.hex().upper().encode(), *_base64_runs(data)}


def _cell_bytes(value) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def database_dump() -> list[tuple[str, str, bytes]]:
    """Every non-empty cell of every table, as (table, column, bytes), read with raw SQL."""
    cells = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                cells += [
                    (table, column, data)
                    for column, value in zip(columns, row, strict=True)
                    if (data := _cell_bytes(value))
                ]
    return cells


def model_table_rows(model) -> list[dict]:
    """``SELECT *`` of one model's table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def stored_files() -> dict[str, bytes]:
    """Every file under the encrypted storage's folder (and the media folder), by path."""
    roots = [Path(settings.STORAGES[fields.ENCRYPTED_STORAGE]["OPTIONS"]["location"]), Path(settings.MEDIA_ROOT)]
    return {
        str(path): path.read_bytes() for root in roots if root.exists() for path in root.rglob("*") if path.is_file()
    }


def where_found(secrets_: dict[str, str | bytes], cells, files) -> list[str]:
    found = []
    for label, secret in secrets_.items():
        for needle in needles(secret):
            found += [f"{label} in {table}.{column}" for table, column, data in cells if needle in data]
            found += [f"{label} in {path}" for path, data in files.items() if needle in data or needle in path.encode()]
    return found


# --- The canary -------------------------------------------------------------------------------------


@pytest.fixture
def planted(db):
    """One row of every model with encrypted fields, a unique canary in each field and file.

    Returns [(row, {field name: canary})] for the rows, and {label: canary} for every canary.
    """
    rows, canaries = [], {}
    for model, encrypted_fields in fields.encrypted_models():
        row = build(model, MemberFactory())
        planted_here = {}
        for field in encrypted_fields:
            canary = f"CANARY-{model._meta.label_lower}.{field.name}-{secrets.token_hex(12)}"
            label = f"canary of {model._meta.label}.{field.name}"
            if isinstance(field, fields.EncryptedJSONField):
                value = {"note": canary, "nested": [{"deeper": canary}]}
                setattr(row, field.attname, value)
                planted_here[field.name] = value
            elif isinstance(field, fields.EncryptedFileField):
                content = f"\xff\xd8 EXIF GPS 51.5N {canary}\n".encode("latin-1") * 200
                fields.store_file(row, field.name, io.BytesIO(content))
                planted_here[field.name] = content
            else:
                setattr(row, field.attname, canary)
                planted_here[field.name] = canary
            canaries[label] = canary
        _save(row)
        rows.append((row, planted_here))
    return rows, canaries


def test_every_model_with_encrypted_fields_is_found(planted):
    rows, _canaries = planted
    found = {row._meta.label: set(values) for row, values in rows}

    # The test app's model must be among them, with each of its encrypted fields: if this fails,
    # the introspection misses models, and so would the canary.
    assert found[SecretRecord._meta.label] == {"title", "details", "attachment"}


def test_no_canary_is_anywhere_in_the_database_or_the_stored_files(planted):
    rows, canaries = planted

    cells = database_dump()
    files = stored_files()

    assert where_found(canaries, cells, files) == []
    # The dump saw the rows, ciphertext where the canaries went, and one file per file field.
    for row, values in rows:
        [raw] = [r for r in model_table_rows(type(row)) if str(r[row._meta.pk.column]).replace("-", "") == row.pk.hex]
        for name in values:
            assert raw[row._meta.get_field(name).column], f"{row._meta.label}.{name} was stored empty"
    file_fields = sum(isinstance(row._meta.get_field(name), fields.EncryptedFileField) for row, v in rows for name in v)
    assert len(files) >= file_fields >= 1


def test_every_canary_reads_back_through_the_portal(planted):
    # So the test above cannot pass by storing nothing.
    rows, _canaries = planted

    for row, values in rows:
        fresh = type(row)._base_manager.get(pk=row.pk)
        for name, value in values.items():
            field = fresh._meta.get_field(name)
            if isinstance(field, fields.EncryptedFileField):
                assert b"".join(fields.open_file(fresh, name)) == value
            else:
                assert getattr(fresh, name) == value


def test_no_key_in_the_clear_is_in_the_database(planted):
    # Data keys are stored wrapped only, and master keys never reach the database.
    keys = {f"data key {dk.id}": crypto.unwrap_data_key(dk) for dk in DataKey.objects.all()}
    keys |= {f"master key {key.id}": key.key for key in crypto.master_keys()}
    assert len(keys) >= 2

    assert where_found(keys, database_dump(), stored_files()) == []


def _overwrite(model, field_name: str, value) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field_name).column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s", [value])  # noqa: S608


def test_the_search_finds_a_canary_left_in_the_clear_or_encoded(planted):
    # The search itself must work, or the tests above would prove nothing.
    rows, _canaries = planted
    [values] = [values for row, values in rows if isinstance(row, SecretRecord)]
    canary = values["title"]
    where = f"canary in {SecretRecord._meta.db_table}.title"
    leaks = {
        "clear": f"Note: {canary}!",
        "base64": base64.b64encode(b"note: " + canary.encode()).decode(),
        "urlsafe base64, another offset": base64.urlsafe_b64encode(b"n: " + canary.encode() + b"?").decode(),
        "base64, a third offset": base64.b64encode(b"n:" + canary.encode()).decode(),
        "hex": ("0a" + canary.encode().hex()).upper(),
    }

    for how, leaked in leaks.items():
        _overwrite(SecretRecord, "title", leaked)
        assert where in where_found({"canary": canary}, database_dump(), {}), f"missed the canary in {how}"

    _overwrite(DataKey, "wrapped_key", b"\x00" + canary.encode())
    assert "canary in portal_datakey.wrapped_key" in where_found({"canary": canary}, database_dump(), {})

    location = Path(settings.STORAGES[fields.ENCRYPTED_STORAGE]["OPTIONS"]["location"])
    (location / "leak").write_bytes(b"%PDF" + base64.b64encode(b"x" + canary.encode()))
    assert f"canary in {location / 'leak'}" in where_found({"canary": canary}, [], stored_files())


# --- The filler itself -------------------------------------------------------------------------------


def test_a_model_the_filler_cannot_build_fails_with_instructions(member):
    class MysteryField(models.Field):
        def db_type(self, connection):
            return "mystery"

    with isolate_apps("tests.testapp"):

        class FutureRecord(models.Model):  # noqa: DJ008
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            note = fields.EncryptedTextField(owner_field="owner")
            mystery = MysteryField()

            class Meta:
                app_label = "testapp"

        with pytest.raises(pytest.fail.Exception) as failure:
            build(FutureRecord, member)

    message = str(failure.value)
    assert "testapp.FutureRecord.mystery" in message
    assert "Extend _value_for() in tests/portal/test_canary.py" in message


def test_the_filler_fills_the_usual_required_fields(member):
    with isolate_apps("tests.testapp"):

        class FutureRecord(models.Model):  # noqa: DJ008
            id = models.UUIDField(primary_key=True, default=uuid.uuid4)
            note = fields.EncryptedTextField(owner_field="owner")
            seen_at = models.DateTimeField()
            count = models.PositiveIntegerField()
            urgent = models.BooleanField()
            level = models.IntegerField(choices=[(2, "Two"), (3, "Three")])
            heading = models.CharField(max_length=10)

            class Meta:
                app_label = "testapp"

        row = build(FutureRecord, member)

    assert (row.count, row.urgent, row.level, row.heading, row.note) == (0, False, 2, "", None)
    assert row.seen_at is not None


def test_encrypted_models_lists_each_table_once(monkeypatch):
    with isolate_apps("tests.testapp") as registry:

        class SecretRecordProxy(SecretRecord):
            class Meta:
                proxy = True
                app_label = "testapp"

        class SecretRecordChild(SecretRecord):
            extra = fields.EncryptedTextField(owner_field="owner")

            class Meta:
                app_label = "testapp"

        monkeypatch.setattr("django.apps.apps", registry)
        found = [(model.__name__, [f.name for f in model_fields]) for model, model_fields in fields.encrypted_models()]

    # The proxy shares its model's table; the child's table holds only its own field.
    assert found == [("SecretRecordChild", ["extra"])]
