"""Checksums and structural checks that turn a regex hit into a validated identifier."""

from __future__ import annotations

import ipaddress


def digits_of(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def luhn_ok(number: str) -> bool:
    """ISO/IEC 7812 check digit (credit and debit cards)."""
    if not number.isdigit() or len(number) < 12:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_prefix_ok(number: str) -> bool:
    """Issuer identification ranges of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners, Maestro, UnionPay)."""
    if number[0] == "4":
        return len(number) in (13, 16, 19)
    two, four = int(number[:2]), int(number[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return len(number) == 16
    if two in (34, 37):
        return len(number) == 15
    if two in (36, 38, 30, 39):
        return 14 <= len(number) <= 19
    if number.startswith(("6011", "65", "64", "62", "35", "50", "56", "57", "58", "67", "63", "60", "1800", "2131", "0604")):
        return 12 <= len(number) <= 19
    return 13 <= len(number) <= 19  # unknown issuer: Luhn alone decides (recall first)


def iban_ok(compact: str) -> bool:
    """ISO 13616 mod-97 check on an IBAN without spaces (upper case)."""
    return iban_lengths(compact)[:1] == [len(compact)]


def iban_lengths(compact: str) -> list[int]:
    """The lengths ``n`` (15 to 34) for which ``compact[:n]`` passes the ISO 13616 mod-97 check, longest first.

    Why all prefixes at once: a recognizer looks for the longest valid prefix of what its pattern matched
    (up to 20 lengths), and checking each as one big number converted it again every time (measured: most
    of the IBAN recognizer's time on text rich in identifiers). Here each character is converted once
    and the remainder modulo 97 is carried along: ``rearranged = body + head``, so its value modulo 97 is
    ``body * 10**len(head digits) + head``, with ``body`` grown one character at a time.
    """
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return []
    try:
        head = "".join(str(int(c, 36)) for c in compact[:4])
    except ValueError:
        return []
    shift, head_rest = pow(10, len(head), 97), int(head) % 97
    out: list[int] = []
    body = 0
    for n, c in enumerate(compact[4:34], start=5):
        try:
            value = int(c, 36)
        except ValueError:
            break  # no longer prefix can be valid
        body = (body * (10 if value < 10 else 100) + value) % 97
        if n >= 15 and (body * shift + head_rest) % 97 == 1:
            out.append(n)
    return out[::-1]


def ssn_ok(digits: str) -> bool:
    """US SSN structure: no area 000, 666 or 9xx, no group 00, no serial 0000."""
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def ip_ok(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


__all__ = ["card_prefix_ok", "digits_of", "iban_lengths", "iban_ok", "ip_ok", "luhn_ok", "ssn_ok"]
