"""The crypto audit opens every data key, value and stored file, and names whatever does not open."""

import io
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from portal import crypto
from portal.fields import encrypted_storage, store_file
from portal.models import DataKey
from tests.portal.support import damaged, raw_update
from tests.testapp.models import SecretRecord

pytestmark = pytest.mark.django_db

OTHER_MASTER = crypto.new_master_key_line("other")


def make_record(owner, n: int = 1, *, with_file: bool = True) -> SecretRecord:
    record = SecretRecord(owner=owner, title=f"note {n}", details={"n": n})
    if with_file:
        store_file(record, "attachment", io.BytesIO(b"photo bytes " * 1000))
    record.save()
    return record


def audit() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("crypto_audit", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_audit() -> tuple[CommandError, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("crypto_audit", stdout=out, stderr=err)
    return failure.value, out.getvalue(), err.getvalue()


def section(output: str, heading: str) -> list[str]:
    """The indented lines under one heading of the report."""
    lines = output.splitlines()
    start = lines.index(heading) + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    return found


def key_of(owner):
    return DataKey.objects.get(owner=owner)


def test_healthy_data_passes_with_counts_by_data_key_and_master_key(settings, member, other_member):
    make_record(member, 1)
    make_record(member, 2, with_file=False)
    make_record(other_member, 1)
    # One data key under another master key, so the count by master key has two lines.
    settings.PORTAL_MASTER_KEYS = f"{OTHER_MASTER},{settings.PORTAL_MASTER_KEYS}"
    third = type(member).objects.create_user("third@example.org", "a-long-passphrase-9")
    make_record(third, 1, with_file=False)

    out, err = audit()

    assert err == ""
    assert "Everything decrypts." in out
    assert sorted(section(out, "Data keys by master key:")) == ["other: 1", "test-master: 2"]
    # A title and details per record.
    assert sorted(section(out, "Values by data key:")) == sorted(
        [f"{key_of(member).id}: 4", f"{key_of(other_member).id}: 2", f"{key_of(third).id}: 2"]
    )
    assert sorted(section(out, "Files by data key:")) == sorted(
        [f"{key_of(member).id}: 1", f"{key_of(other_member).id}: 1"]
    )
    assert "not referenced" not in out


def test_a_damaged_value_and_a_missing_file_are_named_and_fail_the_audit(member, other_member):
    altered = make_record(member, 1)
    without_file = make_record(other_member, 1)
    healthy = make_record(member, 2)
    raw_update(altered, details=damaged(SecretRecord.objects.values_list("details", flat=True).get(pk=altered.pk)))
    encrypted_storage().delete(without_file.attachment)

    error, out, err = failing_audit()

    assert "2 items do not decrypt" in str(error)
    assert f"testapp.SecretRecord#{altered.pk}.details" in err
    assert f"testapp.SecretRecord#{without_file.pk}.attachment" in err
    assert str(healthy.pk) not in err
    assert err.count("DOES NOT DECRYPT") == 2
    assert "Everything decrypts." not in out


def test_a_value_copied_from_another_row_fails_the_audit(member):
    first, second = make_record(member, 1, with_file=False), make_record(member, 2, with_file=False)
    raw_update(second, title=SecretRecord.objects.values_list("title", flat=True).get(pk=first.pk))

    _, _, err = failing_audit()

    assert f"testapp.SecretRecord#{second.pk}.title" in err
    assert str(first.pk) not in err


def test_a_data_key_whose_master_key_is_gone_fails_the_audit(settings, member, other_member):
    settings.PORTAL_MASTER_KEYS = OTHER_MASTER
    make_record(member, with_file=False)
    settings.PORTAL_MASTER_KEYS = crypto.new_master_key_line("replacement")
    make_record(other_member, with_file=False)

    _, _, err = failing_audit()

    assert f"data key {key_of(member).id}" in err
    assert "'other'" in err
    assert str(key_of(other_member).id) not in err


def test_a_stored_file_no_row_refers_to_is_listed(member):
    make_record(member)
    deleted = make_record(member, 2)
    left_behind = deleted.attachment
    SecretRecord.objects.filter(pk=deleted.pk).delete()  # the row goes, its file stays
    stray = encrypted_storage().save("zz/stray", ContentFile(b"not ours"))

    out, err = audit()

    assert f"Stored file not referenced by any row: {left_behind}" in out
    assert f"Stored file not referenced by any row: {stray}" in out
    assert out.count("not referenced") == 2
    assert err == ""


def test_a_value_cut_short_is_named_and_the_audit_carries_on(member):
    short = make_record(member, 1, with_file=False)
    after = make_record(member, 2)
    key_hex = SecretRecord.objects.values_list("title", flat=True).get(pk=short.pk).split(":")[1]
    raw_update(short, title=f"e1:{key_hex}:AAAA")

    error, out, err = failing_audit()

    assert "1 items do not decrypt" in str(error)
    assert f"testapp.SecretRecord#{short.pk}.title" in err
    # The rows after it were still checked.
    assert f"{key_of(member).id}: 1" in section(out, "Files by data key:")
    assert str(after.pk) not in err
