"""Deleting a member's account: asked for, cancelled by signing in, and purged for good after
the grace period (crypto-shredding, then every file and row of the account)."""

from collections import Counter
from importlib import import_module
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone

from portal.fields import EncryptedFileField, delete_file, encrypted_models
from portal.models import DataKey

from ..errors import AccountPurgeIncomplete, NotAllowed
from ..models import AccountEvent, User
from ..selectors import accounts_due_for_purge
from . import sessions
from .events import event_record


@transaction.atomic
def account_deletion_request(*, user: User) -> None:
    """Schedule a member's account for deletion after the grace period, and sign it out everywhere."""
    if not user.is_member:
        raise NotAllowed("Only members delete their own accounts; staff accounts are closed by an admin.")
    if user.deletion_requested_at is None:
        user.deletion_requested_at = timezone.now()
        user.save(update_fields=["deletion_requested_at"])
        event_record(user=user, kind=AccountEvent.Kind.DELETION_REQUESTED)
    sessions.sessions_end_all(user=user)


def account_deletion_cancel(*, user: User) -> bool:
    """Keep the account after all. Returns whether a deletion was pending."""
    if user.deletion_requested_at is None:
        return False
    user.deletion_requested_at = None
    user.save(update_fields=["deletion_requested_at"])
    return True


# --- Deleting accounts for good -------------------------------------------------------------


def account_purge(*, user: User) -> bool:
    """Delete a member for good: their data keys first, then their files, then every row.

    1. The account is checked again, locked, at the moment its keys are destroyed, so a member
       who signed in (and so cancelled the deletion) after the list of due accounts was read is
       kept. In that same transaction the account stops being able to sign in; once it commits,
       nothing the portal holds can open the member's values or files, wherever copies are.
    2. Their stored files go while the rows naming them still exist: a file that will not go
       keeps its row, so the next run knows to try it again (deleted first, nothing would name it).
    3. One transaction removes every row of the account or about it, found by introspection so
       that a model added later is covered too; then the account itself.

    A run stopped at any point is finished by running it again. Returns whether the account
    was purged by this call.
    """
    with transaction.atomic():
        due = accounts_due_for_purge().select_for_update().filter(pk=user.pk).first()
        if due is None:
            return False
        due.is_active = False
        due.save(update_fields=["is_active"])
        DataKey.objects.filter(owner_id=due.pk).delete()
    deleted_files = _owned_files_delete(owner_id=due.pk)
    with transaction.atomic():
        account = User.objects.select_for_update().filter(pk=due.pk).first()
        if account is None:
            return False  # another run finished it meanwhile
        if _owned_file_names(owner_id=account.pk) - deleted_files:
            # Something stored a file for the account after step 2 (a download being built);
            # its row must not go before the file does.
            raise AccountPurgeIncomplete("A file was stored for the account while it was being deleted.")
        _account_sessions_end(user=account)
        _sign_in_attempts_delete(email=account.email)
        owned = _owned_rows(user=account)
        _references_delete(owned=owned)
        _owned_rows_delete(user=account)
        account.delete()
    return True


def _owned_file_names(*, owner_id: int) -> set[str]:
    """The storage names of every encrypted file the owner has, in whichever model."""
    names: set[str] = set()
    for model, fields in encrypted_models():
        for f in fields:
            if isinstance(f, EncryptedFileField):
                rows = model._base_manager.filter(**{f.owner_field: owner_id})
                names.update(name for name in rows.values_list(f.attname, flat=True) if name)
    return names


def _owned_files_delete(*, owner_id: int) -> set[str]:
    """Delete the owner's stored files and return their names; every file is tried before any
    failure is raised, so one stubborn file does not keep the others."""
    names = _owned_file_names(owner_id=owner_id)
    failures: Counter[str] = Counter()
    for name in sorted(names):
        try:
            delete_file(name)
        except Exception as error:  # storages raise their own kinds: OSError, botocore's ClientError...
            failures[type(error).__name__] += 1
    if failures:
        raise AccountPurgeIncomplete(
            f"{failures.total()} of its {len(names)} stored files could not be deleted "
            f"({', '.join(sorted(failures))}); its rows are kept so that the next run tries them again."
        )
    return names


# What allauth keeps in a session: a sign-in waiting for its next step (which holds the
# account's id), and the account whose password the session last checked.
_ALLAUTH_PENDING_LOGIN = "account_login"
_ALLAUTH_CHECKED_ACCOUNT = "account_authentication_methods_user"


def _account_sessions_end(*, user: User) -> None:
    """End every Django session of the account: those it signed in with, and any that are not
    listed (a sign-in still at its second step is listed only once it finishes)."""
    sessions.sessions_end_all(user=user)
    user_id = str(user.pk)
    # A session names its account only inside its signed data, so each one is opened. The keys
    # are read first: SQLite gives no isolation between an open cursor and deletes in its table.
    keys_of_account = [
        session.session_key
        for session in Session.objects.iterator()
        if _session_names_account(session.get_decoded(), user_id=user_id)
    ]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in keys_of_account:
        store().delete(session_key)  # through the engine, so that a cached copy goes too


