"""Tiny real models for tests and CPU benchmark smoke runs (no downloads).

`build_tiny_model(folder)` writes a Hugging Face model folder: a byte-level BPE tokenizer trained on a
few sentences, with ChatML special tokens and a ChatML chat template (like SmolLM2's), and a randomly
initialised Llama of a few thousand parameters. It exercises the same code path as a real model.
"""

from __future__ import annotations

from pathlib import Path

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_CORPUS = [
    "Hello, how can I help you today? I want to cancel my order number 12345.",
    "Your refund will arrive in 5 to 7 business days. Thank you for your patience!",
    "Please log in to your account, open Orders, and press the Cancel button.",
    "I understand your concern. Let me check the delivery status for you.",
    "What is the shipping address? Can I change my password or my payment method?",
    "You are a helpful assistant. The quick brown fox jumps over the lazy dog 0123456789.",
]
SPECIAL = ["<|pad|>", "<|im_start|>", "<|im_end|>"]


def build_tiny_tokenizer(vocab_size: int = 400):
    """A fast tokenizer with ChatML special tokens, EOS `<|im_end|>` and a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|pad|>",
                                   bos_token="<|im_start|>")
    fast.chat_template = CHATML_TEMPLATE
    return fast


def build_tiny_model(folder: str | Path, hidden: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """Write a tiny Llama + tokenizer into `folder` and return it."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tok = build_tiny_tokenizer()
    config = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=1024, tie_word_embeddings=True,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                         bos_token_id=tok.bos_token_id)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder
