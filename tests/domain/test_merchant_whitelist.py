"""The IP whitelist's wildcard form (`192.168.*.*`, as the merchant portal writes it)
and the default notify URL's rules."""

from __future__ import annotations

import re

import pytest

from botimpay.domain.merchant import ip_allowed, parse_notify_url, parse_whitelist
from botimpay.errors import ConfigError


def test_wildcard_is_kept_as_given_and_matches_its_network() -> None:
    whitelist = parse_whitelist(["192.168.*.*, 10.0.0.0/8", "172.16.5.*"])
    assert whitelist == ("192.168.*.*", "10.0.0.0/8", "172.16.5.*")
    for allowed in ("192.168.0.1", "192.168.255.255", "::ffff:192.168.1.1", "172.16.5.9"):
        assert ip_allowed(whitelist, allowed), allowed
    for refused in ("192.169.0.1", "172.16.6.1", "8.8.8.8", "::1", None, "junk"):
        assert not ip_allowed(whitelist, refused), refused
    assert ip_allowed(parse_whitelist(["*.*.*.*"]), "203.0.113.7")
    assert ip_allowed(parse_whitelist(["1.2.3.*"]), "1.2.3.0")


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("192.*.1.*", "'*' may only stand for the last parts"),
        ("300.1.*.*", "'300' is not 0 to 255"),
        ("1.2.*", "four parts"),
        ("1.2.3.4.*", "four parts"),
        ("01.2.*.*", "'01' is not 0 to 255"),
        ("a.*.*.*", "'a' is not 0 to 255"),
        ("1.2.**.*", "'**' is not 0 to 255"),
        ("-1.*.*.*", "'-1' is not 0 to 255"),
    ],
)
def test_malformed_wildcards_are_refused_naming_the_entry(entry: str, why: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_whitelist(["10.0.0.1", entry])
    assert repr(entry) in str(refused.value)
    assert why in str(refused.value)


def test_default_notify_url_rules() -> None:
    assert parse_notify_url("  https://shop.example/n?a=1 ") == "https://shop.example/n?a=1"
    assert parse_notify_url("") is None
    assert parse_notify_url(None) is None
    for bad, why in (
        ("ftp://shop.example/n", "http:// or https://"),
        ("shop.example/n", "http:// or https://"),
        ("http:///path", "no host"),
        ("http://a b/", "spaces"),
        ("http://a.b/" + "x" * 190, "at most 200"),
    ):
        with pytest.raises(ConfigError, match=re.escape(why)):
            parse_notify_url(bad)
