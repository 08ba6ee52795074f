"""The guards of public lookups: per-client limits, proxies, and a constant cost."""

import time

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from pilkada.core.public import (
    client_ip,
    client_key,
    client_network,
    min_duration,
    parse_rates,
    public_lookup,
)


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


@pytest.mark.parametrize(
    "address, network",
    [
        ("203.0.113.9", "203.0.113.9"),  # IPv4: the address itself
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),  # IPv6: its /64
        ("2001:DB8:1:2::7", "2001:db8:1:2::"),  # one spelling per network
        ("::ffff:203.0.113.9", "203.0.113.9"),  # IPv4 as a dual-stack socket reports it
    ],
)
def test_a_client_is_its_ipv4_address_or_its_ipv6_64(address, network):
    assert client_network(address) == network


def test_the_masks_are_django_ratelimits_settings(settings):
    settings.RATELIMIT_IPV6_MASK = 48
    settings.RATELIMIT_IPV4_MASK = 24
    assert client_network("2001:db8:1:2:3:4:5:6") == "2001:db8:1::"
    assert client_network("203.0.113.9") == "203.0.113.0"


def test_a_request_without_an_address_is_a_configuration_error():
    request = RequestFactory().post("/cek/", REMOTE_ADDR="")
    with pytest.raises(ImproperlyConfigured):
        client_key("test", request)


def test_the_key_is_the_network_of_the_address_behind_the_proxies(settings):
    settings.PILKADA_TRUSTED_PROXIES = 1
    request = RequestFactory().post(
        "/cek/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 2001:db8:5:6::1"
    )
    assert client_key("test", request) == "2001:db8:5:6::"


def test_addresses_of_one_ipv6_64_share_a_limit_and_other_networks_do_not():
    assert [post(f"2001:db8:0:1::{i}").status_code for i in (1, 2, 3, 4)] == [200, 200, 200, 429]
    assert post("2001:db8:0:2::1").status_code == 200


def test_clients_behind_a_trusted_proxy_are_counted_apart(settings):
    settings.PILKADA_TRUSTED_PROXIES = 1
    for _ in range(3):
        assert post("10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert post("10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Another citizen behind the same proxy, and a spoofed left part, are someone else.
    assert post("10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    spoofed = post("10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.3, 198.51.100.1")
    assert spoofed.status_code == 429


def test_the_hourly_rate_stops_a_client_that_keeps_under_the_minute_rate(settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["100/m", "5/h"]
    statuses = [post("10.0.0.4").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert post("10.0.0.4")["Retry-After"] == "3600"


@pytest.mark.parametrize(
    "rates, parsed",
    [
        (("10/m", "100/h"), (("10/m", (10, 60)), ("100/h", (100, 3600)))),
        ((" 30/5m",), (("30/5m", (30, 300)),)),  # as written in an environment variable
        (("1/s", "2/d"), (("1/s", (1, 1)), ("2/d", (2, 86400)))),
    ],
)
def test_rates_are_read_as_django_ratelimit_reads_them(rates, parsed):
    assert parse_rates(rates) == parsed


@pytest.mark.parametrize("rate", ["10/M", "10", "ten/m", "10/m/h", ""])
def test_a_rate_in_another_notation_is_a_configuration_error(rate):
    with pytest.raises(ImproperlyConfigured):
        parse_rates((rate,))


def test_retry_after_is_the_window_of_the_rate_that_stopped_the_client(settings):
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1/5m"]
    assert post("10.0.0.5").status_code == 200
    assert post("10.0.0.5")["Retry-After"] == "300"


def test_the_answer_time_is_padded_after_the_checks(settings):
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.2
    start = time.perf_counter()
    assert post("10.0.0.6").status_code == 200
    assert time.perf_counter() - start >= 0.2
