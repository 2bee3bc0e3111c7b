"""Fake values per entity type, drawn from a locale's Faker, in varied surface forms.

Each function returns the exact string that will appear in the text; the
generator records its span. Formats vary on purpose (grouped or compact cards
and IBANs, several date styles) because real text does.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from faker import Faker

ValueFn = Callable[[Faker, random.Random], str]


def person(fake: Faker, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return f"{fake.first_name()} {fake.last_name()}"
    if r < 0.75:
        return str(fake.last_name())
    if r < 0.9:
        return str(fake.name())
    return f"{fake.first_name()} {fake.first_name()[0]}. {fake.last_name()}"


def organization(fake: Faker, rng: random.Random) -> str:
    return str(fake.company())


def location(fake: Faker, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return str(fake.city())
    if r < 0.8:
        return str(fake.country())
    try:
        return str(fake.state())
    except AttributeError:
        return str(fake.city())


def location_without_country(fake: Faker, rng: random.Random) -> str:
    """A city or region, never a country (for locales whose country list a held-out locale shares)."""
    if rng.random() < 0.75:
        return str(fake.city())
    try:
        return str(fake.state())
    except AttributeError:
        return str(fake.city())


def email(fake: Faker, rng: random.Random) -> str:
    return str(fake.email() if rng.random() < 0.7 else fake.company_email())


def phone(fake: Faker, rng: random.Random) -> str:
    return str(fake.phone_number())


def credit_card(fake: Faker, rng: random.Random) -> str:
    number = str(fake.credit_card_number())
    style = rng.random()
    if style < 0.4 or len(number) != 16:
        return number
    sep = " " if style < 0.75 else "-"
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def iban(fake: Faker, rng: random.Random) -> str:
    value = str(fake.iban())
    if rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def ip_address(fake: Faker, rng: random.Random) -> str:
    return str(fake.ipv4() if rng.random() < 0.7 else fake.ipv6())


def mac_address(fake: Faker, rng: random.Random) -> str:
    mac = str(fake.mac_address())
    return mac.upper() if rng.random() < 0.3 else mac


def us_ssn(fake: Faker, rng: random.Random) -> str:
    return _ssn(rng)


def _ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def url(fake: Faker, rng: random.Random) -> str:
    return str(fake.url() if rng.random() < 0.5 else fake.uri())


_DATE_STYLES = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%d %B %Y")


def date_of_birth(fake: Faker, rng: random.Random) -> str:
    born: date = fake.date_of_birth(minimum_age=1, maximum_age=95)
    return born.strftime(rng.choice(_DATE_STYLES))


VALUES: dict[str, ValueFn] = {
    "PERSON": person,
    "ORGANIZATION": organization,
    "LOCATION": location,
    "EMAIL": email,
    "PHONE": phone,
    "CREDIT_CARD": credit_card,
    "IBAN": iban,
    "IP_ADDRESS": ip_address,
    "MAC_ADDRESS": mac_address,
    "US_SSN": us_ssn,
    "URL": url,
    "DATE_OF_BIRTH": date_of_birth,
}

__all__ = ["VALUES", "ValueFn", "location_without_country"]
