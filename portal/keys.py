"""The key lifecycle: rotating master and member keys, and auditing what they encrypt.

Crypto-shredding a deleted member is ``portal.accounts.services.deletion.account_purge``.

These walk every encrypted column and file found by introspection (``fields.encrypted_models``),
so a model added later is covered without changes here.
"""

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from portal import crypto
from portal.fields import (
    EncryptedFieldMixin,
    EncryptedFileField,
    delete_file,
    encrypted_models,
    encrypted_storage,
    open_file,
    store_file,
)
from portal.models import DataKey

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


# --- Master key rotation -----------------------------------------------------------------


@dataclass
class MasterRotation:
    rewrapped: int = 0
    already_current: int = 0
    failed: list[str] = field(default_factory=list)


def master_key_rotate(*, limit: int | None = None, progress: Progress = _quiet) -> MasterRotation:
    """Rewrap every data key under the newest master key, one row at a time.

    Safe to stop and run again: rows already under the newest key are skipped. Values and
    files are untouched; only the small wrapped keys change.
    """
    newest = crypto.current_master_key()
    result = MasterRotation(already_current=DataKey.objects.filter(master_key_id=newest.id).count())
    pending = DataKey.objects.exclude(master_key_id=newest.id).order_by("created_at", "id")
    # The ids first: rows are updated as we go, and SQLite gives no isolation between an
    # open cursor and writes to the same table.
    pending_ids = list(pending.values_list("id", flat=True)[:limit])
    total = len(pending_ids)
    for data_key_id in pending_ids:
        with transaction.atomic():
            data_key = DataKey.objects.select_for_update().filter(id=data_key_id).first()
            if data_key is None or data_key.master_key_id == newest.id:
                continue  # destroyed or rewrapped by someone else meanwhile
            try:
                raw = crypto.unwrap_data_key(data_key)
            except crypto.CryptoError as error:
                result.failed.append(f"data key {data_key.id}: {error}")
                continue
            data_key.master_key_id, data_key.wrapped_key = crypto.wrap_data_key(
                owner_id=data_key.owner_id, data_key_id=data_key.id, key=raw, master=newest
            )
            data_key.save(update_fields=["master_key_id", "wrapped_key"])
        result.rewrapped += 1
        if result.rewrapped % 100 == 0 or result.rewrapped == total:
            progress(f"rewrapped {result.rewrapped} of {total}")
    return result


# --- Member key rotation -----------------------------------------------------------------


ROW_BATCH = 500


def _owned_rows(model, fields, owner_id):
    """All of an owner's rows, through the base manager so that no row is ever skipped."""
    owner_field = fields[0].owner_field
    return model._base_manager.filter(**{f"{owner_field}_id": owner_id}).order_by("pk")


def _each_owned_row(model, fields, owner_id):
    """The owner's rows in batches, by primary keys read up front: the rows are rewritten as
    we go, and SQLite gives no isolation between an open cursor and writes to its table."""
    pks = list(_owned_rows(model, fields, owner_id).values_list("pk", flat=True))
    for start in range(0, len(pks), ROW_BATCH):
        yield from model._base_manager.filter(pk__in=pks[start : start + ROW_BATCH]).order_by("pk")


def member_key_rotate(*, owner_id) -> int:
    """Re-encrypt all of one owner's values and files under a fresh data key, in one transaction.

    Returns the number of rows re-encrypted. If anything fails, the database is left as it
    was (the old key still opens everything) and the new files written so far are removed.
    Runs in a key scope of its own, so a rolled-back key is never remembered as current;
    callers should not go on using an outer scope's keys for this owner afterwards.
    """
    written: list[str] = []
    replaced: list[str] = []
    try:
        with crypto.key_scope(), transaction.atomic():
            old_keys = list(DataKey.objects.select_for_update().filter(owner_id=owner_id).values_list("id", flat=True))
            crypto.data_key_create(owner_id=owner_id)
            rows = 0
            for model, fields in encrypted_models():
                for row in _each_owned_row(model, fields, owner_id):
                    _reencrypt_row(row, fields, written, replaced)
                    rows += 1
            DataKey.objects.filter(id__in=old_keys).delete()
            transaction.on_commit(lambda: _files_delete(replaced))
    except BaseException:
        for name in written:
            delete_file(name)
        raise
    return rows


