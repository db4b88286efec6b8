"""A character-level GPT-2 (Radford et al. 2019, as transformers' `GPT2LMHeadModel`) for tiny Shakespeare, with
a character tokenizer built here with the `tokenizers` library. The checkpoint folder holds both, so
`AutoModelForCausalLM` / `AutoTokenizer.from_pretrained(folder)` load it exactly as they load a hub model.
"""
import torch

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
