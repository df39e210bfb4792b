"""Email bodies to the message a person wrote: quoted history, signatures, footers and disclaimers out.

`clean_email_body(text, sender)` works line by line:
1. History that is never answered inline is cut at its first line: "-----Original Message-----",
   "---------- Forwarded message ----------", an Outlook/webmail header block ("From:" with "Sent:"/
   "Date:"/"To:"/"Subject:" lines, also starred or localised: "От:", "Von:", "De:"), an underscore rule
   followed by "From:", a "Date ... <address>:" line (mail.ru, Yandex), "reply above this line".
2. An attribution line ("On <date>, <name> wrote:", up to three lines long; also "<date> <name>
   написал:", "Le ... a écrit :", "Am ... schrieb:", "... writes:") and the ">"-quoted lines after it
   are removed; text written below or between quoted blocks (bottom-posting, inline answers) is kept.
   If the attribution is followed by unquoted text, that text is the old message and is cut too.
3. Disclaimers (a paragraph about confidentiality/intended recipients) and what follows are cut.
4. The signature is cut: a "-- " line, "Sent from my iPhone"-style lines, a closing ("Thanks,",
   "Kind regards,") followed by a few short lines, a short "-Name" line, a rule ("-----", "_____")
   followed only by short lines (list footers, contact blocks), or a block of short lines that starts
   with the sender's name (`sender`, from the From header).
A message that is only a forward with no note keeps the forwarded message's text (headers removed).
`quoted_text` returns the first quoted earlier message, for a lone reply whose original is missing.
"""

from __future__ import annotations

import re

from ftcurate.core.importers.cleaning import normalize_text
from ftcurate.core.importers.emailsig import strip_signature

_HDR = (r"(?:from|sent|date|to|cc|bcc|subject|reply-to|от|отправлено|дата|кому|тема|копия|von|gesendet|an|"
        r"betreff|datum|de|envoyé|à|objet|para|enviado|asunto|da|inviato|oggetto|van|verzonden|aan|onderwerp)")
_HEADER_LINE = re.compile(rf"^[ \t]*\*?{_HDR}\*?[ \t]*:\*?[ \t]*\S", re.I)
_HEADER_START = re.compile(r"^[ \t]*\*?(?:from|date|от|von|de|da|van)\*?[ \t]*:", re.I)
_HARD = [
    re.compile(r"^[ \t]*-{2,}[ \t]*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|"
               r"Mensaje original|Исходное сообщение)[ \t]*-*[ \t]*$", re.I),
    re.compile(r"^[ \t]*#{2,}[ \t]*Please (?:type|reply) (?:your reply )?above this line", re.I),
    re.compile(r"^[ \t]*-{0,3}[ \t]*(?:reply|write|type) above this line", re.I),
    re.compile(r"^[^\n]{0,80}\d[^\n]{0,80}<[^<>@\s]+@[^<>\s]+>:[ \t]*$"),  # "26.06.2014, 14:41, "A" <a@b>:"
]
_FORWARD = re.compile(r"^[ \t]*-{2,}[ \t]*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|"
                      r"Mensaje reenviado|Пересылаемое сообщение)[ \t]*-*[ \t]*$|^[ \t]*Begin forwarded message:",
                      re.I)
_RULE = re.compile(r"^[ \t]*(?:_{5,}|-{5,}|={5,})[ \t]*$")
_VERB = (r"(?:wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał|kirjoitti|"
         r"написал|написала|пишет|escreveu)")
_ATTRIBUTION = re.compile(rf"^[ \t]*(?:-{{2,}}[ \t]*)?(?:On|Le|Am|El|Il|Op|Em|Den|W dniu|\d)[^\n]{{0,300}}"
                          rf"(?:\n(?![ \t]*>)[^\n]{{0,200}}){{0,2}}?{_VERB}[ \t]*:?[ \t]*$", re.I | re.M)
_WRITES = re.compile(rf"^[^\n>]{{0,120}}\b{_VERB}:[ \t]*$", re.I)
_QUOTED = re.compile(r"^[ \t]*>")
_DISCLAIMER = re.compile(
    r"(?is)^\s*(?:disclaimer|confidentiality notice|legal notice|important notice)\b"
    r"|(?:confidential|privileged|proprietary).{0,300}(?:intended (?:solely |only )?for|intended recipient|"
    r"addressee|notify the sender|delete (?:it|this))"
    r"|this (?:e-?mail|message)(?: and any (?:files|attachments)[^.]{0,60})? (?:is|are|may be) "
    r"(?:confidential|intended)")


