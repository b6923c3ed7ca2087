"""Object storage for the tests: one real S3-compatible server per run, a bucket per test."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from aftersales.settings import media_storage
from tests.core.s3server import ACCESS_KEY, REGION, SECRET_KEY, FailingServer, S3Server, free_port

PREFIX = "aftersales/media"
_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def failing_s3_servers():
    servers = {"failing": FailingServer().start(), "refusing_writes": FailingServer(refusing_writes=True).start()}
    yield servers
    for server in servers.values():
        server.stop()


class Store(SimpleNamespace):
    """The bucket a test's files go to, read back with boto3 (not through the application)."""

    def objects(self) -> dict[str, bytes]:
        client = self.server.client()
        listed = client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {row["Key"]: client.get_object(Bucket=self.bucket, Key=row["Key"])["Body"].read() for row in listed}

    def key(self, stored_name: str) -> str:
        return f"{PREFIX}/{stored_name}"


def s3_environment(monkeypatch, *, endpoint_url: str, bucket: str) -> None:
    for name, value in {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint_url,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_PREFIX": f"/{PREFIX}/",
        "S3_TIMEOUT": "2",
        "S3_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def object_store(s3_server, failing_s3_servers, settings, monkeypatch):
    """MEDIA_STORAGE=s3 against a fresh bucket, configured through the S3_* variables as in
    production. `object_store.fail(how)` breaks it: "unreachable", nothing listens at the
    address; "failing", a server answers every request with a 500; "refusing_writes", every
    write is denied (403). `object_store.heal()` mends it."""
    bucket = f"aftersales-test-{next(_buckets)}"
    s3_server.client().create_bucket(Bucket=bucket)

    def configure(endpoint_url: str, bucket_name: str) -> None:
        s3_environment(monkeypatch, endpoint_url=endpoint_url, bucket=bucket_name)
        settings.STORAGES = {**settings.STORAGES, "default": media_storage("s3")}

    def fail(how: str) -> None:
        if how == "unreachable":
            configure(f"http://127.0.0.1:{free_port()}", bucket)
        else:
            configure(failing_s3_servers[how].endpoint_url, bucket)

    configure(s3_server.endpoint_url, bucket)
    return Store(
        server=s3_server,
        bucket=bucket,
        fail=fail,
        heal=lambda: configure(s3_server.endpoint_url, bucket),
    )
