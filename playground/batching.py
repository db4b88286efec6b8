"""Batched network calls for concurrent requests: while several users sample from the same model, their
denoiser calls are merged into one batched call. A UNet takes a timestep and a label per sample, so
requests at different steps, even with different samplers, share a call. On the CPU there is one lane
per request slot of playground.device's thread policy, so four requests on two cores run as two batches
of two, each on one thread: less work than four calls, and nobody queues. On a GPU one lane serves all.
"""
import contextlib
import threading
import time

import torch

from playground.device import parallel_requests


class _Call:
    """One request's call waiting in a lane: its inputs, then its output or error."""

    def __init__(self, sid: int, args: tuple):
        self.sid, self.args = sid, args
        self.done, self.output, self.error = False, None, None


class _Lane:
    """Calls that run one batch at a time. A call waits until every session of the lane has one pending (or
    `window` seconds have passed); then one of the waiting request threads runs them all as one batch with
    its own threads (no extra worker thread, so no extra OpenMP team) and hands each request its part."""

    def __init__(self, fn, bf16: bool, window: float, max_batch: int):
        self.fn, self.bf16, self.window, self.max_batch = fn, bf16, window, max_batch
        self.pending: list[_Call] = []
        self.open: set[int] = set()
        self.busy = False  # a batch is running
        self.cond = threading.Condition()
        self.calls = self.served = 0  # batched calls run, and the request calls they served

    def join(self, sid: int):
        with self.cond:
            self.open.add(sid)

    def leave(self, sid: int):
        with self.cond:
            self.open.discard(sid)
            self.cond.notify_all()

    def submit(self, sid: int, x, t, labels):
        t = torch.as_tensor(t, device=x.device).reshape(-1).expand(len(x))  # one timestep per sample
        call = _Call(sid, (x, t, labels))
        deadline = time.monotonic() + self.window
        with self.cond:
            self.pending.append(call)
            self.cond.notify_all()
            while not call.done:
                everyone = {c.sid for c in self.pending} >= self.open
                if not self.busy and call in self.pending and (everyone or time.monotonic() >= deadline):
                    batch, self.busy = self._take(call), True
                    break
                self.cond.wait(None if self.busy or call not in self.pending else max(0.0, deadline - time.monotonic()))
        if not call.done:
            self._lead(batch)
        if call.error is not None:
            raise call.error
        return call.output

    def _take(self, own: _Call) -> list[_Call]:
        """This thread's call and the pending ones that concatenate with it (same image shape, labels or
        none), up to max_batch rows."""
        x0, _, labels0 = own.args
        batch, rows = [own], len(x0)
        for call in self.pending:
            x, _, labels = call.args
            if (call is not own and x.shape[1:] == x0.shape[1:] and (labels is None) == (labels0 is None)
                    and rows + len(x) <= self.max_batch):
                batch.append(call)
                rows += len(x)
        for call in batch:
            self.pending.remove(call)
        return batch

    def _lead(self, batch: list[_Call]):
        try:
            parts = self._run([call.args for call in batch])
            for call, part in zip(batch, parts):
                call.output = part
        except BaseException as error:  # every request in the batch sees the error
            for call in batch:
                call.error = error
        with self.cond:
            for call in batch:
                call.done = True
            self.busy = False
            self.cond.notify_all()

    @torch.no_grad()
    def _run(self, calls):
        """One call of fn on the concatenated inputs, split back per request."""
        x = torch.cat([c[0] for c in calls])  # (sum of B, C, H, W)
        t = torch.cat([c[1] for c in calls])
        labels = None if calls[0][2] is None else torch.cat([torch.as_tensor(c[2], device=x.device) for c in calls])
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            out = self.fn(x, t, labels)
        self.calls, self.served = self.calls + 1, self.served + len(calls)
        return out.split([len(c[0]) for c in calls])


class CallBatcher:
    """Merges concurrent `fn(x, t, labels)` calls of one network. Requests open a `session()`, which
    yields their `net(x, t, labels)`; each session joins the lane serving the fewest sessions."""

    def __init__(self, fn, bf16: bool = False, lanes: int = 1, window: float = 0.02, max_batch: int = 512):
        self.lanes = [_Lane(fn, bf16, window, max_batch) for _ in range(max(1, lanes))]
        self.lock = threading.Lock()
        self.next_id = 0

    @contextlib.contextmanager
    def session(self):
        """A request's lifetime: yields its net(x, t, labels) -> output; leaving it lets the others go on."""
        with self.lock:
            sid, self.next_id = self.next_id, self.next_id + 1
            lane = min(self.lanes, key=lambda lane: len(lane.open))
            lane.join(sid)
        try:
            yield lambda x, t, labels=None: lane.submit(sid, x, t, labels)
        finally:
            lane.leave(sid)

    @property
    def sessions(self) -> int:
        """Requests using the batcher now."""
        return sum(len(lane.open) for lane in self.lanes)

    @property
    def calls(self) -> int:
        return sum(lane.calls for lane in self.lanes)

    @property
    def served(self) -> int:
        return sum(lane.served for lane in self.lanes)


_batchers: dict = {}
_lock = threading.Lock()


def batcher_for(model, bf16: bool) -> CallBatcher:
    """The process's batcher for this model and precision, made on first use: on the CPU one lane per
    concurrent request slot of the thread policy; on a GPU one lane, so all requests share each call."""
    with _lock:
        key = (id(model), bf16)
        if key not in _batchers:
            cpu = next(model.parameters()).device.type == "cpu"
            _batchers[key] = CallBatcher(model, bf16=bf16, lanes=parallel_requests() if cpu else 1)
        return _batchers[key]