def _header_block(lines: list[str], i: int) -> bool:
    """Does an Outlook-style header block ("From:" + two more header lines) start at line i?"""
    if not _HEADER_START.match(lines[i]):
        return False
    n, j = 1, i + 1
    while j < len(lines) and j < i + 8:
        if _HEADER_LINE.match(lines[j]):
            n += 1
        elif lines[j].strip():
            break
        j += 1
    return n >= 3 or n >= 2 and bool(re.match(r"^[ \t]*\*?(?:sent|date|gesendet|отправлено)", lines[i + 1], re.I))


def _hard_cut(lines: list[str]) -> tuple[int, int | None]:
    """(index of the first line of unanswered history, index of a forward header or None)."""
    for i, line in enumerate(lines):
        if _FORWARD.match(line):
            return i, i
        if any(p.match(line) for p in _HARD) or _header_block(lines, i):
            while i > 0 and (_RULE.match(lines[i - 1]) or not lines[i - 1].strip()):
                i -= 1  # the rule Outlook draws above the header block
            return i, None
    return len(lines), None


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines an attribution ("On ... wrote:") starting at line i spans (0: none)."""
    line = lines[i]
    if _QUOTED.match(line) or not line.strip():
        return 0
    if _WRITES.match(line):
        return 1
    for span in (1, 2, 3):
        chunk = "\n".join(lines[i:i + span])
        if i + span <= len(lines) and _ATTRIBUTION.fullmatch(chunk):
            return span
    return 0


def strip_quoted(text: str) -> str:
    """The text a person wrote, without earlier messages (steps 1-2 of the module docstring)."""
    lines = text.split("\n")
    cut, forward = _hard_cut(lines)
    kept: list[str] = []
    i = 0
    while i < cut:
        span = _attribution_at(lines, i)
        if span:
            j = i + span
            while j < cut and not lines[j].strip():
                j += 1
            if j < cut and not _QUOTED.match(lines[j]):
                break  # an unprefixed quote: everything below is the old message
            i = j
            continue
        if not _QUOTED.match(lines[i]):
            kept.append(lines[i])
        i += 1
    out = "\n".join(kept).strip()
    if not out and forward is not None:  # a bare forward: its message is the content
        rest = lines[forward + 1:]
        while rest and (_HEADER_LINE.match(rest[0]) or not rest[0].strip()):
            rest = rest[1:]
        return strip_quoted("\n".join(rest))
    return out


def strip_disclaimer(text: str) -> str:
    """Drop a legal disclaimer paragraph and everything after it."""
    paras = re.split(r"\n[ \t]*\n", text)
    for i, para in enumerate(paras):
        if i > 0 and _DISCLAIMER.search(para):
            return "\n\n".join(paras[:i])
    return text


def clean_email_body(text: str, sender: str | None = None) -> str:
    """The new text of an email body (see the module docstring). `sender` is the From header's display
    name or address, used to find a signature that starts with the sender's name."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_quoted(text)
    text = strip_disclaimer(text)
    text = strip_signature(text, sender)
    return normalize_text(text)


def quoted_text(text: str) -> str:
    """The first quoted earlier message of a reply (">"-prefixed lines or the text below a quote
    header), cleaned; "" when there is none."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = None
    for i in range(len(lines)):
        span = _attribution_at(lines, i)
        if span or _FORWARD.match(lines[i]) or any(p.match(lines[i]) for p in _HARD) or _header_block(lines, i):
            start = i + max(span, 1)
            break
    if start is not None:
        below = lines[start:]
        while below and (_HEADER_LINE.match(below[0]) or not below[0].strip()):
            below = below[1:]
    else:
        below = [ln for ln in lines if _QUOTED.match(ln)]
    if not "".join(below).strip():
        return ""
    unquoted = "\n".join(re.sub(r"^[ \t]*>[ \t]?", "", ln) for ln in below)
    return clean_email_body(unquoted)
