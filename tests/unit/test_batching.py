"""Batched UNet calls for concurrent requests: merged calls give each request what its own call gives, whatever
the mix of timesteps, labels and samplers; a session that ends or fails does not hold the others up."""
import contextlib
import threading
import time

import pytest
import torch

from playground.batching import CallBatcher
from playground.models.diffusion import ImageDiffusion

TINY_UNET = dict(sample_size=16, in_channels=1, out_channels=1, block_out_channels=[8, 16], layers_per_block=1,
                 down_block_types=["DownBlock2D"] * 2, up_block_types=["UpBlock2D"] * 2, norm_num_groups=4)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return ImageDiffusion(**TINY_UNET, num_class_embeds=11).eval()


def _together(jobs):
    """Run each job in its own thread, all started at once; their results in order."""
    results, errors = [None] * len(jobs), []
    start = threading.Barrier(len(jobs))

    def run(k):
        try:
            start.wait()
            results[k] = jobs[k]()
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert not errors, errors
    return results


def _sampler(model, batcher, kind, steps, labels, seed):
    def job():
        g = torch.Generator().manual_seed(seed)
        with batcher.session() as net:
            *_, (_, _, x, _) = model.sample_steps(model.noise(len(labels), g), torch.tensor(labels), steps, kind,
                                                  0.0, 2.0, g, net=net)
        return x
    return job


def test_concurrent_samplers_share_calls_and_get_their_own_images(model):
    specs = [("ddim", 8, [1, 2], 0), ("ddim", 8, [3, 3, 5], 1), ("dpm++", 5, [7], 2), ("euler", 6, [0, 9], 3)]
    alone = [_sampler(model, CallBatcher(model), *spec)() for spec in specs]
    batcher = CallBatcher(model, lanes=1, window=0.5)  # a long window: everyone's calls meet
    together = _together([_sampler(model, batcher, *spec) for spec in specs])
    for a, b in zip(alone, together):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
    assert batcher.served == 8 + 8 + 5 + 6
    assert batcher.calls < 0.5 * batcher.served  # most calls were shared (different steps and timesteps)


def test_merged_call_equals_separate_calls_with_and_without_labels(model):
    batcher = CallBatcher(model, lanes=1, window=0.5)
    x = torch.randn(5, 1, 16, 16)
    t, labels = torch.tensor([10, 10, 500, 999, 999]), torch.tensor([1, 10, 4, 0, 0])

    def call(net, rows, with_labels):
        def job():
            with torch.no_grad():
                return net(x[rows], t[rows[0]], labels[rows] if with_labels else None)
        return job

    rows = [[0, 1], [2], [3, 4]]
    with contextlib.ExitStack() as stack:  # all three sessions open before any call (no race to the lane)
        nets = [stack.enter_context(batcher.session()) for _ in rows]
        outs = _together([call(nets[0], rows[0], True), call(nets[1], rows[1], True), call(nets[2], rows[2], False)])
    with torch.no_grad():
        torch.testing.assert_close(outs[0], model(x[:2], t[0].expand(2), labels[:2]), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(outs[1], model(x[2:3], t[2:3], labels[2:3]), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(outs[2], model(x[3:], t[3].expand(2)), atol=1e-5, rtol=1e-5)
    assert batcher.served == 3 and batcher.calls == 2  # with labels together, the unlabelled one apart


def test_an_idle_session_delays_others_by_at_most_the_window(model):
    batcher = CallBatcher(model, lanes=1, window=0.05)
    x, t = torch.randn(2, 1, 16, 16), torch.tensor(5)
    with batcher.session():  # opened, never calls (a request busy elsewhere)
        with batcher.session() as net:
            began = time.perf_counter()
            for _ in range(3):
                net(x, t, torch.tensor([1, 2]))
            assert time.perf_counter() - began < 3 * 0.05 + 1.0
    assert batcher.calls == 3


def test_a_session_that_leaves_releases_the_waiting_ones(model):
    batcher = CallBatcher(model, lanes=1, window=30.0)  # only leaving can end the wait
    left = threading.Event()

    def waiter():
        with batcher.session() as net:
            left.wait(10)
            return net(torch.randn(1, 1, 16, 16), torch.tensor(3), torch.tensor([2]))

    def leaver():
        with batcher.session():
            time.sleep(0.2)
        left.set()

    began = time.perf_counter()
    out, _ = _together([waiter, leaver])
    assert out.shape == (1, 1, 16, 16) and time.perf_counter() - began < 10


def test_an_error_reaches_every_request_in_the_batch_and_the_lane_goes_on(model):
    def fn(x, t, labels):
        if (t == 13).any():
            raise ValueError("bad timestep")
        return x * 2

    # Both sessions open before either call, and a window no loaded machine outwaits: the two calls meet in one
    # batch (opened inside the threads, one call could run alone before the other session existed)
    batcher = CallBatcher(fn, lanes=1, window=10.0)

    def call(net, step):
        def job():
            try:
                return net(torch.ones(1, 1, 2, 2), torch.tensor(step), None)
            except ValueError as error:
                return str(error)
        return job

    with batcher.session() as bad, batcher.session() as good:
        assert _together([call(bad, 13), call(good, 4)]) == ["bad timestep", "bad timestep"]
    with batcher.session() as net:
        torch.testing.assert_close(net(torch.ones(1, 1, 2, 2), torch.tensor(4), None), torch.full((1, 1, 2, 2), 2.0))


def test_sessions_spread_over_lanes(model):
    batcher = CallBatcher(model, lanes=2)
    with batcher.session(), batcher.session(), batcher.session():
        assert sorted(len(lane.open) for lane in batcher.lanes) == [1, 2]
        assert batcher.sessions == 3
    assert all(not lane.open for lane in batcher.lanes) and batcher.sessions == 0


def test_runs_at_the_same_time_share_the_frame_budget():
    """With three other runs on the model, a digit stream sends a frame every fourth step (and its last)."""
    from playground import registry
    from playground.batching import batcher_for
    from playground.tasks import diffusion_lab as lab

    def frames(others):
        batcher = batcher_for(registry.load(lab.DIGIT_MODELS[0]), False)
        with contextlib.ExitStack() as stack:
            for _ in range(others):
                stack.enter_context(batcher.session())
            events = list(lab.digit_stream("ddim", 20, 0.0, 2.0, 3, 2, 0, bf16=False))
        assert events[-1][0] == "done" and events[-1][1].shape == (2, 1, 28, 28)
        return [(e[1], e[5]) for e in events if e[0] == "frame"]

    assert frames(0) == [(i, 1) for i in range(20)]
    assert frames(3) == [(i, 4) for i in (0, 4, 8, 12, 16, 19)]
