"""Which proxies' forwarded headers to trust, and which host names the app answers for.

Read from the configuration by the app (web/edge/proxy.py applies it to each request) and by
the shipped gunicorn settings (``forwarded_allow_ips``), so both trust the same proxies.
Standard library only: the gunicorn master imports this module and stays small.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

# With LDN_PROXY_HOPS set and no LDN_PROXY_ADDRESSES: the proxy runs on this machine.
DEFAULT_PROXY_ADDRESSES = "127.0.0.1,::1"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_addresses(hops: int, addresses: str | None) -> str:
    """The comma-separated proxy addresses to trust: none without a proxy."""
    if hops <= 0:
        return ""
    return addresses if addresses and addresses.strip() else DEFAULT_PROXY_ADDRESSES


def parse_networks(addresses: str) -> tuple[Network, ...]:
    """``"10.0.5.0/24, ::1"`` -> networks. Raises ValueError on anything else (``*`` too:
    trusting every address is what this setting exists to prevent)."""
    networks = []
    for item in addresses.split(","):
        item = item.strip()
        if not item:
            continue
        if item == "*":
            raise ValueError("'*' would trust forwarded headers from any client")
        networks.append(ipaddress.ip_network(item))  # strict: 10.0.0.1/8 is refused
    return tuple(networks)


def parse_hosts(value: str | Sequence[str] | None) -> list[str]:
    """``"clinic.example, .ldn.example"`` -> host names (a leading dot: any subdomain)."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [item.strip().lower() for item in items if item.strip()]
