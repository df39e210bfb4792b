"""A small real project with planted copies, paraphrases, multi-turn conversations and flags."""

from __future__ import annotations

from ftcurate.core.checks.base import Flag
from ftcurate.core.checks.runner import store_flags
from ftcurate.core.records import Example, pair_to_messages
from ftcurate.core.store import Project

LABELS = ("billing", "shipping", "returns", "account", "warranty", "sizing")
TOPICS = {
    "billing": "my card was charged twice for order {n}",
    "shipping": "where is parcel {n}, it has not arrived",
    "returns": "how do I send back item {n}",
    "account": "I cannot log in to account {n}",
    "warranty": "is product {n} still under warranty",
    "sizing": "what size should I pick for shoe model {n}",
}
REWORDS = ("Quick question: {q}?", "Hi there, {q} - can you help?")


def _pair(label: str, n: int) -> tuple[str, str]:
    return TOPICS[label].format(n=n).capitalize() + "?", f"Thanks for asking about {label} case {n}. Here is what to do."


def build_examples() -> tuple[list[Example], dict[str, list[tuple[int, int]]]]:
    """Examples plus the planted relations as 0-based index pairs: copies, paraphrases, conversations."""
    exs: list[Example] = []
    for label in LABELS:
        for n in range(12):
            q, a = _pair(label, n)
            exs.append(Example(messages=pair_to_messages(q, a), label=label))
    planted: dict[str, list[tuple[int, int]]] = {"copy": [], "paraphrase": [], "conversation": []}
    for k in range(8):
        src = k * 9
        exs.append(Example(messages=[dict(m) for m in exs[src].messages], label=exs[src].label))
        planted["copy"].append((src, len(exs) - 1))
    for k in range(10):
        src = k * 7 + 1
        q, a = exs[src].messages[0]["content"], exs[src].messages[1]["content"]
        reworded = REWORDS[k % 2].format(q=q.rstrip("?").lower())
        exs.append(Example(messages=pair_to_messages(reworded, a), label=exs[src].label))
        planted["paraphrase"].append((src, len(exs) - 1))
    # Two support conversations cut into one example per agent reply (multi-turn context).
    for c in range(2):
        history: list[dict] = []
        first = len(exs)
        for turn in range(3):
            history = [*history, {"role": "user", "content": f"Conversation {c}, customer message {turn}."},
                       {"role": "assistant", "content": f"Conversation {c}, agent reply {turn}."}]
            exs.append(Example(messages=list(history), label="shipping", provenance={"conversation": f"T{c}"}))
        planted["conversation"] += [(first, first + 1), (first, first + 2)]
    for n in range(3):  # examples that carry their own system prompt
        q, a = _pair("account", 20 + n)
        exs.append(Example(messages=pair_to_messages(q, a, system="You answer for Acme's account team."),
                           label="account"))
    return exs, planted


PII_TEXTS = {  # index -> (turn, text): real personal data the real PII check finds (high severity)
    3: (0, "My card was charged twice, write to jane.doe@example.com or call +1 415 555 2671."),
    40: (0, "The card 4111 1111 1111 1111 was charged for order 4 twice?"),
}


def make_project(path, *, pii: bool = False) -> tuple[Project, dict[str, list[tuple[int, int]]]]:
    """Create the project, add the examples as one source, store cluster flags; with `pii`, put real
    personal data into two examples (see `PII_TEXTS`) and run the real "pii" check."""
    exs, planted = build_examples()
    if pii:
        for i, (turn, text) in PII_TEXTS.items():
            exs[i].messages[turn]["content"] = text
    path.parent.mkdir(parents=True, exist_ok=True)
    project = Project.create(path)
    project.add_examples(exs, source=dict(name="support.jsonl", path="/data/support.jsonl",
                                          content_hash="0123456789abcdef", size=1234, importer="pairs_jsonl",
                                          kind="pairs", options={}, detection={}))
    ids = project.example_ids()
    copy_flags = [Flag(ids[i], "exact_duplicate", "medium", "exact copy", kind="pair", cluster=c)
                  for c, pair in enumerate(planted["copy"]) for i in pair]
    para_flags = [Flag(ids[i], "paraphrase", "medium", "same question in other words", cluster=100 + c, score=0.93)
                  for c, pair in enumerate(planted["paraphrase"]) for i in pair]
    store_flags(project, "exact_duplicate", copy_flags)
    store_flags(project, "paraphrase", para_flags)
    if pii:
        from ftcurate.core.checks.runner import run_checks

        run_checks(project, ["pii"])
    return project, {k: [(ids[a], ids[b]) for a, b in v] for k, v in planted.items()}
