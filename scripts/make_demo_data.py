#!/usr/bin/env python3
"""Generate `cx_tui/data/demo.json`: the demo CRM and helpdesk the `local` connector seeds.

The notable cases (the hero caller, a switchboard, a repeat caller, a VIP about to breach an SLA,
conflicting records, a long-time customer...) are written by hand below; the crowd around them
comes from `random.Random(SEED)`, so the output is identical on every run. Times are relative
(`ago_min`, `sla_due_in_min`) and become absolute when a database is seeded.

Every phone number is fictional (North American 555-0100..0199, UK 020 7946 0xxx) and checked
with `phonenumbers.is_valid_number`; every email is at example.com/.org/.net or under `.example`.

Usage:
    python scripts/make_demo_data.py          # write cx_tui/data/demo.json
    python scripts/make_demo_data.py --check  # exit 1 if the shipped file is out of date
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

from cx_tui.source_values import phone_e164

SEED = 20_250_611
OUTPUT = Path(__file__).resolve().parents[1] / "cx_tui" / "data" / "demo.json"
REGION = "US"
"""The region the numbers were written in (national forms are North American)."""

HOUR = 60
DAY = 24 * HOUR
YEAR = 365 * DAY

Json = dict[str, Any]

FICTIONAL_PHONE = re.compile(r"\+1\d{3}55501\d{2}|\+442079460\d{3}")
FICTIONAL_EMAIL = re.compile(
    r"[^@\s]+@(?:[a-z0-9-]+\.)*(?:example\.(?:com|org|net)|[a-z0-9-]+\.example)"
)

AGENTS = ("Chris P.", "Dana K.", "Imani R.", "Luis M.", "Sophie T.", "Arjun S.")
ADDONS = ("call recording", "business SMS", "the contact-centre add-on", "fax to email")


# --- Phones and emails ---------------------------------------------------------------------


def check_number(e164: str) -> str:
    """Refuse anything but a valid number in a range reserved for fiction."""
    number = phonenumbers.parse(e164)
    if not phonenumbers.is_valid_number(number):
        raise SystemExit(f"demo data: {e164} is not a valid number")
    if not FICTIONAL_PHONE.fullmatch(e164):
        raise SystemExit(f"demo data: {e164} is not in a fictional range")
    return e164


def us(area: str, line: int) -> str:
    return check_number(f"+1{area}5550{line:03d}")


def uk(line: int) -> str:
    return check_number(f"+442079460{line:03d}")


def styled(e164: str, style: str) -> str:
    """The number as a person or an import script might have typed it."""
    if e164.startswith("+44"):
        rest = e164[3:]
        return {
            "e164": e164,
            "intl": f"+44 {rest[:2]} {rest[2:6]} {rest[6:]}",
            "national": f"0{rest[:2]} {rest[2:6]} {rest[6:]}",
        }.get(style, f"+44 {rest[:2]} {rest[2:6]} {rest[6:]}")
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return {
        "e164": e164,
        "intl": f"+1 {area} {exchange} {line}",
        "intl_dash": f"+1-{area}-{exchange}-{line}",
        "national": f"({area}) {exchange}-{line}",
        "dots": f"{area}.{exchange}.{line}",
        "dashes": f"{area}-{exchange}-{line}",
    }[style]


def phone(
    raw: str,
    *,
    label: str | None = None,
    shared: bool = False,
    extension: str | None = None,
    intended: str | None = None,
) -> Json:
    """A stored phone. `intended` is the real number behind a value that cannot be normalised."""
    parsed = phone_e164(raw, REGION)
    if parsed is None:
        if intended is None:
            raise SystemExit(f"demo data: {raw!r} does not normalise and has no intended number")
        check_number(intended)
    else:
        check_number(parsed[0])
    contact: Json = {"kind": "phone", "value": raw}
    if label:
        contact["label"] = label
    if extension:
        contact["extension"] = extension
    if shared:
        contact["shared"] = True
    return contact


def email(raw: str, *, label: str | None = None) -> Json:
    if not FICTIONAL_EMAIL.fullmatch(raw.lower()):
        raise SystemExit(f"demo data: {raw!r} is not at a reserved example domain")
    contact: Json = {"kind": "email", "value": raw}
    if label:
        contact["label"] = label
    return contact


def ascii_slug(text: str, sep: str = ".") -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, folded).strip(sep)


# --- One system (the CRM or the helpdesk) --------------------------------------------------


@dataclass
class System:
    companies: list[Json] = field(default_factory=list)
    people: list[Json] = field(default_factory=list)
    tickets: list[Json] = field(default_factory=list)
    interactions: list[Json] = field(default_factory=list)
    notes: list[Json] = field(default_factory=list)
    _company_keys: set[str] = field(default_factory=set)

    def company(self, org: Org, *, plan: str | None = None) -> None:
        if org.key in self._company_keys:
            return
        self._company_keys.add(org.key)
        record: Json = {"key": org.key, "name": org.name, "domain": org.domain}
        record["plan"] = plan or org.plan
        record["vip"] = org.vip
        self.companies.append(record)

    def person(
        self,
        key: str,
        name: str,
        *,
        org: Org | None,
        contacts: list[Json],
        title: str | None = None,
        plan: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        vip: bool | None = None,
        tags: tuple[str, ...] = (),
        created_ago_min: int = 90 * DAY,
        org_plan: str | None = None,
        owner: str | None = None,
    ) -> None:
        if any(person["key"] == key for person in self.people):
            raise SystemExit(f"demo data: two people with the key {key!r}")
        if org is not None:
            self.company(org, plan=org_plan)
        record: Json = {"key": key, "name": name, "company": org.key if org else None}
        record |= {
            "title": title,
            "plan": plan or (org_plan or org.plan if org else None),
            "timezone": timezone or (org.timezone if org else None),
            "language": language,
            "vip": vip if vip is not None else (org.vip if org else False),
            "tags": list(tags),
            "created_ago_min": created_ago_min,
            "contacts": contacts,
        }
        if owner:
            record["owners"] = [{"role": "contact owner", "name": owner}]
        self.people.append(record)

    def ticket(
        self,
        key: str,
        requester: str,
        subject: str,
        *,
        status: str,
        priority: str,
        created_ago_min: int,
        comments: list[Json],
        tags: tuple[str, ...] = (),
        sla_due_in_min: int | None = None,
        assignee: str | None = None,
        group: str | None = None,
    ) -> str:
        updated = min([created_ago_min, *(c["ago_min"] for c in comments)])
        record: Json = {
            "key": key,
            "requester": requester,
            "subject": subject,
            "status": status,
            "priority": priority,
            "tags": list(tags),
            "created_ago_min": created_ago_min,
            "updated_ago_min": updated,
        }
        if sla_due_in_min is not None:
            record["sla_due_in_min"] = sla_due_in_min
        record |= {k: v for k, v in (("assignee", assignee), ("group", group)) if v}
        record["comments"] = comments
        self.tickets.append(record)
        return key

    def touch(
        self,
        person: str,
        channel: str,
        direction: str,
        ago_min: int,
        summary: str,
        ticket: str | None = None,
    ) -> None:
        item: Json = {"person": person, "channel": channel, "direction": direction}
        item |= {"ago_min": ago_min, "summary": summary}
        if ticket:
            item["ticket"] = ticket
        self.interactions.append(item)

    def note(self, person: str, body: str, ago_min: int, ticket: str | None = None) -> None:
        item: Json = {"person": person, "body": body, "ago_min": ago_min}
        if ticket:
            item["ticket"] = ticket
        self.notes.append(item)

    def as_json(self) -> Json:
        return {
            "companies": self.companies,
            "people": self.people,
            "tickets": self.tickets,
            "interactions": sorted(self.interactions, key=lambda i: (i["person"], -i["ago_min"])),
            "notes": self.notes,
        }


def said(author: str | None, body: str, ago_min: int, *, public: bool = True) -> Json:
    return {"author": author, "body": body, "public": public, "ago_min": ago_min}


# --- Companies and locales -----------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    domain: str
    plan: str
    locale: str
    timezone: str
    phones: str | None
    """Area code of its numbers, "uk" for London numbers, None when it gave no phone."""
    vip: bool = False


@dataclass(frozen=True)
class Locale:
    language: str
    first: tuple[str, ...]
    last: tuple[str, ...]
    other_language: str | None = None


LOCALES = {
    "us": Locale(
        "en",
        tuple(
            "James Olivia Ethan Ava Noah Sophia Marcus Hannah Tyler Rachel Kevin Megan Andre "
            "Brianna Caleb Naomi Derek Tessa".split()
        ),
        tuple(
            "Carter Nguyen Patel Brooks Kim Sullivan Reyes Bennett Foster Hayes Murphy Chen "
            "Coleman Shapiro Delgado Washington".split()
        ),
        other_language="es",
    ),
    "uk": Locale(
        "en",
        tuple("Oliver Amelia Harry Isla George Freya Jack Poppy Rhys".split()),
        tuple("Clarke Evans Thompson Walsh Ahmed Fletcher Osei Pritchard".split()),
    ),
    "de": Locale(
        "de",
        tuple("Lukas Anna Jonas Lea Felix Marie Moritz Katrin".split()),
        tuple("Müller Schneider Fischer Weber Wagner Hoffmann Schäfer Krüger".split()),
    ),
    "fr": Locale(
        "fr",
        tuple("Camille Louis Chloé Hugo Léa Mathis Manon Théo".split()),
        tuple("Martin Bernard Dubois Lefèvre Girard Roux Fontaine Chevalier".split()),
    ),
    "es": Locale(
        "es",
        tuple("Lucía Pablo Carmen Javier Elena Diego Marta Álvaro".split()),
        tuple("García Fernández López Martínez Sánchez Romero Navarro Torres".split()),
    ),
    "br": Locale(
        "pt",
        tuple("João Ana Pedro Beatriz Lucas Mariana Gabriel Larissa".split()),
        tuple("Silva Santos Oliveira Souza Pereira Costa Almeida Ferreira".split()),
    ),
    "mx": Locale(
        "es",
        tuple("Sofía Mateo Valentina Santiago Regina Emiliano Ximena Leonardo".split()),
        tuple("Hernández Rodríguez Ramírez Flores Cruz Morales Ortiz Castillo".split()),
    ),
    "ca": Locale(
        "en",
        tuple("Liam Chloe Owen Maya Nathan Zoé Étienne Claire".split()),
        tuple("Tremblay Roy Gagnon MacDonald Campbell Wilson Bouchard Fraser".split()),
        other_language="fr",
    ),
}


def orgs_from(table: str) -> dict[str, Org]:
    """Companies from a `key | name | domain | plan | locale | timezone | phones | vip` table."""
    orgs = {}
    for line in table.strip().splitlines():
        key, name, domain, plan, locale, timezone, phones, vip = (
            cell.strip() for cell in line.split("|")
        )
        orgs[key] = Org(key, name, domain, plan, locale, timezone, phones or None, vip=vip == "vip")
    return orgs


# phones: the area code of the company's numbers, "uk" for London numbers, empty for none.
ORGS = orgs_from("""
brightwave   | Brightwave Analytics            | brightwave.example        | Pro        | us | America/Los_Angeles | 415 |
harborfinch  | Harbor & Finch Logistics        | harborfinch.example       | Business   | us | America/New_York    | 212 |
osprey       | Osprey Legal LLP                | ospreylegal.example       | Enterprise | uk | Europe/London       | uk  | vip
kestrel      | Kestrel Freight                 | kestrelfreight.example    | Business   | us | America/Los_Angeles | 206 |
jennings     | Jennings Hardware & Supply      | jenningshardware.example  | Business   | us | America/Chicago     | 312 |
lakeside     | Lakeside Pediatrics             | lakesidepeds.example      | Pro        | us | America/New_York    | 617 |
copperline   | Copperline Studios              | copperline.example        | Starter    | us | America/Denver      | 303 |
redwood      | Redwood Veterinary Partners     | redwoodvet.example        | Pro        | us | America/Los_Angeles | 213 |
quarrylane   | Quarry Lane Architects          | quarrylane.example        | Business   | uk | Europe/London       | uk  |
tidewater    | Tidewater Charter Schools       | tidewater-schools.example | Business   | us | America/New_York    | 718 |
pinecrest    | Pinecrest Dental Group          | pinecrestdental.example   | Pro        | us | America/Phoenix     | 602 |
blueheron    | Blue Heron Realty               | blueheronrealty.example   | Starter    | us | America/Chicago     | 512 |
fenwick      | Fenwick Community Bank          | fenwickbank.example       | Enterprise | us | America/New_York    | 617 |
summit       | Summit Ridge Outfitters         | summitridge.example       | Pro        | us | America/Denver      | 303 |
hollis       | Hollis & Dunmore Accountants    | hollisdunmore.example     | Pro        | uk | Europe/London       | uk  |
nordlicht    | Nordlicht Software GmbH         | nordlicht.example         | Business   | de | Europe/Berlin       | uk  |
sonnenschein | Bäckerei Sonnenschein GmbH      | sonnenschein.example      | Starter    | de | Europe/Berlin       |     |
moreau       | Atelier Moreau                  | ateliermoreau.example     | Pro        | fr | Europe/Paris        | uk  |
solaris      | Solaris Energía S.L.            | solaris-energia.example   | Business   | es | Europe/Madrid       |     |
paulista     | Café Paulista Ltda.             | cafepaulista.example      | Starter    | br | America/Sao_Paulo   |     |
vega         | Vega Logística                  | vegalogistica.example     | Pro        | mx | America/Mexico_City | 956 |
mapleridge   | Maple Ridge Property Management | mapleridge.example        | Pro        | ca | America/Toronto     | 416 |
""")  # noqa: E501
BRIGHTWAVE, HARBOR, OSPREY, KESTREL, JENNINGS, LAKESIDE, COPPERLINE, REDWOOD, QUARRY = (
    ORGS[key]
    for key in (
        "brightwave", "harborfinch", "osprey", "kestrel", "jennings", "lakeside",
        "copperline", "redwood", "quarrylane",
    )
)  # fmt: skip
CROWD_ORGS = tuple(ORGS[key] for key in list(ORGS)[7:])
"""The companies of the generated crowd (Redwood and Quarry Lane also have a special case)."""

TITLES = tuple(
    "Office Manager; IT Administrator; Operations Manager; Practice Manager; Founder; "
    "Finance Director; Head of Customer Experience; Facilities Coordinator; CTO; "
    "Managing Partner; Support Lead; Owner; Procurement Specialist; Systems Engineer".split("; ")
)

ISSUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Voicemail messages arrive without a transcription",
        (
            "re-enabled transcription in the admin portal",
            "checked the voicemail language",
            "left a test voicemail (no transcript)",
        ),
    ),
    (
        "Choppy audio on calls over Wi-Fi",
        (
            "power-cycled the router",
            "moved the handset to a wired port",
            "ran the network test in the app (jitter 48 ms)",
        ),
    ),
    (
        "Can't sign in to the admin portal",
        ("reset the admin password", "cleared the browser cache", "tried a private window"),
    ),
    (
        "Mobile app doesn't ring when the phone is locked",
        ("cleared the cache", "reinstalled the app", "turned off battery optimisation"),
    ),
    (
        "Headset not detected by the desktop app",
        (
            "re-plugged the USB headset",
            "updated the desktop app to 5.3",
            "picked the headset in Settings > Audio",
        ),
    ),
    (
        "Auto-attendant still plays the holiday greeting",
        ("re-uploaded the greeting", "checked the schedule rules"),
    ),
    (
        "Faxes no longer arrive by email",
        ("checked the spam folder", "re-verified the fax destination address"),
    ),
    (
        "Call recordings missing for the sales queue",
        ("checked recording is on for the queue", "re-synced the user list"),
    ),
    (
        "Desk phone stuck on 'Registering...'",
        (
            "power-cycled the handset",
            "factory-reset the handset",
            "re-provisioned it from the portal",
        ),
    ),
    ("Invoice charges for seats we removed", ()),
    ("Please add two users to our account", ()),
    ("Change the billing contact", ()),
    ("Question about porting a toll-free number", ()),
)

CRM_TOUCHES = (
    ("call", "outbound", "Check-in call: happy with call quality; asked about {addon}"),
    ("call", "inbound", "Asked about adding {n} more seats before the next billing cycle"),
    ("email", "outbound", "Sent the {plan} renewal quote"),
    ("email", "inbound", "Replied to the renewal quote: needs sign-off from finance"),
    ("web", "outbound", "Video meeting: quarterly business review"),
    ("web", "inbound", "Booked a demo of {addon} through the website"),
    ("chat", "inbound", "Website chat: asked whether {addon} works with Microsoft Teams"),
    ("note", "internal", "Decides on telephony; prefers email to calls"),
    ("email", "outbound", "Shared the handset setup guide"),
    ("call", "outbound", "Onboarding call: numbers ported, auto-attendant set up"),
)

OPENING_CHANNELS = ("email", "chat", "web", "social", "call")


def tried_comment(rng: random.Random, steps: tuple[str, ...]) -> str:
    picked = list(steps[: rng.randint(2, len(steps))]) if len(steps) > 1 else list(steps)
    style = rng.randrange(3)
    if style == 0:
        return "Tried: " + "; ".join(picked) + "."
    bullets = "\n".join(f"- {step}" for step in picked)
    if style == 1:
        return f"Already tried with the customer:\n{bullets}"
    return f"Steps so far:\n{bullets}\nNo change yet."


SPECIAL_NAMES = (
    "Maria Gonzalez",
    "Priya Raman",
    "Tom Becker",
    "Alicia Moreno",
    "Sam Whitfield",
    "Daniel Okafor",
    "Eleanor Whitcombe",
    "Jon Alvarez",
    "Jonathan Alvarez",
    "Kenji Watanabe",
    "Harold Jennings",
    "Grace Liu",
    "Oliver Hughes",
)


# --- The generator ---------------------------------------------------------------------------


class Demo:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.crm = System()
        self.helpdesk = System()
        self.readme: list[Json] = []
        self.names: set[str] = set(SPECIAL_NAMES)
        self.used_numbers: set[str] = set()
        # Lines used by the hand-written cases (0142 everywhere: it is matched by suffix).
        self.reserved_lines = {"0142"}
        self.ticket_count = 0

    # Helpers ---------------------------------------------------------------------------

    def take(self, number: str) -> str:
        if number in self.used_numbers:
            raise SystemExit(f"demo data: {number} used twice")
        self.used_numbers.add(number)
        return number

    def new_number(self, area: str | None) -> str | None:
        """An unused fictional number: `area` is a North American area code or "uk"."""
        if area is None:
            return None
        while True:
            if area == "uk":
                line = self.rng.randint(100, 999)
                number = uk(line)
            else:
                line = self.rng.randint(101, 199)
                number = us(area, line)
            if number not in self.used_numbers and f"{line:04d}" not in self.reserved_lines:
                return self.take(number)

    def new_ticket_key(self) -> str:
        self.ticket_count += 1
        return f"t{self.ticket_count}"

    def agent(self) -> str:
        return self.rng.choice(AGENTS)

    def readme_entry(self, name: str, phone_: str | None, email_: str | None, shows: str) -> None:
        self.readme.append({"name": name, "phone": phone_, "email": email_, "shows": shows})

    # The cases ---------------------------------------------------------------------------

    def build(self) -> Json:
        self.hero()
        self.switchboard()
        self.repeat_caller()
        self.vip()
        self.name_conflict()
        self.secondary_email()
        self.long_time_customer()
        self.partial_numbers()
        crowd_start = len(self.helpdesk.people)
        self.crowd()
        self.trouble_spot(crowd_start)
        return {
            "_readme": self.readme,
            "region": REGION,
            "systems": {"crm": self.crm.as_json(), "helpdesk": self.helpdesk.as_json()},
        }

    def hero(self) -> None:
        number = self.take(us("415", 132))
        key = "maria-gonzalez"
        common: Json = {"title": "Operations Manager", "language": "es", "org": BRIGHTWAVE}
        self.crm.person(
            key,
            "Maria Gonzalez",
            contacts=[phone(number, label="mobile"), email("maria.gonzalez@example.com")],
            plan="Pro",
            tags=("renewal-due", "champion"),
            created_ago_min=3 * YEAR + 40 * DAY,
            owner="Ruth Osei",  # her account manager: the hand-off to sales
            **common,
        )
        self.crm.touch(
            key,
            "web",
            "outbound",
            45 * DAY,
            "Video meeting: quarterly review; interested in moving to Business",
        )
        self.crm.touch(
            key,
            "call",
            "outbound",
            20 * DAY,
            "Renewal reminder; asked about the call-recording add-on",
        )
        self.crm.touch(
            key, "email", "outbound", 10 * DAY, "Sent the handset setup guide for the new hires"
        )
        self.crm.touch(
            key,
            "call",
            "inbound",
            26 * HOUR,
            "Called about dropped desk-phone calls; passed to support",
        )
        self.crm.note(
            key,
            "Renewal in 6 weeks; the dropped-calls problem is putting it at risk. "
            "Loop in her account manager (Ruth O.) before offering credits.",
            25 * HOUR,
        )

        self.helpdesk.person(
            key,
            "Maria Gonzalez",
            contacts=[phone(styled(number, "national")), email("Maria.Gonzalez@Example.com")],
            plan="Professional",
            org_plan="Professional",
            created_ago_min=3 * YEAR,
            **common,
        )
        old = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Please add two users to our account",
            status="closed",
            priority="low",
            created_ago_min=240 * DAY,
            comments=[
                said(
                    "Maria Gonzalez", "Two new analysts start Monday; please add them.", 240 * DAY
                ),
                said(
                    "Dana K.",
                    "Done: both users are active and their welcome emails are out.",
                    239 * DAY,
                ),
            ],
        )
        self.helpdesk.touch(key, "email", "inbound", 240 * DAY, "Asked to add two users", old)
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Desk phones drop calls after about 30 seconds",
            status="open",
            priority="high",
            tags=("call-quality", "handsets"),
            created_ago_min=3 * DAY,
            sla_due_in_min=5 * HOUR,
            assignee="Imani R.",
            group="Tier 2",
            comments=[
                said(
                    "Maria Gonzalez",
                    "Since Monday every call on our desk phones drops after "
                    "about 30 seconds. Calls from the mobile app are fine.",
                    3 * DAY,
                ),
                said(
                    "Chris P.",
                    "Tried: power-cycled the router; re-paired the handset; "
                    "confirmed the handset firmware is 4.2.1 (latest).",
                    3 * DAY - 40,
                    public=False,
                ),
                said(
                    "Chris P.",
                    "Thanks Maria. Could you check whether SIP ALG is turned on in your router?",
                    2 * DAY,
                ),
                said("Maria Gonzalez", "SIP ALG is off. Calls still drop.", 26 * HOUR),
                said(
                    "Imani R.",
                    "Already tried with the customer:\n- SIP ALG (already off)\n"
                    "- swapped the Ethernet cable on desk 4\n- moved the handset to another "
                    "switch port\nNext: packet capture, then Tier 2.",
                    25 * HOUR,
                    public=False,
                ),
            ],
        )
        self.helpdesk.touch(key, "email", "inbound", 3 * DAY, "Reported dropped calls", ticket)
        self.helpdesk.touch(
            key, "chat", "inbound", 2 * DAY, "Asked for an update on the dropped calls", ticket
        )
        self.helpdesk.touch(
            key, "call", "inbound", 26 * HOUR, "Called: SIP ALG is off, calls still drop", ticket
        )
        self.readme_entry(
            "Maria Gonzalez",
            "+1 415 555 0132",
            "maria.gonzalez@example.com",
            "The hero: in both systems (E.164 in the CRM, '(415) 555-0132' in the helpdesk, "
            "email in another case), plan Pro vs Professional, an open high-priority ticket "
            "with steps already tried, three contacts in three days.",
        )

    def switchboard(self) -> None:
        main = self.take(us("212", 100))
        people = (
            ("priya-raman", "Priya Raman", "Logistics Coordinator", "204", True),
            ("tom-becker", "Tom Becker", "Warehouse Manager", "210", True),
            ("alicia-moreno", "Alicia Moreno", "Receptionist", None, True),
            ("sam-whitfield", "Sam Whitfield", "CFO", "215", False),
        )
        helpdesk_forms = {
            "priya-raman": "(212) 555-0100 ext. 204",
            "tom-becker": "212-555-0100 x210",
            "alicia-moreno": "212.555.0100",
        }
        for key, name, title, ext, in_helpdesk in people:
            address = f"{ascii_slug(name)}@{HARBOR.domain}"
            crm_raw = f"+1 212 555 0100 x{ext}" if ext else styled(main, "intl")
            contacts = [phone(crm_raw, label="switchboard", shared=True), email(address)]
            if key == "sam-whitfield":
                contacts.insert(1, phone(self.take(us("917", 163)), label="mobile"))
            self.crm.person(
                key,
                name,
                org=HARBOR,
                title=title,
                language="en",
                contacts=contacts,
                created_ago_min=2 * YEAR,
            )
            self.crm.touch(key, "email", "outbound", 60 * DAY, "Sent the Business renewal quote")
            if in_helpdesk:
                self.helpdesk.person(
                    key,
                    name,
                    org=HARBOR,
                    title=title,
                    language="en",
                    contacts=[phone(helpdesk_forms[key]), email(address)],
                    created_ago_min=2 * YEAR,
                )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            "priya-raman",
            "Calls to extension 210 go straight to voicemail",
            status="pending",
            priority="normal",
            created_ago_min=6 * DAY,
            comments=[
                said("Priya Raman", "Calls to Tom's extension never ring his phone.", 6 * DAY),
                said(
                    "Luis M.",
                    "Tried: checked Tom's do-not-disturb (off); re-saved his ring group.",
                    6 * DAY - 90,
                    public=False,
                ),
                said(
                    "Luis M.", "Could Tom restart his phone and tell us if it rings now?", 5 * DAY
                ),
            ],
        )
        self.helpdesk.touch(
            "priya-raman", "call", "inbound", 6 * DAY, "Reported extension 210 not ringing", ticket
        )
        self.helpdesk.touch(
            "alicia-moreno",
            "web",
            "inbound",
            40 * DAY,
            "Asked how to change the after-hours greeting",
        )
        self.readme_entry(
            "Priya Raman, Tom Becker, Alicia Moreno, Sam Whitfield (Harbor & Finch Logistics)",
            "+1 212 555 0100 (x204, x210, no extension, x215)",
            "priya.raman@harborfinch.example",
            "A shared switchboard: four people on one number, marked shared in the CRM; the "
            "extension picks the person, without one the agent chooses. Sam is CRM-only.",
        )

    def repeat_caller(self) -> None:
        number = self.take(us("617", 148))
        key = "daniel-okafor"
        address = "daniel.okafor@lakesidepeds.example"
        self.crm.person(
            key,
            "Daniel Okafor",
            org=LAKESIDE,
            title="Practice Manager",
            language="en",
            contacts=[phone(styled(number, "dashes"), label="work"), email(address)],
            created_ago_min=YEAR + 100 * DAY,
        )
        self.crm.touch(
            key, "call", "outbound", 30 * DAY, "Onboarding call: confirmed the number port date"
        )
        self.crm.touch(
            key,
            "email",
            "outbound",
            29 * DAY,
            "Sent the letter of authorisation for the number port",
        )
        self.helpdesk.person(
            key,
            "Daniel Okafor",
            org=LAKESIDE,
            title="Practice Manager",
            language="en",
            contacts=[phone(styled(number, "intl")), email(address)],
            created_ago_min=YEAR + 100 * DAY,
        )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Number port stuck: our main line still rings the old carrier",
            status="open",
            priority="high",
            tags=("porting",),
            created_ago_min=4 * DAY,
            sla_due_in_min=3 * HOUR,
            comments=[
                said(
                    "Daniel Okafor",
                    "The port was due Tuesday; patients calling our main number "
                    "still reach the old system.",
                    4 * DAY,
                ),
                said(
                    "Arjun S.",
                    "Tried: resubmitted the LOA with the corrected billing address; "
                    "confirmed the port-out PIN with the losing carrier.",
                    4 * DAY - 120,
                    public=False,
                ),
                said(
                    "Arjun S.",
                    "We've resubmitted the port request and will update you as soon "
                    "as the carrier confirms.",
                    3 * DAY,
                ),
                said("Daniel Okafor", "Any news? This is the third time I'm asking.", 20 * HOUR),
            ],
        )
        for channel, ago, summary in (
            ("call", 4 * DAY, "Reported the stuck number port"),
            ("chat", 2 * DAY + 3 * HOUR, "Asked for a port date"),
            ("email", 20 * HOUR, "Third request for news on the port"),
            ("call", 3 * HOUR, "Called again: patients still reach the old system"),
        ):
            self.helpdesk.touch(key, channel, "inbound", ago, summary, ticket)
        self.readme_entry(
            "Daniel Okafor",
            "+1 617 555 0148",
            address,
            "A repeat caller: four inbound contacts in four days about one open porting ticket.",
        )

    def vip(self) -> None:
        number = self.take(uk(321))
        key = "eleanor-whitcombe"
        address = "eleanor.whitcombe@ospreylegal.example"
        common: Json = {"org": OSPREY, "title": "Managing Partner", "language": "en"}
        self.crm.person(
            key,
            "Eleanor Whitcombe",
            contacts=[phone(styled(number, "intl"), label="direct"), email(address)],
            vip=True,
            tags=("vip", "key-account"),
            created_ago_min=4 * YEAR,
            **common,
        )
        self.crm.touch(
            key,
            "web",
            "outbound",
            21 * DAY,
            "Video meeting: annual review with the account manager",
        )
        self.crm.touch(key, "call", "outbound", 7 * DAY, "Confirmed the 40-seat expansion")
        self.crm.note(
            key, "Executive sponsor. Escalate any outage straight to the account manager.", 7 * DAY
        )
        self.helpdesk.person(
            key,
            "Eleanor Whitcombe",
            contacts=[phone(number), email(address)],
            vip=True,
            created_ago_min=4 * YEAR,
            **common,
        )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "All phones down at the London office: clients cannot reach us",
            status="open",
            priority="urgent",
            tags=("outage", "vip"),
            created_ago_min=20,
            sla_due_in_min=40,
            comments=[
                said(
                    "Eleanor Whitcombe",
                    "None of our desk phones can make or take calls. We "
                    "have a hearing this afternoon.",
                    20,
                ),
                said(
                    "Sophie T.",
                    "Tried: checked the status page (no incident); asked the office "
                    "to power-cycle the router. No change.",
                    12,
                    public=False,
                ),
            ],
        )
        self.helpdesk.touch(key, "call", "inbound", 20, "Reported all phones down", ticket)
        self.helpdesk.touch(
            key, "email", "inbound", 15, "Sent photos of the phones' error screen", ticket
        )
        self.readme_entry(
            "Eleanor Whitcombe",
            "+44 20 7946 0321",
            address,
            "A VIP (Enterprise) whose urgent outage ticket breaches its SLA about 40 minutes "
            "after seeding.",
        )

    def name_conflict(self) -> None:
        number = self.take(us("303", 117))
        key = "jon-alvarez"
        address = "jon@copperline.example"
        self.crm.person(
            key,
            "Jon Alvarez",
            org=COPPERLINE,
            title="Founder",
            language="en",
            contacts=[phone(number), email(address)],
            created_ago_min=2 * YEAR,
        )
        self.crm.touch(key, "call", "inbound", 90 * DAY, "Asked about upgrading to Pro")
        self.helpdesk.person(
            key,
            "Jonathan Alvarez",
            org=COPPERLINE,
            title="Founder",
            language="en",
            contacts=[phone(styled(number, "dots")), email(address)],
            created_ago_min=2 * YEAR,
        )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Change the billing contact",
            status="solved",
            priority="low",
            created_ago_min=50 * DAY,
            comments=[
                said(
                    "Jonathan Alvarez",
                    "Please send invoices to accounts@copperline.example.",
                    50 * DAY,
                ),
                said("Dana K.", "Done, the next invoice goes there.", 49 * DAY),
            ],
        )
        self.helpdesk.touch(
            key, "web", "inbound", 50 * DAY, "Asked to change the billing contact", ticket
        )
        self.readme_entry(
            "Jon Alvarez",
            "+1 303 555 0117",
            address,
            "A name conflict: 'Jon Alvarez' in the CRM, 'Jonathan Alvarez' in the helpdesk "
            "(number stored as 303.555.0117 there).",
        )

    def secondary_email(self) -> None:
        number = self.take(us("206", 177))
        key = "kenji-watanabe"
        self.crm.person(
            key,
            "Kenji Watanabe",
            org=KESTREL,
            title="IT Administrator",
            language="en",
            contacts=[
                phone(number, label="work"),
                email("kenji.watanabe@kestrelfreight.example"),
                email("k.watanabe@example.net", label="secondary"),
            ],
            created_ago_min=YEAR + 200 * DAY,
        )
        self.crm.touch(key, "email", "inbound", 15 * DAY, "Asked for the SSO setup guide")
        self.helpdesk.person(
            key,
            "Kenji Watanabe",
            org=KESTREL,
            title="IT Administrator",
            language="en",
            contacts=[phone(styled(number, "intl_dash")), email("K.Watanabe@Example.NET")],
            created_ago_min=YEAR,
        )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Mobile app doesn't ring when the phone is locked",
            status="open",
            priority="normal",
            created_ago_min=2 * DAY,
            sla_due_in_min=DAY,
            comments=[
                said(
                    "Kenji Watanabe",
                    "Our drivers miss calls whenever their phones are locked.",
                    2 * DAY,
                ),
                said(
                    "Luis M.",
                    "Already tried with the customer:\n- cleared the cache\n"
                    "- reinstalled the app\n- turned off battery optimisation",
                    2 * DAY - 60,
                    public=False,
                ),
            ],
        )
        self.helpdesk.touch(
            key,
            "social",
            "inbound",
            2 * DAY,
            "Posted that the app misses calls; moved to a ticket",
            ticket,
        )
        self.readme_entry(
            "Kenji Watanabe",
            "+1 206 555 0177",
            "k.watanabe@example.net",
            "A secondary email: the helpdesk knows him as K.Watanabe@Example.NET, the CRM's "
            "second address.",
        )

    def long_time_customer(self) -> None:
        rng = self.rng
        number = self.take(us("312", 186))
        key = "harold-jennings"
        address = "harold@jenningshardware.example"
        since = 7 * YEAR + 90 * DAY
        self.crm.person(
            key,
            "Harold Jennings",
            org=JENNINGS,
            title="Owner",
            language="en",
            contacts=[phone(number, label="work"), email(address)],
            tags=("reference-customer",),
            created_ago_min=since,
        )
        for index in range(110):
            channel, direction, template = rng.choice(CRM_TOUCHES)
            ago = since - 10 * DAY - index * (since - 20 * DAY) // 110 - rng.randint(0, 5 * DAY)
            summary = template.format(
                addon=rng.choice(ADDONS), n=rng.randint(2, 6), plan="Business"
            )
            self.crm.touch(key, channel, direction, ago, summary)
        self.crm.note(key, "Customer since the first year; happy to take reference calls.", YEAR)
        self.helpdesk.person(
            key,
            "Harold Jennings",
            org=JENNINGS,
            title="Owner",
            language="en",
            contacts=[phone(styled(number, "dashes")), email(address)],
            created_ago_min=since,
        )
        for index in range(24):
            is_last = index == 23
            subject, steps = ISSUES[index % len(ISSUES)]
            created = 8 * DAY if is_last else since - 30 * DAY - index * (since // 25)
            agent = self.agent()
            comments = [said("Harold Jennings", f"{subject}. Can someone help?", created)]
            if steps:
                comments.append(said(agent, tried_comment(rng, steps), created - 45, public=False))
            if not is_last:
                comments.append(
                    said(agent, "Fixed on our side; closing this. Thanks, Harold!", created - DAY)
                )
            ticket = self.helpdesk.ticket(
                self.new_ticket_key(),
                key,
                subject,
                status="open" if is_last else rng.choice(("solved", "closed")),
                priority="normal",
                created_ago_min=created,
                comments=comments,
                sla_due_in_min=2 * DAY if is_last else None,
            )
            opened_by = rng.choice(OPENING_CHANNELS)
            self.helpdesk.touch(key, opened_by, "inbound", created, f"Opened: {subject}", ticket)
            self.helpdesk.touch(
                key, "email", "outbound", created - 30, "Acknowledged the request", ticket
            )
            if not is_last:
                self.helpdesk.touch(
                    key,
                    "email",
                    "outbound",
                    created - DAY,
                    "Sent the fix and closed the ticket",
                    ticket,
                )
        self.readme_entry(
            "Harold Jennings",
            "+1 312 555 0186",
            address,
            "A long-time customer: over 7 years, 110 CRM interactions and 24 helpdesk tickets.",
        )

    def partial_numbers(self) -> None:
        # Stored without the area code: only the last seven digits can match.
        key = "grace-liu"
        self.take(us("213", 142))
        self.helpdesk.person(
            key,
            "Grace Liu",
            org=REDWOOD,
            title="Office Manager",
            language="en",
            contacts=[
                phone("555-0142", intended="+12135550142"),
                email("grace.liu@redwoodvet.example"),
            ],
            created_ago_min=300 * DAY,
        )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Faxes no longer arrive by email",
            status="solved",
            priority="normal",
            created_ago_min=35 * DAY,
            comments=[
                said("Grace Liu", "Lab results faxes stopped arriving in our inbox.", 35 * DAY),
                said("Dana K.", "The fax destination had a typo; fixed.", 34 * DAY),
            ],
        )
        self.helpdesk.touch(key, "call", "inbound", 35 * DAY, "Reported missing faxes", ticket)
        self.readme_entry(
            "Grace Liu",
            "+1 213 555 0142",
            "grace.liu@redwoodvet.example",
            "Helpdesk-only, number stored as '555-0142' (no area code): a weak last-digits match.",
        )
        # A London number stored in national form by a US helpdesk.
        key = "oliver-hughes"
        number = self.take(uk(457))
        self.helpdesk.person(
            key,
            "Oliver Hughes",
            org=QUARRY,
            title="Partner",
            language="en",
            contacts=[
                phone(styled(number, "national"), intended=number),
                email("oliver.hughes@quarrylane.example"),
            ],
            created_ago_min=2 * YEAR,
        )
        ticket = self.helpdesk.ticket(
            self.new_ticket_key(),
            key,
            "Choppy audio on calls over Wi-Fi",
            status="open",
            priority="normal",
            created_ago_min=DAY,
            sla_due_in_min=HOUR * 20,
            comments=[
                said("Oliver Hughes", "Calls break up in the meeting room.", DAY),
                said(
                    "Sophie T.",
                    "Tried: ran the network test in the app (jitter 48 ms); "
                    "moved the handset to a wired port.",
                    DAY - 30,
                    public=False,
                ),
            ],
        )
        self.helpdesk.touch(key, "chat", "inbound", DAY, "Reported choppy audio", ticket)
        self.readme_entry(
            "Oliver Hughes",
            "+44 20 7946 0457",
            "oliver.hughes@quarrylane.example",
            "Helpdesk-only, London number stored as '020 7946 0457' in a US helpdesk: matched "
            "on national digits.",
        )

    # The crowd ---------------------------------------------------------------------------

    def new_name(self, locale: Locale) -> str:
        while True:
            name = f"{self.rng.choice(locale.first)} {self.rng.choice(locale.last)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def crowd(self) -> None:
        rng = self.rng
        orgs = [org for org in CROWD_ORGS for _ in range(3)]
        rng.shuffle(orgs)
        plan_for_individual = ("Starter", "Pro")
        for index in range(len(orgs) + 6):
            org = orgs[index] if index < len(orgs) else None
            locale = LOCALES[org.locale if org else "us"]
            name = self.new_name(locale)
            key = ascii_slug(name, "-")
            language = locale.language
            if locale.other_language and rng.random() < 0.25:
                language = locale.other_language
            if org is not None:
                address = f"{ascii_slug(name)}@{org.domain}"
                number = self.new_number(org.phones)
                timezone = org.timezone
                plan = None
            else:
                domain = rng.choice(("example.com", "example.org", "example.net"))
                address = f"{ascii_slug(name)}{rng.randint(1, 99)}@{domain}"
                area, timezone = rng.choice(
                    (
                        ("415", "America/Los_Angeles"),
                        ("718", "America/New_York"),
                        ("512", "America/Chicago"),
                        ("602", "America/Phoenix"),
                    )
                )
                number = self.new_number(area)
                plan = rng.choice(plan_for_individual)
            presence = rng.choices(("both", "crm", "helpdesk"), weights=(6, 2, 2))[0]
            title = rng.choice(TITLES) if org else "Consultant"
            since = rng.randint(60 * DAY, 5 * YEAR)
            extension = str(rng.randint(100, 399)) if number and rng.random() < 0.12 else None
            secondary = (
                f"{ascii_slug(name)}@{rng.choice(('example.com', 'example.org'))}"
                if org and rng.random() < 0.15
                else None
            )
            if presence in ("both", "crm"):
                contacts = []
                if number:
                    style = rng.choices(("e164", "intl", "dashes", "dots"), (5, 3, 1, 1))[0]
                    raw = styled(number, style if number.startswith("+1") else "intl")
                    if extension:
                        raw = f"{raw} x{extension}"
                    contacts.append(phone(raw, label="work"))
                contacts.append(email(address))
                if secondary:
                    contacts.append(email(secondary, label="secondary"))
                self.crm.person(
                    key,
                    name,
                    org=org,
                    title=title,
                    plan=plan,
                    timezone=timezone,
                    language=language,
                    contacts=contacts,
                    created_ago_min=since,
                )
                self.crm_history(key, since, org.plan if org else plan or "Starter")
            if presence in ("both", "helpdesk"):
                contacts = []
                if number:
                    style = rng.choices(
                        ("national", "dots", "dashes", "intl_dash", "e164"), (4, 2, 2, 1, 1)
                    )[0]
                    raw = styled(number, style if number.startswith("+1") else "intl")
                    contacts.append(phone(raw, extension=extension))
                shown = address
                if presence == "both" and rng.random() < 0.2:
                    local, domain = address.split("@")
                    shown = f"{local.title()}@{domain}"
                contacts.append(email(shown))
                self.helpdesk.person(
                    key,
                    name,
                    org=org,
                    title=title,
                    plan=plan,
                    timezone=timezone,
                    language=language,
                    contacts=contacts,
                    created_ago_min=since,
                )
                self.helpdesk_history(key, name, since)

    def trouble_spot(self, crowd_start: int) -> None:
        """Five other helpdesk customers opened porting tickets in the last hour, and a problem
        ticket tracks the carrier's delay: Daniel Okafor (porting) sits in a trouble spot."""
        others = [p for p in self.helpdesk.people[crowd_start:] if p["contacts"]][:6]
        subjects = (
            "Our number port did not complete today",
            "Ported number still rings the old carrier",
            "Port request stuck since this morning",
            "Calls to our new number fail after the port",
            "Number transfer not finished",
        )
        for index, (person, subject) in enumerate(zip(others[:5], subjects, strict=True)):
            ago = 8 + 9 * index
            self.helpdesk.ticket(
                self.new_ticket_key(),
                person["key"],
                subject,
                status="new" if index % 2 else "open",
                priority="high" if index < 2 else "normal",
                tags=("porting",),
                created_ago_min=ago,
                comments=[said(person["name"], f"{subject}. Please help.", ago)],
            )
        self.helpdesk.ticket(
            self.new_ticket_key(),
            others[5]["key"],
            "Carrier delay: number ports not completing",
            status="open",
            priority="urgent",
            tags=("porting", "problem"),
            created_ago_min=3 * HOUR,
            assignee="Imani R.",
            group="Tier 2",
            comments=[
                said(
                    "Imani R.",
                    "The losing carrier is not releasing numbers today; ports are queued. "
                    "Link customer tickets here.",
                    3 * HOUR,
                    public=False,
                )
            ],
        )
        self.readme_entry(
            "Daniel Okafor",
            "+1 617 555 0148",
            "daniel.okafor@lakesidepeds.example",
            "A trouble spot: five other customers opened porting tickets in the last hour, and "
            "a problem ticket tracks the carrier's delay (banner, `s` lists them).",
        )

    def crm_history(self, key: str, since: int, plan: str) -> None:
        rng = self.rng
        for _ in range(rng.randint(2, 7)):
            channel, direction, template = rng.choice(CRM_TOUCHES)
            ago = rng.randint(HOUR, since)
            summary = template.format(addon=rng.choice(ADDONS), n=rng.randint(2, 6), plan=plan)
            self.crm.touch(key, channel, direction, ago, summary)

    def helpdesk_history(self, key: str, name: str, since: int) -> None:
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 1))[0]
        has_open = False
        for _ in range(count):
            subject, steps = rng.choice(ISSUES)
            is_open = not has_open and rng.random() < 0.3
            has_open = has_open or is_open
            agent = self.agent()
            if is_open:
                created = rng.randint(8 * HOUR, 12 * DAY)
                status = rng.choice(("new", "open", "open", "pending", "hold"))
            else:
                created = rng.randint(20 * DAY, max(21 * DAY, since))
                status = rng.choice(("solved", "closed"))
            comments = [said(name, f"{subject}. Please help.", created)]
            if steps and (is_open or rng.random() < 0.4):
                comments.append(
                    said(
                        agent,
                        tried_comment(rng, steps),
                        created - rng.randint(10, 180),
                        public=False,
                    )
                )
            if status != "new":
                comments.append(
                    said(
                        agent,
                        "Thanks for the details; we're on it.",
                        created - rng.randint(HOUR, 6 * HOUR),
                    )
                )
            if not is_open:
                comments.append(
                    said(
                        agent,
                        "This is fixed; closing the ticket.",
                        created - rng.randint(DAY, 4 * DAY),
                    )
                )
            due = rng.randint(4 * HOUR, 3 * DAY) if status in ("new", "open") else None
            ticket = self.helpdesk.ticket(
                self.new_ticket_key(),
                key,
                subject,
                status=status,
                priority=rng.choices(("low", "normal", "high"), weights=(2, 5, 2))[0],
                created_ago_min=created,
                comments=comments,
                sla_due_in_min=due,
            )
            channel = rng.choice(OPENING_CHANNELS)
            self.helpdesk.touch(key, channel, "inbound", created, f"Opened: {subject}", ticket)
            if not is_open:
                self.helpdesk.touch(key, "email", "outbound", created - DAY, "Sent the fix", ticket)
        if rng.random() < 0.4:
            self.helpdesk.touch(
                key,
                "chat",
                "inbound",
                rng.randint(DAY, max(2 * DAY, since)),
                "Chat: asked how to set up call forwarding",
            )


def render() -> str:
    """The demo data as the exact text of `cx_tui/data/demo.json`."""
    return json.dumps(Demo().build(), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if demo.json is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            sys.stderr.write(f"{OUTPUT} is out of date: run scripts/make_demo_data.py\n")
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {OUTPUT} ({len(text):,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
