"""Case documents on S3-compatible storage (``ESTER_STORAGE=s3``), against a real S3 server.

moto's S3 server runs on loopback for these tests and boto3 talks HTTP to it, as it
would to MinIO, Ceph or AWS. The storage is configured by running ``config/settings.py``
again with the ``ESTER_S3_*`` variables set, so the options are the ones a deployment
gets; only ``STORAGES["default"]`` is swapped in, with ``override_settings``, whose
``setting_changed`` signal rebuilds Django's cached storages on the way in and out.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

moto_server = pytest.importorskip("moto.server", reason="moto[server] (a dev dependency) is not installed")

import boto3  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.storage import default_storage, storages  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import FileResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from storages.backends.s3 import S3Storage  # noqa: E402

import config.settings  # noqa: E402
from ester.cases import services  # noqa: E402
from ester.cases.choices import CaseChannel  # noqa: E402
from ester.cases.documents import case_document_add, files_kept_only_on_success, store_document, validate_upload  # noqa: E402
from ester.cases.models import Case, CaseDocument  # noqa: E402
from ester.cases.portal_services import case_submit  # noqa: E402
from ester.cases.tests.factories import CaseTypeFactory  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
REGION = "eu-north-1"
ACCESS_KEY, SECRET_KEY = "ester-test", "ester-test-secret"
PREFIX = "ester/"  # ESTER_S3_PREFIX's default


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def key_of(sha: str) -> str:
    return f"{PREFIX}cases/{sha[:2]}/{sha[2:4]}/{sha}"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, on a port the system picks."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def storages_as_settings_builds_them(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Any]:
    """``STORAGES`` as ``config/settings.py`` builds it under ``env`` (the module is run afresh)."""
    with monkeypatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("ESTER_S3_"):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        spec = importlib.util.spec_from_file_location("_ester_settings_with_s3", config.settings.__file__)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module.STORAGES


@dataclass
class Bucket:
    name: str
    client: Any
    storage: S3Storage

    def object_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Bucket]:
    """A fresh bucket, and Ester's default storage pointing at it for this test only."""
    name = f"ester-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    built = storages_as_settings_builds_them(
        monkeypatch,
        {
            "ESTER_STORAGE": "s3",
            "ESTER_S3_BUCKET": name,
            "ESTER_S3_ENDPOINT_URL": s3_endpoint,
            "ESTER_S3_REGION": REGION,
            "ESTER_S3_ACCESS_KEY": ACCESS_KEY,
            "ESTER_S3_SECRET_KEY": SECRET_KEY,
        },
    )
    assert built["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    configured = type(storages["default"])
    # MEDIA_ROOT to an empty folder: proves below that nothing fell back to the filesystem.
    with override_settings(STORAGES={**django_settings.STORAGES, "default": built["default"]}, MEDIA_ROOT=tmp_path):
        storage = storages["default"]
        assert isinstance(storage, S3Storage) and storage.bucket_name == name
        assert getattr(default_storage, "bucket_name", None) == name
        assert CaseDocument._meta.get_field("file").storage is default_storage
        yield Bucket(name=name, client=client, storage=storage)
        assert not any(tmp_path.iterdir()), "a document was written to the filesystem, not to the bucket"
    # Leaving override_settings rebuilt the cached storages: the next test in this process gets
    # the configured storage again (the filesystem, unless the suite itself runs with ESTER_STORAGE=s3).
    assert type(storages["default"]) is configured and storages["default"] is not storage
    assert getattr(default_storage, "bucket_name", None) != name
    assert getattr(CaseDocument._meta.get_field("file").storage, "bucket_name", None) != name


class Writes:
    """Counts the S3 requests that write an object, made through Ester's storage."""

    def __init__(self, storage: S3Storage) -> None:
        self.count = 0
        storage.connection.meta.client.meta.events.register("before-call.s3", self._seen)

    def _seen(self, model: Any, **_kwargs: Any) -> None:
        if model.name in ("PutObject", "CreateMultipartUpload", "CopyObject", "DeleteObject", "DeleteObjects"):
            self.count += 1


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura")


@pytest.fixture
def case(city: Any, case_type: Any) -> Case:
    return services.case_register(
        actor=None,
        customer=city.customer_x,
        case_type=case_type,
        channel=CaseChannel.EMAIL,
        sender_name="Kim Kontakt",
        subject="Faktura 4711 att betala",
    )


@pytest.mark.django_db
class TestCaseDocumentsOnS3:
    def test_stored_in_the_bucket_unaltered_and_downloaded_as_received(
        self, city: Any, case: Case, bucket: Bucket, client: Client
    ) -> None:
        document = case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        sha = hashlib.sha256(PDF).hexdigest()
        assert document.sha256 == sha and document.file.name == f"cases/{sha[:2]}/{sha[2:4]}/{sha}"
        assert bucket.object_keys() == [key_of(sha)]
        assert bucket.read(key_of(sha)) == PDF
        assert hashlib.sha256(bucket.read(key_of(sha))).hexdigest() == CaseDocument.objects.get(pk=document.pk).sha256

        client.force_login(city.handler)
        response = client.get(reverse("cases:document", args=[case.pk, document.pk]))
        assert response.status_code == 200
        assert isinstance(response, FileResponse)
        body = b"".join(response.streaming_content)
        assert body == PDF and hashlib.sha256(body).hexdigest() == document.sha256
        assert response["Content-Type"] == "application/pdf" and "faktura.pdf" in response["Content-Disposition"]
        assert response["Content-Length"] == str(len(PDF))
        for persona in ("handler_b", "contact_y", "outsider"):
            client.force_login(city.users[persona])
            assert client.get(reverse("cases:document", args=[case.pk, document.pk])).status_code == 404

    def test_a_portal_submission_stores_every_file_in_the_bucket(self, city: Any, case_type: Any, bucket: Bucket) -> None:
        case = case_submit(
            actor=city.contact_x,
            customer=city.customer_x,
            case_type=case_type,
            fields={},
            subject="Faktura 4711",
            description="",
            uploads=[upload("faktura.pdf", PDF), upload("bilaga.png", PNG)],
        )
        shas = [hashlib.sha256(content).hexdigest() for content in (PDF, PNG)]
        assert sorted(case.documents.values_list("sha256", flat=True)) == sorted(shas)
        assert bucket.object_keys() == sorted(key_of(sha) for sha in shas)
        assert {bucket.read(key_of(sha)) for sha in shas} == {PDF, PNG}

    def test_the_same_file_twice_is_two_rows_one_object_and_no_second_write(
        self, city: Any, case: Case, case_type: Any, bucket: Bucket
    ) -> None:
        """As on the filesystem: content-addressed, so the second upload only records the stored object."""
        first = case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        writes = Writes(bucket.storage)
        other_case = services.case_register(
            actor=None,
            customer=city.customer_x,
            case_type=case_type,
            channel=CaseChannel.EMAIL,
            sender_name="Kim Kontakt",
            subject="Samma faktura igen",
        )
        second = case_document_add(actor=city.contact_x, case=other_case, upload=upload("faktura-igen.pdf", PDF))
        assert writes.count == 0
        assert first.pk != second.pk and first.sha256 == second.sha256 and first.file.name == second.file.name
        assert second.original_name == "faktura-igen.pdf"
        assert bucket.object_keys() == [key_of(first.sha256)]  # no "<sha256>_AbC1234" beside it (file_overwrite is off)

    def test_handling_the_case_deletes_nothing_from_the_bucket(self, city: Any, case: Case, bucket: Bucket) -> None:
        case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        case_document_add(actor=city.handler, case=case, upload=upload("intern.png", PNG), internal=True)
        before = {key: bucket.read(key) for key in bucket.object_keys()}
        assert len(before) == 2
        writes = Writes(bucket.storage)
        services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        services.case_close(actor=city.handler, case=case, text="Betald")
        services.case_reopen(actor=city.handler, case=case, reason="Kunden hörde av sig igen")
        services.case_void(actor=city.handler, case=case, reason="Dubblett")
        assert writes.count == 0
        assert {key: bucket.read(key) for key in bucket.object_keys()} == before
        assert case.documents.count() == 2

    def test_a_failed_transaction_removes_only_the_objects_it_wrote(self, city: Any, case: Case, bucket: Bucket) -> None:
        kept = case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        with pytest.raises(RuntimeError), files_kept_only_on_success() as written, transaction.atomic():
            store_document(actor=city.handler, case=case, checked=validate_upload(upload("igen.pdf", PDF)), written=written)
            store_document(actor=city.handler, case=case, checked=validate_upload(upload("ny.png", PNG)), written=written)
            assert len(bucket.object_keys()) == 2
            raise RuntimeError("the database went away")
        assert bucket.object_keys() == [key_of(kept.sha256)]
        assert list(case.documents.all()) == [kept]

    def test_a_refused_file_writes_nothing(self, city: Any, case: Case, bucket: Bucket) -> None:
        with pytest.raises(ValidationError):
            case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PNG))
        assert bucket.object_keys() == []

    def test_a_missing_object_is_a_404_not_a_crash(self, city: Any, case: Case, bucket: Bucket, client: Client) -> None:
        document = case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        bucket.client.delete_object(Bucket=bucket.name, Key=key_of(document.sha256))  # lost outside Ester
        client.force_login(city.handler)
        assert client.get(reverse("cases:document", args=[case.pk, document.pk])).status_code == 404
