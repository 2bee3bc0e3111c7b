"""Compositional sentence templates for the TRAIN split (never used for measurement).

Why: with ~100 fixed templates the model learned *where* names sit in those
sentences rather than what names look like, so on unseen wording it swallowed
neighbouring words ("Could Jesper Gustafsson", "Lowe Group confirmed") or
missed names at the start of a line. Here a template is assembled from
independent parts (subject, verb phrase, object, trailing clause, document
genre such as signature, header, list, key-value record, log or chat line),
so entities appear at every position, next to lowercase verbs, capitalised
non-names (job titles, departments, machines, weekdays) and punctuation.

The phrases are written for this module and are independent of
``templates_heldout`` (a test checks that no composed template equals a
held-out one). Output is an ordinary ``{TYPE}`` template, filled by
``generate._fill`` like the fixed ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

Rng = random.Random

_PERSON_VP = (
    "called back about the delay", "will send the drawings tomorrow", "signed the purchase order",
    "is out sick today", "confirmed the new schedule", "asked whether the pallets arrived",
    "needs access to the dashboard", "has been promoted to team lead", "forgot her badge again",
    "reviewed the torque values", "is handling the customer complaint", "approved the overtime",
    "booked the meeting room", "will be late this morning", "found a leak under the tank",
    "wants the numbers by noon", "takes over the night shift", "left the company in May",
    "measured the gap twice", "uploaded the photos", "has no access to the share", "joined the call",
    "owes us the test report", "replied to the ticket", "drove the samples to the lab",
)
_ORG_VP = (
    "raised its prices by four percent", "won the tender", "delivered the spare parts late",
    "acquired a competitor last year", "is our largest customer", "sent an updated quote",
    "closed the plant for two weeks", "cancelled the framework agreement", "paid the overdue invoice",
    "has a new logistics partner", "recalled a batch of valves", "announced layoffs",
    "moved its support desk", "opened a service hub", "needs the certificate renewed",
    "changed its bank details", "asked for a discount", "is being audited", "reported record sales",
)
_LOC_VP = (
    "had heavy snow overnight", "is two hours away by truck", "will host the trade fair",
    "is our biggest market", "has a new distribution centre", "was hit by a power cut",
    "reported a water shortage", "is closed for the holiday", "has the cheapest freight rates",
)
_PERSON_INTRO = (
    "We are still waiting for", "The keys were handed to", "Please talk to", "The invoice was approved by",
    "I had lunch with", "Escalate it to", "Ask", "Thanks to", "The new badge is for", "This was flagged by",
    "Send the samples to", "Minutes taken by", "We interviewed", "The laptop belongs to", "Pay the expenses of",
    "Introducing", "Reported by", "Assigned to", "Owner:", "Signed,", "Replacement for", "The award goes to",
    "I forwarded it to", "Our contact person is", "Questions go to", "Please welcome", "Ping",
)
_ORG_INTRO = (
    "The parts were ordered from", "We signed a framework contract with", "Our new client is",
    "The auditors came from", "Quote received from", "We lost the bid to", "Complaint filed against",
    "The pallets were returned to", "Freight is handled by", "The software is licensed from",
    "We buy our sensors from", "Insurance is provided by", "A partnership with", "Supplier:",
    "Customer:", "Vendor", "The lawsuit against", "Sponsored by", "Merger talks with",
)
_LOC_INTRO = (
    "The truck is stuck near", "She commutes from", "Our second warehouse is in", "The conference takes place in",
    "Temperatures dropped below zero in", "He relocated to", "Flight delayed in", "Sales grew fastest in",
    "The fair moves to", "The driver lives in", "We opened a depot in", "Roadworks outside", "Shipment bound for",
    "Origin:", "Destination:", "Site:", "Based in", "Moving from", "Hotel booked in", "Storm warning for",
)
_ENDS = (".", ".", ".", " today.", " before the audit.", ", please.", "!", "?", " yesterday.", " last week.",
         " as discussed.", " - see attachment.", "", " on Monday.", " in the morning.", ", thanks.", " asap.")
_TITLES = ("Mr", "Mr.", "Mrs", "Ms.", "Dr.", "Prof.", "Herr", "Frau", "Sr.", "Sra.", "Mme", "Ing.", "Dott.", "Dhr.")
_ROLES = ("Plant Manager", "Head of Purchasing", "Quality Engineer", "Sales Director", "Shift Supervisor",
          "Chief Financial Officer", "Site Lead", "Project Manager", "Maintenance Planner", "HR Business Partner",
          "Key Account Manager", "Safety Officer")
_DEPTS = ("Finance", "Procurement", "Logistics", "Customer Service", "Quality Assurance", "IT Support", "Legal")
_NOISE = ("Line 3", "Monday", "Friday", "Pump P-12", "Model X200", "Building C", "Gate 4", "Q3", "SAP", "Excel",
          "Hall B", "Room 2.14", "Batch 7781", "Release 4.2", "the Safety Board", "the Annual Review")
_CLOSINGS = ("Best regards", "Kind regards", "Many thanks", "Cheers", "Best", "Sincerely", "Thanks and regards",
             "Mit freundlichen Grüßen", "Cordialement", "Saludos", "Met vriendelijke groet", "Cordiali saluti")


def _c(rng: Rng, xs: Sequence[str]) -> str:
    return rng.choice(xs)


def _names(rng: Rng, slot: str) -> str:
    """Two to four entities in a list, with commas, "and", "&", slashes or semicolons."""
    n = rng.randint(2, 4)
    items = ["{" + slot + "}"] * n
    style = rng.random()
    if style < 0.5:
        return ", ".join(items[:-1]) + _c(rng, (" and ", ", and ", " & ", " or ")) + items[-1]
    return _c(rng, (", ", "; ", " / ", ",")).join(items)


def _person(rng: Rng) -> str:
    r = rng.random()
    if r < 0.15:
        return f"{_c(rng, _TITLES)} {{PERSON}}"
    if r < 0.25:
        return f"{{PERSON}}, {_c(rng, _ROLES)},"
    return "{PERSON}"


#: Per type: share of single-entity sentences, the phrases that may follow it, the phrases that may lead to it.
_SINGLE = (
    (0.45, "PERSON", _PERSON_VP, _PERSON_INTRO),
    (0.30, "ORGANIZATION", _ORG_VP, _ORG_INTRO),
    (0.25, "LOCATION", _LOC_VP, _LOC_INTRO),
)


def _single(rng: Rng, subject_first: bool) -> str:
    """One entity, either opening the sentence (then a lowercase verb phrase) or closing it (after a lead-in)."""
    x = rng.random()
    for weight, slot, after, before in _SINGLE:
        if x < weight or slot == "LOCATION":
            break
        x -= weight
    name = _person(rng).rstrip(",") if slot == "PERSON" else "{" + slot + "}"
    if subject_first:
        if slot == "PERSON" and rng.random() < 0.2:
            name = _names(rng, "PERSON")
        return f"{name} {_c(rng, after)}{_c(rng, _ENDS)}"
    return f"{_c(rng, before)} {name}{_c(rng, _ENDS)}"


def _subject_first(rng: Rng) -> str:
    return _single(rng, True)


def _object_last(rng: Rng) -> str:
    return _single(rng, False)


def _relations(rng: Rng) -> str:
    forms = (
        "{PERSON} from {ORGANIZATION} " + _c(rng, _PERSON_VP) + _c(rng, _ENDS),
        "{PERSON} ({ORGANIZATION}, {LOCATION}) " + _c(rng, _PERSON_VP) + ".",
        "{ORGANIZATION}'s office in {LOCATION} " + _c(rng, _LOC_VP) + ".",
        "{PERSON}, " + _c(rng, _ROLES).lower() + " at {ORGANIZATION}, " + _c(rng, _PERSON_VP) + ".",
        _c(rng, _ORG_INTRO) + " {ORGANIZATION} in {LOCATION}" + _c(rng, _ENDS),
        "{ORGANIZATION} and {ORGANIZATION} " + _c(rng, ("merged", "settled the dispute", "share a warehouse")) + ".",
        "{PERSON} and {PERSON} " + _c(rng, _PERSON_VP) + _c(rng, _ENDS),
        "Both {PERSON} and {ORGANIZATION} " + _c(rng, ("agreed", "declined", "were informed")) + ".",
        "{LOCATION}, {LOCATION} and {LOCATION} " + _c(rng, _LOC_VP) + ".",
        "In {LOCATION}, {PERSON} " + _c(rng, _PERSON_VP) + ".",
        "After " + _c(rng, _NOISE) + ", {PERSON} " + _c(rng, _PERSON_VP) + ".",
        "{PERSON} told " + _c(rng, _DEPTS) + " that {ORGANIZATION} " + _c(rng, _ORG_VP) + ".",
        "When {PERSON} visited {LOCATION}, {ORGANIZATION} " + _c(rng, _ORG_VP) + ".",
        "The " + _c(rng, _DEPTS) + " team at {ORGANIZATION} thanks {PERSON}" + _c(rng, _ENDS),
        "{PERSON} (" + _c(rng, _ROLES) + ") and {PERSON} (" + _c(rng, _ROLES) + ") will meet in {LOCATION}.",
        _c(rng, _NOISE) + " was checked by {PERSON} and " + _c(rng, _NOISE) + " by {PERSON}.",
    )
    return _c(rng, forms)


def _document(rng: Rng) -> str:
    """Genres where names sit on their own line or in fields: signatures, headers, records, lists, logs, chat."""
    nl = "\n"
    forms = (
        f"{_c(rng, _CLOSINGS)},{nl}{{PERSON}}{nl}{_c(rng, _ROLES)}{nl}{{ORGANIZATION}}",
        f"{_c(rng, _CLOSINGS)}{nl}{{PERSON}} | {{ORGANIZATION}} | {{PHONE}}",
        f"--{nl}{{PERSON}}{nl}{{ORGANIZATION}}, {{LOCATION}}{nl}{{EMAIL}}",
        f"From: {{PERSON}} <{{EMAIL}}>{nl}To: {{PERSON}} <{{EMAIL}}>{nl}Subject: {_c(rng, _NOISE)}",
        f"To: {{PERSON}}{nl}Cc: {_names(rng, 'PERSON')}",
        f"Attendees: {_names(rng, 'PERSON')}{nl}Location: {{LOCATION}}",
        f"Name: {{PERSON}}{nl}Company: {{ORGANIZATION}}{nl}City: {{LOCATION}}",
        "Customer name; employer; town\n{PERSON}; {ORGANIZATION}; {LOCATION}",
        "{PERSON},{ORGANIZATION},{LOCATION},{PHONE}",
        f"- {{PERSON}} ({{LOCATION}}){nl}- {{PERSON}} ({{LOCATION}}){nl}- {{PERSON}} ({{ORGANIZATION}})",
        f"1. {{ORGANIZATION}}{nl}2. {{ORGANIZATION}}{nl}3. {_c(rng, _NOISE)}",
        "[INFO] user {PERSON} opened session from {LOCATION}",
        f"2024-03-0{rng.randint(1, 9)} 08:1{rng.randint(0, 9)} WARN vendor={{ORGANIZATION}} site={{LOCATION}} retry",
        "<{PERSON}> " + _c(rng, ("ok thanks", "on my way", "can someone restart it?", "done", "brb")),
        "@{PERSON} " + _c(rng, ("can you check this?", "see above", "thanks!", "ping me when free")),
        "{PERSON}: " + _c(rng, _PERSON_VP),
        "Re: " + _c(rng, _NOISE) + " - {ORGANIZATION} / {LOCATION}",
        "Ship to: {PERSON}, {ORGANIZATION}, {LOCATION}",
        "{LOCATION} | {LOCATION} | {LOCATION}",
        "Hello {PERSON},\n" + _object_last(rng),
        "Dear " + _c(rng, _TITLES) + " {PERSON},\n" + _subject_first(rng),
        "Trip: {LOCATION} - {LOCATION}, traveller {PERSON}",
        "Employer: {ORGANIZATION} (" + _c(rng, _DEPTS) + ")",
    )
    return _c(rng, forms)


#: Prepositions each type commonly follows; several are shared, so the name itself (spelling, suffixes
#: such as "Ltd", "-ville", "AB") has to decide the type as often as the context does.
_PREP = {
    "LOCATION": ("in", "to", "from", "near", "via", "outside", "around", "across", "at", "towards", "through"),
    "ORGANIZATION": ("at", "for", "with", "from", "by", "against", "to", "of", "via"),
    "PERSON": ("with", "to", "from", "by", "for", "about", "after", "behind"),
}
_SUBJECTS = ("We", "I", "The driver", "Our team", "She", "He", "They", "The courier", "My colleague", "The inspector",
             "Nobody", "The new intern", "Management", "The crew", "Everyone")
_VERBS = ("travelled", "spoke", "went", "worked", "met", "waited", "drove", "moved", "negotiated", "complained",
          "returned", "argued", "stayed", "signed up", "checked in", "came back", "wrote", "switched", "flew", "sailed")
_TAILS = ("", "", " yesterday", " last spring", " for two weeks", " after the incident", " on short notice",
          " because of the strike", " with the spare parts", " again", " in 2019", " twice", " without telling anyone")


def _prepositional(rng: Rng) -> str:
    """Subject, verb, then one to three preposition + entity pairs in any type order, lowercase words between."""
    pairs = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        slot = rng.choice(("LOCATION", "LOCATION", "ORGANIZATION", "PERSON"))
        pairs.append(f"{_c(rng, _PREP[slot])} {{{slot}}}")
    body = " ".join(pairs) if rng.random() < 0.6 else f"{pairs[0]}{_c(rng, _TAILS)}" + "".join(
        f", then {p}" for p in pairs[1:])
    head = _c(rng, _SUBJECTS) if rng.random() < 0.7 else _person(rng).rstrip(",")
    return f"{head} {_c(rng, _VERBS)} {body}{_c(rng, _TAILS)}{_c(rng, _ENDS)}"


def _possessive(rng: Rng) -> str:
    """Names as modifiers and possessives: "Kowalski's report", "the Acme contract", "Lisbon-based"."""
    slot = rng.choice(("PERSON", "ORGANIZATION", "LOCATION"))
    forms = (
        f"{{{slot}}}'s " + _c(rng, ("report", "budget", "request", "numbers", "latest offer", "team", "address")) + " "
        + _c(rng, ("is attached", "looks wrong", "arrived late", "was approved", "needs review")) + ".",
        "The {ORGANIZATION} " + _c(rng, ("contract", "account", "delivery", "audit", "invoice")) + " "
        + _c(rng, ("is overdue", "was renewed", "needs a signature", "went through")) + ".",
        "A {LOCATION}-based " + _c(rng, ("supplier", "engineer", "startup", "carrier")) + " "
        + _c(rng, ("won the contract", "called twice", "sent samples")) + ".",
        "Notes from the {LOCATION} " + _c(rng, ("visit", "workshop", "site walk", "meeting")) + " with {PERSON}.",
    )
    return _c(rng, forms)


_FIELDS = ("Status", "Priority", "Diagnosis", "Result", "Category", "Severity", "Next step", "Medication", "Outcome",
           "Root cause", "Owner", "Shift", "Area", "Remarks")
_FIELD_VALUES = ("open", "High", "Low", "n/a", "Mild fever", "Passed", "Failed", "Pending approval", "Aspirin 100 mg",
                 "Worn Bearing", "Night", "North Wing", "not applicable", "See Attachment", "Closed", "Urgent")
_MONTHS = ("January", "March", "June", "September", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _negative(rng: Rng) -> str:
    """No entity at all: capitalised words that are not names (fields, months, machines, titles, shouting)."""
    forms = (
        f"{_c(rng, _FIELDS)}: {_c(rng, _FIELD_VALUES)}. {_c(rng, _FIELDS)}: {_c(rng, _FIELD_VALUES)}.",
        f"{_c(rng, _DEPTS)} budget freeze lasts until {_c(rng, _MONTHS)}.",
        f"{_c(rng, _NOISE)} passed the {_c(rng, _DEPTS)} check on {_c(rng, _DAYS)}.",
        f"{_c(rng, _ROLES)} meeting moved to {_c(rng, _DAYS)} {rng.randint(8, 17)}:00.",
        f"Please Note: {_c(rng, _NOISE)} Will Be Offline Until {_c(rng, _MONTHS)}.",
        f"{_c(rng, _FIELDS).upper()}: {_c(rng, _FIELD_VALUES).upper()}",
        f"Reminder - {_c(rng, _NOISE)} and {_c(rng, _NOISE)} need new filters.",
        f"{_c(rng, _DAYS)}: {_c(rng, _DEPTS)} closed, {_c(rng, _NOISE)} running at 80 percent.",
    )
    return _c(rng, forms)


_KINDS: tuple[tuple[float, Callable[[Rng], str]], ...] = (
    (0.16, _subject_first), (0.16, _object_last), (0.19, _relations), (0.19, _document), (0.17, _prepositional),
    (0.07, _possessive), (0.06, _negative),
)


def compose(rng: Rng) -> str:
    """One random training template; sometimes two sentences joined, or a capitalised non-name added."""
    template = _pick(rng)
    r = rng.random()
    if r < 0.2:
        template = template + _c(rng, (" ", " ", "\n")) + _pick(rng)
    elif r < 0.3:
        template = f"{_c(rng, _NOISE)} update: " + template
    return template


def _pick(rng: Rng) -> str:
    x = rng.random()
    for weight, fn in _KINDS:
        if x < weight:
            return fn(rng)
        x -= weight
    return _KINDS[-1][1](rng)


__all__ = ["compose"]
