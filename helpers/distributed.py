"""One run across several processes (``torchrun``): each draws its share of every global batch, DDP averages the
gradients, every BatchNorm normalizes over the global batch, and only rank 0 writes.

    torchrun --nproc_per_node N -m helpers.train --config stable --profile gpu

A plain ``python -m helpers.train`` is one process and none of this applies. The backend is NCCL on CUDA and
gloo on the CPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.nn.functional import all_reduce


@dataclass(frozen=True)
class World:
    """Where this process stands: its rank among ``size`` processes (one process: rank 0 of 1)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this process writes histories, snapshots and checkpoints."""
        return self.rank == 0

    def shard(self, batch: int) -> slice:
        """This process's part of a global batch of ``batch`` items."""
        if batch % self.size:
            raise ValueError(f"the batch size {batch} does not split evenly over {self.size} processes")
        n = batch // self.size
        return slice(self.rank * n, (self.rank + 1) * n)


ONE = World()
STATISTICS = None  # the process group of the BatchNorm statistics (see setup)


def launched() -> bool:
    """Whether torchrun started this process as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup() -> World:
    """Join the process group torchrun describes (NCCL on CUDA, gloo on the CPU); one process: ``ONE``."""
    if not launched():
        return ONE
    cuda = torch.cuda.is_available() and os.environ.get("AUDIOGAN_DEVICE", "cuda").startswith("cuda")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda:
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    global STATISTICS
    STATISTICS = dist.new_group()  # BatchNorm's own channel: never interleaved with DDP's gradient buckets
    if not cuda:  # share the cores: N processes of all the threads each would fight over them
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1"))))
    return World(dist.get_rank(), dist.get_world_size(), local)


def barrier(world: World) -> None:
    """Wait for every process (nothing to wait for in one)."""
    if world.size > 1:
        dist.barrier()


def finish(world: World) -> None:
    """Leave the process group when the run is done."""
    if world.size > 1:
        dist.barrier()
        dist.destroy_process_group()


def device_for(world: World) -> torch.device | None:
    """This process's own GPU under torchrun on CUDA; otherwise None (the usual choice)."""
    if world.size > 1 and dist.get_backend() == "nccl":
        return torch.device("cuda", world.local_rank)
    return None


def mean(values: torch.Tensor, world: World) -> torch.Tensor:
    """``values`` averaged over all processes (no gradient): the global batch's numbers for the history."""
    if world.size > 1:
        values = values.clone()
        dist.all_reduce(values)
        values /= world.size
    return values


class SyncBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm whose batch statistics are those of the global batch, summed over every process.

    PyTorch's own ``nn.SyncBatchNorm`` runs on GPUs only; this one reduces the sums for the mean, then for the
    variance (two passes, as BatchNorm computes it), with a
    differentiable all-reduce, so it runs under gloo on the CPU too, and gradients flow through the shared
    statistics as they do in one process. Outside a distributed run it is a plain BatchNorm2d."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        dims, group = (0, 2, 3), STATISTICS or dist.group.WORLD
        count = torch.full_like(x[0, :, 0, 0], x.numel() / x.shape[1])
        total = all_reduce(torch.stack([x.sum(dims), count]), group=group)
        n = total[1]
        mu = total[0] / n
        var = (
            all_reduce(((x - mu[None, :, None, None]) ** 2).sum(dims), group=group) / n
        )  # two passes: E[x²] - mu² loses the digits
        with torch.no_grad():  # running statistics as BatchNorm keeps them: unbiased variance, momentum
            self.num_batches_tracked += 1
            m = self.momentum if self.momentum is not None else 1 / float(self.num_batches_tracked)
            self.running_mean.mul_(1 - m).add_(m * mu.detach())
            self.running_var.mul_(1 - m).add_(m * (var * n / (n - 1)).detach())
        scale = self.weight / torch.sqrt(var + self.eps)
        return x * scale[None, :, None, None] + (self.bias - mu * scale)[None, :, None, None]


def synchronize_batchnorm(model: nn.Module) -> nn.Module:
    """Every ``BatchNorm2d`` of ``model`` replaced, in place, by a ``SyncBatchNorm2d`` holding the same
    parameters and statistics."""
    for name, child in model.named_children():
        if type(child) is nn.BatchNorm2d:
            sync = SyncBatchNorm2d(
                child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats
            )
            sync.load_state_dict(child.state_dict())
            setattr(model, name, sync.to(child.weight.device))
        else:
            synchronize_batchnorm(child)
    return model


def wrap(model: nn.Module, world: World) -> nn.Module:
    """``model`` under DistributedDataParallel when there are several processes (buffers are not broadcast:
    the synchronized BatchNorms keep them equal)."""
    if world.size == 1:
        return model
    device = next(model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DDP wrapper (or the model itself)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
