"""How each help-desk tool's API export is shaped: which records it has and who wrote each message.

Each `*Shape` recognises records of one tool (`kind`) and turns them into `ToolMessage`s:
- "conversation" records hold a whole ticket or conversation (its messages come back at once);
- "message" records hold one message or event with the id of its ticket (the importer groups them).

Documented shapes read here (fields not named are ignored):
- Zendesk (API v2): tickets (`requester_id`, `submitter_id`, `via`, `subject`, `type`) with a
  `comments` list (`author_id`, `public`, `plain_body`/`body`/`html_body`, `created_at`); comment lists
  (`{"comments": [...]}`); the incremental ticket event export (`ticket_events`: `ticket_id`,
  `updater_id`, `child_events` with `event_type: "Comment"`, `public`, `body`/`html_body`, `author_id`).
  Customer = the ticket's requester (or, without one, whoever wrote the ticket's first comment);
  `public: false` comments are internal notes.
- Freshdesk (API v2): tickets (`description_text`/`description`, `requester_id`, `type`) with
  `conversations` (`incoming`, `private`, `body_text`/`body`, `user_id`, `ticket_id`, `created_at`), or
  conversation lists on their own. `incoming: true` is the customer; `private: true` a note.
- Intercom (API 2.x): conversations with `source` (or `conversation_message`) and
  `conversation_parts.conversation_parts` (`part_type`, `body` HTML, `author.type`, `created_at`).
  Authors user/lead/contact are the customer, admin/team the agent; bot parts and `note` parts drop.
- Help Scout (Mailbox API 2.0): conversations with `_embedded.threads` (`type` customer/reply/note/
  lineitem/message/chat/phone, `state`, `body` HTML, `createdBy.type`, `createdAt`). Threads come newest
  first and are put in time order; notes, line items (status changes, assignments) and drafts drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftcurate.core.importers.emailtext import clean_email_body
from ftcurate.core.importers.htmltext import html_to_text, looks_like_html

DROP_NOTE = "internal notes and private comments"
DROP_SYSTEM = "system events (assignments, status changes, line items)"
DROP_BOT = "bot and automated messages"
DROP_DRAFT = "drafts"


@dataclass
class ToolMessage:
    """One message: `role` "user"/"assistant", or None with `dropped` saying why."""

    conversation: str
    order: Any
    role: str | None
    text: str
    dropped: str | None = None
    author: Any = None


def body_text(plain: Any, html: Any) -> str:
    """The message text: the plain version when the tool gives one, else the HTML rendered; quoted
    replies, signatures and disclaimers of e-mailed messages removed."""
    text = plain if isinstance(plain, str) and plain.strip() else None
    if text is None and isinstance(html, str):
        text = html_to_text(html) if looks_like_html(html) or "&" in html else html
    return clean_email_body(text or "")


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


class ZendeskShape:
    name, title = "zendesk", "Zendesk"
    fields = "requester_id/submitter_id/via, comments or child_events with author_id and public"

    def kind(self, rec: dict[str, Any]) -> str | None:
        comments = rec.get("comments")
        if isinstance(comments, list) and (not comments or isinstance(comments[0], dict)
                                           and "author_id" in comments[0] and "public" in comments[0]):
            return "conversation"
        if "child_events" in rec and "ticket_id" in rec:
            return "message"
        if "author_id" in rec and "public" in rec and ("body" in rec or "html_body" in rec):
            return "message"
        if "requester_id" in rec and "submitter_id" in rec and "via" in rec:
            return "conversation"  # a ticket without its comments (the incremental tickets export)
        return None

    def conversation(self, rec: dict[str, Any]) -> tuple[str, list[ToolMessage]]:
        conv = _id(rec.get("id")) or "?"
        requester = rec.get("requester_id")
        out = []
        comments = rec.get("comments") or []
        if not comments and rec.get("description"):
            comments = [{"author_id": requester, "public": True, "body": rec["description"],
                         "created_at": rec.get("created_at")}]
        for i, c in enumerate(comments):
            out.append(self._comment(conv, c, (c.get("created_at") or "", i), requester))
        return conv, out

    def messages(self, rec: dict[str, Any], fallback_conv: str) -> list[ToolMessage]:
        if "child_events" in rec:
            conv = _id(rec.get("ticket_id")) or fallback_conv
            out = []
            for i, ev in enumerate(rec.get("child_events") or []):
                if isinstance(ev, dict) and (ev.get("event_type") or ev.get("type")) in ("Comment", "VoiceComment"):
                    ev = {"author_id": rec.get("updater_id"), **ev}
                    out.append(self._comment(conv, ev, (rec.get("created_at") or "", i), rec.get("requester_id")))
            return out
        return [self._comment(fallback_conv, rec, (rec.get("created_at") or "", 0), None)]

    @staticmethod
    def _comment(conv: str, c: dict[str, Any], order: Any, requester: Any) -> ToolMessage:
        text = body_text(c.get("plain_body") or c.get("body"), c.get("html_body"))
        author = c.get("author_id")
        if c.get("public") is False:
            return ToolMessage(conv, order, None, text, DROP_NOTE, author)
        if author is not None and str(author) == "-1":
            return ToolMessage(conv, order, None, text, DROP_BOT, author)
        role = None if requester is None else ("user" if author == requester else "assistant")
        return ToolMessage(conv, order, role, text, None, author)


class FreshdeskShape:
    name, title = "freshdesk", "Freshdesk"
    fields = "requester_id with description_text, conversations with incoming and private"

    def kind(self, rec: dict[str, Any]) -> str | None:
        if "requester_id" in rec and ("description_text" in rec or "description" in rec) and \
                ("conversations" in rec or "fr_due_by" in rec or "frDueBy" in rec or "fr_escalated" in rec):
            return "conversation"
        if "incoming" in rec and "private" in rec and ("body_text" in rec or "body" in rec):
            return "message"
        return None

    def conversation(self, rec: dict[str, Any]) -> tuple[str, list[ToolMessage]]:
        conv = _id(rec.get("id")) or "?"
        first = body_text(rec.get("description_text"), rec.get("description_html") or rec.get("description"))
        out = [ToolMessage(conv, (rec.get("created_at") or "", -1), "user", first, None, rec.get("requester_id"))]
        for c in rec.get("conversations") or rec.get("notes") or []:
            c = c.get("note", c) if isinstance(c, dict) else {}
            out.append(self._message(conv, c, rec.get("requester_id")))
        return conv, out

    def messages(self, rec: dict[str, Any], fallback_conv: str) -> list[ToolMessage]:
        return [self._message(_id(rec.get("ticket_id")) or fallback_conv, rec, None)]

    @staticmethod
    def _message(conv: str, c: dict[str, Any], requester: Any) -> ToolMessage:
        text = body_text(c.get("body_text"), c.get("body"))
        order = (c.get("created_at") or "", c.get("id") or 0)
        if c.get("private"):
            return ToolMessage(conv, order, None, text, DROP_NOTE, c.get("user_id"))
        customer = bool(c.get("incoming")) or (requester is not None and c.get("user_id") == requester)
        return ToolMessage(conv, order, "user" if customer else "assistant", text, None, c.get("user_id"))


_INTERCOM_CUSTOMER = {"user", "lead", "contact", "visitor"}
_INTERCOM_AGENT = {"admin", "team", "teammate"}


class IntercomShape:
    name, title = "intercom", "Intercom"
    fields = "type conversation, source and conversation_parts"

    def kind(self, rec: dict[str, Any]) -> str | None:
        if rec.get("type") == "conversation" or "conversation_parts" in rec:
            return "conversation"
        return None

    def conversation(self, rec: dict[str, Any]) -> tuple[str, list[ToolMessage]]:
        conv = _id(rec.get("id")) or "?"
        first = rec.get("source") or rec.get("conversation_message") or {}
        parts = rec.get("conversation_parts") or {}
        parts = parts.get("conversation_parts", []) if isinstance(parts, dict) else parts
        out = [self._part(conv, {"part_type": "comment", **first}, (rec.get("created_at") or 0, -1))]
        for i, p in enumerate(parts):
            if isinstance(p, dict):
                out.append(self._part(conv, p, (p.get("created_at") or 0, i)))
        return conv, out

    def messages(self, rec: dict[str, Any], fallback_conv: str) -> list[ToolMessage]:
        return []

    @staticmethod
    def _part(conv: str, p: dict[str, Any], order: Any) -> ToolMessage:
        author = p.get("author") or {}
        who = str(author.get("type") or "").lower()
        text = body_text(None, p.get("body"))
        kind = str(p.get("part_type") or "comment").lower()
        if kind.startswith("note"):
            return ToolMessage(conv, order, None, text, DROP_NOTE, author.get("id"))
        if who == "bot" or kind in ("bot", "operator") or p.get("redacted"):
            return ToolMessage(conv, order, None, text, DROP_BOT, author.get("id"))
        if kind not in ("comment", "conversation", "open", "close", "assignment", "email", "chat",
                        "customer_initiated", "admin_initiated") or not text:
            return ToolMessage(conv, order, None, text, DROP_SYSTEM, author.get("id"))
        role = "user" if who in _INTERCOM_CUSTOMER else "assistant" if who in _INTERCOM_AGENT else None
        return ToolMessage(conv, order, role, text, None if role else DROP_SYSTEM, author.get("id"))


class HelpScoutShape:
    name, title = "helpscout", "Help Scout"
    fields = "_embedded.threads with type customer/reply/note"

    def kind(self, rec: dict[str, Any]) -> str | None:
        emb = rec.get("_embedded")
        if isinstance(emb, dict) and isinstance(emb.get("threads"), list):
            return "conversation"
        return None

    def conversation(self, rec: dict[str, Any]) -> tuple[str, list[ToolMessage]]:
        conv = _id(rec.get("number") or rec.get("id")) or "?"
        out = []
        for i, t in enumerate(rec["_embedded"]["threads"]):
            if isinstance(t, dict):
                out.append(self._thread(conv, t, (t.get("createdAt") or "", t.get("id") or i)))
        return conv, out

    def messages(self, rec: dict[str, Any], fallback_conv: str) -> list[ToolMessage]:
        return []

    @staticmethod
    def _thread(conv: str, t: dict[str, Any], order: Any) -> ToolMessage:
        kind = str(t.get("type") or "").lower()
        by = str((t.get("createdBy") or {}).get("type") or "").lower()
        text = body_text(None, t.get("body") or t.get("text"))
        if kind == "note":
            return ToolMessage(conv, order, None, text, DROP_NOTE, by)
        if str(t.get("state") or "published").lower() in ("draft", "hidden", "underreview"):
            return ToolMessage(conv, order, None, text, DROP_DRAFT, by)
        if kind == "customer" or kind in ("chat", "phone", "beaconchat") and by == "customer":
            return ToolMessage(conv, order, "user", text, None, by)
        if kind in ("reply", "message") or kind in ("chat", "phone", "beaconchat") and by == "user":
            return ToolMessage(conv, order, "assistant", text, None, by)
        return ToolMessage(conv, order, None, text, DROP_SYSTEM, by)


SHAPES = (ZendeskShape(), FreshdeskShape(), IntercomShape(), HelpScoutShape())
