from django.urls import path

from crms.learning import pages

urlpatterns = [
    path("", pages.model_list, name="model-list"),
    path("<int:model_id>/", pages.model_detail, name="model-detail"),
    path("<int:model_id>/<slug:action>/", pages.model_move, name="model-move"),
]
