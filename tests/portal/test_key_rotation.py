"""Rotating master keys (rewrap data keys only) and member keys (re-encrypt everything they own).

Both are management commands that must be resumable: these tests stop them half-way, make
them fail on real damage, and check that what is left behind always decrypts.
"""

import hashlib
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal import crypto
from portal.fields import encrypted_storage, open_file, store_file
from portal.models import DataKey
from tests.factories import MemberFactory
from tests.portal.support import damaged, raw_update
from tests.testapp.models import SecretRecord

pytestmark = pytest.mark.django_db

OLD = crypto.new_master_key_line("old")
NEW = crypto.new_master_key_line("new")
LOST = crypto.new_master_key_line("lost")


# --- Helpers -------------------------------------------------------------------------------


def make_record(owner, n: int = 1, *, with_file: bool = True) -> SecretRecord:
    record = SecretRecord(owner=owner, title=f"note {n} of {owner.pk}", details={"n": n, "where": "car park"})
    if with_file:
        store_file(record, "attachment", io.BytesIO(file_content(owner, n)))
    record.save()
    return record


def file_content(owner, n: int) -> bytes:
    return f"photo {n} of {owner.pk} ".encode() * 5000


def stored_columns(record) -> tuple[str, str, str]:
    """The title, details and file name exactly as the database holds them."""
    return tuple(
        str(value) for value in SecretRecord.objects.values_list("title", "details", "attachment").get(pk=record.pk)
    )


def opened(record) -> tuple[str, dict, bytes]:
    """What a fresh read of the row decrypts to."""
    fresh = SecretRecord.objects.get(pk=record.pk)
    content = b"".join(open_file(fresh, "attachment")) if fresh.attachment else b""
    return fresh.title, fresh.details, content


def storage_files() -> dict[str, str]:
    """Every file in encrypted storage, by name, with the SHA-256 of its stored bytes."""
    root = Path(encrypted_storage().location)
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def data_keys(owner) -> list[tuple]:
    return list(DataKey.objects.filter(owner=owner).values_list("id", "master_key_id", "wrapped_key"))


