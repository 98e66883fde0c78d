"""A seeded synthetic post generator for load tests at any size, from the project's own
templates (no Faker, no data files): the same seed always gives the same posts.

Each post carries its identifiers as `phi` spans labelled with Safe Harbor letters, in the shared
JSONL format, so a generated set can also be scored (`accuracy --dataset`). It is written for load,
not accuracy: its templates are ours, so phiguard's scores on it would flatter phiguard.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any, TextIO

FIRST = ["Rose", "James", "Maria", "Wei", "Aisha", "Daniel", "Priya", "Tom", "Lucia", "Omar",
         "Grace", "Mateo", "Hannah", "Kwame", "Elena", "Sam", "Noor", "Jack", "Yuki", "Ava"]
LAST = ["Alvarez", "Okafor", "Nguyen", "Smith", "Kowalski", "Patel", "Johnson", "Moreau",
        "Haddad", "Lindqvist", "Brown", "Garcia", "Chen", "Murphy", "Rossi", "Kim"]
TOWNS = ["Maple Falls", "Riverton", "Cedar Grove", "Lakeside", "Fairview", "Oak Ridge",
         "Millbrook", "Sandy Hook", "Brookfield", "Glenwood"]
STREETS = ["Oak Street", "Elm Avenue", "Harbor Road", "Mill Lane", "Pine Court", "Main Street"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
UNITS = ["NICU", "cardiac rehab", "oncology", "maternity", "pediatrics", "the ER", "ortho",
         "the burn unit", "physical therapy", "hospice"]
EVENTS = ["blood drive", "flu-shot clinic", "health fair", "5K fun run", "open house",
          "diabetes class", "CPR workshop", "food drive"]
CAPTIONS = ["{name} with the {unit} team", "Cake for {first}!", "The {unit} team at the {event}",
            "Volunteers at our {event}", "{first} and nurse {first} on discharge day"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

Slot = Callable[[random.Random], tuple[str, str | None]]


def _name(r: random.Random) -> tuple[str, str | None]:
    return f"{r.choice(FIRST)} {r.choice(LAST)}", "A"


def _date(r: random.Random) -> tuple[str, str | None]:
    if r.random() < 0.5:
        return f"{r.choice(MONTHS)} {r.randint(1, 28)}, {r.randint(2019, 2026)}", "C"
    return f"{r.randint(1, 12)}/{r.randint(1, 28)}/{r.randint(2019, 2026)}", "C"


def _digits(r: random.Random, n: int) -> str:
    return "".join(str(r.randint(0, 9)) for _ in range(n))


SLOTS: dict[str, Slot] = {
    "name": _name,
    "first": lambda r: (r.choice(FIRST), "A"),
    "age": lambda r: (str(r.randint(90, 106)), "C"),
    "young_age": lambda r: (str(r.randint(2, 80)), None),
    "date": _date,
    "phone": lambda r: (f"({r.randint(201, 989)}) 555-{_digits(r, 4)}", "D"),
    "fax": lambda r: (f"{r.randint(201, 989)}-555-{_digits(r, 4)}", "E"),
    "email": lambda r: (f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}@example.com", "F"),
    "ssn": lambda r: (f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}", "G"),
    "mrn": lambda r: (_digits(r, 8), "H"),
    "town": lambda r: (r.choice(TOWNS), "B"),
    "street": lambda r: (f"{r.randint(2, 999)} {r.choice(STREETS)}", "B"),
    "zip": lambda r: (f"{r.randint(10000, 99999)}", "B"),
    "url": lambda r: (f"https://www.gofundme.com/f/help-{r.choice(FIRST).lower()}-"
                      f"{r.choice(LAST).lower()}", "N"),
    "ip": lambda r: (f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}."
                     f"{r.randint(1, 254)}", "O"),
    "unit": lambda r: (r.choice(UNITS), None),
    "event": lambda r: (r.choice(EVENTS), None),
    "day": lambda r: (r.choice(DAYS), None),
    "hour": lambda r: (f"{r.randint(8, 11)} a.m.", None),
    "year": lambda r: (str(r.randint(2019, 2026)), None),
    "count": lambda r: (str(r.randint(3, 400)), None),
}

TEMPLATES = [
    # Posts with identifiers.
    "Happy birthday to {name}, who turns {age} today: our longest-serving volunteer in {unit}!",
    "So proud of {first}, who rang the bell in {unit} today after 18 months of treatment.",
    "{name} from {town} went home on {date} after 41 days in {unit}. We will miss you!",
    "Welcome to the world, baby {first}! Born {date} in our {unit} to proud parents from {town}.",
    "Our patient {name} (MRN {mrn}) asked us to share his thanks to the team in {unit}.",
    "Please help {first}'s family: {url}",
    "Thank you {name} for the flowers! Call {first} at {phone} to join the {event}.",
    "Questions about {first}'s care? Email {email} or fax the records to {fax}.",
    "Meet {name}, {age}, who walked the halls of {unit} every day this week.",
    "Found: a wallet with an ID card for {name}, {street}, {town} {zip}. Ask at the front desk.",
    "Our {unit} nurses threw a surprise party for {name} on {date}.",
    "Do not post forms like this: SSN {ssn}, DOB {date}, patient {name}.",
    "Login issues from {ip} have been fixed; {first}, thanks for the report!",
    # Posts without identifiers.
    "Join us {day} at {hour} for our {event} in the main lobby.",
    "Our {unit} team cared for {count} families in {year}. Thank you to every nurse and doctor.",
    "Flu season is here: our {event} runs every {day} from {hour} in the lobby.",
    "A {young_age}-year-old can learn hands-only CPR. Sign up for the {event} this {day}.",
    "We are hiring! {unit} has {count} open positions. Apply on our careers page.",
    "Thank you to the {count} donors who came to our {event} on {day}.",
    "Visiting hours in {unit} change on {day}. Please check in at the front desk.",
]

_FIELD = __import__("string").Formatter()


def render(template: str, r: random.Random) -> tuple[str, list[dict[str, Any]]]:
    """Fill one template; returns the text and its identifier spans (field "text")."""
    parts: list[str] = []
    spans: list[dict[str, Any]] = []
    offset = 0
    for literal, slot, _, _ in _FIELD.parse(template):
        parts.append(literal)
        offset += len(literal)
        if slot is None:
            continue
        value, letter = SLOTS[slot](r)
        if letter is not None:
            spans.append({"field": "text", "start": offset, "end": offset + len(value),
                          "text": value, "label": letter})
        parts.append(value)
        offset += len(value)
    return "".join(parts), spans


def generate(n: int, seed: int = 0, length: int = 1) -> Iterator[dict[str, Any]]:
    """`n` posts, each `length` sentences long (three in ten with a photo caption), in the
    shared JSONL record format."""
    r = random.Random(seed)
    for index in range(n):
        texts: list[str] = []
        spans: list[dict[str, Any]] = []
        offset = 0
        for _ in range(length):
            text, found = render(r.choice(TEMPLATES), r)
            spans += [{**s, "start": s["start"] + offset, "end": s["end"] + offset}
                      for s in found]
            texts.append(text)
            offset += len(text) + 1
        captions: list[str] = []
        if r.random() < 0.3:
            # Alt text or a photo caption, as many hospital posts have.
            caption, found = render(r.choice(CAPTIONS), r)
            captions.append(caption)
            spans += [{**s, "field": "captions[0]"} for s in found]
        yield {"id": f"gen-{seed}-{index}", "text": " ".join(texts), "captions": captions,
               "phi": spans}


def posts(n: int, seed: int = 0, length: int = 1) -> list[dict[str, Any]]:
    """`n` generated posts without their labels, as phiguard.check accepts them."""
    return [{"id": p["id"], "text": p["text"], "captions": p["captions"]}
            for p in generate(n, seed, length)]


def write_jsonl(out: TextIO, posts: Iterator[dict[str, Any]]) -> None:
    """Write posts one JSON object per line."""
    for post in posts:
        out.write(json.dumps(post, ensure_ascii=False) + "\n")
