from django.urls import path

from indicators import views

urlpatterns = [
    path("", views.dashboard, name="indicators-dashboard"),
    path("refresh/", views.refresh, name="indicators-refresh"),
    path("refresh/<int:pk>/", views.refresh_progress, name="indicators-refresh-progress"),
    path("export/<str:name>.<str:fmt>", views.export_table, name="indicators-export"),
    path("records/controls/", views.control_records, name="indicators-controls"),
    path("reports/quarterly/", views.quarterly_report, name="indicators-quarterly"),
    path("reports/annual/", views.annual_report, name="indicators-annual"),
    path("criteria/<str:code>/", views.criterion_evaluation_panel, name="indicators-criterion"),
]
