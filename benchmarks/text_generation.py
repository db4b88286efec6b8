"""Text generation speed: tokens/s of `stream_text` (KV cache, one token at a time, yielding every token with its
next-token view) against transformers' `model.generate` on the same prompt and length, greedy and sampled
(temperature 0.8, top-p 0.9). Target: the streaming loop costs under 10% more than `generate`.

Run from the repo root: python benchmarks/text_generation.py [--model FOLDER_OR_HUB_ID]
"""
import argparse
import os
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from _common import OtherLoad, wait_until_quiet  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from playground.device import configure_threads  # noqa: E402

THREADS = configure_threads()  # the app's policy: one thread per request on this 2-core machine

import torch  # noqa: E402

from playground import hub  # noqa: E402
from playground.tasks.text_generation import stream_text  # noqa: E402

PROMPT = "ROMEO:\nWhat light through yonder window breaks?\n"
MODES = {"greedy": dict(temperature=0.0, top_k=0, top_p=1.0), "sampled": dict(temperature=0.8, top_k=0, top_p=0.9)}


def timed(fn) -> tuple[float, int]:
    """(seconds, new tokens) of one call."""
    t0 = time.perf_counter()
    n = fn()
    return time.perf_counter() - t0, n


def runners(model, tokenizer, knobs: dict, new_tokens: int):
    ids = torch.tensor([tokenizer.encode(PROMPT)])

    def stream():
        out = None
        for out in stream_text(model, tokenizer, PROMPT, new_tokens, seed=0, every=1, **knobs):
            pass
        return len(out["new_ids"])

    def generate():
        sampled = knobs["temperature"] > 0
        torch.manual_seed(0)
        extra = dict(do_sample=True, temperature=knobs["temperature"], top_k=0, top_p=knobs["top_p"]) if sampled else \
            dict(do_sample=False)
        return model.generate(ids, max_new_tokens=new_tokens, **extra).shape[1] - ids.shape[1]

    return stream, generate


def measure(model, tokenizer, new_tokens: int, repeats: int) -> dict:
    """Median tokens/s of both, timed alternately so that drifting load hits both alike."""
    rates = {}
    for mode, knobs in MODES.items():
        stream, generate = runners(model, tokenizer, knobs, new_tokens)
        for _ in range(2):  # warm up: first-call paths, allocator
            stream()
            generate()
        times = {"stream": [], "generate": []}
        for _ in range(repeats):
            for name, fn in (("stream", stream), ("generate", generate)):
                seconds, n = timed(fn)
                times[name].append(n / seconds)
        rates[mode] = {name: statistics.median(v) for name, v in times.items()}
        print(f"{mode:8s}: stream_text {rates[mode]['stream']:7.1f} tok/s, generate {rates[mode]['generate']:7.1f} tok/s "
              f"(medians of {repeats} runs of {new_tokens} new tokens)")
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(REPO_ROOT, "checkpoints", "shakespeare-char-gpt"))
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = hub.from_pretrained(AutoModelForCausalLM.from_pretrained, args.model).eval()
    tokenizer = hub.from_pretrained(AutoTokenizer.from_pretrained, args.model)
    print(f"model {args.model}: {sum(p.numel() for p in model.parameters()):,} parameters, {THREADS} torch thread(s)")
    print("waiting at most 20 s for a quiet machine (training may be running in the background; the load is reported)")
    wait_until_quiet(timeout=20.0)
    with OtherLoad():
        rates = measure(model, tokenizer, args.tokens, args.repeats)
    fields = []
    for mode, prefix in (("sampled", ""), ("greedy", "greedy_")):
        stream, generate = rates[mode]["stream"], rates[mode]["generate"]
        overhead = 100.0 * (generate / stream - 1.0)  # extra time per token of the streaming loop
        print(f"{mode}: stream_text overhead {overhead:+.1f}% against generate (target < 10%: "
              f"{'met' if overhead < 10 else 'MISSED'})")
        fields.append(f"{prefix}text_stream_tok_s={stream:.1f} {prefix}generate_tok_s={generate:.1f} "
                      f"{prefix}overhead_pct={overhead:.1f}")
    print(f"RESULT text_generation {' '.join(fields)} threads={THREADS}")


if __name__ == "__main__":
    main()
