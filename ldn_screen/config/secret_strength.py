"""Is a SECRET_KEY random enough? A check for the mistakes people make, not a proof.

The key signs the session and CSRF cookies, so it needs at least 32 bytes (256 bits) of
randomness. No test can measure the randomness of one string; this one refuses what is surely
not random enough:

- shorter than 32 characters;
- fewer than 256 bits even if every character were random: 4 bits per character for a hex
  key, 6 for a base64 one, about 6.5 for any other printable text (so 64 hex characters,
  43 base64 characters, or 40 mixed printable characters at the least);
- few different characters: under 3 bits of Shannon entropy per character, counted from the
  key's own characters (``aaaa…``, ``abab…``);
- a shorter string repeated (``0123456789abcdef`` four times);
- a known placeholder (``changeme``, ``secret``…).

``secrets.token_hex(32)``, ``secrets.token_urlsafe(32)`` and ``openssl rand -base64 32`` pass.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter

MIN_LENGTH = 32
MIN_BITS = 256
MIN_BITS_PER_CHARACTER = 3.0
KNOWN_WEAK = frozenset({"", "dev", "changeme", "secret", "development", "test"})
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+=*")
HOW_TO_MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def _bits_per_character(secret: str) -> float:
    if _HEX.fullmatch(secret):
        return 4.0
    if _BASE64.fullmatch(secret):
        return 6.0
    return math.log2(len(string.printable) - 6)  # 94 visible characters


def _shannon_bits(secret: str) -> float:
    counts = Counter(secret)
    return -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())


def _repeats(secret: str) -> bool:
    # A string is a shorter one repeated exactly when it reappears inside itself doubled.
    return (secret + secret).find(secret, 1) < len(secret)


def secret_problem(secret: str | None) -> str | None:
    """Why ``secret`` is not random enough, or None if it passes."""
    secret = secret or ""
    if secret.lower() in KNOWN_WEAK:
        return "it is not set, or is a well-known placeholder"
    if len(secret) < MIN_LENGTH:
        return f"it is shorter than {MIN_LENGTH} characters"
    bits = len(secret) * _bits_per_character(secret)
    if bits < MIN_BITS:
        return f"it can hold at most {bits:.0f} bits of randomness; {MIN_BITS} are needed"
    if _shannon_bits(secret) < MIN_BITS_PER_CHARACTER:
        return "it uses too few different characters"
    if _repeats(secret):
        return "it is a shorter string repeated"
    return None
