"""The managers' case pages, mounted at ``/arenden/ledning/``."""

from django.urls import path

from ester.cases import views_manage as views

app_name = "cases_manage"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("franvaro/", views.absences, name="absences"),
    path("franvaro/ta-bort/", views.absence_remove, name="absence-remove"),
    path("lan/", views.loans, name="loans"),
    path("lan/avsluta/", views.loan_end, name="loan-end"),
    path("ratt-fran-borjan/", views.right_first_time, name="right-first-time"),
    path("ratt-fran-borjan/excel/", views.right_first_time_export, name="right-first-time-export"),
]
