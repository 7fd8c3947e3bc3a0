from django.urls import path

from workbench.views import cases, feedback, notes, queue, referrals, requests

urlpatterns = [
    path("", queue.queue, name="workbench-queue"),
    path("filters/", queue.save_filter, name="workbench-filter-save"),
    path("filters/<int:pk>/delete/", queue.delete_filter, name="workbench-filter-delete"),
    path("awaiting-results/", queue.awaiting_results, name="workbench-awaiting"),
    path("cases/<int:pk>/", cases.case_detail, name="workbench-case"),
    path("cases/<int:pk>/claim/", cases.claim, name="workbench-claim"),
    path("cases/<int:pk>/assign/", cases.assign, name="workbench-assign"),
    path("cases/<int:pk>/release/", cases.release, name="workbench-release"),
    path("cases/<int:pk>/decide/", cases.decide, name="workbench-decide"),
    path("cases/<int:pk>/control-results/", cases.record_control, name="workbench-control"),
    path("cases/<int:pk>/notes/", notes.add_note, name="workbench-note-add"),
    path("cases/<int:pk>/attachments/<int:attachment_pk>/", notes.attachment, name="workbench-attachment"),
    path("referrals/<int:pk>/close/", referrals.close, name="workbench-referral-close"),
    path("referrals/<int:pk>/ask-again/", referrals.ask_again, name="workbench-referral-ask-again"),
    path("requests/", requests.request_list, name="workbench-requests"),
    path("requests/new/", requests.request_new, name="workbench-request-new"),
    path("requests/<int:pk>/", requests.request_detail, name="workbench-request"),
    path("requests/<int:pk>/reply/", requests.request_reply, name="workbench-request-reply"),
    path("requests/<int:pk>/close/", requests.request_close, name="workbench-request-close"),
    path("feedback/<str:code>/", feedback.criterion_feedback_panel, name="workbench-feedback"),
]
