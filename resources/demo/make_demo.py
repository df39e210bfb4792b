"""Generate the demo project's raw files for the fictional shop "Fernhill Outdoor Co.".

Deterministic (seeded). Writes support_log.csv (one row per message), faq.html (FAQ page with
sections) and catalog.csv (a Shopify-style product export). Planted on purpose, so the checks have
something to find: personal data, repeated and near-repeated answers, one conflicting answer, a
leftover template placeholder, a curt reply, an internal note and a bot message that must be dropped.

    python resources/demo/make_demo.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
rng = random.Random(7)

NAMES = ["Maya Lindqvist", "Tom Okafor", "Priya Raman", "Luis Ortega", "Hannah Becker", "Kenji Watanabe",
         "Sofia Rossi", "Daniel Novak", "Aisha Karim", "Ben Carter", "Chloe Dubois", "Ivan Petrov"]
AGENTS = ["Jo", "Sam", "Alex"]
PRODUCTS = ["Ridgeline 2 tent", "Summit 45L backpack", "TrailLite sleeping bag", "Cascade rain jacket",
            "Granite hiking boots", "Ember camp stove", "Drift inflatable mat", "Beacon headlamp"]

# (intent, customer openings, agent answers)
INTENTS = [
    ("shipping", ["Where is my order {order}? It's been a week.", "Hi, my order {order} hasn't arrived yet.",
                  "Can you tell me when order {order} will get here?"],
     ["I'm sorry for the wait. Order {order} left our warehouse on Monday and should arrive within "
      "2 business days. You'll get a tracking email as soon as the carrier scans it.",
      "Thanks for your patience. Order {order} is with the carrier now and is due to arrive by Friday. "
      "I've sent the tracking link to your email."]),
    ("returns", ["How do I return the {product}? It doesn't fit.", "I'd like to send back my {product}.",
                 "Can I return a {product} I bought last month?"],
     ["You can return any unused item within 30 days for a full refund. Start the return from "
      "Orders > Return an item, print the prepaid label, and drop the parcel at any post office.",
      "Of course. Unused items can be returned within 30 days. Go to Orders > Return an item to print "
      "a free return label; your refund is issued within 5 business days of us receiving it."]),
    ("warranty", ["My {product} broke after two months, is it covered?",
                  "The zipper on my {product} failed. What can I do?"],
     ["I'm sorry to hear that. The {product} has a 2-year warranty against defects. Please send a photo "
      "of the damage and your order number, and we'll arrange a repair or replacement.",
      "That shouldn't happen. Manufacturing defects are covered for 2 years, so we'll replace the "
      "{product} at no cost. Could you reply with a photo of the issue?"]),
    ("product_info", ["Is the {product} waterproof?", "How heavy is the {product}?",
                      "Is the {product} good for winter camping?"],
     ["Great question! The {product} is rated for three-season use and has fully taped seams, so it "
      "stays dry in heavy rain. For winter camping we recommend pairing it with an insulated mat.",
      "The {product} is built for three seasons. It keeps out heavy rain, but for snow and sub-zero "
      "nights we suggest our winter range."]),
    ("account", ["I can't log in to my account.", "How do I change the email on my account?"],
     ["Let's get you back in. Use 'Forgot password' on the sign-in page and we'll email you a reset "
      "link that is valid for one hour. If it doesn't arrive, check your spam folder.",
      "You can change your email under Account > Profile. We'll send a confirmation link to the new "
      "address before the change takes effect."]),
    ("payment", ["Was I charged twice for order {order}?", "My card was declined, why?"],
     ["I've checked order {order}: there is one charge and one temporary authorisation hold. The hold "
      "disappears from your statement within 3 to 5 business days.",
      "Declines usually come from the card issuer. Please check the billing address matches your card, "
      "or try another payment method; we accept all major cards and PayPal."]),
]


def order() -> str:
    return f"FH-{rng.randint(10000, 99999)}"


def support_log() -> None:
    rows = []
    t = 1_700_000_000
    for c in range(1, 121):
        conv = f"T{1000 + c}"
        name = NAMES[c % len(NAMES)]
        agent = AGENTS[c % len(AGENTS)]
        intent, asks, answers = rng.choices(INTENTS, weights=[40, 25, 10, 15, 6, 4])[0]
        product, o = rng.choice(PRODUCTS), order()
        ask = rng.choice(asks).format(order=o, product=product)
        if c == 29:  # a returns question whose answer contradicts the 30-day policy (below)
            intent, ask = "returns", f"How do I return the {product}? It doesn't fit."
        t += rng.randint(600, 7200)
        if c % 10 == 3:
            rows.append((conv, t, intent, "bot", "Hi! I'm Fernbot. An agent will be with you shortly."))
        # personal data a customer typically pastes in
        if c % 7 == 1:
            ask += f" My name is {name}, phone +44 20 7946 0{rng.randint(100, 999)}."
        if c % 9 == 2:
            ask += f" You can reach me at {name.split()[0].lower()}.{name.split()[1].lower()}@example.com."
        if c % 17 == 5:
            ask += " I paid with card 4539 1488 0343 6467."
        rows.append((conv, t, intent, "customer", ask))
        if c % 6 == 0:
            rows.append((conv, t + 30, intent, "customer", "Thanks in advance!"))  # merges with the line above
        if c % 8 == 4:
            rows.append((conv, t + 60, intent, "note", "Internal: customer is a repeat buyer, be generous."))
        answer = rng.choice(answers).format(order=o, product=product)
        if c % 23 == 11:
            answer = "Read the FAQ."  # curt
        if c % 19 == 7:
            answer = "Hi {{Customer Name}}, your refund for order {{Order Number}} has been processed."
        if c == 29:  # conflicts with the 30-day policy above
            answer = ("Returns are accepted within 14 days only, and you pay the return shipping. "
                      "Start the return from Orders > Return an item.")
        rows.append((conv, t + 300, intent, "agent", f"{answer}\n{agent}, Fernhill Support"))
        if c % 5 == 0:  # a follow-up exchange
            rows.append((conv, t + 900, intent, "customer", "Great, and do you also ship to Canada?"))
            rows.append((conv, t + 1200, intent, "agent",
                         "Yes, we ship to Canada. Delivery takes 5 to 8 business days and duties are "
                         "included in the price at checkout."))
    with open(HERE / "support_log.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ticket_id", "timestamp", "category", "sender", "message"])
        for conv, ts, category, sender, msg in rows:
            w.writerow([conv, ts, category, sender, msg])


FAQ = {
    "Orders & shipping": [
        ("How long does delivery take?", "<p>Standard delivery takes <b>2 to 4 business days</b> within "
         "the UK. Express delivery arrives the next business day when you order before 2 pm.</p>"),
        ("Do you ship internationally?", "<p>Yes. We ship to:</p><ul><li>the EU (3 to 6 days)</li>"
         "<li>Canada and the US (5 to 8 days)</li><li>Australia (7 to 12 days)</li></ul>"),
        ("How much is shipping?", "<p>Shipping is free on orders over £50. Below that, standard shipping "
         "costs £4.95.</p>"),
        ("How can I track my order?", "<p>Use the link in your dispatch email, or open "
         "<a href='https://fernhill.example/orders'>your orders page</a>.</p>"),
        ("Can I change my delivery address?", "<p>Yes, as long as the order has not been dispatched. "
         "Contact us with your order number.</p>"),
    ],
    "Returns & refunds": [
        ("What is your return policy?", "<p>Unused items can be returned within <b>30 days</b> for a "
         "full refund. Return shipping is free.</p>"),
        ("How do I start a return?", "<ol><li>Go to Orders &gt; Return an item.</li><li>Print the "
         "prepaid label.</li><li>Drop the parcel at any post office.</li></ol>"),
        ("When will I get my refund?", "<p>Refunds are issued within 5 business days after we receive "
         "your return.</p>"),
        ("What's your return policy?", "<p>Unused items can be returned within 30 days for a full "
         "refund, and return shipping is free.</p>"),
    ],
    "Products & care": [
        ("How do I wash my rain jacket?", "<p>Machine wash at 30°C with a technical wash, then tumble "
         "dry on low to reactivate the water-repellent finish.</p>"),
        ("Are your tents waterproof?", "<p>All our tents have fully taped seams and a 3000 mm "
         "hydrostatic head rating.</p>"),
        ("What size backpack do I need?", "<p>For day hikes 20 to 30 litres is enough; for overnight "
         "trips choose 40 to 50 litres.</p>"),
        ("Do you offer repairs?", "<p>Yes. Our repair service fixes zips, seams and buckles at cost, "
         "and free of charge under warranty.</p>"),
        ("How long is the warranty?", "<p>Every product has a 2-year warranty against manufacturing "
         "defects.</p>"),
    ],
    "Account & payment": [
        ("Which payment methods do you accept?", "<p>Visa, Mastercard, American Express and PayPal.</p>"),
        ("How do I reset my password?", "<p>Click 'Forgot password' on the sign-in page and follow the "
         "link we email you.</p>"),
        ("Can I order without an account?", "<p>Yes, guest checkout is available.</p>"),
        ("Is my payment information safe?", "<p>Payments are processed by our PCI-compliant payment "
         "provider; we never store your full card number.</p>"),
    ],
}


def faq_page() -> None:
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<title>Help centre - Fernhill Outdoor Co.</title></head><body>",
             "<h1>Frequently asked questions</h1>"]
    for section, items in FAQ.items():
        parts.append(f"<h2>{section}</h2>")
        for q, a in items:
            parts.append(f"<details><summary>{q}</summary>{a}</details>")
    parts.append("<footer>Fernhill Outdoor Co., support@fernhill.example</footer></body></html>")
    (HERE / "faq.html").write_text("\n".join(parts) + "\n", encoding="utf-8")


CATALOG = [
    ("ridgeline-2-tent", "Ridgeline 2 Tent", "<p>A light two-person tent for three-season trips. "
     "Fully taped seams, two doors and two porches.</p>", "Tents", "Camping | Tents",
     "tent, 2-person", [("Green", 249.00), ("Sand", 249.00)], "Colour"),
    ("summit-45l-backpack", "Summit 45L Backpack", "<p>An adjustable trekking pack with a ventilated "
     "back system and a rain cover.</p>", "Backpacks", "Hiking | Backpacks",
     "backpack, trekking", [("S/M", 139.00), ("M/L", 139.00)], "Size"),
    ("traillite-sleeping-bag", "TrailLite Sleeping Bag", "<p>Synthetic-fill sleeping bag, comfort "
     "rating 2°C, packs to the size of a melon.</p>", "Sleeping bags", "Camping | Sleeping",
     "sleeping bag", [("Regular", 119.00), ("Long", 129.00)], "Length"),
    ("cascade-rain-jacket", "Cascade Rain Jacket", "<p>Three-layer waterproof, breathable shell with a "
     "helmet-compatible hood.</p>", "Jackets", "Clothing | Jackets",
     "jacket, waterproof", [("S", 179.00), ("M", 179.00), ("L", 179.00), ("XL", 179.00)], "Size"),
    ("granite-hiking-boots", "Granite Hiking Boots", "<p>Leather boots with a waterproof membrane "
     "and a grippy rubber sole.</p>", "Footwear", "Footwear | Boots",
     "boots", [("40", 159.00), ("41", 159.00), ("42", 159.00), ("43", 159.00), ("44", 159.00)], "Size"),
    ("ember-camp-stove", "Ember Camp Stove", "<p>A compact gas stove that boils a litre of water in "
     "under four minutes.</p>", "Stoves", "Camping | Cooking", "stove", [("Default", 49.00)], "Title"),
    ("drift-inflatable-mat", "Drift Inflatable Mat", "<p>A 7 cm thick insulated mat, R-value 3.5.</p>",
     "Mats", "Camping | Sleeping", "mat", [("Regular", 89.00), ("Wide", 99.00)], "Size"),
    ("beacon-headlamp", "Beacon Headlamp", "", "Lighting", "Camping | Lighting", "headlamp",
     [("Default", 34.00)], "Title"),
]


def catalog() -> None:
    header = ["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Product Category",
              "Option1 Name", "Option1 Value", "Variant Price", "Variant SKU"]
    with open(HERE / "catalog.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for handle, title, body, ptype, category, tags, variants, opt in CATALOG:
            for i, (value, price) in enumerate(variants):
                first = i == 0
                w.writerow([handle, title if first else "", body if first else "",
                            "Fernhill" if first else "", ptype if first else "", tags if first else "",
                            category if first else "", opt if first else "", value, f"{price:.2f}",
                            f"{handle[:6].upper()}-{i + 1}"])


if __name__ == "__main__":
    support_log()
    faq_page()
    catalog()
    print("wrote", ", ".join(p.name for p in sorted(HERE.glob("*.*")) if p.suffix != ".py"))
