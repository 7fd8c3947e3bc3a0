"""Criteria list and detail pages (lifecycle, versions, audit trail)."""

from django.shortcuts import render

from crms.core.access import area_required


@area_required("criteria")
def criteria_list(request):
    return render(request, "criteria/list.html", {})


@area_required("criteria")
def criterion_detail(request, code):
    return render(request, "criteria/detail.html", {"code": code})
