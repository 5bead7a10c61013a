"""Batches made one step ahead on a worker thread, so the model does not wait for crops and
resizes (OpenCV and NumPy release the GIL). Valid because a batch is a function of (seed, step,
rank) alone: the batch made ahead is the one the next step would have made."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import torch


class BatchSource(Protocol):
    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]: ...


class Prefetcher:
    def __init__(self, source: BatchSource) -> None:
        self.source = source
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batches")
        self._ahead: dict[tuple[int, int], Future[dict[str, torch.Tensor]]] = {}

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        future = self._ahead.pop((step, rank), None) or self._pool.submit(self.source.batch, step, rank)
        self._ahead = {(step + 1, rank): self._pool.submit(self.source.batch, step + 1, rank)}
        return future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
