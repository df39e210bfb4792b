"""Assistant-only targets, EOS after each answer, overlong chats reported, with the model's chat template."""

from __future__ import annotations

import pytest

from ftcurate.core.errors import UserError
from ftcurate.core.trainer.data import ChatRow, read_chat_jsonl
from ftcurate.core.trainer.encoding import encode_rows, stop_token_ids
from ftcurate.core.trainer.model import load_tokenizer

MULTI = [{"role": "system", "content": "Be brief."},
         {"role": "user", "content": "Where is my refund?"},
         {"role": "assistant", "content": "Your refund will arrive in 5 days."},
         {"role": "user", "content": "Thank you!"},
         {"role": "assistant", "content": "You are welcome."}]


@pytest.fixture(scope="module")
def tok(tiny_model):
    return load_tokenizer(tiny_model)


def _target_text(tok, item):
    return tok.decode([t for t, m in zip(item.ids, item.targets, strict=True) if m])


def test_only_assistant_tokens_are_targets_and_each_answer_ends_with_eos(tok):
    split = encode_rows(tok, [ChatRow(MULTI, 1)], 512, stop_token_ids(tok))
    item = split.items[0]
    eos = tok.eos_token
    assert _target_text(tok, item) == f"Your refund will arrive in 5 days.{eos}You are welcome.{eos}"
    # The whole sequence is exactly the chat template's rendering: nothing dropped or added.
    assert tok.decode(item.ids) == tok.apply_chat_template(MULTI, tokenize=False)
    # Prompt parts (system, user turns, role headers) are never targets.
    prompt_text = tok.decode([t for t, m in zip(item.ids, item.targets, strict=True) if not m])
    assert "Where is my refund?" in prompt_text and "Be brief." in prompt_text
    assert "Your refund" not in prompt_text
    assert item.targets[0] is False


def test_default_system_prompt_of_the_template_is_kept_but_not_trained(tok):
    msgs = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    item = encode_rows(tok, [ChatRow(msgs, 1)], 512, stop_token_ids(tok)).items[0]
    assert "You are a helpful assistant." in tok.decode(item.ids)  # the tiny template's default system turn
    assert _target_text(tok, item) == f"Hello!{tok.eos_token}"


def test_eos_is_inserted_when_the_template_puts_none_after_the_answer(tok):
    plain = ("{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\n' }}{% endfor %}"
             "{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}")
    old = tok.chat_template
    tok.chat_template = plain
    try:
        msgs = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there"}]
        item = encode_rows(tok, [ChatRow(msgs, 1)], 512, stop_token_ids(tok)).items[0]
    finally:
        tok.chat_template = old
    targets = [t for t, m in zip(item.ids, item.targets, strict=True) if m]
    assert targets[-1] == tok.eos_token_id
    assert tok.decode(targets[:-1]).strip() == "Hello there"
    assert item.ids.count(tok.eos_token_id) == 1


def test_overlong_chats_are_skipped_and_reported_never_cut(tok):
    short = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    long = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "refund " * 200}]
    rows = [ChatRow(short, 1), ChatRow(long, 2, example_id=42), ChatRow(long, 3), ChatRow(short, 4)]
    split = encode_rows(tok, rows, 64, stop_token_ids(tok))
    assert [e.row.line for e in split.items] == [1, 4]
    assert [(s["line"], s["id"], s["reason"]) for s in split.skipped] == [(2, 42, "too_long"), (3, None, "too_long")]
    assert all(s["n_tokens"] > 64 for s in split.skipped)
    assert "2 longer than the context (id 42, line 3)" in split.skipped_summary()
    assert all(len(e.ids) <= 64 for e in split.items)


def test_chat_without_answer_is_reported(tok):
    rows = [ChatRow([{"role": "user", "content": "Hi"}], 7)]
    split = encode_rows(tok, rows, 64, stop_token_ids(tok))
    assert not split.items and split.skipped[0]["reason"] == "no_answer"


def test_tokenizer_without_chat_template_is_a_user_error(tok):
    old = tok.chat_template
    tok.chat_template = None
    try:
        with pytest.raises(UserError, match="chat template"):
            encode_rows(tok, [ChatRow(MULTI, 1)], 64, stop_token_ids(tok))
    finally:
        tok.chat_template = old


def test_bad_jsonl_line_names_file_and_line(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_text('{"messages": [{"role": "user", "content": "a"}]}\n{"messages": [{"role": "bot"}]}\n')
    with pytest.raises(UserError) as err:
        read_chat_jsonl(p)
    assert err.value.line == 2 and "train.jsonl" in str(err.value)
