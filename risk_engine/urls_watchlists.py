"""Watch list pages, relative to /criteria/watch-lists/ (included before the criteria's <code>/ patterns)."""

from django.urls import path

from risk_engine.views import watchlists

urlpatterns = [
    path("", watchlists.watch_list_index, name="watch-lists"),
    path("new/", watchlists.watch_list_new, name="watch-list-new"),
    path("<str:code>/", watchlists.watch_list_detail, name="watch-list-detail"),
    path("<str:code>/entries/", watchlists.watch_list_add, name="watch-list-add"),
    path("<str:code>/entries/<int:entry_id>/remove/", watchlists.watch_list_remove, name="watch-list-remove"),
    path("<str:code>/import/", watchlists.watch_list_import, name="watch-list-import"),
]
