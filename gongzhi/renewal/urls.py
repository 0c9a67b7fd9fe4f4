app_name = "renewal"
urlpatterns: list = []
