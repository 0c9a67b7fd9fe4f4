app_name = "cobuilding"
urlpatterns: list = []
