"""REST API v1 under /api/v1/; the OpenAPI schema at /api/schema/, its docs at /api/docs/."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView, DefaultRouter

from aftersales.api.alarms import AlarmViewSet
from aftersales.api.base import LanguageMixin
from aftersales.api.cases import CaseViewSet
from aftersales.api.consultations import ConsultationViewSet
from aftersales.api.contracts import ContractViewSet
from aftersales.api.customers import ContactViewSet, CustomerViewSet, SiteViewSet
from aftersales.api.dispatch import HandoverViewSet, ShiftViewSet, VendorCaseViewSet
from aftersales.api.equipment import EquipmentViewSet, ProductModelViewSet
from aftersales.api.errors import not_found
from aftersales.api.field import ServiceReportViewSet, VisitViewSet
from aftersales.api.parts import (
    PartRequestViewSet,
    PartViewSet,
    QuoteViewSet,
    ReturnOfferViewSet,
    RmaViewSet,
    StockMovementViewSet,
    StockViewSet,
    WarehouseViewSet,
)
from aftersales.api.reports import ReportViewSet


class RootView(LanguageMixin, APIRootView):
    """The list of resources."""


class Router(DefaultRouter):
    include_format_suffixes = False
    APIRootView = RootView


router = Router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("sites", SiteViewSet, basename="site")
router.register("product-models", ProductModelViewSet, basename="product-model")
router.register("equipment", EquipmentViewSet, basename="equipment")
router.register("contracts", ContractViewSet, basename="contract")
router.register("cases", CaseViewSet, basename="case")
router.register("alarms", AlarmViewSet, basename="alarm")
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("visits", VisitViewSet, basename="visit")
router.register("service-reports", ServiceReportViewSet, basename="service-report")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("vendor-cases", VendorCaseViewSet, basename="vendor-case")
router.register("handovers", HandoverViewSet, basename="handover")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("parts", PartViewSet, basename="part")
router.register("stock", StockViewSet, basename="stock")
router.register("stock-movements", StockMovementViewSet, basename="stock-movement")
router.register("part-requests", PartRequestViewSet, basename="part-request")
router.register("rmas", RmaViewSet, basename="rma")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("return-offers", ReturnOfferViewSet, basename="return-offer")
router.register("reports", ReportViewSet, basename="report")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ answers a 404 in the API's error shape, not an HTML page.
    # (?s): a percent-encoded line break in the path is still an unknown address, not a page.
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
