"""Generate a labelled, synthetic set of support-style sentences with structured PII spans.

Every sentence is built from a template by concatenation, so gold character spans are exact. Values
are realistic rather than tailored to any recogniser: phone numbers are real-format numbers that
libphonenumber considers valid (the shape of real numbers), in international, national, E.164, dotted
and dashed layouts from 16 countries; cards are Luhn-valid numbers of eight brands in their usual
groupings; IBANs follow each country's BBAN layout with correct check digits; SSNs are in issued
ranges. Sentences also carry non-PII look-alikes (order numbers, prices, dates, versions, tracking
codes, product names) so precision is measured too.

Usage (writes JSON lines: {"text": str, "spans": [[start, end, type], ...]}):

    python benchmarks/data/make_pii_gold.py --n 1000 --seed 7 --out /tmp/pii_gold.jsonl

Import `generate(n, seed)` to use it in-process (the benchmarks do).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import re
import string

import phonenumbers

FIRST = ["John", "Priya", "Mohammed", "Wei", "Olga", "Kwame", "María", "Hiroshi", "Siobhan", "Lars",
         "Fatima", "Carlos", "Aisha", "Dmitri", "Emily", "Raj", "Sophie", "Liam", "Chloe", "Mateo",
         "Ana", "Yuki", "Noah", "Grace", "Omar", "Ingrid", "Tomás", "Zainab", "Peter", "Laura",
         "Daniel", "Mei", "Jamal", "Hannah", "Luca", "Amara", "Sven", "Rosa", "Kenji", "Nadia"]
LAST = ["Smith", "Patel", "Al-Rashid", "Chen", "Ivanova", "Mensah", "García", "Tanaka", "O'Brien",
        "Eriksson", "Zahra", "Mendoza", "Bello", "Volkov", "Johnson", "Kumar", "Müller", "Dubois",
        "Rossi", "Nguyen", "Kowalski", "Okafor", "Schmidt", "Haddad", "Fernandes", "Andersson",
        "Murphy", "Yamamoto", "Williams", "Brown", "Novak", "Costa", "Hughes", "Becker", "Silva"]
CITIES = ["Chicago", "Manchester", "Toronto", "Melbourne", "Munich", "Lyon", "Mumbai", "Osaka",
          "São Paulo", "Cape Town", "Dublin", "Austin", "Seattle", "Glasgow", "Vancouver", "Hamburg",
          "Barcelona", "Rotterdam", "Nairobi", "Singapore", "Boston", "Denver", "Leeds", "Madrid"]
COUNTRIES = ["Germany", "Canada", "Australia", "France", "India", "Japan", "Brazil", "Ireland",
             "Spain", "Italy", "Mexico", "Kenya", "Portugal", "Sweden", "Poland"]
STREETS = ["Maple", "Oak", "Elm", "Cedar", "Pine", "Main", "High", "Church", "Station", "Victoria",
           "King", "Queen", "Baker", "Park", "Mill", "Washington", "Lincoln", "Sunset", "Lakeview",
           "Hillcrest", "Willow", "Birch", "Chestnut", "Riverside", "Meadow", "Green", "Harbor"]
US_CITIES = [("Springfield", "IL"), ("Austin", "TX"), ("Denver", "CO"), ("Portland", "OR"),
             ("Columbus", "OH"), ("Raleigh", "NC"), ("Madison", "WI"), ("Tampa", "FL"),
             ("Sacramento", "CA"), ("Albany", "NY"), ("Boise", "ID"), ("Phoenix", "AZ")]
UK_TOWNS = ["London", "Bristol", "Leeds", "Cardiff", "Edinburgh", "York", "Oxford", "Brighton"]
CA_CITIES = [("Toronto", "ON"), ("Vancouver", "BC"), ("Montreal", "QC"), ("Calgary", "AB")]
AU_CITIES = [("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD"), ("Perth", "WA")]
DE_CITIES = ["Berlin", "Hamburg", "Köln", "Leipzig", "Dresden", "Bremen"]
FR_CITIES = ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"]
DOMAINS = ["gmail.com", "yahoo.co.uk", "outlook.com", "hotmail.fr", "proton.me", "company.io",
           "mail.example-corp.de", "uni-heidelberg.de", "icloud.com", "fastmail.net", "web.de"]
SITES = ["shop-online", "mybank", "acme-support", "photos-share", "dropfiles", "travelnow", "pixelhub"]
TLDS = ["com", "org", "net", "io", "co.uk", "de"]
PRODUCTS = ["Pixel 8 Pro", "Galaxy Buds", "Premium Plan", "AirPods Max", "Model Y", "Gold Membership",
            "Surface Laptop", "Echo Dot", "Kindle Paperwhite", "PlayStation Plus", "Smart Hub 2",
            "Family Plan", "ThinkPad X1", "Nest Thermostat", "Business Pro"]

PHONE_REGIONS = ["US", "GB", "DE", "FR", "IN", "AU", "CA", "BR", "ES", "IT", "NL", "JP", "MX", "ZA",
                 "SG", "IE"]
# Regions whose people also write their number in national format in English support chats.
NATIONAL_OK = {"US", "GB", "CA", "AU", "IN", "IE"}

# (brand, prefixes, length, grouping)
CARD_BRANDS = [
    ("visa", ["4"], 16, (4, 4, 4, 4)),
    ("mastercard", ["51", "52", "53", "54", "55", "2221", "2500", "2720"], 16, (4, 4, 4, 4)),
    ("amex", ["34", "37"], 15, (4, 6, 5)),
    ("discover", ["6011", "644", "65"], 16, (4, 4, 4, 4)),
    ("jcb", ["3528", "3566", "3589"], 16, (4, 4, 4, 4)),
    ("diners", ["36", "300", "305", "38"], 14, (4, 6, 4)),
    ("unionpay", ["62"], 19, (4, 4, 4, 4, 3)),
    ("maestro", ["6759", "5018"], 16, (4, 4, 4, 4)),
]

# country: BBAN layout as (count, kind) with kind n=digit, a=upper letter, c=alphanumeric
IBAN_LAYOUT = {
    "DE": [(18, "n")], "GB": [(4, "a"), (14, "n")], "FR": [(10, "n"), (11, "c"), (2, "n")],
    "ES": [(20, "n")], "IT": [(1, "a"), (10, "n"), (12, "c")], "NL": [(4, "a"), (10, "n")],
    "BE": [(12, "n")], "CH": [(5, "n"), (12, "c")], "AT": [(16, "n")], "IE": [(4, "a"), (14, "n")],
    "PL": [(24, "n")],
}

T = dict  # template set: type -> list of templates
TEMPLATES: dict[str, list[str]] = T(
    EMAIL_ADDRESS=[
        "Hi, you can reach me at {EMAIL} if the chat drops.",
        "Please send the invoice for order {ORDER} to {EMAIL}.",
        "My login email is {EMAIL} but the reset link never arrives.",
        "I changed my address to {EMAIL} last week, can you update the account?",
        "cc {EMAIL} on the refund confirmation please",
        "Can you email the receipt ({PRICE}) to {EMAIL}? Thanks!",
        "The account was registered under {EMAIL}, not my work one.",
        "{EMAIL} is the contact for billing questions about the {PRODUCT}.",
    ],
    PHONE_NUMBER=[
        "Please call me back on {PHONE} after 5pm.",
        "My number is {PHONE}, text me when the courier is close.",
        "You can reach me at {PHONE} regarding ticket {TICKET}.",
        "The delivery driver should phone {PHONE} at the gate.",
        "I tried calling {PHONE} twice but nobody picked up.",
        "Update my mobile to {PHONE} please, the old one is gone.",
        "Contact: {PHONE} (weekdays only)",
        "Hi, it's {FIRST}, my phone is {PHONE} if you need to verify.",
        "whatsapp me on {PHONE} about the {PRODUCT}",
    ],
    CREDIT_CARD=[
        "I was charged twice on my card {CARD} for order {ORDER}.",
        "Please refund {PRICE} to the card ending in this number: {CARD}.",
        "Can I pay with {CARD} instead of PayPal?",
        "The payment with card number {CARD} keeps getting declined.",
        "my visa is {CARD} exp 09/27, why did it fail",
        "Charge the remaining balance to {CARD} please.",
        "I updated the billing card to {CARD} on {DATE}.",
        "{CARD} is the card on file, is it still valid for the {PRODUCT}?",
    ],
    IBAN_CODE=[
        "Please transfer the refund to IBAN {IBAN}.",
        "My bank account is {IBAN}, can you refund there instead?",
        "Send the {PRICE} reimbursement to {IBAN} (name on account: {PERSON}).",
        "The direct debit should come from {IBAN} from next month.",
        "I changed banks, the new account is {IBAN}.",
        "Refund to {IBAN} please, not the card.",
        "Wire details: {IBAN}, reference {ORDER}.",
    ],
    US_SSN=[
        "For the tax form my SSN is {SSN}.",
        "The verification asked for my social security number, it's {SSN}.",
        "I typed {SSN} as my SSN but the form says it doesn't match.",
        "Social security no. {SSN} - please remove it from my file after checking.",
        "ssn {SSN}, dob {DATE}",
        "My SSN {SSN} shows up on the old statement, can you redact it?",
    ],
    IP_ADDRESS=[
        "I can't log in from {IP}, it says the address is blocked.",
        "Our server at {IP} stopped receiving webhooks after version {VERSION}.",
        "The firewall logged requests from {IP} around {TIME}.",
        "Please whitelist {IP} for the API, we are on the {PRODUCT}.",
        "ping to {IP} times out since the update",
        "The device shows IP {IP} but the app can't find it.",
    ],
    STREET_ADDRESS=[
        "Please ship the replacement to {ADDRESS}.",
        "My billing address is {ADDRESS}, but the package went elsewhere.",
        "I moved to {ADDRESS} last month, can you update it?",
        "The courier left it at {ADDRESS} instead of my flat.",
        "Deliver to {ADDRESS} please, order {ORDER}.",
        "{ADDRESS} is the new shipping address for the {PRODUCT}.",
        "Can you send a technician to {ADDRESS} on {DATE}?",
        "ship to: {ADDRESS}",
    ],
    PERSON=[
        "Hi, my name is {PERSON} and I need help with my {PRODUCT}.",
        "This is {PERSON}, I spoke to someone yesterday about ticket {TICKET}.",
        "Thanks for your help! Best regards, {PERSON}",
        "Could {PERSON} call me back? She handled my case last week.",
        "The order was placed by my husband, {PERSON}.",
        "{PERSON} here - the {PRODUCT} still won't turn on.",
        "Please put the account in the name of {PERSON}.",
        "I talked to your agent {FIRST} on {DATE} and was promised a refund.",
    ],
    LOCATION=[
        "I'm travelling to {CITY} next week, will roaming work?",
        "We moved from {CITY} to {COUNTRY} and the app store changed.",
        "Does the {PRODUCT} ship to {COUNTRY}?",
        "The store in {CITY} refused the return.",
        "Is there a service centre near {CITY}?",
        "I'm based in {CITY}, what are your support hours there?",
    ],
    URL=[
        "The checkout page {URL} shows an error.",
        "I followed the link {URL} but it's a 404.",
        "See the screenshot at {URL} please.",
        "Your help article {URL} is out of date for version {VERSION}.",
    ],
    NONE=[
        "My order {ORDER} arrived damaged, can I get a replacement?",
        "The {PRODUCT} costs {PRICE} on your site but I was charged more.",
        "I updated to version {VERSION} and now the app crashes on start.",
        "Tracking number {TRACKING} hasn't moved since {DATE}.",
        "Ticket {TICKET}: still waiting for an answer about the {PRODUCT}.",
        "Can I upgrade from the {PRODUCT} to the {PRODUCT} mid-cycle?",
        "The invoice {ORDER} dated {DATE} lists {PRICE} twice.",
        "Reference {TICKET} - the refund of {PRICE} has not arrived.",
        "Thanks, that fixed it! Have a great day.",
        "It stopped working at {TIME} on {DATE}, serial {SERIAL}.",
    ],
)

SLOT_TYPE = {"EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER", "CARD": "CREDIT_CARD", "IBAN": "IBAN_CODE",
             "SSN": "US_SSN", "IP": "IP_ADDRESS", "ADDRESS": "STREET_ADDRESS", "PERSON": "PERSON",
             "FIRST": "PERSON", "CITY": "LOCATION", "COUNTRY": "LOCATION", "URL": "URL"}


class Gen:
    """Value generators for each slot, all drawing from one seeded `random.Random`."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    # -- people and places --------------------------------------------------------------------------
    def PERSON(self) -> str:
        if self.r.random() < 0.25:
            return self.r.choice(FIRST)
        return f"{self.r.choice(FIRST)} {self.r.choice(LAST)}"

    def FIRST(self) -> str:
        return self.r.choice(FIRST)

    def CITY(self) -> str:
        return self.r.choice(CITIES)

    def COUNTRY(self) -> str:
        return self.r.choice(COUNTRIES)

    def EMAIL(self) -> str:
        f, last = self.r.choice(FIRST).lower(), self.r.choice(LAST).lower()
        f = _ascii(f)
        last = re.sub(r"[^a-z]", "", _ascii(last))
        local = self.r.choice([f"{f}.{last}", f"{f[0]}{last}", f"{f}_{last}{self.r.randint(1, 99)}",
                               f"{f}+orders", f"{last}.{f}", f"{f}{self.r.randint(70, 99)}"])
        email = f"{local}@{self.r.choice(DOMAINS)}"
        return email.upper() if self.r.random() < 0.05 else email

    def URL(self) -> str:
        site, tld = self.r.choice(SITES), self.r.choice(TLDS)
        path = self.r.choice(["/checkout", "/help/article/1234", "/s/Ab3dE9", "/account?id=42", ""])
        return self.r.choice([f"https://www.{site}.{tld}{path}", f"http://{site}.{tld}{path}",
                              f"www.{site}.{tld}{path}", f"https://{site}.{tld}/img/{self.digits(6)}.png"])

    # -- structured identifiers ---------------------------------------------------------------------
    def PHONE(self) -> str:
        region = self.r.choice(PHONE_REGIONS)
        kind = self.r.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
        ex = phonenumbers.example_number_for_type(region, kind)
        nat = str(ex.national_number)
        num = ex
        for _ in range(50):
            k = self.r.randint(3, min(6, len(nat) - 2))
            cand = phonenumbers.PhoneNumber(country_code=ex.country_code,
                                            national_number=int(nat[:-k] + self.digits(k)),
                                            italian_leading_zero=ex.italian_leading_zero)
            if phonenumbers.is_valid_number(cand):
                num = cand
                break
        PNF = phonenumbers.PhoneNumberFormat
        styles = ["intl", "intl", "e164", "intl_dash", "00"]
        if region in NATIONAL_OK:
            styles += ["national", "national", "national"]
        if region in ("US", "CA"):
            styles += ["us_dots", "us_dash", "us_1"]
        style = self.r.choice(styles)
        intl = phonenumbers.format_number(num, PNF.INTERNATIONAL)
        if style == "intl":
            return intl
        if style == "e164":
            return phonenumbers.format_number(num, PNF.E164)
        if style == "intl_dash":
            return intl.replace(" ", "-")
        if style == "00":
            return "00" + intl[1:]
        if style == "national":
            return phonenumbers.format_number(num, PNF.NATIONAL)
        n = str(num.national_number)
        if style == "us_dots":
            return f"{n[:3]}.{n[3:6]}.{n[6:]}"
        if style == "us_dash":
            return f"{n[:3]}-{n[3:6]}-{n[6:]}"
        return f"1-{n[:3]}-{n[3:6]}-{n[6:]}"

    def CARD(self) -> str:
        _brand, prefixes, length, groups = self.r.choice(CARD_BRANDS)
        body = self.r.choice(prefixes)
        body += self.digits(length - 1 - len(body))
        number = body + _luhn_digit(body)
        sep = self.r.choice([" ", " ", "-", ""])
        parts, i = [], 0
        for g in groups:
            parts.append(number[i:i + g])
            i += g
        return sep.join(parts)

    def IBAN(self) -> str:
        cc = self.r.choice(list(IBAN_LAYOUT))
        bban = ""
        for count, kind in IBAN_LAYOUT[cc]:
            pool = {"n": string.digits, "a": string.ascii_uppercase,
                    "c": string.digits * 3 + string.ascii_uppercase}[kind]
            bban += "".join(self.r.choice(pool) for _ in range(count))
        iban = cc + _iban_check(cc, bban) + bban
        if self.r.random() < 0.6:
            iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def SSN(self) -> str:
        area = self.r.choice([a for a in range(1, 900) if a != 666])
        a, g, s = f"{area:03d}", f"{self.r.randint(1, 99):02d}", f"{self.r.randint(1, 9999):04d}"
        sep = self.r.choices(["-", " ", ""], weights=[7, 2, 1])[0]
        return f"{a}{sep}{g}{sep}{s}"

    def IP(self) -> str:
        if self.r.random() < 0.2:
            top = self.r.choice([0x2001, 0x2A00, 0x2600, 0x2403])
            addr = ipaddress.IPv6Address((top << 112) | self.r.getrandbits(112))
            return addr.compressed if self.r.random() < 0.7 else addr.exploded
        first = self.r.choice([a for a in range(1, 224) if a not in (10, 127)])
        return f"{first}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def ADDRESS(self) -> str:
        r = self.r
        street = r.choice(STREETS)
        kind = r.choice(["us", "us", "us_short", "uk", "uk", "ca", "au", "de", "fr", "pobox", "flat"])
        num = str(r.randint(1, 9999))
        if kind in ("us", "us_short"):
            suffix = r.choice(["Street", "St", "Avenue", "Ave", "Road", "Rd", "Blvd", "Lane", "Dr", "Drive",
                               "Court", "Way", "Pl"])
            line = f"{num} {street} {suffix}"
            if r.random() < 0.3:
                line = f"{num} {r.choice(['N', 'S', 'E', 'W'])} {street} {suffix}"
            if r.random() < 0.3:
                line += r.choice([f", Apt {r.randint(1, 40)}{r.choice('ABC')}", f" Suite {r.randint(100, 900)}",
                                  f", Unit {r.randint(1, 30)}"])
            if kind == "us_short":
                return line
            city, st = r.choice(US_CITIES)
            return f"{line}, {city}, {st} {self.digits(5)}"
        if kind == "uk":
            suffix = r.choice(["Road", "Street", "Lane", "Avenue", "Close", "Crescent", "Gardens", "Terrace"])
            pc = (f"{r.choice(string.ascii_uppercase)}{r.choice(string.ascii_uppercase)}{r.randint(1, 20)} "
                  f"{r.randint(1, 9)}{r.choice(string.ascii_uppercase)}{r.choice(string.ascii_uppercase)}")
            return f"{r.randint(1, 300)} {street} {suffix}, {r.choice(UK_TOWNS)} {pc}"
        if kind == "flat":
            return f"Flat {r.randint(1, 12)}, {r.randint(1, 200)} {street} Road, {r.choice(UK_TOWNS)}"
        if kind == "ca":
            city, prov = r.choice(CA_CITIES)
            U = string.ascii_uppercase
            pc = f"{r.choice(U)}{r.randint(0, 9)}{r.choice(U)} {r.randint(0, 9)}{r.choice(U)}{r.randint(0, 9)}"
            return f"{num} {street} {r.choice(['St', 'Ave', 'Blvd'])} {r.choice(['W', 'E'])}, {city}, {prov} {pc}"
        if kind == "au":
            city, state = r.choice(AU_CITIES)
            return f"{r.randint(1, 400)} {street} {r.choice(['St', 'Rd', 'Ave'])}, {city} {state} {self.digits(4)}"
        if kind == "de":
            name = r.choice(["Haupt", "Bahnhof", "Garten", "Schiller", "Goethe", "Berg", "Linden"])
            return f"{name}{r.choice(['straße', 'strasse', 'weg'])} {r.randint(1, 120)}, {self.digits(5)} {r.choice(DE_CITIES)}"
        if kind == "fr":
            name = r.choice(["de Rivoli", "Victor Hugo", "de la Paix", "du Commerce", "Pasteur"])
            return f"{r.randint(1, 120)} {r.choice(['rue', 'avenue', 'boulevard'])} {name}, {self.digits(5)} {r.choice(FR_CITIES)}"
        city, st = r.choice(US_CITIES)
        return f"P.O. Box {r.randint(10, 9999)}, {city}, {st} {self.digits(5)}"

    # -- look-alikes that are not PII ---------------------------------------------------------------
    def ORDER(self) -> str:
        return self.r.choice([f"#{self.digits(7)}", f"{self.digits(9)}", f"A{self.digits(2)}-{self.digits(6)}",
                              f"ORD-{self.digits(8)}"])

    def TICKET(self) -> str:
        return self.r.choice([f"#{self.digits(5)}", f"INC{self.digits(7)}", f"REF-2024-{self.digits(5)}"])

    def TRACKING(self) -> str:
        return self.r.choice([f"1Z{self.digits(3)}AA{self.digits(10)}", f"{self.digits(12)}",
                              f"JD{self.digits(16)}"])

    def PRICE(self) -> str:
        return self.r.choice([f"${self.r.randint(5, 2999)}.{self.digits(2)}", f"£{self.r.randint(5, 999)}",
                              f"€{self.r.randint(1, 9)},{self.digits(3)}.00"])

    def DATE(self) -> str:
        d, m = self.r.randint(1, 28), self.r.randint(1, 12)
        return self.r.choice([f"{m:02d}/{d:02d}/2024", f"{d} March 2025", f"2024-{m:02d}-{d:02d}"])

    def TIME(self) -> str:
        return f"{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}"

    def VERSION(self) -> str:
        return self.r.choice([f"{self.r.randint(1, 12)}.{self.r.randint(0, 20)}.{self.r.randint(0, 9)}",
                              f"10.0.{self.digits(5)}", f"v{self.r.randint(1, 5)}.{self.r.randint(0, 9)}"])

    def SERIAL(self) -> str:
        return f"SN{self.digits(4)}-{self.digits(4)}-{self.digits(4)}"

    def PRODUCT(self) -> str:
        return self.r.choice(PRODUCTS)


