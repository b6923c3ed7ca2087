from django.urls import path

from aftersales.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("cases/", views.cases_behind_page, name="cases"),
    path("export/cases.xlsx", views.export_queue, name="export_queue"),
    path("export/breaches.xlsx", views.export_breaches, name="export_breaches"),
]
