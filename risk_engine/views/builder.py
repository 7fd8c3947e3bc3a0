"""The criterion builder."""

from django.shortcuts import render

from crms.core.access import area_required


@area_required("criteria")
def builder(request, code=None):
    return render(request, "criteria/builder.html", {"code": code})
