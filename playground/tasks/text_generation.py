"""Text generation for the autoregressive tab: next-token distributions with temperature, top-k and top-p
(nucleus, Holtzman et al. 2020) written out as transformers applies them, and a streaming sampler with a
KV cache that reproduces `model.generate` token for token (checked in tests/unit/test_text_generation.py).
"""
import math
import string
from functools import lru_cache

import torch

from playground import hub, registry

GREEDY_BELOW = 1e-5  # temperatures under this mean greedy decoding: never divide by (almost) zero
MAX_NEW_TOKENS = 2000
MAX_CONTEXT_CHARS = 50_000  # a prompt plus what was generated (the UI caps what a user types lower)

def load_text_model(name: str):
    """(model, tokenizer) for a registry name; the registry caches the model, this the tokenizer. Hub names fail
    fast offline."""
    return registry.load(name), _tokenizer(name)


@lru_cache(maxsize=8)
def _tokenizer(name: str):
    from playground.lazy import lazy_import

    spec, tokenizer = registry.get_spec(name), lazy_import("transformers", "AutoTokenizer")
    return hub.from_pretrained(tokenizer.from_pretrained, spec.source if spec.hub else str(spec.path))


def _describe_chars(chars) -> str:
    """A short human list of a character vocabulary: letter and digit ranges, newline, space, then the rest."""
    rest, parts = set(chars), []
    for name, group in (("A-Z", string.ascii_uppercase), ("a-z", string.ascii_lowercase), ("0-9", string.digits)):
        if set(group) <= rest:
            parts.append(name)
            rest -= set(group)
    for c, name in (("\n", "newline"), (" ", "space")):
        if c in rest:
            parts.append(name)
            rest.discard(c)
    return ", ".join(parts + (["".join(sorted(rest))] if rest else []))


def _encode(tokenizer, text: str):
    """Token ids, or None when the tokenizer rejects the text or maps part of it to its unknown token."""
    try:
        ids = tokenizer.encode(text, add_special_tokens=False)
    except Exception:  # the tokenizers library raises a bare Exception on a character a WordLevel vocabulary lacks
        return None
    return None if tokenizer.unk_token_id is not None and tokenizer.unk_token_id in ids else ids


def check_prompt(tokenizer, prompt: str, max_chars: int = 2000) -> list[int]:
    """The prompt's token ids, or a ValueError that says what is wrong with it."""
    if not prompt or not prompt.strip():
        raise ValueError("The prompt is empty (or only whitespace): the model needs at least one character to continue "
                         "from.")
    if len(prompt) > max_chars:
        raise ValueError(f"The prompt has {len(prompt):,} characters; the limit is {max_chars:,}.")
    ids = _encode(tokenizer, prompt)
    if ids is None:  # find the culprits one character at a time (a byte-level BPE never gets here)
        unknown = [c for c in sorted(set(prompt)) if _encode(tokenizer, c) is None]
        known = [t for t in tokenizer.get_vocab() if len(t) == 1]
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise ValueError(f"The prompt has characters this model never saw: {', '.join(map(repr, unknown[:20]))}{more}. "
                         f"It knows only these {len(known)} characters: {_describe_chars(known)}.")
    return ids


def _check_knobs(vocab_size: int, temperature, top_k, top_p) -> tuple[float, int, float]:
    if not 0.0 <= float(temperature) <= 5.0:
        raise ValueError(f"Temperature must be between 0 (greedy) and 5, not {temperature}.")
    if isinstance(top_k, bool) or int(top_k) != top_k or not 0 <= int(top_k) <= vocab_size:
        raise ValueError(f"Top-k must be a whole number from 0 (off) to the vocabulary size {vocab_size}, not {top_k}.")
    if not 0.0 < float(top_p) <= 1.0:
        raise ValueError(f"Top-p must be above 0 and at most 1 (1 = off), not {top_p}.")
    return float(temperature), int(top_k), float(top_p)