def run(command: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(command: str, *args) -> tuple[CommandError, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(command, *args, stdout=out, stderr=err)
    return failure.value, out.getvalue(), err.getvalue()


@pytest.fixture
def old_master_key(settings):
    settings.PORTAL_MASTER_KEYS = OLD
    return settings


# --- Master key rotation ---------------------------------------------------------------------


def test_rotating_the_master_key_rewraps_every_data_key_and_nothing_else(old_master_key, member, other_member):
    records = [make_record(member, 1), make_record(member, 2), make_record(other_member, 1)]
    expected = {record.pk: opened(record) for record in records}
    columns_before = {record.pk: stored_columns(record) for record in records}
    files_before = storage_files()
    keys_before = {row[0]: row for row in DataKey.objects.values_list("id", "master_key_id", "wrapped_key")}
    assert {row[1] for row in keys_before.values()} == {"old"}

    old_master_key.PORTAL_MASTER_KEYS = f"{NEW},{OLD}"
    out, err = run("rotate_master_key")

    assert "Rewrapped 2; 0 were already current." in out
    assert err == ""
    keys_after = {row[0]: row for row in DataKey.objects.values_list("id", "master_key_id", "wrapped_key")}
    assert keys_after.keys() == keys_before.keys()  # the same data keys, not new ones
    assert {row[1] for row in keys_after.values()} == {"new"}
    assert all(bytes(keys_after[k][2]) != bytes(keys_before[k][2]) for k in keys_before)
    # Values and files are not touched: the same ciphertext, the same stored bytes.
    assert {record.pk: stored_columns(record) for record in records} == columns_before
    assert storage_files() == files_before
    assert {record.pk: opened(record) for record in records} == expected


def test_a_second_master_rotation_rewraps_nothing(old_master_key, member, other_member):
    make_record(member)
    make_record(other_member)
    old_master_key.PORTAL_MASTER_KEYS = f"{NEW},{OLD}"
    run("rotate_master_key")
    keys_after_first = sorted(DataKey.objects.values_list("id", "master_key_id", "wrapped_key"))

    out, _ = run("rotate_master_key")

    assert "Rewrapped 0; 2 were already current." in out
    assert sorted(DataKey.objects.values_list("id", "master_key_id", "wrapped_key")) == keys_after_first


def test_an_interrupted_master_rotation_is_finished_by_running_it_again(old_master_key, member, other_member):
    records = [make_record(member), make_record(other_member)]
    expected = {record.pk: opened(record) for record in records}
    old_master_key.PORTAL_MASTER_KEYS = f"{NEW},{OLD}"

    out, _ = run("rotate_master_key", "--limit", "1")

    assert "Rewrapped 1; 0 were already current." in out
    assert sorted(DataKey.objects.values_list("master_key_id", flat=True)) == ["new", "old"]
    # Half-way, with both master keys configured, everything still opens.
    assert {record.pk: opened(record) for record in records} == expected

    out, _ = run("rotate_master_key")

    assert "Rewrapped 1; 1 were already current." in out
    assert set(DataKey.objects.values_list("master_key_id", flat=True)) == {"new"}
    assert {record.pk: opened(record) for record in records} == expected


def test_after_rotation_the_old_master_key_can_be_removed(old_master_key, member, other_member):
    records = [make_record(member), make_record(other_member)]
    expected = {record.pk: opened(record) for record in records}
    old_master_key.PORTAL_MASTER_KEYS = f"{NEW},{OLD}"
    run("rotate_master_key")

    old_master_key.PORTAL_MASTER_KEYS = NEW

    assert {record.pk: opened(record) for record in records} == expected
    out, _ = run("crypto_audit")
    assert "Everything decrypts." in out


def test_removing_the_old_master_key_before_rotation_fails_clearly(old_master_key, member):
    record = make_record(member)

    old_master_key.PORTAL_MASTER_KEYS = NEW

    with pytest.raises(crypto.KeyConfigurationError, match=r"Master key 'old' is needed .* not configured"):
        opened(record)
    # Putting it back (after the new one) is the fix the message gives, and it works.
    old_master_key.PORTAL_MASTER_KEYS = f"{NEW},{OLD}"
    assert opened(record)[0] == f"note 1 of {member.pk}"


def test_a_data_key_under_a_missing_master_key_is_reported_and_the_rest_are_rewrapped(settings, member, other_member):
    settings.PORTAL_MASTER_KEYS = LOST
    make_record(member)
    [(lost_key_id, _, lost_wrapped)] = data_keys(member)
    settings.PORTAL_MASTER_KEYS = OLD
    record = make_record(other_member)
    expected = opened(record)

    settings.PORTAL_MASTER_KEYS = f"{NEW},{OLD}"
    error, out, err = run_failing("rotate_master_key")

    assert "1 data keys could not be rewrapped" in str(error)
    assert str(lost_key_id) in err
    assert "'lost'" in err
    assert "Rewrapped 1;" in out
    assert data_keys(member) == [(lost_key_id, "lost", lost_wrapped)]
    assert [row[1] for row in data_keys(other_member)] == ["new"]
    assert opened(record) == expected


# --- Member key rotation ---------------------------------------------------------------------


def test_rotating_a_members_key_reencrypts_their_values_and_files(
    member, other_member, django_capture_on_commit_callbacks
):
    records = [make_record(member, 1), make_record(member, 2), make_record(member, 3, with_file=False)]
    bystander = make_record(other_member)
    expected = {record.pk: opened(record) for record in [*records, bystander]}
    [(old_key_id, _, _)] = data_keys(member)
    old_names = {record.pk: stored_columns(record)[2] for record in records}
    bystander_columns, bystander_keys = stored_columns(bystander), data_keys(other_member)
    files_before = storage_files()

    with django_capture_on_commit_callbacks(execute=True):
        out, err = run("rotate_member_key", "--member", str(member.pk))

    assert f"member {member.pk}: 3 rows re-encrypted" in out
    assert err == ""
    [(new_key_id, master_id, _)] = data_keys(member)
    assert new_key_id != old_key_id
    assert master_id == "test-master"
    assert not DataKey.objects.filter(id=old_key_id).exists()
    for record in records:
        title, details, name = stored_columns(record)
        assert crypto.value_data_key_id(title) == new_key_id
        assert crypto.value_data_key_id(details) == new_key_id
        if old_names[record.pk]:
            assert name != old_names[record.pk]
            with encrypted_storage().open(name, "rb") as stream:
                assert crypto.file_data_key_id(stream) == new_key_id
        else:
            assert name == ""
    # The old files are gone, the new ones are there, and nothing else changed in storage.
    new_names = {stored_columns(record)[2] for record in records} - {""}
    old_file_names = set(old_names.values()) - {""}
    assert set(storage_files()) == (set(files_before) - old_file_names) | new_names
    # Same contents, so the same SHA-256 of the original bytes (the evidence hash).
    assert {record.pk: opened(record) for record in [*records, bystander]} == expected
    for n, record in enumerate(records[:2], start=1):
        assert hashlib.sha256(opened(record)[2]).hexdigest() == hashlib.sha256(file_content(member, n)).hexdigest()
    # The other member is untouched.
    assert data_keys(other_member) == bystander_keys
    assert stored_columns(bystander) == bystander_columns
    assert storage_files()[bystander_columns[2]] == files_before[bystander_columns[2]]


def test_a_failure_half_way_through_a_member_leaves_them_as_they_were(member, django_capture_on_commit_callbacks):
    for n in range(1, 4):
        make_record(member, n)
    # The last row in the order rotation takes, so the rows before it are re-encrypted (and
    # their new files written) before the damage is found.
    records = list(SecretRecord.objects.filter(owner=member).order_by("pk"))
    last = records[-1]
    intact = records[:-1]
    expected = {record.pk: opened(record) for record in intact}
    original_title = stored_columns(last)[0]
    raw_update(last, title=damaged(original_title))
    keys_before = data_keys(member)
    columns_before = {record.pk: stored_columns(record) for record in records}
    files_before = storage_files()

    with django_capture_on_commit_callbacks(execute=True):
        error, out, err = run_failing("rotate_member_key", "--member", str(member.pk))

    assert str(member.pk) in str(error)
    assert f"member {member.pk}: not rotated" in err
    assert data_keys(member) == keys_before
    assert {record.pk: stored_columns(record) for record in records} == columns_before
    assert storage_files() == files_before  # no new files left behind, no old ones removed
    assert {record.pk: opened(record) for record in intact} == expected

    # Repaired, the same command now goes through.
    raw_update(last, title=original_title)
    with django_capture_on_commit_callbacks(execute=True):
        run("rotate_member_key", "--member", str(member.pk))
    assert data_keys(member)[0][0] != keys_before[0][0]
    assert len(storage_files()) == 3
    assert opened(last)[0].startswith("note ")


def test_rotating_an_unknown_member_is_an_error(member):
    make_record(member)

    error, _, _ = run_failing("rotate_member_key", "--member", str(member.pk + 1000))

    assert str(member.pk + 1000) in str(error)
    assert not DataKey.objects.filter(owner_id=member.pk + 1000).exists()


def test_rotating_all_members_gives_each_member_with_keys_a_new_key(
    member, other_member, django_capture_on_commit_callbacks
):
    records = [make_record(member), make_record(other_member)]
    expected = {record.pk: opened(record) for record in records}
    without_data = MemberFactory()
    old_keys = {owner.pk: data_keys(owner)[0][0] for owner in (member, other_member)}

    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("rotate_member_key", "--all")

    assert "[2/2]" in out
    for owner in (member, other_member):
        [(new_key_id, _, _)] = data_keys(owner)
        assert new_key_id != old_keys[owner.pk]
    assert data_keys(without_data) == []
    assert {record.pk: opened(record) for record in records} == expected
    assert {crypto.value_data_key_id(stored_columns(record)[0]) for record in records} == {
        data_keys(member)[0][0],
        data_keys(other_member)[0][0],
    }


def test_an_interrupted_rotation_of_all_members_resumes_where_it_stopped(django_capture_on_commit_callbacks):
    first, second = sorted([MemberFactory(), MemberFactory()], key=lambda user: user.pk)
    broken, fine = make_record(first), make_record(second)
    expected = {record.pk: opened(record) for record in (fine,)}
    original_title = stored_columns(broken)[0]
    raw_update(broken, title=damaged(original_title))
    [(first_key, _, _)] = data_keys(first)
    before = timezone.now().isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        error, out, err = run_failing("rotate_member_key", "--all", "--before", before)

    assert str(first.pk) in str(error)
    assert f"member {first.pk}: not rotated" in err
    assert f"member {second.pk}: 1 rows re-encrypted" in out
    assert data_keys(first)[0][0] == first_key
    [(second_new_key, _, _)] = data_keys(second)

    raw_update(broken, title=original_title)
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("rotate_member_key", "--all", "--before", before)

    assert f"[1/1] member {first.pk}: 1 rows re-encrypted" in out
    assert str(second.pk) not in out.replace(before, "")
    assert data_keys(first)[0][0] != first_key
    assert data_keys(second)[0][0] == second_new_key  # not rotated a second time
    assert opened(fine) == expected[fine.pk]
    assert opened(broken)[0] == f"note 1 of {first.pk}"


def test_a_bad_before_time_is_refused():
    error, _, _ = run_failing("rotate_member_key", "--all", "--before", "next tuesday")

    assert "--before" in str(error)
