"""Encryption at rest of values: round trips, the stored format, tampering, queries and keys.

A stolen database must reveal nothing, and a value altered or moved in it must never be shown
as something else: each failure is a DecryptionError, never garbage or an empty string.
"""

import base64
import io
import os
import string
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, isolate_apps

from portal import crypto
from portal.models import DataKey
from tests.factories import MemberFactory
from tests.portal.support import production_env, run_python
from tests.testapp.models import SecretRecord

LOAD_SETTINGS = "import django; django.setup()"
PRINT_MASTER_KEY_IDS = f"{LOAD_SETTINGS}; from portal import crypto; print([k.id for k in crypto.master_keys()])"


def _b64(size: int) -> str:
    return base64.b64encode(os.urandom(size)).decode()


# Key material for the configuration tests; none of it may ever show in a message.
KEY_A = _b64(32)
KEY_B = _b64(32)
SHORT_KEY = _b64(16)
LONG_KEY = _b64(33)


# --- Helpers: the database as a thief would see it ---------------------------------------------


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _where_pk(record) -> tuple[str, list]:
    pk = SecretRecord._meta.pk
    return f"{_quoted(pk.column)} = %s", [pk.get_db_prep_value(record.pk, connection)]


def stored(record, field_name: str):
    """The raw column of one row, read with SQL."""
    column = _quoted(SecretRecord._meta.get_field(field_name).column)
    where, params = _where_pk(record)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {_quoted(SecretRecord._meta.db_table)} WHERE {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


def store_raw(record, field_name: str, value) -> None:
    """Overwrite one column of one row with SQL, as someone with access to the database could."""
    column = _quoted(SecretRecord._meta.get_field(field_name).column)
    where, params = _where_pk(record)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_quoted(SecretRecord._meta.db_table)} SET {column} = %s WHERE {where}",  # noqa: S608
            [value, *params],
        )
        assert cursor.rowcount == 1


def reloaded(record) -> SecretRecord:
    return SecretRecord.objects.get(pk=record.pk)


def opened(record, field_name: str):
    """One field of the row as the portal reads it, fresh from the database."""
    return getattr(reloaded(record), field_name)


def _payload(value: str) -> bytes:
    return base64.urlsafe_b64decode(value.split(":", 2)[2])


def _with_payload(value: str, payload: bytes) -> str:
    prefix, key_hex, _ = value.split(":", 2)
    return f"{prefix}:{key_hex}:{base64.urlsafe_b64encode(payload).decode()}"


@pytest.fixture
def record(member):
    return SecretRecord.objects.create(
        owner=member, title="A grey car parked outside again", details={"note": "third time", "seen": ["car", "street"]}
    )


# --- Round trips ----------------------------------------------------------------------------------

LONG_TEXT = "".join(f"Line {n}: he waited by the gate, ünïcödé 東京 🌧️.\n" for n in range(5000))


@pytest.mark.parametrize(
    "text",
    [
        "He was outside the school at 3pm",
        "Zoë — 東京 🌧️ \u200b\t«quoted»\nsecond line, and a NUL-free emoji 👩🏽‍🦱",
        "",
        LONG_TEXT,
    ],
    ids=["plain", "unicode", "empty", "long"],
)
def test_text_comes_back_exactly_as_written(member, text):
    record = SecretRecord.objects.create(owner=member, title=text)

    assert reloaded(record).title == text
    raw = stored(record, "title")
    assert raw.startswith("e1:")
    if text:
        assert text not in raw


@pytest.mark.parametrize(
    "value",
    [
        {"when": "2026-11-02T15:00", "where": {"place": "gate", "ünï": ["東京", 1, 2.5, None, True]}, "n": [[[]]]},
        ["list", {"nested": {"deeper": {"deepest": "yes"}}}],
        "just a string",
        0,
        False,
        {},
        [],
    ],
    ids=["nested-object", "nested-list", "string", "zero", "false", "empty-object", "empty-list"],
)
def test_json_comes_back_exactly_as_written(member, value):
    record = SecretRecord.objects.create(owner=member, details=value)

    back = reloaded(record).details
    assert back == value
    assert type(back) is type(value)
    assert stored(record, "details").startswith("e1:")


