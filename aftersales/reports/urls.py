from django.urls import path

from aftersales.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("cases/", views.cases_behind_page, name="cases"),
    path("export/cases.xlsx", views.export_queue, name="export_queue"),
    path("export/breaches.xlsx", views.export_breaches, name="export_breaches"),
    path("export/visits.xlsx", views.export_visits, name="export_visits"),
    path("exports/", views.my_exports, name="exports"),
    path("exports/<int:pk>/", views.export_download, name="export_download"),
    path("monthly/", views.monthly_list, name="monthly"),
    path("monthly/<int:pk>/documents/<int:document_pk>/", views.monthly_pdf, name="monthly_pdf"),
    path("monthly/<int:pk>/excel/", views.monthly_xlsx, name="monthly_xlsx"),
]
