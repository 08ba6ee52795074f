"""Pages of the selection: the officers' page (import, rank, publish), score entry per area,
the women report, the SK page and its download; scope and window on every one."""

import io

from django.urls import reverse

from pilkada.adhoc.models import Application, SelectionAnnouncement
from pilkada.adhoc.views.hub import menu_for

from .conftest import KELURAHAN
from .selection_support import *  # noqa: F403
from .selection_support import KELURAHAN_2, opening


def test_selection_page_and_its_forms(client, election, kpu_jakpus, passed):
    opening(election, seats=1)
    a = passed(nama="A")
    client.force_login(kpu_jakpus)
    page = client.get(reverse("adhoc:selection"))
    assert page.status_code == 200 and 'data-body="pps"' in page.content.decode()
    upload = io.BytesIO(f"number,written_score\n{a.number},88\nX,1\n".encode())
    upload.name = "nilai.csv"
    r = client.post(
        reverse("adhoc:selection_import"), {"kind": "written", "file": upload}, follow=True
    )
    html = r.content.decode()
    assert "1 diterima, 1 ditolak" in html and "nomor pendaftaran tidak ditemukan" in html
    r = client.post(reverse("adhoc:selection_rank"), {"body": "pps"}, follow=True)
    assert "1 terpilih" in r.content.decode()
    r = client.post(
        reverse("adhoc:selection_publish"),
        {"body": "pps", "stage": "akhir", "region": "3171"},
        follow=True,
    )
    assert SelectionAnnouncement.objects.filter(stage="akhir").count() == 1
    assert "Diumumkan" in r.content.decode()


def test_score_entry_per_area(client, election, kpu_jakpus, passed):
    a = passed(nama="SITI AMINAH")
    b = passed(nama="B")
    client.force_login(kpu_jakpus)
    url = reverse("adhoc:selection_scores", args=["pps", KELURAHAN])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and a.number in html
    assert "SITI AMINAH" not in html and "S**I A****H" in html  # masked on the list
    r = client.post(url, {"kind": "written", f"score-{a.number}": "77", f"score-{b.number}": "777"})
    assert "nilai di luar 0 sampai 100" in r.content.decode()
    assert Application.objects.get(pk=a.pk).written_score is None
    r = client.post(url, {"kind": "written", f"score-{a.number}": "77"})
    assert r.status_code == 302
    assert str(Application.objects.get(pk=a.pk).written_score) == "77.00"


def test_pages_refuse_outside_the_scope(
    client, election, kpu_jaksel, pps_gambir, bawaslu_dki, passed
):
    passed(nama="A")
    client.force_login(kpu_jaksel)
    assert client.get(reverse("adhoc:selection_scores", args=["pps", KELURAHAN])).status_code == 403
    client.force_login(pps_gambir)
    assert client.get(reverse("adhoc:selection_scores", args=["pps", KELURAHAN])).status_code == 403
    assert (
        client.get(reverse("adhoc:selection_sk_file", args=["pps-3171-v1.pdf"])).status_code == 403
    )
    client.force_login(bawaslu_dki)
    assert client.get(reverse("adhoc:selection")).status_code == 403
    assert client.get(reverse("adhoc:selection_women")).status_code == 200
    assert client.post(reverse("adhoc:selection_rank"), {}).status_code == 403
    assert not Application.objects.filter(ranked_at__isnull=False).exists()


def test_window_closed_is_said_on_the_page(client, election, kpu_jakpus, passed, election_today):
    passed(nama="A")
    client.force_login(kpu_jakpus)
    election_today("2024-12-01")
    r = client.post(reverse("adhoc:selection_rank"), {"body": "pps"}, follow=True)
    assert "sudah ditutup" in r.content.decode()
    assert not Application.objects.filter(ranked_at__isnull=False).exists()


def test_women_and_sk_pages(client, election, kpu_jakpus, kpu_jaksel, passed):
    opening(election, seats=1)
    opening(election, region_code=KELURAHAN_2, seats=1)
    passed(nama="M", sex="L", written=50, interview=50)
    passed("pps", KELURAHAN_2, nama="W", sex="P", written=50, interview=50)
    client.force_login(kpu_jakpus)
    client.post(reverse("adhoc:selection_rank"), {"body": "pps"})
    html = client.get(reverse("adhoc:selection_women")).content.decode()
    assert f'data-area="pps:{KELURAHAN}"' in html and f"pps:{KELURAHAN_2}" not in html
    r = client.post(
        reverse("adhoc:selection_sk"),
        {"body": "pps", "region": "3171", "number": "5/2024", "date": "2024-06-01"},
        follow=True,
    )
    assert "pps-3171-v1.pdf" in r.content.decode()
    pdf = client.get(reverse("adhoc:selection_sk_file", args=["pps-3171-v1.pdf"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.force_login(kpu_jaksel)
    assert (
        client.get(reverse("adhoc:selection_sk_file", args=["pps-3171-v1.pdf"])).status_code == 403
    )
    assert "pps-3171-v1.pdf" not in client.get(reverse("adhoc:selection_sk")).content.decode()


def test_hub_lists_the_selection_pages(election, kpu_jakpus, bawaslu_dki):
    from django.contrib.auth.models import AnonymousUser

    urls = {i["url"] for i in menu_for(kpu_jakpus)}
    assert reverse("adhoc:selection") in urls and reverse("adhoc:selection_sk") in urls
    public = {i["url"] for i in menu_for(AnonymousUser())}
    assert reverse("adhoc:announcements") in public and reverse("adhoc:selection") not in public
    assert reverse("adhoc:selection") not in {i["url"] for i in menu_for(bawaslu_dki)}


def test_a_refused_step_says_why_in_indonesian(client, election, kpu_jakpus, passed):
    passed(nama="A", written=50, interview=50)
    client.force_login(kpu_jakpus)
    r = client.post(
        reverse("adhoc:selection_publish"),
        {"body": "pps", "stage": "akhir", "region": "3171"},
        follow=True,
    )
    assert "masih ada pelamar yang belum diperingkat" in r.content.decode()
    assert not SelectionAnnouncement.objects.exists()
    r = client.post(
        reverse("adhoc:selection_sk"),
        {"body": "pps", "region": "3171", "number": "1", "date": "2024-06-01"},
        follow=True,
    )
    assert "belum ada pelamar terpilih" in r.content.decode()
