from django.urls import path

from aftersales.accounts import views

urlpatterns = [
    path("password/", views.PasswordChange.as_view(), name="account_password"),
    path("tokens/", views.token_list, name="account_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
]