def test_none_stays_null_and_the_empty_string_does_not(member):
    empty = SecretRecord.objects.create(owner=member, title=None, details=None)
    blank = SecretRecord.objects.create(owner=member, title="", details={})

    assert stored(empty, "title") is None
    assert stored(empty, "details") is None
    assert reloaded(empty).title is None
    assert reloaded(empty).details is None
    assert stored(blank, "title").startswith("e1:")
    assert reloaded(blank).title == ""
    # "Has no title" is a question SQL can still answer: it reveals no content.
    assert list(SecretRecord.objects.filter(title__isnull=True)) == [empty]


# --- The stored format -----------------------------------------------------------------------------


def test_each_save_uses_a_fresh_nonce(member):
    first = SecretRecord.objects.create(owner=member, title="same words", details={"same": "value"})
    second = SecretRecord.objects.create(owner=member, title="same words", details={"same": "value"})

    assert stored(first, "title") != stored(second, "title")
    assert stored(first, "details") != stored(second, "details")
    assert (
        _payload(stored(first, "title"))[: crypto.NONCE_SIZE] != _payload(stored(second, "title"))[: crypto.NONCE_SIZE]
    )

    before = stored(first, "title")
    first.save()
    assert stored(first, "title") != before
    assert reloaded(first).title == "same words"


def test_a_stored_value_names_its_format_and_its_data_key_and_nothing_else(record, member):
    data_key = DataKey.objects.get(owner=member)

    for field_name in ("title", "details"):
        value = stored(record, field_name)
        prefix, key_hex, payload = value.split(":", 2)
        assert prefix == "e1"
        assert key_hex == data_key.id.hex
        assert crypto.value_data_key_id(value) == data_key.id
        assert "grey car" not in value and "third time" not in value
        assert payload == base64.urlsafe_b64encode(_payload(value)).decode()
    # Nonce, ciphertext (as long as the text) and tag: nothing more rides along.
    sealed = _payload(stored(record, "title"))
    assert len(sealed) == crypto.NONCE_SIZE + len(b"A grey car parked outside again") + crypto.TAG_SIZE
    assert b"grey car" not in sealed


def test_the_data_key_is_stored_only_wrapped(record, member):
    data_key = DataKey.objects.get(owner=member)
    raw_key = crypto.unwrap_data_key(data_key)

    assert len(raw_key) == 32
    assert raw_key not in bytes(data_key.wrapped_key)
    assert data_key.master_key_id == crypto.current_master_key().id


# --- Values moved or altered in the database ----------------------------------------------------


def test_values_swapped_between_two_rows_do_not_open(member):
    first = SecretRecord.objects.create(owner=member, title="first", details={"note": "first"})
    second = SecretRecord.objects.create(owner=member, title="second", details={"note": "second"})
    first_title, second_title = stored(first, "title"), stored(second, "title")

    store_raw(first, "title", second_title)
    store_raw(second, "title", first_title)

    with pytest.raises(crypto.DecryptionError):
        opened(first, "title")
    with pytest.raises(crypto.DecryptionError):
        opened(second, "title")
    assert reloaded(first).details == {"note": "first"}  # the untouched field still opens


def test_values_swapped_between_two_fields_of_one_row_do_not_open(member):
    # Both are JSON-valid text, so a wrong decryption could not hide behind a parse error.
    record = SecretRecord.objects.create(owner=member, title='"a title"', details="a title")
    title, details = stored(record, "title"), stored(record, "details")

    store_raw(record, "title", details)
    store_raw(record, "details", title)

    with pytest.raises(crypto.DecryptionError):
        opened(record, "title")
    with pytest.raises(crypto.DecryptionError):
        opened(record, "details")


def test_values_swapped_between_two_members_rows_do_not_open(member, other_member):
    mine = SecretRecord.objects.create(owner=member, title="mine")
    theirs = SecretRecord.objects.create(owner=other_member, title="theirs")
    my_title, their_title = stored(mine, "title"), stored(theirs, "title")

    store_raw(mine, "title", their_title)
    store_raw(theirs, "title", my_title)

    with pytest.raises(crypto.DecryptionError):
        opened(mine, "title")
    with pytest.raises(crypto.DecryptionError):
        opened(theirs, "title")


