"""TRAIN-only values for names of people, organisations and places: more shapes than Faker's.

Why: Faker writes names in a handful of formats per locale ("First Last",
"Last-Last Ltd") and only its own lists of places, so a model trained on them
alone learns those formats. Real text writes "Last, First", initials, single
first names, firms named after founders with any legal form of any country, and
towns from anywhere. Half of the values here still come from Faker (the
locale's own names), the other half are recombined from them and from the
public reference lists of :mod:`gazetteer`. The held-out split keeps the
plain Faker values of ``values.VALUES``.
"""

from __future__ import annotations

import random

from faker import Faker

from edgewise.perimeter.corpus import gazetteer
from edgewise.perimeter.corpus.values import VALUES, ValueFn, location, location_without_country, person

#: Words that join founders' names in a firm name, in the training languages and a few more.
_JOINERS = (" & ", " and ", "-", " und ", " et ", " y ", " e ", " en ", " og ", " ja ", " i ", ", ")
#: Words that make a name a firm whatever the language (written here, not taken from Faker).
_FIRM_WORDS = ("Group", "Holding", "Partners", "Consulting", "Logistics", "Technologies", "Systems", "Solutions",
               "Industries", "Engineering", "Trading", "Services", "Brothers", "Capital", "Labs", "Media", "Foods",
               "Gruppe", "Groupe", "Grupo", "Gruppo", "Bau", "Transporte", "Logistik", "Technik", "Immobilien",
               "Construções", "Comercial", "Industrie", "Conseil", "Servizi", "Handel", "Consultores", "Studio")
_FIRM_LEADS = ("Group", "Gruppe", "Groupe", "Grupo", "Gruppo", "Studio", "Atelier", "Banco", "Bank", "Hotel",
               "Autohaus", "Clinica", "Farmacia", "Café", "Casa", "Bäckerei")
_FAMILY = ("& Sons", "and Sons", "& Co.", "& Co", "und Söhne", "et Fils", "e Figli", "& Partners", "& Associates",
           "Bros.", "og Sønner", "Sohn", "& Cie")


def _founders(fake: Faker, rng: random.Random) -> str:
    n = rng.choice((1, 1, 1, 2, 2, 3))
    names = [str(fake.last_name()) for _ in range(n)]
    if n == 3:
        return f"{names[0]}, {names[1]}{rng.choice((' & ', ' and ', ' y ', ' e ', ' und '))}{names[2]}"
    return rng.choice(_JOINERS).join(names)


def _acronym(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVWZ") for _ in range(rng.randint(2, 4)))


def organization(fake: Faker, rng: random.Random) -> str:
    """Faker's company, or a firm named after founders, words or an acronym, with or without a legal form."""
    r = rng.random()
    if r < 0.35:
        return str(fake.company())
    if r < 0.65:
        base = _founders(fake, rng)
    elif r < 0.75:
        base = f"{_acronym(rng)}{rng.choice(('', '', ' ' + rng.choice(_FIRM_WORDS)))}"
    elif r < 0.85:
        base = f"{rng.choice(_FIRM_LEADS)} {fake.last_name()}"
    else:
        base = f"{fake.last_name()} {rng.choice(_FIRM_WORDS)}"
    tail = rng.random()
    if tail < 0.55:
        return f"{base}{rng.choice((' ', ' ', ', '))}{gazetteer.legal_form(rng)}"
    if tail < 0.7:
        return f"{base} {rng.choice(_FAMILY)}"
    return base


def person_varied(fake: Faker, rng: random.Random) -> str:
    """Faker's formats, plus "Last, First", initials, first names alone, double surnames, middle names."""
    r = rng.random()
    first, last = str(fake.first_name()), str(fake.last_name())
    if r < 0.55:
        return person(fake, rng)
    if r < 0.63:
        return f"{last}, {first}"
    if r < 0.71:
        return f"{first[0]}. {last}"
    if r < 0.79:
        return first
    if r < 0.86:
        return f"{first} {last}-{fake.last_name()}"
    if r < 0.93:
        return f"{first} {fake.first_name()} {last}"
    return f"{last.upper()} {first}"


def place(fake: Faker, rng: random.Random) -> str:
    """Faker's place for the locale half of the time, a place of the world from the reference lists otherwise."""
    return gazetteer.place(rng) if rng.random() < 0.5 else location(fake, rng)


def place_without_country(fake: Faker, rng: random.Random) -> str:
    """As :func:`place`, but never one of Faker's country lists (see ``Split.no_country_locales``)."""
    return gazetteer.place(rng) if rng.random() < 0.5 else location_without_country(fake, rng)


TRAIN_VALUES: dict[str, ValueFn] = {
    **VALUES, "PERSON": person_varied, "ORGANIZATION": organization, "LOCATION": place,
}

__all__ = ["TRAIN_VALUES", "organization", "person_varied", "place", "place_without_country"]
