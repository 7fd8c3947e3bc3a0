from django.urls import path

from crms.learning import price_pages

urlpatterns = [
    path("outliers/", price_pages.outliers, name="price-outliers"),
    path("baselines/", price_pages.baselines, name="price-baselines"),
]
