from django.urls import path

from aftersales.field import views

app_name = "field"

urlpatterns = [
    path("", views.today, name="today"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/move/", views.visit_move, name="visit_move"),
    path("visits/<int:pk>/report/", views.report_new, name="report_new"),
    path("cases/<str:number>/dispatch/", views.dispatch, name="dispatch"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/documents/<int:document_pk>/", views.report_document, name="report_document"),
]
