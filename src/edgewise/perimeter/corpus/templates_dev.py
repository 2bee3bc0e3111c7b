"""Sentence templates of the DEV split: for choosing training and decoding settings, never for training.

Written for this split, in contexts that neither the training templates nor the
composer use (new lead-in words, fields and genres), so that DEV shows how the
model copes with unseen wording without anyone looking at the held-out corpus.
"""

from __future__ import annotations

TEMPLATES: tuple[str, ...] = (
    "Quick question for {PERSON}: is the forklift charged?",
    "Kudos to {PERSON} for fixing the chiller overnight!",
    "Buyer {PERSON} requested samples; supplier {ORGANIZATION} agreed.",
    "Memo - attendees {PERSON}, {PERSON}; venue {LOCATION}.",
    "tbh {PERSON} knows the firmware better than anyone",
    "Insurance claim 5531 (insurer {ORGANIZATION}) for damage in {LOCATION}.",
    "Cheers from sunny {LOCATION}, {PERSON}",
    "Guarantor: {PERSON}. Employer: {ORGANIZATION}. Residence: {LOCATION}.",
    "Heads up, {ORGANIZATION} is raising freight rates next quarter.",
    "The courier lost the parcel somewhere near {LOCATION}.",
    "Onboarding buddy for {PERSON} will be {PERSON}.",
    "Deposit of 300 USD refunded to {PERSON} via {IBAN}.",
    "Witness statement by {PERSON}, recorded in {LOCATION}.",
    "Visiting engineer from {ORGANIZATION} needs a badge for Thursday.",
    "ok so {PERSON} says the crane is fine now",
    "Lease signed between {ORGANIZATION} and landlord {PERSON}.",
    "Tenant {PERSON} reports mould in the bathroom.",
    "Incident logged at {LOCATION} depot, driver {PERSON}, vehicle 12.",
    "Subcontractor {ORGANIZATION} starts demolition Monday.",
    "Mentor: {PERSON} | Mentee: {PERSON}",
    "Please thank {PERSON} and the crew at {ORGANIZATION} for the quick turnaround.",
    "Holiday cover: {PERSON} until the 14th, then {PERSON}.",
    "Vaccination record of {PERSON}, born {DATE_OF_BIRTH}, clinic in {LOCATION}.",
    "Annual Report drafts are due in October; Finance will review them.",
    "Boiler B2 pressure alarm cleared after the valve swap.",
    "Canteen menu changes on Wednesday, Vegetarian Option added.",
)

__all__ = ["TEMPLATES"]
