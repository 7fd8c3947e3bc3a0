from django.urls import path

from crms.operators import views

urlpatterns = [
    path("", views.operator_list, name="operators-list"),
]
