from django.urls import path

from aftersales.accounts import views

urlpatterns = [
    path("password/", views.PasswordChange.as_view(), name="account_password"),
]
