from django.urls import path

from aftersales.inbox import views

urlpatterns = [
    path("inbox/triage/", views.triage_list, name="inbox_triage"),
    path("inbox/quarantine/", views.quarantine_list, name="inbox_quarantine"),
    path("inbox/messages/<int:pk>/", views.message_detail, name="inbox_message"),
    path("inbox/messages/<int:pk>/raw/", views.message_raw, name="inbox_message_raw"),
    path("inbox/messages/<int:pk>/open-case/", views.open_case, name="inbox_open_case"),
    path("inbox/messages/<int:pk>/add-to-case/", views.add_to_case, name="inbox_add_to_case"),
    path("inbox/messages/<int:pk>/discard/", views.discard, name="inbox_discard"),
    path("inbox/messages/<int:pk>/reprocess/", views.reprocess, name="inbox_reprocess"),
]
