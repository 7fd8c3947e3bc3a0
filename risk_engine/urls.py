from django.urls import path

from risk_engine.views import builder, criteria

urlpatterns = [
    path("", criteria.criteria_list, name="criteria-list"),
    path("new/", builder.builder, name="criteria-new"),
    path("<str:code>/", criteria.criterion_detail, name="criteria-detail"),
    path("<str:code>/edit/", builder.builder, name="criteria-edit"),
]
