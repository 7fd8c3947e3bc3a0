from django.utils.functional import SimpleLazyObject

from crms.core.navigation import AREAS_BY_KEY, areas_for
from crms.core.worklist import open_crises


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": [], "active_area": None}
    first_segment = request.path_info.strip("/").split("/", 1)[0]
    return {
        "nav_areas": areas_for(user),
        "active_area": first_segment if first_segment in AREAS_BY_KEY else None,
        # The open-crises banner of every page: queried only when base.html renders it.
        "open_crises": SimpleLazyObject(lambda: open_crises(user)),
    }