def process_logits(logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> torch.Tensor:
    """Logits (..., V) with the cut tokens at -inf, in transformers' order: temperature, top-k, top-p."""
    temperature, top_k, top_p = _check_knobs(logits.shape[-1], temperature, top_k, top_p)
    if temperature < GREEDY_BELOW:  # the limit T -> 0 of softmax(logits / T): all mass on the argmax
        best = logits.argmax(-1, keepdim=True)
        return torch.full_like(logits, -math.inf).scatter(-1, best, logits.gather(-1, best))
    scores = logits / temperature if temperature != 1.0 else logits
    if top_k:  # keep the k largest (ties with the k-th are kept too)
        kth = torch.topk(scores, top_k)[0][..., -1:]
        scores = scores.masked_fill(scores < kth, -math.inf)
    if top_p < 1.0:  # keep the smallest set of most probable tokens whose mass reaches top_p
        sorted_scores, order = torch.sort(scores, descending=False)
        cut = sorted_scores.softmax(-1).cumsum(-1) <= 1 - top_p
        cut[..., -1] = False  # the most probable token always stays
        scores = scores.masked_fill(cut.scatter(-1, order, cut), -math.inf)
    return scores


def _bits(p: torch.Tensor) -> float:
    return float(torch.special.entr(p).sum() / math.log(2))


def _view(raw: torch.Tensor, processed: torch.Tensor) -> dict:
    raw, processed = raw.reshape(-1).double(), processed.reshape(-1).double()
    p, q = raw.softmax(-1), processed.softmax(-1)
    mask = torch.isfinite(processed)
    return {"raw": p.cpu().numpy(), "kept": q.cpu().numpy(), "kept_mask": mask.cpu().numpy(),
            "entropy_raw_bits": _bits(p), "entropy_kept_bits": _bits(q), "nucleus_size": int(mask.sum()),
            "top_id": int(p.argmax())}


def next_token_view(raw_logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> dict:
    """The next-token distribution before and after processing: probabilities (numpy), the kept mask,
    entropies in bits, how many tokens remain, and the most probable token."""
    return _view(raw_logits, process_logits(raw_logits, temperature, top_k, top_p))


def context_length(model) -> int:
    config = model.config
    return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None) or 10 ** 9


def _next_logits(model, ids: torch.Tensor, past, cached: int, ctx: int):
    """Raw next-token logits (1, V), the cache and how many tokens it holds. Within the context window only the
    newest token goes through the model (KV cache). Past it, GPT-2's learned absolute positions cannot shift
    inside a cache, so the window slides: keep the last `ctx` tokens and recompute them from scratch."""
    if past is None or cached >= ctx:
        window = ids[:, -ctx:]
        out = model(input_ids=window, use_cache=True)
        cached = window.shape[1]
    else:
        out = model(input_ids=ids[:, -1:], cache=past, use_cache=True)
        cached += 1
    return out.logits[:, -1].to(torch.float32), out.cache, cached


def _eos_ids(model) -> set:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    return set() if eos is None else set(eos if isinstance(eos, (list, tuple)) else [eos])


def stream_text(model, tokenizer, prompt: str, max_new_tokens: int, temperature: float = 1.0, top_k: int = 0,
                top_p: float = 1.0, seed: int = 0, every: int = 1):
    """Sample up to `max_new_tokens` tokens after `prompt`: a generator of {"text", "new_ids", "view", "token",
    "done"} every `every` tokens and at the end (bad inputs raise ValueError here, before any work). Sampling is
    `torch.multinomial` on softmax of the processed logits with a generator seeded by `seed`, as
    `generate(do_sample=True)` does after `torch.manual_seed(seed)`; temperature 0 is greedy, as
    `generate(do_sample=False)`. The view is computed only for yielded steps."""
    if isinstance(max_new_tokens, bool) or int(max_new_tokens) != max_new_tokens or not 1 <= max_new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"The number of new tokens must be a whole number from 1 to {MAX_NEW_TOKENS}, not {max_new_tokens}.")
    if int(every) != every or every < 1:
        raise ValueError(f"`every` must be a whole number of at least 1, not {every}.")
    knobs = _check_knobs(model.config.vocab_size, temperature, top_k, top_p)
    ids = check_prompt(tokenizer, prompt, MAX_CONTEXT_CHARS)
    return _stream(model, tokenizer, prompt, ids, int(max_new_tokens), knobs, int(seed), int(every))


@torch.inference_mode()
def _stream(model, tokenizer, prompt: str, prompt_ids: list, max_new_tokens: int, knobs: tuple, seed: int, every: int):
    device = model.device
    ids = torch.tensor([prompt_ids], device=device)  # (1, T)
    generator = torch.Generator(device=device).manual_seed(seed)
    greedy, ctx, eos = knobs[0] < GREEDY_BELOW, context_length(model), _eos_ids(model)
    past, cached, new_ids, text, decoded = None, 0, [], prompt, 0
    for step in range(1, max_new_tokens + 1):
        raw, past, cached = _next_logits(model, ids, past, cached, ctx)
        processed = None if greedy else process_logits(raw, *knobs)
        token = raw.argmax(-1, keepdim=True) if greedy else torch.multinomial(processed.softmax(-1), 1, generator=generator)
        ids = torch.cat([ids, token], dim=-1)
        new_ids.append(int(token))
        done = step == max_new_tokens or new_ids[-1] in eos
        if done or step % every == 0:
            # decode only what is new; keep a piece that ends inside a multi-byte character for the next time
            piece = tokenizer.decode(new_ids[decoded:], skip_special_tokens=True)
            if not piece.endswith("\ufffd"):
                text, decoded, piece = text + piece, len(new_ids), ""
            view = _view(raw, process_logits(raw, *knobs) if processed is None else processed)
            yield {"text": text + piece, "new_ids": list(new_ids), "view": view,
                   "token": tokenizer.decode(new_ids[-1:]), "done": done}
        if done:
            return


def generate_text(model, tokenizer, prompt: str, max_new_tokens: int, temperature: float = 1.0, top_k: int = 0,
                  top_p: float = 1.0, seed: int = 0) -> str:
    """The prompt and its continuation, as one string."""
    out = None
    for out in stream_text(model, tokenizer, prompt, max_new_tokens, temperature, top_k, top_p, seed,
                           every=MAX_NEW_TOKENS):
        pass
    return out["text"]


def step_one_token(model, tokenizer, text: str, temperature: float, top_k: int, top_p: float, seed: int) -> dict:
    """One token at a time: the next-token view for `text`, the chosen token (sampled with `seed`) and the new text."""
    out = next(stream_text(model, tokenizer, text, 1, temperature, top_k, top_p, seed))
    return {"view": out["view"], "token": out["token"], "token_id": out["new_ids"][0], "text": out["text"]}
