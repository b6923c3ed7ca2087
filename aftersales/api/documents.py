"""A case's generated documents (the case summary PDF): list, request, download.

Requests go through `cases.documents.request_case_summary` (the pages' service: the copy the
user's role may read, in the request's language); downloads only through
`documents.queries.get_visible_document` over `visible_cases`, with the pages' headers.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from aftersales.accounts import policy
from aftersales.cases.documents import case_summaries, readable_audiences, request_case_summary
from aftersales.cases.queries import visible_cases
from aftersales.documents.models import Document
from aftersales.documents.queries import get_visible_document
from aftersales.documents.services import document_response


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "version",
            "language",
            "audience",
            "status",
            "error",
            "sha256",
            "size",
            "created_at",
            "rendered_at",
            "url",
        ]

    def get_url(self, document: Document) -> str | None:
        """Where the PDF is downloaded once it is ready."""
        if document.status != Document.Status.READY:
            return None
        return reverse(
            "api:case-document",
            kwargs={"number": self.context["case"].number, "document_id": document.pk},
            request=self.context.get("request"),
        )

    def get_error(self, document: Document) -> str:
        """Why rendering failed (staff only: the reason may name internals)."""
        request = self.context.get("request")
        return document.error if request is not None and policy.allowed(request.user, "cases.read") else ""


class CaseDocumentsMixin:
    """Adds `documents/` and `documents/{id}/` to the case view set."""

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the PDF whatever the client accepts; its errors are JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "document")

    @extend_schema(
        methods=["GET"], request=None, responses=DocumentSerializer(many=True), summary="The case's summaries (PDF)"
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={202: DocumentSerializer},
        summary="Request a case summary (PDF), rendered in the background in the request's language",
    )
    @action(detail=True, methods=["get", "post"], url_path="documents", url_name="documents", pagination_class=None)
    def documents(self, request, number=None):
        case = self.get_object()
        context = {"request": request, "case": case}
        if request.method == "GET":
            return Response(DocumentSerializer(case_summaries(request.user, case), many=True, context=context).data)
        document = request_case_summary(case=case, by=request.user)
        return Response(DocumentSerializer(document, context=context).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("document_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")},
        summary="Download one document",
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]{1,18})", url_name="document")
    def document(self, request, number=None, document_id=None):
        cases = visible_cases(request.user).filter(number=self.get_object().number)
        found = get_visible_document(cases, document_id, audiences=readable_audiences(request.user))
        return document_response(found)
