"""The JSON API: public aggregates and the schedule, described by an OpenAPI document."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/election", "/api/v1/schedule/stages", "/api/v1/schedule/check",
            "/api/v1/regions/{code}"} <= set(paths)  # fmt: skip


def test_docs_are_served_without_a_cdn(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_election_and_clock(client, demo, election_today):
    election_today("2024-07-01")
    data = client.get("/api/v1/election").json()
    assert data["slug"] == demo.election.slug
    assert data["voting_day"] == "2024-11-27"
    assert data["today"] == "2024-07-01" and data["clock_fixed"] is True


def test_stages_and_check(client, demo, election_today):
    election_today("2024-08-01")
    stages = client.get("/api/v1/schedule/stages").json()
    coklit = next(s for s in stages if "coklit" in s["code"])
    assert coklit["status"] == "closed"
    decision = client.get("/api/v1/schedule/check", {"action": "voters.coklit"}).json()
    assert decision["open"] is False
    assert "24 Juli 2024" in decision["reason"]
    assert client.get("/api/v1/schedule/check").status_code == 422  # action is required


def test_region_with_children_and_counts(client, demo):
    data = client.get("/api/v1/regions/31.71").json()
    assert data["code"] == "3171" and data["level"] == "kabkota"
    assert [c["code"] for c in data["children"]][:2] == ["317101", "317102"]
    assert sum(c["voters"] or 0 for c in data["children"]) == data["voters"]
    assert set(data) >= {"laki_laki", "perempuan"}
    assert "nik" not in str(data).lower()


def test_unknown_or_malformed_region_is_404(client, demo):
    assert client.get("/api/v1/regions/3199").status_code == 404
    assert client.get("/api/v1/regions/31x").status_code == 404


def test_no_election_is_404(client):
    assert client.get("/api/v1/election").status_code == 404


def test_adhoc_openings_are_public_aggregates(client, demo, election_today):
    from pilkada.adhoc.services.openings import derive_openings

    derive_openings(election=demo.election, actor="test")
    everything = {r["body"]: r for r in client.get("/api/v1/adhoc/openings").json()}
    assert set(everything) == {"ppk", "pps", "kpps", "pantarlih"}
    assert everything["ppk"]["seats"] == 5 * everything["ppk"]["areas"] > 0
    gambir = {r["body"]: r for r in client.get("/api/v1/adhoc/openings?region=31.71.01").json()}
    assert gambir["ppk"] == {"body": "ppk", "areas": 1, "seats": 5}
    assert gambir["kpps"]["seats"] == 7 * gambir["kpps"]["areas"]
    assert client.get("/api/v1/adhoc/openings?region=31x").status_code == 404
