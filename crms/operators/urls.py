from django.urls import path

from crms.operators import views

urlpatterns = [
    path("", views.operator_list, name="operators-list"),
    path("new/", views.operator_create, name="operators-create"),
    path("import/", views.operator_import, name="operators-import"),
    path("<str:eori>/", views.operator_detail, name="operators-detail"),
    path("<str:eori>/edit/", views.operator_edit, name="operators-edit"),
    path("<str:eori>/authorisations/new/", views.authorisation_add, name="operators-authorisation-add"),
    path(
        "<str:eori>/authorisations/<int:pk>/edit/",
        views.authorisation_edit,
        name="operators-authorisation-edit",
    ),
]
