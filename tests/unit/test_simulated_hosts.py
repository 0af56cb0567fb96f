"""The multi-host test's choice of a subnet (tests/hosts.py): pure, on `ip` output."""

from __future__ import annotations

import ipaddress
import random
import re

import pytest

from tests.hosts import SPACE, HostsUnavailable, parse_networks, pick_subnet

ADDR = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever
7: xtb1    inet 10.231.26.1/24 scope global xtb1\\       valid_lft forever
"""
ROUTES = """\
default via 192.0.2.1 dev eth0
10.231.40.0/24 dev xtb2 proto kernel scope link src 10.231.40.1
local 10.231.26.1 dev xtb1 table local proto kernel scope host src 10.231.26.1
"""


def test_the_networks_in_ip_output_are_read_and_default_is_left_out() -> None:
    found = set(parse_networks(ADDR + ROUTES))
    assert ipaddress.IPv4Network("10.231.26.0/24") in found
    assert ipaddress.IPv4Network("10.231.40.0/24") in found
    assert ipaddress.IPv4Network("192.0.2.0/24") in found
    assert ipaddress.IPv4Network("192.0.2.1/32") in found  # the gateway: a word like any other
    assert not any(n.prefixlen == 0 for n in found)


def test_a_picked_subnet_is_in_the_space_and_overlaps_nothing_taken() -> None:
    taken = parse_networks(ADDR + ROUTES)
    for seed in range(40):
        subnet = pick_subnet(taken, random.Random(seed))
        assert subnet.subnet_of(SPACE) and subnet.prefixlen == 24
        assert not any(subnet.overlaps(t) for t in taken)
        assert subnet.network_address.packed[2] not in (0, 255)


def test_when_the_space_is_taken_the_error_says_so() -> None:
    with pytest.raises(HostsUnavailable, match=re.escape("no /24 of 10.231.0.0/16 is free")):
        pick_subnet([ipaddress.IPv4Network("10.0.0.0/8")], random.Random(1))
