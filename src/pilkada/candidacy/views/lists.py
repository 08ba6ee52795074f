"""Page of the NIK lists KPU uploads as evidence for the checks (``candidacy:lists``): the
lists on record with their counts, and an upload form that replaces one category's list."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.engine.tabular_read import FileRejected

from ..models import NikList
from ..selectors import lists as selectors
from ..services.lists import PERMISSION, ListUploadRefused, upload_nik_list

MAX_UPLOAD_BYTES = 200 << 20


@login_required
def lists(request):
    election = _election()
    permissions.require(request.user, PERMISSION, election.region_code)
    if request.method == "POST":
        upload = request.FILES.get("file")
        category = request.POST.get("category", "")
        if upload is None or upload.size == 0:
            messages.error(request, _("Pilih berkas yang berisi kolom nik."))
        elif upload.size > MAX_UPLOAD_BYTES:
            messages.error(request, _("Berkas terlalu besar."))
        else:
            suffix = Path(upload.name).suffix[:10]
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    result = upload_nik_list(
                        election=election,
                        category=category,
                        path=tmp.name,
                        actor=request.user,
                        source=request.POST.get("source", "")[:200],
                        file_name=upload.name[:255],
                    )
                except (FileRejected, ListUploadRefused) as exc:
                    messages.error(request, _("Berkas ditolak: %(reason)s") % {"reason": exc})
                else:
                    messages.success(
                        request,
                        _("Daftar %(category)s: %(accepted)s NIK diterima, %(duplicates)s "
                          "ganda, %(rejected)s ditolak.")
                        % result.as_dict(),
                    )  # fmt: skip
        return redirect("candidacy:lists")
    return render(
        request,
        "candidacy/lists/lists.html",
        {
            "election": election,
            "lists": selectors.nik_lists(election=election),
            "categories": NikList.Category.choices,
        },
    )


urlpatterns = [path("pencalonan/daftar-nik/", lists, name="lists")]
