"""Support email: `.mbox` mailboxes and single `.eml` messages.

Messages are grouped into threads by `Message-ID` / `In-Reply-To` / `References` (and, for replies
without those headers, by subject). The agent side is the support mailbox: the domain most thread
starters wrote to (or `extra["agent_domains"]`, a list or comma-separated string, when given);
everybody else is a customer. Automatic replies (Auto-Submitted, out-of-office) are dropped. Bodies
lose quoted replies, signatures and disclaimers (`emailtext.clean_email_body`); HTML-only mail is
rendered to text. A lone reply whose original is not in the file pairs with the text it quotes.

Provenance: `line` (where the message starts in an mbox) and `conversation` (the thread's first
message id). The mbox is read one message at a time; threads need every message, so what is held until
the end of the file is each message's cleaned text and a few headers, never the raw mail (a lone
reply's quoted original is read again from its byte offset when needed). Forwarded messages: the note
above the forward is the message; a forward without a note contributes the forwarded text.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.dialogue import check_context, conversation_examples
from ftcurate.core.importers.emailtext import clean_email_body, quoted_text
from ftcurate.core.importers.htmltext import html_to_text
from ftcurate.core.importers.textio import sample_file
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|fw|fwd|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_AUTO_SUBJECT = re.compile(r"^\s*(?:automatic reply|auto[- ]?reply|out of (?:the )?office|auto:)", re.I)


def iter_mbox(path: Path, progress: Progress | None = None, offsets: list[int] | None = None
              ) -> Iterator[tuple[int, bytes]]:
    """Yield `(line, raw message)` for each message of an mbox (mboxrd ">From " lines unescaped),
    holding one message at a time. When `offsets` is given, the byte offset where each yielded
    message's "From " line starts is appended to it before the message is yielded."""
    size = path.stat().st_size
    if progress is not None:
        progress.set_total(size)
    start, lines, prev_blank, done, start_off = 0, [], True, 0, 0
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            done += len(line)
            if line.startswith(b"From ") and prev_blank:
                if lines:
                    if offsets is not None:
                        offsets.append(start_off)
                    yield start, b"".join(lines)
                start, lines, start_off = lineno, [], done - len(line)
            elif start:
                lines.append(line[1:] if re.match(rb">+From ", line) else line)
            elif line.strip():
                raise UserError('not an mbox file: the first message must start with a "From " line',
                                path=path, line=lineno)
            prev_blank = not line.strip()
            if progress is not None and lineno % 20000 == 0:
                progress.set_progress(done)
                progress.check_cancelled()
    if lines:
        if offsets is not None:
            offsets.append(start_off)
        yield start, b"".join(lines)


def read_mbox_message(path: Path, offset: int) -> bytes:
    """The raw message whose "From " line starts at byte `offset` (for a second look at one message)."""
    out: list[bytes] = []
    with open(path, "rb") as fh:
        fh.seek(offset)
        fh.readline()
        prev_blank = False
        for line in fh:
            if line.startswith(b"From ") and prev_blank:
                break
            out.append(line[1:] if re.match(rb">+From ", line) else line)
            prev_blank = not line.strip()
    return b"".join(out)


def _addr(value: Any) -> str:
    return email.utils.parseaddr(str(value or ""))[1].lower()


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else address


def _ids(value: Any) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", str(value or ""))


def _body(msg: Any) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
        return html_to_text(content) if part.get_content_subtype() == "html" else content
    except (LookupError, ValueError, AttributeError):
        payload = msg.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)


def _raw_headers(msg: Any) -> dict[str, str]:
    """Header name (lower case) -> value, first occurrence, without the (slow) header registry;
    RFC 2047 encoded words ("=?utf-8?...") decoded."""
    out: dict[str, str] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in out:
            continue
        value = re.sub(r"\r?\n[ \t]+", " ", str(value)).strip()
        if "=?" in value:
            try:
                value = str(email.header.make_header(email.header.decode_header(value)))
            except (LookupError, ValueError, UnicodeError):
                pass
        out[key] = value
    return out


def parse_message(raw: bytes, loc: dict[str, Any]) -> dict[str, Any]:
    """The parts of one message the importer needs (its cleaned text, not the raw body). Raises
    `UserError` (with the line) when the message's MIME parts are nested too deeply to read."""
    try:
        return _parse_message(raw, loc)
    except RecursionError:
        raise UserError("an e-mail whose MIME parts are nested too deeply to read",
                        line=loc.get("line")) from None


def _parse_message(raw: bytes, loc: dict[str, Any]) -> dict[str, Any]:
    # headers are read from the raw text: faster than the header registry, and the structured
    # parser fails on values such as `<<<>>>`
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    h = _raw_headers(msg)
    try:
        date = email.utils.parsedate_to_datetime(h["date"]) if h.get("date") else None
        stamp = date.timestamp() if date and date.tzinfo else None
    except (TypeError, ValueError, IndexError):
        stamp = None
    subject = h.get("subject", "")
    auto = (h.get("auto-submitted", "no").lower() != "no" or "x-autoreply" in h
            or h.get("precedence", "").lower() in ("bulk", "junk", "auto_reply")
            or bool(_AUTO_SUBJECT.match(subject)))
    body = _body(msg)
    ids = _ids(h.get("message-id"))
    sender = h.get("from", "")
    return {"id": ids[0] if ids else f"{loc}", "in_reply_to": _ids(h.get("in-reply-to")),
            "references": _ids(h.get("references")), "from": _addr(sender),
            "to": [a.lower() for _, a in email.utils.getaddresses([h.get("to", "")]) if a],
            "subject": subject, "date": stamp, "auto": auto,
            "text": clean_email_body(body, email.utils.parseaddr(sender)[0] or sender), "loc": loc}


