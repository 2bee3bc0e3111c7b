"""Writes ``cases.jsonl``: evasion cases the detector must not let through (run to regenerate).

Each case: ``id``, ``category``, ``text`` or ``json`` (a payload), and
``secrets``: strings that must not survive redaction in any form (the test
checks the output raw, Unicode-normalized, case-folded and with separators
removed). Deterministic: the same command writes the same file.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any
from urllib.parse import quote

CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "4012888888881881",
         "5105105105105100", "3530111333300000", "4539578763621486"]
IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606", "NL91ABNA0417164300",
         "ES9121000418450200051332", "IT60X0542811101000000123456", "PL61109010140000071219812874", "BE68539007547034"]
SSNS = ["078-05-1120", "219-09-9999", "536-90-4399", "123-45-6789", "401-22-3344", "672-31-0987"]
EMAILS = ["jane.roe@example.org", "max.mustermann@firma.de", "a.nowak@poczta.pl", "ceo@acme-industries.com",
          "j_smith+tag@mail.example.co.uk", "olivia.brown@hospital.org"]
PHONES = ["+44 20 7946 0958", "+1 415 555 0132", "+49 30 12345678", "(020) 7946 0958", "0049 89 1234567", "+33 6 12 34 56 78"]
IPS = ["192.168.10.25", "10.1.2.3", "2001:db8:85a3::8a2e:370:7334", "172.16.254.1"]
MACS = ["00:1A:2B:3C:4D:5E", "a4:5e:60:e8:12:9f", "00-1B-44-11-3A-B7"]

ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
FULLWIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {"@": "\uff20", ".": "\uff0e", "-": "\uff0d"}
CYRILLIC = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "y": "у"}


def fullwidth(s: str) -> str:
    return "".join(FULLWIDTH.get(c, c) for c in s)


def zero_width(s: str, rng: random.Random) -> str:
    return "".join(c + (rng.choice(ZW) if rng.random() < 0.5 else "") for c in s)


def homoglyph(s: str) -> str:
    return "".join(CYRILLIC.get(c, c) for c in s)


def spaced(s: str, sep: str) -> str:
    return sep.join(s)


def grouped(s: str, sep: str, n: int = 4) -> str:
    return sep.join(s[i : i + n] for i in range(0, len(s), n))


def b64(s: str, urlsafe: bool = False) -> str:
    enc = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return enc(s.encode()).decode()


def cases() -> list[dict[str, Any]]:
    rng = random.Random(7)
    out: list[dict[str, Any]] = []

    def add(category: str, text: str | None, secrets: list[str], payload: Any = None) -> None:
        case: dict[str, Any] = {"id": f"{category}-{sum(c['category'] == category for c in out) + 1:02d}",
                                "category": category, "secrets": secrets}
        if payload is not None:
            case["json"] = payload
        else:
            case["text"] = text
        out.append(case)

    for c in CARDS[:6]:
        add("fullwidth", f"Card on file: {fullwidth(grouped(c, ' '))} thanks", [c])
    for s in SSNS[:3]:
        add("fullwidth", f"SSN {fullwidth(s)}", [s.replace("-", "")])
    for p in PHONES[:3]:
        add("fullwidth", f"call me at {fullwidth(p)} tonight", [p])
    for e in EMAILS:
        add("zero_width", f"Write to {zero_width(e, rng)} today.", [e])
    for c in CARDS[:4]:
        add("zero_width", f"pay with {zero_width(c, rng)} please", [c])
    for i in IBANS[:4]:
        add("zero_width", f"IBAN {zero_width(i, rng)}", [i])
    for e in EMAILS:
        add("homoglyph", f"Contact {homoglyph(e)} for details", [e])
    for c in CARDS[:6]:
        add("split_spaces", f"the number is {spaced(c, ' ')} ok", [c])
    for i in IBANS[:4]:
        add("split_spaces", f"account {grouped(i, '  ')} end", [i])
    for c in CARDS[:4]:
        add("split_dots", f"card {grouped(c, '.')} expires soon", [c])
    for s in SSNS[:3]:
        add("split_dots", f"ssn {s.replace('-', '.')}", [s.replace("-", "")])
    for c in CARDS[:4]:
        add("split_lines", f"card number:\n{grouped(c, chr(10))}\nthanks", [c])
    for i in IBANS[:4]:
        add("split_lines", f"IBAN {i[:10]}\n{i[10:]} for the rent", [i])
    for e in EMAILS[:4]:
        local, domain = e.split("@")
        add("split_lines", f"my mail is {local}@\n{domain}", [e])
    for e in EMAILS:
        add("mixed_case", f"EMAIL: {e.upper()}", [e])
    for i in IBANS[:4]:
        add("mixed_case", f"iban {i.lower()}", [i])
    for e in EMAILS[:4]:
        local, domain = e.split("@")
        add("obfuscated", f"reach me at {local} [at] {domain.replace('.', ' [dot] ')}", [local + "@"])
    for e in EMAILS[:3]:
        add("obfuscated", f"mail {e.replace('@', ' @ ').replace('.', ' . ')}", [e])
    for e in EMAILS[:4]:
        add("base64", f"payload={b64('contact ' + e)}", [e, b64("contact " + e)])
    for c in CARDS[:3]:
        add("base64", f"token {b64(c, urlsafe=True)} end", [c, b64(c, urlsafe=True)])
    for i in IBANS[:3]:
        add("base64", f"data:{b64('iban=' + i)}", [i, b64("iban=" + i)])
    for s in SSNS[:2]:
        add("base64", f"x {b64(b64('ssn ' + s))} y", [s, b64(b64("ssn " + s))])
    for e in EMAILS[:4]:
        add("url_encoded", f"GET /signup?user={quote(e, safe='')}&ok=1", [e, quote(e, safe="")])
    for p in PHONES[:3]:
        add("url_encoded", f"tel={quote(p, safe='')}", [p, quote(p, safe="")])
    for i, e in enumerate(EMAILS[:4]):
        add("json", None, [e, CARDS[i]], {"user": {"email": e, "note": f"card {CARDS[i]}"}, "count": 3})
    for i in range(4):
        add("json", None, [IBANS[i], SSNS[i]], {"rows": [{"iban": IBANS[i]}, {"id": SSNS[i]}], "ok": True})
    for i in range(3):
        add("json", None, [CARDS[i]], {"payment": {"pan": int(CARDS[i])}})
    for i in range(3):
        add("json", None, [EMAILS[i]], {EMAILS[i]: {"role": "admin"}})
    filler = "The compressor ran within limits during the whole shift. " * 1000
    for i in range(3):
        add("long_input", filler + f"Finally mail {EMAILS[i]} and card {CARDS[i]}.", [EMAILS[i], CARDS[i]])
    for ip in IPS:
        add("network", f"peer {fullwidth(ip)} connected", [ip])
    for m in MACS:
        add("network", f"device {m.upper()} / {m.lower()}", [m])
    for i in range(4):
        e, c = EMAILS[i], CARDS[i]
        add("combined", f"{homoglyph(zero_width(e, rng))} paid with {fullwidth(spaced(c, ' '))}", [e, c])
    return out


def main() -> None:
    path = Path(__file__).with_name("cases.jsonl")
    lines = [json.dumps(c, ensure_ascii=False) for c in cases()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} cases to {path}")


if __name__ == "__main__":
    main()
