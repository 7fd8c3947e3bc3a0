from django.urls import path

from rif import views

urlpatterns = [
    path("", views.rif_list, name="rif-list"),
    path("new/", views.rif_new, name="rif-new"),
    path("follow-up/", views.overdue, name="rif-overdue"),
    path("notifications/", views.notifications, name="rif-notifications"),
    path("crises/", views.crisis_list, name="crisis-list"),
    path("crises/new/", views.crisis_new, name="crisis-new"),
    path("crises/<int:pk>/", views.crisis_detail, name="crisis-detail"),
    path("crises/<int:pk>/posts/", views.crisis_post, name="crisis-post"),
    path("crises/<int:pk>/criteria/", views.crisis_link, name="crisis-link"),
    path("crises/<int:pk>/close/", views.crisis_close, name="crisis-close"),
    path("<str:reference>/", views.rif_detail, name="rif-detail"),
    path("<str:reference>/edit/", views.rif_edit, name="rif-edit"),
    path("<str:reference>/transition/<str:action>/", views.rif_transition, name="rif-transition"),
    path("<str:reference>/read/", views.rif_read, name="rif-read"),
    path("<str:reference>/feedback/", views.rif_feedback, name="rif-feedback"),
    path("<str:reference>/criterion/", views.rif_to_criterion, name="rif-to-criterion"),
    path("<str:reference>/attachments/", views.rif_attach, name="rif-attach"),
    path("<str:reference>/attachments/<int:pk>/", views.rif_attachment, name="rif-attachment"),
]
