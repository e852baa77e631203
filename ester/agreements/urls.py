from django.urls import path

from ester.agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="agreement-list"),
    path("ny/", views.agreement_create, name="agreement-create"),
    path("kopiera/", views.agreements_copy, name="agreement-copy"),
    path("<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("<int:pk>/andra/", views.agreement_update, name="agreement-update"),
    path("<int:pk>/tillagg/", views.agreement_addon_add, name="agreement-addon-add"),
    path("<int:pk>/tillagg/<int:item>/avsluta/", views.agreement_addon_end, name="agreement-addon-end"),
    path("<int:pk>/ledtider/", views.agreement_lead_time_set, name="agreement-leadtime-set"),
    path("<int:pk>/granssnitt/", views.agreement_interface_set, name="agreement-interface-set"),
    path("<int:pk>/avvikelser/", views.agreement_deviation_add, name="agreement-deviation-add"),
    path("<int:pk>/dokument/", views.agreement_document_upload, name="agreement-document-upload"),
    path("<int:pk>/dokument/<int:doc>/", views.agreement_document_download, name="agreement-document"),
    path("prislistor/", views.pricelist_list, name="pricelist-list"),
    path("prislistor/ny/", views.pricelist_create, name="pricelist-create"),
    path("prislistor/<int:pk>/", views.pricelist_detail, name="pricelist-detail"),
    path("prislistor/<int:pk>/ny-version/", views.pricelist_version_add, name="pricelist-version-add"),
    path("prislistor/<int:pk>/kopiera/", views.pricelist_copy, name="pricelist-copy"),
    path("prislistor/<int:pk>/export.xlsx", views.pricelist_export, name="pricelist-export"),
    path("tjanster/", views.service_list, name="service-list"),
]
