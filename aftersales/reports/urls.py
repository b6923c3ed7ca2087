from django.urls import path

from aftersales.reports import report_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("cases/", views.cases_behind_page, name="cases"),
    path("export/cases.xlsx", views.export_queue, name="export_queue"),
    path("export/breaches.xlsx", views.export_breaches, name="export_breaches"),
    path("service/", report_views.report_list, name="reports"),
    path("service/<int:pk>/", report_views.report_page, name="report"),
    path("service/<int:pk>/submit/", report_views.report_submit, name="report_submit"),
    path("service/<int:pk>/review/", report_views.report_review, name="report_review"),
    path("service/<int:pk>/issue/", report_views.report_issue, name="report_issue"),
    path("service/<int:pk>/documents/<int:document_pk>/", report_views.report_pdf, name="report_pdf"),
    path("service/<int:pk>/excel/", report_views.report_xlsx, name="report_xlsx"),
    path("export/visits.xlsx", views.export_visits, name="export_visits"),
    path("exports/", views.my_exports, name="exports"),
    path("exports/<int:pk>/", views.export_download, name="export_download"),
]
