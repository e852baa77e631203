from django.urls import path

from ester.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.customer, name="customer"),
    path("dokument/<int:pk>/", views.document, name="document"),
]
