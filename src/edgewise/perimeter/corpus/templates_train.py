"""Sentence templates of the TRAIN split (never used for measurement).

Slots are ``{TYPE}``; a template without slots is a negative example that
teaches the model what is *not* a name (capitalised machine parts, weekdays).
"""

from __future__ import annotations

TEMPLATES: tuple[str, ...] = (
    "Please call {PERSON} at {PHONE} about the invoice.",
    "{PERSON} works for {ORGANIZATION} in {LOCATION}.",
    "Meeting with {PERSON} from {ORGANIZATION} next Tuesday.",
    "Send the report to {EMAIL} before Friday.",
    "The patient {PERSON}, born {DATE_OF_BIRTH}, was admitted yesterday.",
    "Card {CREDIT_CARD} was charged twice by {ORGANIZATION}.",
    "Transfer the deposit to IBAN {IBAN} (account holder {PERSON}).",
    "Login from {IP_ADDRESS} for user {EMAIL} failed three times.",
    "Device {MAC_ADDRESS} joined the plant network in {LOCATION}.",
    "SSN on file: {US_SSN}. Name: {PERSON}.",
    "More details on {URL} or ask {PERSON}.",
    "{ORGANIZATION} opened a new warehouse in {LOCATION} last year.",
    "Dear {PERSON}, thank you for contacting {ORGANIZATION}.",
    "Technician {PERSON} replaced the bearing on line 4.",
    "{PERSON} ({EMAIL}) reported a vibration spike on pump 7.",
    "Our supplier {ORGANIZATION} ships from {LOCATION}.",
    "Contact: {PERSON}, phone {PHONE}, mail {EMAIL}.",
    "I spoke with {PERSON} and {PERSON} about the audit.",
    "The shipment left {LOCATION} and arrives in {LOCATION} on Monday.",
    "Date of birth: {DATE_OF_BIRTH}",
    "{PERSON} was born on {DATE_OF_BIRTH} in {LOCATION}.",
    "Ticket opened by {PERSON} at {ORGANIZATION}: motor overheating.",
    "Invoice 4471 for {ORGANIZATION}, attention of {PERSON}.",
    "Reach our office in {LOCATION} at {PHONE}.",
    "Hi {PERSON}, the camera at station 3 is offline again.",
    "{PERSON} approved the maintenance window.",
    "According to {PERSON}, {ORGANIZATION} will renew the contract.",
    "Visitor {PERSON} signed in at the {LOCATION} gate.",
    "Forward this to {PERSON} <{EMAIL}>.",
    "The firmware update came from {URL}.",
    "Customer {PERSON} paid with card {CREDIT_CARD}.",
    "Employee {PERSON}, SSN {US_SSN}, starts on the night shift.",
    "{ORGANIZATION} reported the leak to the authorities in {LOCATION}.",
    "Gateway {IP_ADDRESS} lost contact with sensor hub {MAC_ADDRESS}.",
    "Mr. {PERSON} asked for a callback on {PHONE}.",
    "Ms. {PERSON} from {LOCATION} joined {ORGANIZATION} in March.",
    "Dr. {PERSON} reviewed the results.",
    "{PERSON} said the conveyor belt in hall B is noisy.",
    "Pump 3 tripped at 14:02; operator restarted it after the alarm.",
    "Bearing temperature on Line 2 rose to 81 C during the night shift.",
    "The Monday inspection found a crack near Weld Seam 12.",
    "Spindle speed was reduced to 1200 rpm after the Friday audit.",
    "Quality Control flagged batch 2291 for rework.",
    "Summary: Compressor C4 shows early outer-race wear; schedule a check.",
    "The ERP export for Q3 is ready in the shared folder.",
    "Error code E-1042 on Robot Arm 5, reset done.",
    "Hydraulic Press 2 needs new seals before January.",
)

__all__ = ["TEMPLATES"]
