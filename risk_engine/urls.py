from django.urls import include, path

from risk_engine.views import builder, criteria

urlpatterns = [
    path("", criteria.criteria_list, name="criteria-list"),
    path("new/", builder.builder, name="criteria-new"),
    path("builder/preview/", builder.preview, name="criteria-preview"),
    path("builder/save/", builder.save, name="criteria-save"),
    path("builder/lookup/", builder.lookup, name="criteria-lookup"),
    path("watch-lists/", include("risk_engine.urls_watchlists")),  # before the <code>/ patterns
    path("", include("risk_engine.urls_backtests")),
    path("<str:code>/", criteria.criterion_detail, name="criteria-detail"),
    path("<str:code>/diff/", criteria.criterion_diff, name="criteria-diff"),
    path("<str:code>/edit/", builder.builder, name="criteria-edit"),
    path("<str:code>/export.json", builder.export_document, name="criteria-export"),
    path("<str:code>/promote/", builder.promote, name="criteria-promote"),
    path("<str:code>/transition/<str:action>/", criteria.transition, name="criteria-transition"),
]
