"""The handler workspace, mounted at /arenden/."""

from django.urls import path

from ester.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("ta-nasta/", views.take_next, name="take-next"),
    path("telefon/", views.phone, name="phone"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/dokument/<int:doc>/", views.document, name="document"),
    path("<int:pk>/anteckning/", views.note, name="note"),
    path("<int:pk>/svar/", views.reply, name="reply"),
    path("<int:pk>/retur/", views.return_for_completion, name="return"),
    path("<int:pk>/tilldela/", views.assign, name="assign"),
    path("<int:pk>/lamna-over/", views.hand_over, name="hand-over"),
    path("<int:pk>/avsluta/", views.close, name="close"),
    path("<int:pk>/ateroppna/", views.reopen, name="reopen"),
    path("<int:pk>/makulera/", views.void, name="void"),
    path("<int:pk>/prioritet/", views.priority, name="priority"),
]