def test_a_row_handed_to_another_member_does_not_open(record, other_member):
    store_raw(record, "owner", other_member.pk)

    assert reloaded(record).owner_id == other_member.pk
    with pytest.raises(crypto.DecryptionError):
        opened(record, "title")
    with pytest.raises(crypto.DecryptionError):
        opened(record, "details")


@pytest.mark.parametrize(
    "position",
    [0, crypto.NONCE_SIZE - 1, crypto.NONCE_SIZE, crypto.NONCE_SIZE + 10, -16, -1],
    ids=["nonce-start", "nonce-end", "ciphertext-start", "ciphertext-middle", "tag-start", "tag-end"],
)
def test_a_flipped_byte_in_a_stored_value_does_not_open(record, position):
    payload = bytearray(_payload(stored(record, "title")))
    payload[position] ^= 0x01

    store_raw(record, "title", _with_payload(stored(record, "title"), bytes(payload)))

    with pytest.raises(crypto.DecryptionError):
        opened(record, "title")


URLSAFE_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _one_character_changes(value: str):
    """Every copy of ``value`` with one character changed into another plausible one."""
    for index, char in enumerate(value):
        replacements = {URLSAFE_ALPHABET[(URLSAFE_ALPHABET.index(char) + 1) % 64] if char in URLSAFE_ALPHABET else "A"}
        if char.swapcase() != char:
            replacements.add(char.swapcase())
        for replacement in replacements - {char}:
            yield value[:index] + replacement + value[index + 1 :]


@pytest.mark.parametrize("title", ["abc", "abcd", "abcde"], ids=["len-mod-3-is-1", "len-mod-3-is-2", "len-mod-3-is-0"])
def test_any_changed_character_of_a_stored_value_fails_to_open(member, title):
    # Whatever the length (so whatever base64 padding), no edit of the stored text opens.
    record = SecretRecord.objects.create(owner=member, title=title)
    original = stored(record, "title")

    opened = []
    with crypto.key_scope():
        for changed in _one_character_changes(original):
            store_raw(record, "title", changed)
            try:
                opened.append((changed, reloaded(record).title))
            except crypto.DecryptionError:
                pass
    assert opened == []


@pytest.mark.parametrize(
    "value",
    ["", "plain text someone typed in", "e1:", "e1:not-a-key:AAAA", "{key}", "{key}:", "{key}:AAAA", "e2:{rest}"],
    ids=["empty", "plaintext", "prefix-only", "bad-key-id", "no-payload", "empty-payload", "short-payload", "version"],
)
def test_a_malformed_stored_value_is_a_decryption_error(record, value):
    prefix, key_hex, rest = stored(record, "title").split(":", 2)
    store_raw(record, "title", value.format(key=f"{prefix}:{key_hex}", rest=f"{key_hex}:{rest}"))

    with pytest.raises(crypto.DecryptionError):
        opened(record, "title")


def test_a_value_whose_data_key_is_gone_does_not_open(record, member):
    DataKey.objects.filter(owner=member).delete()

    with pytest.raises(crypto.DecryptionError, match="no longer exists"):
        opened(record, "title")


# --- Encrypted fields in queries --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        lambda records: records.filter(title="x"),
        lambda records: records.exclude(title="x"),
        lambda records: records.get(title="x"),
        lambda records: records.filter(details={"note": "x"}),
        lambda records: records.filter(title__iexact="x"),
        lambda records: records.filter(title__contains="x"),
        lambda records: records.filter(title__icontains="x"),
        lambda records: records.filter(title__startswith="x"),
        lambda records: records.filter(title__endswith="x"),
        lambda records: records.filter(title__regex="x"),
        lambda records: records.filter(title__in=["x"]),
        lambda records: records.filter(title__gt="x"),
        lambda records: records.update(title="x"),
    ],
    ids=[
        "filter",
        "exclude",
        "get",
        "json",
        "iexact",
        "contains",
        "icontains",
        "startswith",
        "endswith",
        "regex",
        "in",
        "gt",
        "update",
    ],
)
def test_encrypted_fields_refuse_to_be_used_in_queries(record, query):
    # SQL only sees ciphertext: a search there could only ever find nothing, silently.
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        query(SecretRecord.objects.all())

    assert reloaded(record).title == "A grey car parked outside again"


