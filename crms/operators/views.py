"""Browsing and editing the operator / AEO registry."""

from django.shortcuts import render

from crms.core.access import area_required


@area_required("operators")
def operator_list(request):
    return render(request, "operators/list.html", {})
