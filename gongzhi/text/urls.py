app_name = "text"
urlpatterns: list = []