def test_a_row_saved_through_a_proxy_model_opens_through_its_model(member):
    with isolate_apps("tests.testapp"):

        class SecretRecordProxy(SecretRecord):
            class Meta:
                proxy = True
                app_label = "testapp"

        record = SecretRecordProxy.objects.create(owner=member, title="through the proxy")

    assert reloaded(record).title == "through the proxy"


# --- Master keys ------------------------------------------------------------------------------------


def test_a_wrong_master_key_with_the_right_id_is_a_clear_decryption_error(record, member, settings):
    master_id = DataKey.objects.get(owner=member).master_key_id
    settings.PORTAL_MASTER_KEYS = crypto.new_master_key_line(master_id)  # same id, other bytes

    with pytest.raises(crypto.DecryptionError) as error:
        opened(record, "title")

    message = str(error.value)
    assert repr(master_id) in message
    assert "master key is wrong" in message
    _assert_no_key_material(message, settings.PORTAL_MASTER_KEYS.split(":", 1)[1])


def test_a_missing_master_key_says_to_add_it_back(record, member, settings):
    master_id = DataKey.objects.get(owner=member).master_key_id
    settings.PORTAL_MASTER_KEYS = crypto.new_master_key_line("mk-new")

    with pytest.raises(crypto.KeyConfigurationError) as error:
        opened(record, "title")

    message = str(error.value)
    assert repr(master_id) in message
    assert "Add it back to PORTAL_MASTER_KEYS" in message


def test_an_old_master_key_kept_after_the_new_one_still_opens_everything(record, member, other_member, settings):
    settings.PORTAL_MASTER_KEYS = f"{crypto.new_master_key_line('mk-new')},{settings.PORTAL_MASTER_KEYS}"

    assert reloaded(record).title == "A grey car parked outside again"
    SecretRecord.objects.create(owner=other_member, title="new member's first entry")
    assert DataKey.objects.get(owner=other_member).master_key_id == "mk-new"
    assert DataKey.objects.get(owner=member).master_key_id != "mk-new"


