from django.urls import path

from aftersales.sla import views

urlpatterns = [path("board/", views.board, name="duty_board")]
