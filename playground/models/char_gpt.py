"""A character-level GPT-2 (Radford et al. 2019, as transformers' `GPT2LMHeadModel`) for tiny Shakespeare, with
a character tokenizer built here with the `tokenizers` library. The checkpoint folder holds both, so
`AutoModelForCausalLM` / `AutoTokenizer.from_pretrained(folder)` load it exactly as they load a hub model.
"""
import math

import numpy as np
import torch

from playground.data import SHAKESPEARE_CHARS, text_corpus
from playground.lazy import lazy_import

GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast = lazy_import(
    "transformers", "GPT2Config", "GPT2LMHeadModel", "PreTrainedTokenizerFast")


def char_tokenizer(chars: str) -> PreTrainedTokenizerFast:
    """One token per character: a WordLevel vocabulary, a pre-tokenizer that splits every character, and a
    decoder that fuses them back without spaces. An unknown character is an error, not a silent <unk>."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({c: i for i, c in enumerate(chars)}, unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False,
                                   model_max_length=10 ** 6)


def encode_corpus(text: str, chars: str) -> np.ndarray:
    """The whole corpus as token ids (int64), by a lookup table (the tokenizer gives the same, more slowly)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = np.full(max(max(map(ord, chars)), int(codes.max(initial=0))) + 1, -1, dtype=np.int64)
    table[[ord(c) for c in chars]] = np.arange(len(chars))
    if (ids := table[codes]).min(initial=0) < 0:
        unknown = sorted(set(text) - set(chars))
        raise ValueError(f"The corpus has characters outside the vocabulary: {''.join(unknown)[:40]!r}.")
    return ids


def char_windows(split: str, block: int, chars: str = SHAKESPEARE_CHARS):
    """Every window of `block` characters of tiny Shakespeare's first 90% (train) or last 10% (test), as a
    (N, block) view of one int64 tensor, nanoGPT's split."""
    ids = torch.from_numpy(encode_corpus(text_corpus(), chars))
    cut = int(0.9 * len(ids))
    part = ids[:cut] if split == "train" else ids[cut:]
    return part.unfold(0, block, 1)


class CharGPT(GPT2LMHeadModel):
    """GPT2LMHeadModel built from keyword arguments (for the trainer) or a config (for `from_pretrained`);
    `chars` in the config is the vocabulary, and `save_pretrained` writes the tokenizer beside the weights."""

    def __init__(self, config: GPT2Config | None = None, **kwargs):
        super().__init__(config if config is not None else GPT2Config(**kwargs))

    def tokenizer(self) -> PreTrainedTokenizerFast:
        return char_tokenizer(self.config.chars)

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        """transformers' loader, in float32 unless asked otherwise (a checkpoint stored in float16 loads as float32)."""
        return super().from_pretrained(*args, **{"dtype": torch.float32, **kwargs})

    def save_pretrained(self, save_directory, **kwargs):
        super().save_pretrained(save_directory, **kwargs)
        self.tokenizer().save_pretrained(save_directory)

    def loss(self, windows, *_):
        """Mean next-character cross-entropy (nats) over windows (B, T) of token ids."""
        return self(input_ids=windows, labels=windows).loss

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, length: int = 64, temperature: float = 1.0):
        """n texts of `length` token ids (N, T), each started from a newline (token 0), drawn with the KV cache."""
        was_training = self.training
        self.eval()  # no dropout while sampling
        ids, past, out = torch.zeros(n, 1, dtype=torch.long, device=self.device), None, []
        for _ in range(min(length, self.config.n_positions - 1)):
            step = self(input_ids=ids, cache=past, use_cache=True)
            past = step.cache
            probs = torch.softmax(step.logits[:, -1].float() / max(temperature, 1e-5), -1)
            ids = torch.multinomial(probs.cpu(), 1, generator=generator).to(self.device)
            out.append(ids)
        self.train(was_training)
        return torch.cat(out, 1)

    @torch.no_grad()
    def quality(self, test: tuple, train: tuple, batches: int = 100, batch: int = 32, seed: int = 0) -> dict:
        """Validation loss per character (nats, and bits) on random held-out windows, and a sample for the card."""
        g = torch.Generator().manual_seed(seed)
        windows = test[0]
        losses = [float(self.loss(windows[torch.randint(len(windows), (batch,), generator=g)])) for _ in range(batches)]
        val = sum(losses) / len(losses)
        tokenizer = self.tokenizer()
        prompt = tokenizer("ROMEO:\n", return_tensors="pt").input_ids
        torch.manual_seed(seed)
        out = self.generate(prompt, do_sample=True, temperature=0.8, top_k=0, top_p=1.0, max_new_tokens=240)
        text = tokenizer.decode(out[0])
        return {"val_loss_per_char_nats": round(val, 4), "val_bits_per_char": round(val / math.log(2), 4),
                "val_windows": batches * batch, "parameters": sum(p.numel() for p in self.parameters()),
                "sample_t0.8": text.replace("\n", " / ")}
