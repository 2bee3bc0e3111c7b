"""Sentence templates of the HELDOUT split: only the benchmark reads them.

Worded differently from ``templates_train`` (other verbs, orders, punctuation,
genres: chat lines, log lines, e-mail signatures, clinical notes) so that a
model that memorised training sentences gains nothing.
"""

from __future__ import annotations

TEMPLATES: tuple[str, ...] = (
    "Could {PERSON} ring me back on {PHONE}? Thanks.",
    "Regards,\n{PERSON}\n{ORGANIZATION}\n{PHONE}",
    "Note for the file: {PERSON} (DOB {DATE_OF_BIRTH}) complains of chest pain.",
    "Yesterday {PERSON} flew from {LOCATION} to {LOCATION} for {ORGANIZATION}.",
    "pls email {EMAIL} the quote, cc {PERSON}",
    "Refund of 120 EUR to {IBAN}, beneficiary {PERSON}.",
    "[auth] rejected token from {IP_ADDRESS}",
    "Unknown station {MAC_ADDRESS} seen on VLAN 20.",
    "Applicant {PERSON}; social security number {US_SSN}; status pending.",
    "Docs: {URL}",
    "The contract between {ORGANIZATION} and {ORGANIZATION} expires soon.",
    "{PERSON} moved to {LOCATION} after leaving {ORGANIZATION}.",
    "Payment declined for {CREDIT_CARD}, please retry.",
    "Birthdate {DATE_OF_BIRTH}, place of birth {LOCATION}.",
    "Operator on duty: {PERSON}. Shift lead: {PERSON}.",
    "{ORGANIZATION} headquarters are located in {LOCATION}.",
    "Can you check with {PERSON} whether the valve was replaced?",
    "Call log: {PHONE} -> {PHONE}, 4 min.",
    "The audit team from {ORGANIZATION} arrives at {LOCATION} on Wednesday.",
    "Patient: {PERSON}. Date of birth {DATE_OF_BIRTH}. Allergies: none.",
    "Wire to {IBAN} was blocked by the bank.",
    "Hello team, {PERSON} will cover for {PERSON} this week.",
    "User {EMAIL} logged in from {IP_ADDRESS}.",
    "Our partners at {ORGANIZATION} confirmed the order.",
    "Shipping address city: {LOCATION}.",
    "{PERSON} signed the form; her card ending in {CREDIT_CARD} is on file.",
    "Report any defect to {EMAIL} or visit {URL}.",
    "Spoke to {PERSON} of {ORGANIZATION}; follow up next month.",
    "sensor {MAC_ADDRESS} @ {IP_ADDRESS} offline",
    "SSN {US_SSN} belongs to {PERSON}.",
    "Greetings from {LOCATION}! {PERSON}",
    "Cooling fan on Cell 7 replaced; vibration back to normal.",
    "Tuesday night shift logged two stoppages on Packaging Line A.",
    "Press 4 cycle time improved by 3 percent after the March tuning.",
    "Gearbox G2 oil sample sent to the lab, results expected Thursday.",
    "Alarm 311: Low pressure in Circuit B, acknowledged.",
    "The Annual Safety Review is scheduled for November.",
)

__all__ = ["TEMPLATES"]
