
app_name = "cases_manage"
urlpatterns: list = []
