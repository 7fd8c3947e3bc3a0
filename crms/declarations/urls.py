from django.urls import path

from crms.declarations import views

urlpatterns = [
    path("", views.declaration_list, name="declarations-list"),
    path("<str:mrn>/", views.declaration_detail, name="declaration-detail"),
]