def _files_delete(names: list[str]) -> None:
    for name in names:
        delete_file(name)


def _reencrypt_row(row, fields, written: list[str], replaced: list[str]) -> None:
    changed = []
    for f in fields:
        if isinstance(f, EncryptedFieldMixin):
            getattr(row, f.attname)  # opens the value under the old key; saving seals it anew
            changed.append(f.attname)
        elif isinstance(f, EncryptedFileField) and getattr(row, f.attname):
            old_name = getattr(row, f.attname)
            with tempfile.SpooledTemporaryFile(max_size=8 * crypto.FILE_CHUNK_SIZE) as plain:
                for chunk in open_file(row, f.name):
                    plain.write(chunk)
                plain.seek(0)
                store_file(row, f.name, plain)
            written.append(getattr(row, f.attname))
            replaced.append(old_name)
            changed.append(f.attname)
    if changed:
        row.save(update_fields=changed)


def owners_due_for_rotation(*, created_before):
    """Owners whose newest data key is older than ``created_before``."""
    from django.db.models import Max

    return (
        DataKey.objects.values("owner_id")
        .annotate(newest=Max("created_at"))
        .filter(newest__lt=created_before)
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
    )


# --- Audit -------------------------------------------------------------------------------


@dataclass
class AuditReport:
    values_by_key: Counter = field(default_factory=Counter)
    files_by_key: Counter = field(default_factory=Counter)
    data_keys_by_master: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    unreferenced_files: list[str] = field(default_factory=list)


def crypto_audit(*, progress: Progress = _quiet) -> AuditReport:
    """Open every data key, value and stored file; name everything that does not open."""
    report = AuditReport()
    with crypto.key_scope():
        for data_key in DataKey.objects.order_by("created_at").iterator():
            report.data_keys_by_master[data_key.master_key_id] += 1
            try:
                crypto.unwrap_data_key(data_key)
            except crypto.CryptoError as error:
                report.failures.append(f"data key {data_key.id}: {error}")
        referenced: set[str] = set()
        for model, fields in encrypted_models():
            progress(f"checking {model._meta.label}")
            for row in model._base_manager.order_by("pk").iterator():
                for f in fields:
                    _audit_field(row, f, report, referenced)
        report.unreferenced_files = sorted(_stored_names() - referenced)
    return report


def _audit_field(row, f, report: AuditReport, referenced: set[str]) -> None:
    where = f"{row._meta.label}#{row.pk}.{f.name}"
    stored = row.__dict__.get(f.attname)
    if not stored:
        return
    try:
        if isinstance(f, EncryptedFieldMixin):
            key_id = crypto.value_data_key_id(stored)
            getattr(row, f.attname)
            report.values_by_key[key_id] += 1
        else:
            referenced.add(stored)
            with encrypted_storage().open(stored, "rb") as stream:
                key_id = crypto.file_data_key_id(stream)
            for _chunk in open_file(row, f.name):
                pass
            report.files_by_key[key_id] += 1
    except (crypto.CryptoError, OSError) as error:
        report.failures.append(f"{where}: {error}")
    except Exception as error:  # whatever the damage, name the item and carry on
        report.failures.append(f"{where}: {type(error).__name__}: {error}")


def _stored_names(directory: str = "") -> set[str]:
    storage = encrypted_storage()
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return set()
    names = {f"{directory}/{name}" if directory else name for name in files}
    for folder in folders:
        names |= _stored_names(f"{directory}/{folder}" if directory else folder)
    return names
