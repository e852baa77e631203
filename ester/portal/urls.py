from django.urls import path

from ester.portal import views, views_cases

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.customer, name="customer"),
    path("dokument/<int:pk>/", views.document, name="document"),
    # Cases: the department's list and "Skicka underlag" by customer; one case by its own key.
    path("<int:pk>/arenden/", views_cases.case_list, name="case-list"),
    path("<int:pk>/arenden/skicka/", views_cases.case_new, name="case-new"),
    path("arenden/<int:pk>/", views_cases.case_detail, name="case-detail"),
    path("arenden/<int:pk>/komplettera/", views_cases.case_complete, name="case-complete"),
    path("arenden/dokument/<int:pk>/", views_cases.case_document, name="case-document"),
]
