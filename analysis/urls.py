from django.urls import path

from analysis import views

urlpatterns = [
    path("", views.hits, name="analysis-hits"),
    path("parties/", views.party, name="analysis-party"),
    path("declarations/<str:mrn>/", views.declaration, name="analysis-declaration"),
]
