"""Encrypted files in S3-compatible storage: django-storages and boto3 against a local fake S3."""

import io

import boto3
import pytest
from moto.server import ThreadedMotoServer

from portal.fields import encrypted_storage, open_file, store_file
from tests.testapp.models import SecretRecord

BUCKET = "portal-test"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **CREDENTIALS).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "encrypted": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-2",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "location": "encrypted",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **CREDENTIALS)


def test_files_round_trip_through_s3_and_the_bucket_holds_only_ciphertext(s3_storage, member):
    original = b"screenshot of the messages, 3 March " * 50_000  # about 1.8 MB: two chunks
    record = SecretRecord(owner=member, title="with a file")
    sealed = store_file(record, "attachment", io.BytesIO(original))
    record.save()

    objects = s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [obj["Key"] for obj in objects] == [f"encrypted/{record.attachment}"]
    stored = s3_storage.get_object(Bucket=BUCKET, Key=objects[0]["Key"])["Body"].read()
    assert b"screenshot" not in stored
    assert len(stored) > len(original)

    reloaded = SecretRecord.objects.get(pk=record.pk)
    assert b"".join(open_file(reloaded, "attachment")) == original
    assert sealed.size == len(original)
    assert encrypted_storage().exists(record.attachment)
