from django.urls import path

from pca import views

urlpatterns = [
    path("", views.pca_list, name="pca-list"),
    path("new/", views.pca_new, name="pca-new"),
    path("<int:pk>/", views.pca_detail, name="pca-detail"),
    path("<int:pk>/results/", views.pca_report, name="pca-report"),
    path("<int:pk>/suspend/", views.pca_suspend, name="pca-suspend"),
    path("<int:pk>/resume/", views.pca_resume, name="pca-resume"),
    path("<int:pk>/close/", views.pca_close, name="pca-close"),
]
