"""Turn conversations into examples: one example per agent reply.

Support importers hand `conversation_examples` the messages of one conversation in order, each with a
role: "user" (the customer), "assistant" (the agent), or already dropped. Consecutive messages of one
speaker merge into one turn (joined by a newline). Every agent turn preceded by at least one customer
turn becomes an `Example`:
- context "last": `[user: the customer turn just before it, assistant: the reply]`;
- context "full": the whole conversation up to the reply, starting at the first customer turn.

`speaker_role` maps the speaker names found in exports ("Customer", "End User", "Support Agent",
"bot", "Internal note", ...) to a role, or None for messages to drop (system, bot, notes, actions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ftcurate.core.errors import ConfigError
from ftcurate.core.importers.cleaning import clean_handles, normalize_text, strip_signature
from ftcurate.core.records import Example

UNKNOWN = "?"
CONTEXTS = ("last", "full")
_DROP_WORDS = {"system", "bot", "chatbot", "automated", "automation", "auto", "autoresponder", "note",
               "notes", "internal", "private", "whisper", "action", "event", "log", "workflow", "trigger",
               "macro", "virtual", "ivr", "robot", "sys", "api", "integration", "webhook"}
_AGENT_WORDS = {"agent", "agents", "support", "assistant", "rep", "representative", "staff", "operator",
                "advisor", "adviser", "csr", "helpdesk", "employee", "specialist", "technician", "expert",
                "host", "company", "brand", "service", "care", "team", "admin", "administrator",
                "moderator", "responder", "associate", "consultant", "answer", "a", "outbound", "outgoing",
                "out", "sent", "reply", "gpt", "teller", "concierge", "pharmacist", "doctor", "tutor"}
_USER_WORDS = {"customer", "customers", "user", "client", "visitor", "requester", "requestor", "caller",
               "guest", "buyer", "consumer", "patient", "human", "member", "enduser", "contact", "shopper",
               "tenant", "passenger", "student", "cust", "usr", "q", "question", "inbound", "incoming",
               "in", "received", "end", "prospect", "lead", "subscriber", "player", "traveler",
               "traveller", "learner", "applicant"}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_NEEDS_NORMALIZE = re.compile(r"[\r\t\f\v\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff]|  |\n\n\n| \n|\n ")
_SIG_CHARS = frozenset("^-~*/")


def speaker_role(raw: Any) -> str | None:
    """Role for a speaker label: "user", "assistant", None (drop the message) or UNKNOWN."""
    if raw is None:
        return UNKNOWN
    if isinstance(raw, bool):
        return "user" if raw else "assistant"
    s = str(raw).strip().lower()
    if not s:
        return UNKNOWN
    words = set(re.findall(r"[a-z]+", s))
    if not words:
        return UNKNOWN
    if words & _DROP_WORDS:
        return None
    if words & _AGENT_WORDS:
        return "assistant"
    if words & _USER_WORDS:
        return "user"
    return UNKNOWN


def flag_role(raw: Any, means: str) -> str:
    """Role from a yes/no column: `means` is the role a true value stands for ("user"/"assistant")."""
    other = "assistant" if means == "user" else "user"
    if isinstance(raw, bool):
        return means if raw else other
    s = str(raw).strip().lower() if raw is not None else ""
    if s in _TRUE:
        return means
    if s in _FALSE:
        return other
    return UNKNOWN


def is_true(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return raw is not None and str(raw).strip().lower() in _TRUE


def clean_message(text: str) -> str:
    """Fast clean-up of one chat message: @handles, a trailing "^RR"-style signature, whitespace."""
    if "@" in text:
        text = clean_handles(text)
    if _SIG_CHARS.intersection(text[-6:]) or "\n" in text:
        text = strip_signature(text)
    if _NEEDS_NORMALIZE.search(text):
        return normalize_text(text)
    return text.strip()


def check_context(context: str) -> str:
    if context not in CONTEXTS:
        raise ConfigError(f"context must be 'last' or 'full', not {context!r}")
    return context


def resolve_unknown(turns: list[tuple[str, str, dict[str, Any]]], speakers: list[Any],
                    agents: Iterable[Any] = ()) -> list[tuple[str, str, dict[str, Any]]]:
    """Give UNKNOWN turns a role: a speaker in `agents` is the agent; otherwise, if the conversation
    has known customers, unknown speakers are agents (and vice versa); if nobody is known, the first
    speaker is the customer and everybody else an agent."""
    if all(t[0] != UNKNOWN for t in turns):
        return turns
    agents = set(agents)
    known = {t[0] for t in turns if t[0] != UNKNOWN}
    first = next((s for t, s in zip(turns, speakers, strict=True) if t[0] == UNKNOWN and s not in agents),
                 None)
    out = []
    for (role, text, loc), spk in zip(turns, speakers, strict=True):
        if role == UNKNOWN:
            if spk in agents:
                role = "assistant"
            elif known == {"user"}:
                role = "assistant"
            elif known == {"assistant"}:
                role = "user"
            else:
                role = "user" if spk == first else "assistant"
        out.append((role, text, loc))
    return out


def merge_turns(turns: Iterable[tuple[str, str, dict[str, Any]]]) -> list[list[Any]]:
    """Merge consecutive turns by one role: returns [role, text, loc_of_first, n_messages] lists."""
    merged: list[list[Any]] = []
    for role, text, loc in turns:
        if not text:
            continue
        if merged and merged[-1][0] == role:
            merged[-1][1] += "\n" + text
            merged[-1][3] += 1
        else:
            merged.append([role, text, loc, 1])
    return merged


def conversation_examples(conversation: str | None, turns: Iterable[tuple[str, str, dict[str, Any]]],
                          context: str = "last", label: str | None = None,
                          metadata: dict[str, Any] | None = None) -> Iterator[Example]:
    """Yield one example per agent reply of one conversation.

    Args:
        conversation: the conversation id (provenance "conversation"), or None.
        turns: `(role, text, loc)` in order; role "user" or "assistant" (drop other messages before);
            `loc` is the provenance of the message ({"row": n} / {"line": n}, or a bare int row).
        context: "last" or "full" (see the module docstring).
        label: the conversation's label, or None.
        metadata: extra metadata copied into every example (with "turn": the reply's 1-based index
            among the merged turns, and "turns": how many there are).
    """
    merged = merge_turns(turns)
    first_user = next((i for i, t in enumerate(merged) if t[0] == "user"), None)
    if first_user is None:
        return
    for i in range(first_user + 1, len(merged)):
        role, text, loc, _ = merged[i]
        if role != "assistant":
            continue
        if context == "full":
            msgs = [{"role": t[0], "content": t[1]} for t in merged[first_user:i + 1]]
        else:
            msgs = [{"role": "user", "content": merged[i - 1][1]}, {"role": "assistant", "content": text}]
        prov = dict(loc) if isinstance(loc, dict) else {"row": loc}
        if conversation is not None:
            prov["conversation"] = conversation
        meta = dict(metadata) if metadata else {}
        meta["turn"] = i + 1
        meta["turns"] = len(merged)
        yield Example(messages=msgs, label=label, metadata=meta, provenance=prov)
