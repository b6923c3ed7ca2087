"""Attachments and generated files on S3-compatible object storage (`MEDIA_STORAGE=s3`).

Several web hosts and workers then share one store. Django's storage API is the only way in:
files are saved, opened and deleted through `default_storage` / a FileField, never by path.
Nothing is ever served from the bucket: `url()` names no bucket address, so a file is only
read back through the project's checked download views, which stream it.

A store that cannot be reached, or refuses, raises `StorageUnavailable` (a domain error with
a message for people), never a library traceback: a page shows it, the API answers 503, the
inbox leaves the e-mail on the server for the next run, a rendering stays pending.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from s3transfer.exceptions import RetriesExceededError
from storages.backends.s3 import S3Storage

from aftersales.core.errors import StorageUnavailable

log = logging.getLogger(__name__)

UNAVAILABLE = _("The file store cannot be reached just now. Nothing was changed; please try again in a moment.")

# What boto3 and its transfer manager raise when the store does not answer or refuses.
STORE_FAILURES = (BotoCoreError, ClientError, Boto3Error, RetriesExceededError)

# What a download keeps in memory before it spills to a temporary file.
MAX_MEMORY_BYTES = 2 * 1024 * 1024


@contextmanager
def _unavailable_on_failure(operation: str, name: str) -> Iterator[None]:
    try:
        yield
    except STORE_FAILURES as error:
        # The person sees UNAVAILABLE; the operator needs the store's own words.
        log.warning("object storage: %s %r failed: %s", operation, name, error)
        raise StorageUnavailable(UNAVAILABLE) from error


class ObjectStorage(S3Storage):
    """django-storages' S3 backend with the project's rules: private objects, never
    overwritten (a second file of the same name gets a suffix), short timeouts with a few
    retries, failures as `StorageUnavailable`."""

    def __init__(self, *, timeout: int = 10, max_attempts: int = 3, **options: Any) -> None:
        options.setdefault(
            "client_config",
            Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": max_attempts, "mode": "standard"},
                signature_version="s3v4",
            ),
        )
        options.setdefault("file_overwrite", False)
        options.setdefault("default_acl", None)  # the bucket's own: private
        options.setdefault("querystring_auth", True)
        options.setdefault("max_memory_size", MAX_MEMORY_BYTES)
        super().__init__(**options)

    def _open(self, name, mode="rb"):
        with _unavailable_on_failure("open", name):
            stored = super()._open(name, mode)
            if "r" in mode:
                stored.file  # noqa: B018 - read it now, so a failure is raised here, not mid-response
            return stored

    def _save(self, name, content):
        with _unavailable_on_failure("save", name):
            return super()._save(name, content)

    def delete(self, name):
        with _unavailable_on_failure("delete", name):
            super().delete(name)

    def exists(self, name):
        with _unavailable_on_failure("check", name):
            return super().exists(name)

    def size(self, name):
        with _unavailable_on_failure("size of", name):
            return super().size(name)

    def listdir(self, name):
        with _unavailable_on_failure("list", name):
            return super().listdir(name)

    def get_modified_time(self, name):
        with _unavailable_on_failure("time of", name):
            return super().get_modified_time(name)

    def url(self, name, parameters=None, expire=None, http_method=None):
        # Never a bucket address (not even a signed one): files are read through checked views.
        return f"{settings.MEDIA_URL}{name}"