def _ascii(s: str) -> str:
    return s.translate(str.maketrans("áéíóúüöçãñ", "aeiouuocan"))


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _iban_check(cc: str, bban: str) -> str:
    rearranged = bban + cc + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


_SLOT = re.compile(r"\{([A-Z]+)\}")


def fill(template: str, gen: Gen) -> dict:
    """Fill one template; returns {"text", "spans"} with gold spans for PII slots."""
    text, spans, pos = "", [], 0
    for m in _SLOT.finditer(template):
        text += template[pos:m.start()]
        slot = m.group(1)
        value = getattr(gen, slot)()
        if slot in SLOT_TYPE:
            spans.append([len(text), len(text) + len(value), SLOT_TYPE[slot]])
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "spans": spans}


def generate(n: int = 1000, seed: int = 7) -> list[dict]:
    """`n` labelled sentences, cycling over entity types so each gets about the same share."""
    gen = Gen(seed)
    order = list(TEMPLATES)
    out = []
    for i in range(n):
        kind = order[i % len(order)]
        out.append(fill(gen.r.choice(TEMPLATES[kind]), gen))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="-")
    args = ap.parse_args()
    rows = generate(args.n, args.seed)
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    if args.out == "-":
        print(lines, end="")
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(lines)


if __name__ == "__main__":
    main()
