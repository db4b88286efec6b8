"""Text generation checked against transformers: the logits warpers, `generate` with a seed and greedy, the
sliding window past the context, entropies against scipy, prompt checks, the char tokenizer, the figure."""
import math

import numpy as np
import pytest
import torch
from scipy.stats import entropy
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast
from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

from playground import hub, registry
from playground.data import SHAKESPEARE_CHARS, encode_corpus, text_corpus
from playground.models.char_gpt import CharGPT, char_tokenizer
from playground.plotting import CUT_GREY, token_distribution_figure
from playground.tasks import text_generation as tg

PROMPT = "ROMEO:\n"
SETTINGS = [(1.0, 0, 1.0), (0.8, 10, 0.9), (1.5, 0, 0.8), (0.7, 5, 1.0), (1.2, 20, 0.6)]  # temperature, top-k, top-p


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A tiny random char GPT saved like a checkpoint; weights scaled up so the next-token distribution is not flat."""
    torch.manual_seed(0)
    model = CharGPT(vocab_size=65, chars=SHAKESPEARE_CHARS, n_positions=32, n_embd=32, n_layer=2, n_head=2,
                    bos_token_id=None, eos_token_id=None)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.mul_(8 if "wte" in name else 3)  # about 4.8 bits of next-character entropy (uniform: 6.0)
    path = tmp_path_factory.mktemp("tiny-char-gpt")
    model.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny(folder):
    """The folder loaded exactly as a hub model is."""
    return AutoModelForCausalLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)


def _reference(logits, temperature, top_k, top_p):
    """transformers' warpers in the order `generate` applies them (each only when it is on, as there)."""
    if temperature != 1.0:
        logits = TemperatureLogitsWarper(float(temperature))(None, logits)
    if top_k:
        logits = TopKLogitsWarper(top_k)(None, logits)
    if top_p < 1.0:
        logits = TopPLogitsWarper(top_p)(None, logits)
    return logits


@pytest.mark.parametrize("ties", [False, True])
def test_process_logits_matches_transformers_warpers(ties):
    logits = torch.randn(16, 65, generator=torch.Generator().manual_seed(1)) * 3
    logits = logits.round() if ties else logits
    for temperature in (0.3, 0.7, 1.0, 2.5):
        for top_k in (0, 1, 5, 40, 65):
            for top_p in (1.0, 0.95, 0.5, 0.05):
                ours = tg.process_logits(logits, temperature, top_k, top_p)
                assert torch.equal(ours, _reference(logits, temperature, top_k, top_p)), (temperature, top_k, top_p)


def test_process_logits_rejects_bad_knobs():
    logits = torch.zeros(65)
    for knobs, word in [((-0.1, 0, 1.0), "Temperature"), ((6, 0, 1.0), "Temperature"), ((1, 66, 1.0), "Top-k"),
                        ((1, 2.5, 1.0), "Top-k"), ((1, -1, 1.0), "Top-k"), ((1, 0, 0.0), "Top-p"), ((1, 0, 1.1), "Top-p")]:
        with pytest.raises(ValueError, match=word):
            tg.process_logits(logits, *knobs)


def test_temperature_to_zero_is_argmax(tiny):
    logits = torch.randn(8, 65, generator=torch.Generator().manual_seed(2))
    for temperature in (0.0, 1e-6):
        out = tg.process_logits(logits, temperature, 0, 1.0)
        assert torch.equal(torch.isfinite(out), torch.nn.functional.one_hot(logits.argmax(-1), 65).bool())
    assert torch.allclose(tg.process_logits(logits, 1e-3, 0, 1.0).softmax(-1).argmax(-1), logits.argmax(-1))
    model, tok = tiny
    greedy = tg.step_one_token(model, tok, PROMPT, 0.0, 0, 1.0, seed=0)
    assert greedy["token_id"] == greedy["view"]["top_id"]
    assert greedy["text"] == PROMPT + greedy["token"] == PROMPT + tok.decode([greedy["token_id"]])
    for temperature in (1e-6, 1e-4):  # 1e-4 is above the greedy cut-off: it really samples, and still gets the argmax
        chosen = {tg.step_one_token(model, tok, PROMPT, temperature, 0, 1.0, seed)["token_id"] for seed in range(20)}
        assert chosen == {greedy["token_id"]}


@pytest.mark.parametrize("temperature, top_k, top_p", SETTINGS)
def test_stream_matches_generate_with_seed(tiny, temperature, top_k, top_p):
    model, tok = tiny
    ids = torch.tensor([tok.encode(PROMPT)])
    for seed in range(3):
        torch.manual_seed(seed)
        ref = model.generate(ids, do_sample=True, temperature=temperature, top_k=top_k, top_p=top_p, max_new_tokens=20)
        out = list(tg.stream_text(model, tok, PROMPT, 20, temperature, top_k, top_p, seed))
        assert out[-1]["new_ids"] == ref[0, ids.shape[1]:].tolist()
        assert out[-1]["text"] == tok.decode(ref[0]) and out[-1]["done"] and len(out) == 20


def test_greedy_matches_generate_and_samples_differ_by_seed(tiny):
    model, tok = tiny
    ids = torch.tensor([tok.encode(PROMPT)])
    ref = model.generate(ids, do_sample=False, max_new_tokens=24)
    assert tg.generate_text(model, tok, PROMPT, 24, temperature=0.0) == tok.decode(ref[0])
    assert len({tg.generate_text(model, tok, PROMPT, 24, seed=seed) for seed in range(4)}) > 1


