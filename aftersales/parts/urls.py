app_name = "parts"
urlpatterns: list = []
