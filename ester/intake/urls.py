"""Intake pages, mounted at ``/inkommande/``."""

from django.urls import path

from ester.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.mailboxes, name="mailboxes"),
    path("brevlador/<int:pk>/", views.mailbox_detail, name="mailbox"),
    path("fel/", views.errors, name="errors"),
    path("meddelanden/<int:pk>/forsok-igen/", views.retry, name="retry"),
    path("meddelanden/<int:pk>/original/", views.original, name="original"),
    path("skannad-post/", views.scans, name="scans"),
    path("skannad-post/<int:pk>/", views.scan_batch, name="scan-batch"),
]