def _session_names_account(data: dict, *, user_id: str) -> bool:
    pending = data.get(_ALLAUTH_PENDING_LOGIN)
    return (
        data.get(SESSION_KEY) == user_id
        or data.get(_ALLAUTH_CHECKED_ACCOUNT) == user_id
        or (isinstance(pending, dict) and str(pending.get("user_pk")) == user_id)
    )


def _sign_in_attempts_delete(*, email: str) -> None:
    """django-axes records the address typed at each sign-in, in whatever case it was typed."""
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=email).delete()


def _links_to_accounts() -> list[tuple[type[models.Model], models.Field]]:
    """Every foreign key and one-to-one field to the user model, in every installed model,
    the tables Django makes for many-to-many fields included."""
    return [
        (model, f)
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
        for f in model._meta.local_concrete_fields
        if f.is_relation and f.related_model is not None and f.related_model._meta.concrete_model is User
    ]


def _outlives_account(link: models.Field) -> bool:
    """Whether the row is someone else's that only mentions the account (who acted on another
    account, who uploaded an image): it stays, and deleting the account clears the link."""
    on_delete = link.remote_field.on_delete if link.remote_field else None
    if on_delete in (models.SET_NULL, models.SET_DEFAULT, models.DB_SET_NULL, models.DB_SET_DEFAULT):
        return True
    return getattr(on_delete, "deconstruct", lambda: ("",))()[0] == "django.db.models.SET"


def _owned_rows(*, user: User) -> dict[type[models.Model], list]:
    """The primary keys of the account's own rows, by model, the account's included."""
    owned: dict[type[models.Model], list] = {User: [user.pk]}
    for model, link in _links_to_accounts():
        if not _outlives_account(link):
            pks = model._base_manager.filter(**{link.name: user.pk}).values_list("pk", flat=True)
            owned.setdefault(model, []).extend(pks)
    return owned


def _generic_references() -> list[tuple[type[models.Model], Any, Any]]:
    """(model, content type field, object id field) for every model whose rows name another row
    by its type and id rather than by a foreign key."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        pairs = {(f.ct_field, f.fk_field) for f in model._meta.private_fields if isinstance(f, GenericForeignKey)}
        # Django admin's LogEntry and Wagtail's log entries name their object this way without
        # declaring a GenericForeignKey.
        pairs |= {
            (f.name, f.name.removesuffix("content_type") + "object_id")
            for f in model._meta.local_concrete_fields
            if f.is_relation and f.related_model is ContentType and f.name.endswith("content_type")
        }
        for type_name, id_name in sorted(pairs):
            try:
                found.append((model, model._meta.get_field(type_name), model._meta.get_field(id_name)))
            except FieldDoesNotExist:
                continue
    return found


_ID_BATCH = 500  # well within every database's limit on query parameters


def _references_delete(*, owned: dict[type[models.Model], list]) -> None:
    """Delete the rows that name one of the account's rows by type and id: Django admin's log of
    changes to the account (whose text is the address), Wagtail's, and any such log added later."""
    for model, type_field, id_field in _generic_references():
        present = model._base_manager.values_list(type_field.attname, flat=True).distinct()
        for content_type_id in present:
            named = ContentType.objects.get_for_id(content_type_id).model_class()
            concrete = named._meta.concrete_model if named is not None else None
            pks = owned.get(concrete) if concrete is not None else None
            if not pks:
                continue
            try:
                object_ids = [id_field.to_python(str(pk)) for pk in pks]
            except ValidationError:
                continue  # ids of this kind cannot name that model's rows
            for start in range(0, len(object_ids), _ID_BATCH):
                batch = object_ids[start : start + _ID_BATCH]
                model._base_manager.filter(
                    **{type_field.attname: content_type_id, f"{id_field.attname}__in": batch}
                ).delete()


_PROTECTING: tuple[Any, ...] = (models.PROTECT, models.RESTRICT)


def _owned_rows_delete(*, user: User) -> None:
    """Delete every row that belongs to the account, whichever model holds it."""
    links = [(model, link) for model, link in _links_to_accounts() if not _outlives_account(link)]
    # A row can protect another row of the account from deletion (an entry protects its
    # current version): such links are cleared first, here, in the same transaction.
    for model, link in links:
        protecting = [
            f.name
            for f in model._meta.local_concrete_fields
            if f.is_relation and f.null and f is not link and f.remote_field and f.remote_field.on_delete in _PROTECTING
        ]
        if protecting:
            model._base_manager.filter(**{link.name: user.pk}).update(**dict.fromkeys(protecting, None))
    for model, link in links:
        model._base_manager.filter(**{link.name: user.pk}).delete()
