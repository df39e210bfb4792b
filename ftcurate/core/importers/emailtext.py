"""Email bodies to the message a person wrote: quoted replies, signatures and disclaimers removed.

`clean_email_body` cuts at the first quoted-reply marker ("On ... wrote:", "-----Original Message-----",
an Outlook "From:/Sent:" header block, lines starting with ">"), then at a signature ("-- ", "Sent from
my ...", a closing such as "Kind regards," followed by a few short lines), and drops legal disclaimer
paragraphs. `quoted_text` returns the first quoted message, for a lone reply whose original is not in
the file.
"""

from __future__ import annotations

import re

from ftcurate.core.importers.cleaning import normalize_text

_QUOTE_HEADERS = [
    re.compile(r"^[ \t]*On\b[^\n]{0,300}?(?:\n[^\n]{0,200}?)?\bwrote:[ \t]*$", re.M),
    re.compile(r"^[ \t]*(?:Le|Am|El|Il|Op)\b[^\n]{0,300}(?:a écrit|schrieb|escribió|ha scritto|schreef)[ \t]*:?[ \t]*$",
               re.M),
    re.compile(r"^[ \t]*-{2,}[ \t]*(?:Original Message|Forwarded message|Reply above this line)[ \t]*-{0,}[ \t]*$",
               re.M | re.I),
    re.compile(r"^[ \t]*_{8,}[ \t]*\n[ \t]*From:", re.M),
    re.compile(r"^[ \t]*\*?From:\*?[ \t][^\n]+\n[ \t]*\*?(?:Sent|Date):\*?[ \t]", re.M),
    re.compile(r"^[ \t]*#{2,}[ \t]*Please (?:type|reply) (?:your reply )?above this line", re.M | re.I),
]
_QUOTED_LINE = re.compile(r"^[ \t]*>")
_SIG_DELIM = re.compile(r"^-- ?$", re.M)
_MOBILE = re.compile(r"^[ \t]*(?:Sent from my [^\n]+|Get Outlook for [^\n]+|Sent from (?:Mail|Yahoo Mail|"
                     r"Outlook)[^\n]*)$", re.M | re.I)
_CLOSING = re.compile(r"^[ \t]*(?:(?:best|kind|warm|warmest|many)?[ \t]*(?:regards|wishes|thanks)|"
                      r"thanks(?: again| so much| a lot)?|thank you(?: so much| again)?|cheers|sincerely|"
                      r"yours(?: truly| sincerely| faithfully)?|all the best|best|respectfully|"
                      r"with (?:kind |best )?regards)[ \t]*[,.!]?[ \t]*$", re.I)
_DISCLAIMER = re.compile(
    r"(?is)^\s*(?:disclaimer|confidentiality notice|legal notice|important notice)\b"
    r"|(?:confidential|privileged|proprietary).{0,300}(?:intended (?:solely |only )?for|intended recipient|"
    r"addressee|notify the sender|delete (?:it|this))"
    r"|this (?:e-?mail|message)(?: and any (?:files|attachments)[^.]{0,60})? (?:is|are|may be) "
    r"(?:confidential|intended)")


def strip_quoted(text: str) -> str:
    """The part of a reply above the quoted earlier message."""
    cut = len(text)
    for pat in _QUOTE_HEADERS:
        m = pat.search(text)
        if m and m.start() < cut:
            cut = m.start()
    text = text[:cut]
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _QUOTED_LINE.match(lines[-1])):
        lines.pop()
    return "\n".join(line for line in lines if not _QUOTED_LINE.match(line))


def strip_signature(text: str) -> str:
    """Cut at a signature delimiter, a "Sent from my ..." line, or a closing followed by <= 5 short lines."""
    m = _SIG_DELIM.search(text)
    if m:
        text = text[:m.start()]
    m = _MOBILE.search(text)
    if m:
        text = text[:m.start()]
    lines = text.rstrip().split("\n")
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if _CLOSING.match(lines[i]):
            tail = [ln for ln in lines[i + 1:] if ln.strip()]
            if len(tail) <= 5 and all(len(ln.strip()) <= 60 for ln in tail) and i > 0:
                return "\n".join(lines[:i])
            break
    return text


def strip_disclaimer(text: str) -> str:
    """Drop a legal disclaimer paragraph and everything after it."""
    paras = re.split(r"\n[ \t]*\n", text)
    for i, para in enumerate(paras):
        if i > 0 and _DISCLAIMER.search(para):
            return "\n\n".join(paras[:i])
    return text


def clean_email_body(text: str) -> str:
    """The new text of an email body (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_quoted(text)
    text = strip_disclaimer(text)
    text = strip_signature(text)
    return normalize_text(text)


def quoted_text(text: str) -> str:
    """The first quoted earlier message of a reply (">"-prefixed lines or the text below a quote
    header), cleaned; "" when there is none."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    start = None
    for pat in _QUOTE_HEADERS:
        m = pat.search(text)
        if m and (start is None or m.start() < start[0]):
            start = (m.start(), m.end())
    if start is not None:
        below = text[start[1]:]
        below = re.sub(r"^(?:[ \t]*\*?(?:From|Sent|Date|To|Cc|Subject):[^\n]*\n)+", "", below.lstrip("\n"))
    else:
        below = "\n".join(ln for ln in text.split("\n") if _QUOTED_LINE.match(ln))
    if not below.strip():
        return ""
    unquoted = "\n".join(re.sub(r"^[ \t]*>[ \t]?", "", ln) for ln in below.split("\n"))
    return clean_email_body(unquoted)
