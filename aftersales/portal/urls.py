from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from aftersales.portal import field, service_reports, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="portal/login.html", next_page=reverse_lazy("portal:home")),
        name="login",
    ),
    path(
        "password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/set_password.html",
            post_reset_login=True,
            post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
            success_url=reverse_lazy("portal:home"),
        ),
        name="set_password",
    ),
    path("register/", views.register, name="register"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reply/", views.case_reply, name="case_reply"),
    path("cases/<str:number>/confirm/", views.case_confirm, name="case_confirm"),
    path("cases/<str:number>/reject/", views.case_reject, name="case_reject"),
    path("cases/<str:number>/summary/", views.case_summary, name="case_summary"),
    path("cases/<str:number>/documents/<int:pk>/", views.case_document, name="case_document"),
    path("visits/<int:pk>/", field.visit_detail, name="visit"),
    path("reports/<int:pk>/documents/<int:document_pk>/", field.report_document, name="report_document"),
    path("service-reports/", service_reports.report_list, name="service_reports"),
    path(
        "service-reports/<int:pk>/documents/<int:document_pk>/", service_reports.report_pdf, name="service_report_pdf"
    ),
    path("service-reports/<int:pk>/excel/", service_reports.report_xlsx, name="service_report_xlsx"),
    path("access/", views.access, name="access"),
    path("access/contacts/<int:pk>/invite/", views.invite, name="invite"),
    path("access/registrations/<int:pk>/decide/", views.decide_registration, name="decide_registration"),
    path("callbacks/<int:pk>/take/", views.take_callback, name="take_callback"),
]
