from django.urls import path

from aftersales.parts import views

app_name = "parts"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("requests/<int:pk>/serve/", views.serve, name="serve"),
    path("requests/<int:pk>/rma/", views.claim_rma, name="claim_rma"),
    path("requests/<int:pk>/confirm/", views.answer_request, {"answer": "confirm"}, name="confirm_request"),
    path("requests/<int:pk>/decline/", views.answer_request, {"answer": "decline"}, name="decline_request"),
    path("requests/<int:pk>/fit/", views.fit, name="fit"),
    path("requests/<int:pk>/cancel/", views.cancel_request, name="cancel_request"),
    path("rmas/", views.rma_history, name="rmas"),
    path("rmas/<int:pk>/receive/", views.receive_rma, name="receive_rma"),
    path("rmas/<int:pk>/ship/", views.ship_rma, name="ship_rma"),
    path("rmas/master-list.xlsx", views.vendor_list_export, name="vendor_list_export"),
    path("stock/move/", views.move_stock, name="move_stock"),
    path("stock/transfer/", views.transfer, name="transfer"),
    path("summary/", views.summary, name="summary"),
    path("summary.xlsx", views.summary_export, name="summary_export"),
    path("charges/", views.charges, name="charges"),
    path("charges.csv", views.charges_export, {"fmt": "csv"}, name="charges_csv"),
    path("charges.xlsx", views.charges_export, {"fmt": "xlsx"}, name="charges_xlsx"),
    path("cases/<str:number>/requests/", views.file_request, name="file_request"),
    path("cases/<str:number>/quotes/", views.offer_quote, name="offer_quote"),
    path("cases/<str:number>/returns/", views.offer_return, name="offer_return"),
    path("quotes/<int:pk>/accept/", views.answer_quote, {"answer": "accept"}, name="accept_quote"),
    path("quotes/<int:pk>/decline/", views.answer_quote, {"answer": "decline"}, name="decline_quote"),
    path("quotes/<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("quote-documents/<int:pk>/", views.quote_document, name="quote_document"),
    path("returns/<int:pk>/decide/", views.decide_return, name="decide_return"),
    path("returns/<int:pk>/agree/", views.answer_return, {"answer": "agree"}, name="agree_return"),
    path("returns/<int:pk>/refuse/", views.answer_return, {"answer": "refuse"}, name="refuse_return"),
]
