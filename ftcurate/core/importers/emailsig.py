"""Signatures at the end of an email (see `emailtext` for the whole clean-up).

`strip_signature(text, sender)` cuts, at the earliest of these near the end of the message:
- a signature delimiter line "-- " (or "--") followed by at most 12 lines;
- a mobile or app footer: "Sent from my iPhone", "Sent from my Verizon Wireless BlackBerry" (at most
  four words after "my", no punctuation: "Sent from my desk, is much easier" is a sentence),
  "Get Outlook for iOS", "Sent with Sparrow (...)";
- a closing line ("Thanks,", "Kind regards", "Cheers") followed by at most 5 short lines;
- a short "-Name" / "- First Last" line followed by at most 5 short lines;
- a rule ("-----", "_____", "=====") followed only by short lines (mailing-list footers, contact blocks);
- a block of at most 8 short lines whose first line holds the sender's first or last name.
A signature is never the whole message: when a rule would leave nothing, the text is kept.
"""

from __future__ import annotations

import re

_DELIM = re.compile(r"^-- ?$|^--$")
_MOBILE = re.compile(r"^[ \t]*(?:Sent from my(?: [\w-]+){1,4}|Sent from (?:Mail|Yahoo Mail|Outlook|my mobile)"
                     r"(?: for [\w ]+)?|Get Outlook for \w+|Sent with \w+(?: \([^)]*\))?|Sent via \w+[\w ]*)"
                     r"[ \t]*\.?$", re.I)
_CLOSING = re.compile(r"^[ \t]*(?:(?:best|kind|warm|warmest|many|all the best)?[ \t]*(?:regards|wishes|thanks)|"
                      r"thanks(?: again| so much| a lot)?|thank you(?: so much| again| very much)?|cheers|sincerely|"
                      r"yours(?: truly| sincerely| faithfully)?|all the best|best|respectfully|take care|"
                      r"with (?:kind |best )?regards|mit freundlichen grüßen|viele grüße|cordialement|"
                      r"с уважением|saludos)[ \t]*[,.!]?[ \t]*$", re.I)
_DASH_NAME = re.compile(r"^[ \t]*[-~\u2013\u2014][ \t]?[A-Z][\w.'-]*(?:[ \t][A-Z][\w.'-]*){0,2}[ \t]*$")
_RULE = re.compile(r"^[ \t]*(?:_{5,}|-{5,}|={5,})[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]")
SHORT = 60


def _short(lines: list[str], limit: int = SHORT) -> bool:
    return all(len(ln.strip()) <= limit for ln in lines)


def _name_words(sender: str | None) -> set[str]:
    if not sender:
        return set()
    name = re.sub(r"<[^>]*>|\([^)]*\)|\"", " ", sender)
    if "@" in name:  # an address only: its local part ("john.doe@" -> john, doe)
        name = re.split(r"@", name.strip())[0].replace(".", " ").replace("_", " ")
    return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", name)}


def strip_signature(text: str, sender: str | None = None) -> str:
    """`text` without its trailing signature (see the module docstring)."""
    lines = text.rstrip().split("\n")
    n = len(lines)
    cut = n

    def tail(i: int) -> list[str]:  # what a signature starting at line i would hold, up to the last cut
        return [ln for ln in lines[i + 1:cut] if ln.strip()]

    names = _name_words(sender)
    for i in range(n - 1, max(-1, n - 20), -1):
        line = lines[i]
        if _DELIM.match(line) and len(tail(i)) <= 12:
            cut = i
        elif _MOBILE.match(line) and len(tail(i)) <= 3:
            cut = i
        elif _CLOSING.match(line) and len(tail(i)) <= 5 and _short(tail(i)) and i > 0:
            cut = i
        elif _DASH_NAME.match(line) and len(tail(i)) <= 5 and _short(tail(i)) and i > 0 and \
                not _LIST_ITEM.match(lines[i - 1]) and not (i + 1 < n and _LIST_ITEM.match(lines[i + 1])):
            cut = i
        elif _RULE.match(line) and 0 < len(tail(i)) <= 12 and _short(tail(i), 80) and i > 0:
            cut = i
        elif names and len(tail(i)) <= 7 and _short([line] + tail(i)) and line.strip() and \
                set(re.findall(r"[^\W\d_]{3,}", line.lower())) & names and len(line.split()) <= 6 and i > 0:
            cut = i
    if not "\n".join(lines[:cut]).strip():
        return text
    return "\n".join(lines[:cut]).rstrip()