def test_sliding_window_past_the_context(tiny):
    model, tok = tiny
    out = list(tg.stream_text(model, tok, PROMPT, 60, temperature=0.0, every=7))
    assert [len(o["new_ids"]) for o in out] == [7, 14, 21, 28, 35, 42, 49, 56, 60]
    assert [o["done"] for o in out] == [False] * 8 + [True]
    ids = tok.encode(PROMPT)
    with torch.no_grad():  # reference: the last 32 tokens through the model without a cache, every step
        for _ in range(60):
            ids.append(int(model(torch.tensor([ids[-32:]])).logits[0, -1].argmax()))
    assert out[-1]["new_ids"] == ids[len(PROMPT):] and out[-1]["text"] == tok.decode(ids)
    long_prompt = text_corpus()[:100]  # longer than the context from the start
    assert len(tg.generate_text(model, tok, long_prompt, 10, seed=3)) == 110


def test_stream_rejects_bad_inputs(tiny):
    model, tok = tiny
    for n in (0, 2001, 1.5):
        with pytest.raises(ValueError, match="new tokens"):
            tg.stream_text(model, tok, PROMPT, n)  # raises at the call, before any work
    with pytest.raises(ValueError, match="at least one character"):
        tg.stream_text(model, tok, " ", 5)


@pytest.mark.parametrize("temperature, top_k, top_p, nucleus", [(1.0, 0, 1.0, 65), (0.7, 5, 1.0, 5), (1.0, 0, 1e-4, 1),
                                                               (0.0, 0, 1.0, 1), (2.0, 30, 0.9, None)])
def test_next_token_view(temperature, top_k, top_p, nucleus):
    raw = torch.randn(65, generator=torch.Generator().manual_seed(4)) * 2
    view = tg.next_token_view(raw, temperature, top_k, top_p)
    assert view["entropy_raw_bits"] == pytest.approx(entropy(view["raw"], base=2), abs=1e-9)
    assert view["entropy_kept_bits"] == pytest.approx(entropy(view["kept"], base=2), abs=1e-9)
    assert view["kept"].sum() == pytest.approx(1.0) and np.all(view["kept"][~view["kept_mask"]] == 0)
    assert view["nucleus_size"] == view["kept_mask"].sum() == (nucleus or view["nucleus_size"])
    assert view["top_id"] == int(raw.argmax()) and view["kept_mask"][view["top_id"]]
    assert view["entropy_kept_bits"] <= math.log2(view["nucleus_size"]) + 1e-9


def test_check_prompt():
    tok = char_tokenizer(SHAKESPEARE_CHARS)
    assert tg.check_prompt(tok, PROMPT) == [SHAKESPEARE_CHARS.index(c) for c in PROMPT]
    for empty in ("", "  \n "):
        with pytest.raises(ValueError, match="at least one character"):
            tg.check_prompt(tok, empty)
    with pytest.raises(ValueError, match="limit is 2,000"):
        tg.check_prompt(tok, "a" * 2001)
    with pytest.raises(ValueError, match="'é', 'ü'.*a-z") as error:
        tg.check_prompt(tok, "café über")
    assert "WordLevel" not in str(error.value)


def test_check_prompt_accepts_anything_with_byte_level_bpe():
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(["To be, or not to be: that is the question.", "Whether 'tis nobler in the mind"],
                            vocab_size=300, min_frequency=1, show_progress=False)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer)
    ids = tg.check_prompt(tok, "café über 😀\n")
    assert ids and tok.decode(ids) == "café über 😀\n"


def test_char_tokenizer_round_trip(tiny):
    sample = text_corpus()[:5000] + "a  b\n\nc , d ."
    for tok in (char_tokenizer(SHAKESPEARE_CHARS), tiny[1]):
        ids = tok.encode(sample)
        assert ids == encode_corpus(sample, SHAKESPEARE_CHARS).tolist()
        assert tok.decode(ids) == sample


def test_load_text_model_caches_and_fails_clearly_offline(folder, monkeypatch):
    name = f"test-char-gpt-{id(folder)}"
    monkeypatch.setitem(registry.SPECS, name, registry.ModelSpec(name, "char-gpt", str(folder), ("generate",), "test"))
    model, tok = tg.load_text_model(name)
    assert (model, tok) == tg.load_text_model(name) and tok.decode(tok.encode(PROMPT)) == PROMPT
    if hub.hub_status()[0]:
        pytest.skip("the hub is reachable here")
    try:
        tg.load_text_model("distilgpt2")
    except hub.HubUnavailable as error:
        assert "Hugging Face Hub" in str(error)
    else:
        pytest.skip("distilgpt2 is in the local cache")


def test_token_distribution_figure():
    tok = char_tokenizer(SHAKESPEARE_CHARS)
    raw = torch.linspace(0, -6, 65)  # newline (id 0) most probable, then space (id 1)
    view = tg.next_token_view(raw, 1.0, 5, 1.0)
    fig = token_distribution_figure(view, tok, top=30)
    before, after = fig.data
    assert len(before.x) == len(after.x) == 30 and list(before.x[:2]) == ["⏎", "␣"]
    assert not any("\n" in label or " " in label for label in before.x)
    assert [c == CUT_GREY for c in after.marker.color] == [False] * 5 + [True] * 25
    assert np.all(np.asarray(after.y[5:]) == 0) and "5 of 65" in fig.layout.title.text


def test_shipped_model_streams_like_generate():
    if not registry.availability("shakespeare-char-gpt")[0]:
        pytest.skip("checkpoints/shakespeare-char-gpt is not trained yet")
    model, tok = tg.load_text_model("shakespeare-char-gpt")
    ids = torch.tensor([tok.encode(PROMPT)])
    torch.manual_seed(5)
    ref = model.generate(ids, do_sample=True, temperature=0.8, top_k=0, top_p=0.9, max_new_tokens=60)
    assert tg.generate_text(model, tok, PROMPT, 60, 0.8, 0, 0.9, seed=5) == tok.decode(ref[0])
