from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import views as account_views
from aftersales.api import token_pages

admin.site.site_header = _("Aftersales administration")
admin.site.site_title = _("Aftersales administration")
admin.site.index_title = _("Master data and settings")

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", account_views.set_language, name="set_language"),
    path("account/", include("aftersales.accounts.urls")),
    path("account/tokens/", token_pages.token_list, name="account_tokens"),
    path("account/tokens/<int:pk>/revoke/", token_pages.token_revoke, name="account_token_revoke"),
    path("", include("aftersales.cases.urls")),
    path("", include("aftersales.sla.urls")),
    path("dispatch/", include("aftersales.dispatch.urls")),
    path("", include("aftersales.inbox.urls")),
    path("", include("aftersales.notifications.urls")),
    path("field/", include("aftersales.field.urls")),
    path("api/", include("aftersales.api.urls")),
    path("portal/", include("aftersales.portal.urls")),
    path("parts/", include("aftersales.parts.urls")),
    path("reports/", include("aftersales.reports.urls")),
    path("admin/", admin.site.urls),
    path("", include("aftersales.operations.urls")),
]
