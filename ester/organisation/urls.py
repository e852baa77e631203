from django.urls import path

from ester.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("kunder/", views.customer_list, name="customer-list"),
    path("kunder/export.xlsx", views.customer_export, name="customer-export"),
    path("kunder/ny/", views.customer_create, name="customer-create"),
    path("kunder/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("kunder/<int:pk>/andra/", views.customer_edit, name="customer-edit"),
    path("kunder/<int:pk>/kontakter/ny/", views.contact_create, name="contact-create"),
    path("kunder/<int:pk>/handlaggning/", views.handling_change, name="handling-change"),
    path("kontakter/<int:pk>/andra/", views.contact_edit, name="contact-edit"),
    path("kontakter/<int:pk>/portal/", views.contact_portal, name="contact-portal"),
]
