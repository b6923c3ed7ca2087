from django.urls import path

from aftersales.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("", views.board, name="board"),
    path("roster/", views.roster, name="roster"),
    path("roster/new/", views.shift_new, name="shift_new"),
    path("roster/week/", views.fill_week, name="fill_week"),
    path("roster/<int:pk>/", views.shift_edit, name="shift_edit"),
    path("roster/<int:pk>/swap/", views.shift_swap, name="shift_swap"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("proposal/", views.proposal, name="proposal"),
    path("cases/<str:number>/vendor-cases/<int:pk>/", views.vendor_update, name="vendor_update"),
    path("cases/<str:number>/<slug:action>/", views.case_action, name="case_action"),
    path("handovers/<int:pk>/", views.handover_decide, name="handover_decide"),
]
