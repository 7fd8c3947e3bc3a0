from django.urls import path

from selection import views

urlpatterns = [
    path("", views.selection_settings, name="selection-settings"),
]
