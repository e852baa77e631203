from django.urls import path

from ester.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profil/", views.profile, name="profile"),
    path("losenord/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
]
