"""The audit log, read on a page by those who oversee the election (KPU, Bawaslu)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors
from .models import AuditHead

PAGE_SIZE = 50


@login_required
def entry_list(request):
    action = request.GET.get("aksi", "").strip()
    queryset = selectors.entry_queryset(user=request.user, action=action or None)
    page = Paginator(queryset.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("hal"))
    head = AuditHead.objects.first()
    return render(
        request,
        "audit/entry_list.html",
        {"page": page, "action": action, "head": head},
    )