class _Mail:
    """What is kept of one message until its thread is complete (no raw mail, no reference lists)."""

    __slots__ = ("id", "sender", "to", "subject", "date", "auto", "text", "line", "offset", "replying")

    def __init__(self, m: dict[str, Any], offset: int | None) -> None:
        self.id, self.sender, self.subject, self.date = m["id"], m["from"], m["subject"], m["date"]
        self.to = m["to"][0] if m["to"] else ""
        self.auto, self.text, self.line, self.offset = m["auto"], m["text"], m["loc"].get("line"), offset
        self.replying = bool(m["in_reply_to"])

    @property
    def loc(self) -> dict[str, Any]:
        return {"line": self.line} if self.line else {}


class _Threads:
    """Union-find over message ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _agent_domains(options: ImportOptions) -> set[str]:
    raw = options.extra.get("agent_domains") or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return {d.strip().lower().lstrip("@") for d in raw if d.strip()}


@register_importer
class EmailImporter(Importer):
    """Support conversations from .mbox mailboxes and .eml messages."""

    name = "email"
    kind = "support"
    extensions = (".eml", ".mbox")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        sample = sample_file(path)
        if sample.fmt not in ("email", "mbox"):
            return None
        domains = _agent_domains(options)
        who = (f"agents: {', '.join(sorted(domains))}" if domains else
               "agents: the support mailbox's domain (the one customers write to)")
        summary = (f"email ({'mailbox' if sample.fmt == 'mbox' else 'one message'}): threads by "
                   f"Message-ID/References; {who}; quoted replies, signatures and disclaimers removed; "
                   f"context={options.context}")
        return Detection(self.name, self.kind, 0.95, summary, {}, None)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        context = check_context(options.context)
        sample = sample_file(path)
        offsets: list[int] = []
        raws = iter_mbox(path, progress, offsets) if sample.fmt == "mbox" else iter([(0, path.read_bytes())])
        threads = _Threads()
        by_subject: dict[str, str] = {}
        msgs: list[_Mail] = []
        for line, raw in raws:
            m = parse_message(raw, {"line": line} if line else {})
            threads.find(m["id"])
            linked = m["references"] + m["in_reply_to"]
            for ref in linked:  # threads are linked as messages arrive; the id lists are not kept
                threads.union(ref, m["id"])
            norm = _REPLY_PREFIX.sub("", m["subject"]).strip().lower()
            if not linked and norm and _REPLY_PREFIX.match(m["subject"]) and norm in by_subject:
                threads.union(by_subject[norm], m["id"])
            if norm:
                by_subject.setdefault(norm, m["id"])
            msgs.append(_Mail(m, offsets[-1] if offsets else None))
        del by_subject
        if not msgs:
            raise UserError("no email messages found", path=path)
        groups: dict[str, list[_Mail]] = {}
        for mail in msgs:
            groups.setdefault(threads.find(mail.id), []).append(mail)
        del threads
        agents = _agent_domains(options) or self._support_domains(groups)
        lone = len(msgs) == 1
        del msgs
        for thread in groups.values():
            if all(m.date is not None for m in thread):
                thread.sort(key=lambda m: m.date)
            yield from self._thread_examples(path, thread, agents, context, lone)

    @staticmethod
    def _support_domains(groups: dict[str, list[_Mail]]) -> set[str]:
        """The domain most thread starters wrote to: the support mailbox."""
        to = Counter(_domain(thread[0].to) for thread in groups.values() if thread[0].to and not thread[0].replying)
        return {to.most_common(1)[0][0]} if to else set()

    def _thread_examples(self, path: Path, thread: list[_Mail], agents: set[str], context: str,
                         lone: bool) -> Iterator[Example]:
        conv = thread[0].id
        turns = []
        starter = thread[0].sender
        for m in thread:
            if m.auto:
                self.drop("automatic replies (out of office, auto-submitted)")
                continue
            if not m.text:
                self.drop("messages with nothing new (only quoted text or a signature)")
                continue
            if agents:
                role = "assistant" if _domain(m.sender) in agents else "user"
            else:  # no support mailbox known: whoever started the thread is the customer
                role = "user" if m.sender == starter else "assistant"
            turns.append((role, m.text, {**m.loc, "message_id": m.id}))
        is_reply = bool(thread[0].replying or _REPLY_PREFIX.match(thread[0].subject))
        if len(turns) == 1 and is_reply and (turns[0][0] == "assistant" or lone):
            raw = read_mbox_message(path, thread[0].offset) if thread[0].offset is not None else path.read_bytes()
            original = quoted_text(_body(email.message_from_bytes(raw, policy=email.policy.default)))
            if original:  # a reply whose original is not in the file: pair it with what it quotes
                turns = [("user", original, thread[0].loc), ("assistant", turns[0][1], turns[0][2])]
        subject = _REPLY_PREFIX.sub("", thread[0].subject).strip()
        for ex in conversation_examples(conv, turns, context, None, {"subject": subject} if subject else None):
            ex.metadata["message_id"] = ex.provenance.pop("message_id", None)
            yield ex