def _assert_no_key_material(message: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in message
        assert base64.b64decode(secret + "=" * (-len(secret) % 4), validate=False).hex() not in message
        for start in range(0, max(len(secret) - 11, 1)):
            assert secret[start : start + 12] not in message, "part of a key is in the message"


MALFORMED = {
    "bad-base64": (f"mk-0:{KEY_B},mk-1:{KEY_A[:20]}*{KEY_A[21:]}", "number 2 is not valid base64", KEY_A),
    "too-short": (f"mk-0:{KEY_B},mk-1:{SHORT_KEY}", "number 2 is 16 bytes long; it must be 32", SHORT_KEY),
    "too-long": (f"mk-1:{LONG_KEY}", "number 1 is 33 bytes long; it must be 32", LONG_KEY),
    "duplicate-id": (f"mk-1:{KEY_A}\nmk-1:{KEY_B}", "1 and 2 share the id 'mk-1'", KEY_A),
    "missing-colon": (f"mk-0:{KEY_B},{KEY_A}", "number 2 is not written as id:base64key", KEY_A),
    "missing-id": (f":{KEY_A}", "number 1 has no valid id", KEY_A),
    "key-before-id": (f"{KEY_A}:mk-1", "number 1 has no valid id", KEY_A),
    "unpadded-key-before-id": (f"{KEY_A.rstrip('=')}:mk-1", "number 1", KEY_A),
    "id-too-long": (f"{'k' * 65}:{KEY_A}", "number 1 has no valid id", KEY_A),
    "space-not-colon": (f"mk-1 {KEY_A}", "number 1 is not written as id:base64key", KEY_A),
}


@pytest.mark.parametrize("spec, explanation, secret", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_master_keys_are_refused_without_showing_them(spec, explanation, secret):
    with pytest.raises(crypto.KeyConfigurationError) as error:
        crypto.parse_master_keys(spec)

    message = str(error.value)
    assert explanation in message
    _assert_no_key_material(message, secret, KEY_B)
    # No chained error either, whose text a traceback would show.
    assert error.value.__cause__ is None
    assert error.value.__context__ is None or error.value.__suppress_context__


@pytest.mark.parametrize("spec", ["", "  ", "\n# keys go here, newest first\n", ",,"])
def test_no_master_key_at_all_is_refused(settings, spec):
    settings.PORTAL_MASTER_KEYS = spec

    with pytest.raises(crypto.KeyConfigurationError, match="No master key is configured"):
        crypto.master_keys()


def test_master_keys_are_read_newest_first_with_comments_and_blank_lines():
    keys = crypto.parse_master_keys(f"# rotated 2026-12\nmk-new:{KEY_A}\n\n  mk-old : {KEY_B}  \n")

    assert [key.id for key in keys] == ["mk-new", "mk-old"]
    assert keys[0].key == base64.b64decode(KEY_A)
    assert crypto.parse_master_keys(f"mk-new:{KEY_A},mk-old:{KEY_B}") == keys


def test_a_master_key_never_shows_its_key_material():
    key = crypto.parse_master_keys(f"mk-1:{KEY_A}")[0]

    shown = " ".join([repr(key), str(key), f"{key}", repr([key]), repr({"key": key}), repr(tuple([key]))])

    assert "mk-1" in shown
    for form in (KEY_A, key.key.hex(), repr(key.key)[2:-1], str(list(key.key))[1:-1]):
        assert form not in shown


# --- Data keys: once per request, and never a rolled-back one -------------------------------------


def _data_key_selects(queries) -> int:
    return sum(
        1
        for query in queries
        if "portal_datakey" in query["sql"] and query["sql"].lstrip().upper().startswith("SELECT")
    )


@pytest.fixture
def records_page(settings, member):
    """A page that opens six values of one member (three records, two fields each)."""
    settings.ROOT_URLCONF = "tests.portal.urls_crypto"
    for n in range(3):
        SecretRecord.objects.create(owner=member, title=f"Entry {n}", details={"note": f"note {n}"})
    return "/secret-records/"


@pytest.fixture
def unwraps(monkeypatch):
    """The ids of the data keys unwrapped, in order."""
    seen = []
    real = crypto.unwrap_data_key

    def counting(data_key):
        seen.append(data_key.id)
        return real(data_key)

    monkeypatch.setattr(crypto, "unwrap_data_key", counting)
    return seen


def test_a_page_opening_many_values_unwraps_the_data_key_once_per_request(client, member, records_page, unwraps):
    client.force_login(member)

    for _request in range(2):  # and again on the next request: nothing is kept in between
        unwraps.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(records_page)

        assert response.status_code == 200
        assert sorted(response.content.decode().splitlines()) == [f"Entry {n}: note {n}" for n in range(3)]
        assert _data_key_selects(queries) == 1
        assert unwraps == [DataKey.objects.get(owner=member).id]


def test_without_the_key_scope_every_value_would_unwrap_again(client, member, records_page, unwraps, settings):
    # The count above is the key scope's doing, not an accident of how the page is written.
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "portal.security.KeyScopeMiddleware"]
    client.force_login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(records_page)

    assert response.status_code == 200
    assert _data_key_selects(queries) == 6
    assert len(unwraps) == 6


def test_a_data_key_rolled_back_with_its_transaction_is_never_used_afterwards(member):
    with crypto.key_scope():
        with pytest.raises(RuntimeError), transaction.atomic():
            SecretRecord.objects.create(owner=member, title="saved, then rolled back")
            raise RuntimeError("the form failed further on")
        assert not DataKey.objects.filter(owner=member).exists()

        record = SecretRecord.objects.create(owner=member, title="saved after the rollback")
        also = SecretRecord.objects.create(owner=member, title="and another")

    assert DataKey.objects.filter(owner=member).count() == 1
    assert reloaded(record).title == "saved after the rollback"
    assert reloaded(also).title == "and another"


def test_within_a_transaction_a_new_data_key_is_used_for_everything_after_it(member):
    with crypto.key_scope(), transaction.atomic():
        first = SecretRecord.objects.create(owner=member, title="one")
        second = SecretRecord.objects.create(owner=member, title="two", details={"note": "three"})

    [data_key] = DataKey.objects.filter(owner=member)
    for record, field_name in ((first, "title"), (second, "title"), (second, "details")):
        assert crypto.value_data_key_id(stored(record, field_name)) == data_key.id
    assert reloaded(second).details == {"note": "three"}


# --- Configuration: production, development, and new keys -----------------------------------------


def _last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_production_refuses_to_start_without_a_master_key(tmp_path):
    env = production_env(tmp_path, PORTAL_MASTER_KEYS=None, PORTAL_MASTER_KEYS_FILE=None)

    result = run_python(LOAD_SETTINGS, env=env)

    assert result.returncode != 0
    line = _last_line(result)
    assert line.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    assert "PORTAL_MASTER_KEYS or PORTAL_MASTER_KEYS_FILE" in line
    assert not (tmp_path / "var" / "master_keys").exists()  # production never makes one up


def test_production_refuses_to_start_with_a_blank_master_key(tmp_path):
    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, PORTAL_MASTER_KEYS="  "))

    assert result.returncode != 0
    assert "No master key is configured" in _last_line(result)


