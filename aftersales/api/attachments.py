"""A case's files: the list, multipart uploads and downloads.

Uploads go through `services.add_comment` (the same checks and the same single transaction
as the page's comment form); downloads only through `get_visible_attachment` and only with
the headers the page download sends, so an uploaded HTML or SVG file never runs in a browser.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from aftersales.accounts import policy
from aftersales.cases import services
from aftersales.cases.models import Attachment
from aftersales.cases.queries import get_visible_attachment, name_shown_to
from aftersales.core.uploads import check_upload, file_response

MAX_FILES_PER_UPLOAD = 10


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "sha256",
            "is_public",
            "uploaded_by",
            "uploaded_at",
            "event",
            "url",
        ]

    def get_uploaded_by(self, attachment: Attachment) -> str | None:
        if not attachment.uploaded_by_id:
            return None
        request = self.context.get("request")
        return name_shown_to(request.user, attachment.uploaded_by) if request else str(attachment.uploaded_by)

    def get_url(self, attachment: Attachment) -> str:
        """Where the file is downloaded."""
        return reverse(
            "api:case-attachment",
            kwargs={"number": attachment.case.number, "attachment_id": attachment.pk},
            request=self.context.get("request"),
        )


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(max_length=255),
        allow_empty=False,
        max_length=MAX_FILES_PER_UPLOAD,
        help_text=_("One or more files (repeat the field). If one is refused, none is stored."),
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    public = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Visible to the customer. Staff default to internal; customers can only add visible files."),
    )

    def validate_files(self, files: list) -> list:
        """The pages' checks (size, program files), reported per file: `files.1`."""
        errors = {}
        for index, upload in enumerate(files):
            try:
                check_upload(upload)
            except DjangoValidationError as error:
                errors[index] = error.messages
        if errors:
            raise serializers.ValidationError(errors)
        return files


def _require_uploader(user, case) -> None:
    # Case workers, and customer contacts (whose files go with a reply); not read-only staff.
    policy.require(user, "cases.comment", case)


class CaseAttachmentsMixin:
    """Adds `attachments/` and `attachments/{id}/` to the case view set."""

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the file whatever the client accepts (an `Accept:
        # application/pdf` must not be a 406); its errors are still JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "attachment")

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=AttachmentSerializer(many=True),
        summary="The case's files (customers: those visible to them)",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True)},
        summary="Upload files (multipart)",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="attachments",
        url_name="attachments",
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,  # a case's files come in one list
    )
    def attachments(self, request, number=None):
        case = self.get_object()
        if request.method == "GET":
            rows = policy.scope(request.user, case.attachments.select_related("uploaded_by", "case"))
            return Response(AttachmentSerializer(rows, many=True, context={"request": request}).data)
        _require_uploader(request.user, case)
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        public = body.validated_data["public"]
        if public is None:
            # As for comments: staff files are internal unless said otherwise; a customer's
            # go with their reply (and the service refuses a customer's internal note).
            public = policy.allowed(request.user, "customers.contact")
        event = services.add_comment(
            case=case,
            by=request.user,
            text=body.validated_data["text"],
            public=public,
            attachments=body.validated_data["files"],
        )
        stored = event.attachments.select_related("uploaded_by", "case")
        return Response(
            AttachmentSerializer(stored, many=True, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file. Images, PDF and plain text come inline with their type; "
                "everything else as an application/octet-stream download.",
            )
        },
        summary="Download one file",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})",
        url_name="attachment",
    )
    def attachment(self, request, number=None, attachment_id=None):
        case = self.get_object()
        found = get_visible_attachment(request.user, int(attachment_id))
        if found.case_id != case.pk:
            raise Http404
        return file_response(found.file, name=found.name, content_type=found.content_type)
