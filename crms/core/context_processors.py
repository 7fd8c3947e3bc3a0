from crms.core.navigation import AREAS_BY_KEY, areas_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_areas": [], "active_area": None}
    first_segment = request.path_info.strip("/").split("/", 1)[0]
    return {"nav_areas": areas_for(user), "active_area": first_segment if first_segment in AREAS_BY_KEY else None}
