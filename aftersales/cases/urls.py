from django.urls import path

from aftersales.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/act/", views.case_action, name="case_action"),
    path("cases/<str:number>/comment/", views.case_comment, name="case_comment"),
    path("cases/<str:number>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:number>/severity/", views.case_severity, name="case_severity"),
    path("cases/<str:number>/edit/", views.case_edit, name="case_edit"),
    path("cases/<str:number>/record/", views.case_record_act, name="case_record_act"),
    path("cases/<str:number>/suspension/", views.case_request_suspension, name="case_request_suspension"),
    path("cases/<str:number>/suspension/decide/", views.case_decide_suspension, name="case_decide_suspension"),
    path("cases/<str:number>/summary/", views.case_summary, name="case_summary"),
    path("cases/<str:number>/documents/<int:pk>/", views.case_document, name="case_document"),
    path("attachments/<int:pk>/<str:name>", views.attachment_download, name="attachment"),
    path("intake/", views.intake, name="intake"),
]
