"""The guards of public lookups: per-client limits, proxies, and a constant cost."""

import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from pilkada.core.public import client_ip, min_duration, public_lookup


@public_lookup("test")
def lookup(request):
    return HttpResponse("ok")


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["3/m", "5/h"]
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.0
    cache.clear()
    yield
    cache.clear()


def post(ip, **meta):
    return lookup(RequestFactory().post("/cek/", REMOTE_ADDR=ip, **meta))


def test_a_client_is_stopped_after_its_limit_and_others_are_not():
    assert [post("10.0.0.1").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert post("10.0.0.2").status_code == 200
    limited = post("10.0.0.1")
    assert limited["Retry-After"] == "60"


def test_the_empty_form_is_not_counted():
    for _ in range(10):
        assert lookup(RequestFactory().get("/cek/", REMOTE_ADDR="10.0.0.3")).status_code == 200
    assert post("10.0.0.3").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings):
    settings.PILKADA_TRUSTED_PROXIES = 1
    request = RequestFactory().post(
        "/cek/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"  # the client cannot spoof the left part
    settings.PILKADA_TRUSTED_PROXIES = 0
    assert client_ip(request) == "127.0.0.1"


def test_min_duration_pads_fast_answers():
    start = time.perf_counter()
    with min_duration(0.2):
        pass
    assert time.perf_counter() - start >= 0.2