def test_production_refuses_a_malformed_master_key_without_showing_it(tmp_path):
    cut_short = KEY_A[:-4]

    result = run_python(LOAD_SETTINGS, env=production_env(tmp_path, PORTAL_MASTER_KEYS=f"mk-1:{cut_short}"))

    assert result.returncode != 0
    line = _last_line(result)
    assert line.startswith("portal.crypto.KeyConfigurationError: Master key number 1 is 30 bytes long"), result.stderr
    _assert_no_key_material(result.stdout + result.stderr, cut_short)


def test_production_refuses_an_unreadable_master_keys_file(tmp_path):
    env = production_env(tmp_path, PORTAL_MASTER_KEYS=None, PORTAL_MASTER_KEYS_FILE=str(tmp_path / "no-such-file"))

    result = run_python(LOAD_SETTINGS, env=env)

    assert result.returncode != 0
    assert "PORTAL_MASTER_KEYS_FILE cannot be read" in _last_line(result)


def test_production_starts_with_master_keys_from_the_environment(tmp_path):
    env = production_env(tmp_path, PORTAL_MASTER_KEYS=f"mk-new:{KEY_A},mk-old:{KEY_B}")

    result = run_python(PRINT_MASTER_KEY_IDS, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['mk-new', 'mk-old']"


def test_production_starts_with_master_keys_from_a_file(tmp_path):
    keys_file = tmp_path / "master_keys"
    keys_file.write_text(f"# newest first\nmk-new:{KEY_A}\nmk-old:{KEY_B}\n")
    env = production_env(tmp_path, PORTAL_MASTER_KEYS=None, PORTAL_MASTER_KEYS_FILE=str(keys_file))

    result = run_python(PRINT_MASTER_KEY_IDS, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['mk-new', 'mk-old']"


def test_development_makes_a_master_key_once_readable_by_its_owner_only(tmp_path):
    var = tmp_path / "var"
    env = {"PORTAL_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "portal.settings"}

    first = run_python(PRINT_MASTER_KEY_IDS, env=env)

    assert first.returncode == 0, first.stderr
    keys_file = var / "master_keys"
    assert keys_file.stat().st_mode & 0o777 == 0o600
    [key] = crypto.parse_master_keys(keys_file.read_text())
    assert first.stdout.strip() == f"[{key.id!r}]"
    _assert_no_key_material(first.stdout + first.stderr, base64.b64encode(key.key).decode())

    # The next start uses the same key: data written before a restart still opens.
    content = keys_file.read_text()
    second = run_python(PRINT_MASTER_KEY_IDS, env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == f"[{key.id!r}]"
    assert keys_file.read_text() == content


def test_development_uses_given_master_keys_and_makes_none(tmp_path):
    var = tmp_path / "var"
    env = {
        "PORTAL_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_MASTER_KEYS": f"mk-1:{KEY_A}",
    }

    result = run_python(PRINT_MASTER_KEY_IDS, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['mk-1']"
    assert not (var / "master_keys").exists()


def test_generate_master_key_prints_a_line_the_portal_accepts(member, settings):
    out = StringIO()

    call_command("generate_master_key", "--id", "mk-2026-12", stdout=out)

    line = out.getvalue().strip()
    [key] = crypto.parse_master_keys(line)
    assert key.id == "mk-2026-12"
    assert len(key.key) == 32
    # Put first, in front of the old key, it wraps new data keys and the data opens.
    settings.PORTAL_MASTER_KEYS = f"{line},{settings.PORTAL_MASTER_KEYS}"
    record = SecretRecord.objects.create(owner=member, title="under the new master key")
    assert DataKey.objects.get(owner=member).master_key_id == "mk-2026-12"
    assert reloaded(record).title == "under the new master key"


def test_generate_master_key_makes_a_new_key_and_id_each_time():
    lines = []
    for _ in range(2):
        out = StringIO()
        call_command("generate_master_key", stdout=out)
        lines.append(out.getvalue().strip())

    first, second = (crypto.parse_master_keys(line)[0] for line in lines)
    assert first.id != second.id
    assert first.key != second.key
    assert crypto.parse_master_keys(",".join(lines)) == [first, second]


@pytest.mark.parametrize("key_id", ["two words", "mk:1", "mk,1", "k" * 65])
def test_a_new_master_key_line_is_never_one_the_portal_would_refuse(key_id):
    with pytest.raises(crypto.KeyConfigurationError, match="A master key id is 1 to 64 letters"):
        crypto.new_master_key_line(key_id)


def test_each_member_has_a_data_key_of_their_own(member, other_member):
    SecretRecord.objects.create(owner=member, title="mine")
    SecretRecord.objects.create(owner=other_member, title="theirs")
    third = MemberFactory()
    SecretRecord.objects.create(owner=third, title="someone else's")

    keys = {owner: DataKey.objects.get(owner=owner) for owner in (member, other_member, third)}
    raw = {crypto.unwrap_data_key(data_key) for data_key in keys.values()}
    assert len(raw) == 3


@pytest.mark.parametrize(
    "pieces",
    [
        [crypto.FILE_CHUNK_SIZE, crypto.FILE_CHUNK_SIZE],  # whole chunks, as encrypt_file reads them
        [crypto.FILE_CHUNK_SIZE, crypto.FILE_CHUNK_SIZE, 1],
        [1, crypto.FILE_CHUNK_SIZE, 7, crypto.FILE_CHUNK_SIZE - 8],  # as a zip writer hands them over
        [crypto.FILE_CHUNK_SIZE * 2 + 3],
        [0, 5, 0],
        [],
    ],
    ids=["whole-chunks", "one-byte-over", "uneven", "one-big-write", "small", "empty"],
)
def test_a_file_sealed_piece_by_piece_opens_as_the_same_bytes_as_one_sealed_at_once(member, pieces):
    """However its writes are cut, a sealed stream is the same chunked file encrypt_file makes."""
    data = os.urandom(sum(pieces))
    aad = b"test|sealer"
    sealer = crypto.FileSealer(owner_id=member.pk, aad=aad)
    start = 0
    for length in pieces:
        sealer.write(data[start : start + length])
        start += length
    sealed = sealer.finish()
    whole = crypto.encrypt_file(io.BytesIO(data), owner_id=member.pk, aad=aad)

    opened = b"".join(crypto.decrypt_file(sealed.file, owner_id=member.pk, aad=aad))

    assert opened == data
    assert (sealed.sha256, sealed.size) == (whole.sha256, whole.size)
    sealed.file.seek(0)
    assert len(sealed.file.read()) == len(whole.file.read()), "the same chunks, each marked final or not alike"
    sealer.close()
