"""The networks: a DCGAN Generator, and David Page's ResNet-9, which first classifies digits and then, with a
one-logit head, becomes the Discriminator.

Both are built from small named blocks (``deconv_bn``, ``conv_bn``, ``Residual``) so each reads like its diagram.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from functools import partial

import torch
from torch import nn

# --- DCGAN Generator (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with DCGANs") ---


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation (Radford et al. 2016, sec. 4): conv weights ~ N(0, 0.02), BatchNorm scale
    ~ N(1, 0.02) and shift 0; use as ``net.apply(dcgan_init)``."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def deconv_bn(
    c_in: int, c_out: int, kernel: int | tuple[int, int] = 4, stride: int = 2, padding: int = 1
) -> nn.Sequential:
    """Transposed conv + BatchNorm + ReLU; with the defaults it doubles both sides (one DCGAN upsampling step)."""
    return nn.Sequential(
        OrderedDict(
            conv=nn.ConvTranspose2d(c_in, c_out, kernel, stride, padding, bias=False),
            bn=nn.BatchNorm2d(c_out),
            relu=nn.ReLU(),
        )
    )


def upsampling_steps(n_mels: int, frames: int) -> int:
    """The number k of doublings from the first map to the image: the most that leave a first map of at least
    4 on each side (4x4 for a square image: k = 3 for 32x32, 4 for 64x64)."""
    if n_mels <= 0 or frames <= 0 or n_mels % 8 or frames % 8:
        raise ValueError(f"the Generator makes images whose sides are multiples of 8, not {n_mels}x{frames}")
    k = 1
    while n_mels % 2 ** (k + 1) == 0 and frames % 2 ** (k + 1) == 0 and min(n_mels, frames) // 2 ** (k + 1) >= 4:
        k += 1
    return k


class RepeatChannels(nn.Module):
    """Copies a 1-channel image to ``channels`` identical channels, as the dataset's channels are copies of one
    log-mel image: a Generator that made them separately could give itself away by making them differ."""

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.repeat(1, self.channels, 1, 1)

    def extra_repr(self) -> str:
        return f"channels={self.channels}"


class Generator(nn.Module):
    """DCGAN generator (Radford et al. 2016, fig. 1): z -> a small map (4x4 for square images) -> k transposed
    convs, each doubling both sides and halving the channels down to ``width`` -> tanh, so images lie in (-1, 1).

    ``layers`` is the whole network as one ``nn.Sequential``, to run step by step and print every shape.
    With ``classes`` > 0 it is conditional: a learned embedding of the asked class (``EMBED`` numbers) goes in
    beside z, as in the conditional GAN of Mirza & Osindero (2014).
    """

    EMBED = 16

    def __init__(
        self,
        latent_size: int = 100,
        shape: tuple[int, int, int] = (3, 32, 32),
        width: int = 64,
        repeat_channels: bool = False,
        classes: int = 0,
    ):
        super().__init__()
        channels, n_mels, frames = shape
        self.latent_size, self.shape, self.classes = latent_size, tuple(shape), classes
        self.embedding = nn.Embedding(classes, self.EMBED) if classes else None
        k = upsampling_steps(n_mels, frames)
        widths = [width * 2**i for i in reversed(range(k))]  # e.g. 256, 128, 64 for k = 3
        first_map = (n_mels // 2**k, frames // 2**k)
        inputs = latent_size + (self.EMBED if classes else 0)
        steps = [deconv_bn(inputs, widths[0], first_map, stride=1, padding=0)]
        steps += [deconv_bn(c_in, c_out) for c_in, c_out in zip(widths, widths[1:])]
        steps += [nn.ConvTranspose2d(widths[-1], 1 if repeat_channels else channels, 4, 2, 1, bias=False), nn.Tanh()]
        if repeat_channels:
            steps.append(RepeatChannels(channels))
        self.layers = nn.Sequential(*steps)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Noise [B, latent_size] (or [B, latent_size, 1, 1]), and for a conditional G the asked classes [B],
        -> images [B, *shape]."""
        z = z.reshape(len(z), self.latent_size)
        if self.embedding is not None:
            if y is None:
                raise ValueError("this Generator is conditional: say which class to make (y)")
            z = torch.cat([z, self.embedding(y)], dim=1)
        return self.layers(z[:, :, None, None])


# --- ResNet-9 (David Page 2018, "How to Train Your ResNet", DAWNBench CIFAR-10 entry) ---


def activation(name: str) -> nn.Module:
    """ReLU as in ResNet-9, or ``"leaky"``: LeakyReLU(0.2), as in DCGAN's discriminator (Radford et al. 2016)."""
    if name == "relu":
        return nn.ReLU()
    if name == "leaky":
        return nn.LeakyReLU(0.2)
    raise ValueError(f"act must be 'relu' or 'leaky', not {name!r}")


def normalization(name: str, channels: int) -> nn.Module | None:
    """BatchNorm as in ResNet-9; ``"layer"``: GroupNorm with one group (Ba et al. 2016's layer norm over a
    feature map), which judges each image on its own, as WGAN-GP's critic does; ``"none"``: no normalization."""
    if name == "batch":
        return nn.BatchNorm2d(channels)
    if name == "layer":
        return nn.GroupNorm(1, channels)
    if name == "none":
        return None
    raise ValueError(f"norm must be 'batch', 'layer' or 'none', not {name!r}")


def conv_bn(c_in: int, c_out: int, act: str = "relu", norm: bool = True, kind: str = "batch") -> nn.Sequential:
    """3x3 conv + BatchNorm (or the ``kind`` of ``normalization``) + activation: ResNet-9's one block.

    The conv has a bias only in a network without normalization (``kind="none"``); elsewhere a normalization's
    shift replaces it, and Page's prep layer without BatchNorm has none either."""
    normalize = normalization(kind, c_out) if norm else None
    layers = OrderedDict(conv=nn.Conv2d(c_in, c_out, 3, padding=1, bias=kind == "none"))
    if normalize is not None:
        layers["bn"] = normalize
    layers["act"] = activation(act)
    return nn.Sequential(layers)


class Residual(nn.Module):
    """x + f(x): the identity shortcut of He et al. 2016 ("Deep Residual Learning") around a few blocks."""

    def __init__(self, *blocks: nn.Module):
        super().__init__()
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.blocks(x)


class Mul(nn.Module):
    """Multiplies by a fixed number; Page scales ResNet-9's logits by 0.125 so they start small, which keeps
    training stable at high learning rates ("How to Train Your ResNet 4: Architecture")."""

    def __init__(self, weight: float):
        super().__init__()
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight

    def extra_repr(self) -> str:
        return f"weight={self.weight}"


class ResNet9(nn.Module):
    """David Page's DAWNBench CIFAR-10 ResNet-9, for any input from 32x32 up (the last pooling is global).

    ``trunk``: prep -> layer1 (+ residual) -> layer2 -> layer3 (+ residual) -> global max pool -> [B, 8*width];
    ``head``: Linear(8*width, num_classes, bias=False) then Page's fixed output scale of 0.125 (``Mul``).
    At width 64 it has 6,573,120 parameters, exactly Page's count: the scale has none.
    ``act="leaky"`` and ``prep_norm=False`` (no BatchNorm on the input layer) are DCGAN's discriminator choices;
    ``norm`` swaps every BatchNorm for a per-image layer norm or for nothing (``normalization``).
    """

    def __init__(
        self,
        num_classes: int = 10,
        width: int = 64,
        in_channels: int = 3,
        act: str = "relu",
        prep_norm: bool = True,
        norm: str = "batch",
    ):
        super().__init__()
        self.config = dict(
            num_classes=num_classes, width=width, in_channels=in_channels, act=act, prep_norm=prep_norm, norm=norm
        )
        block = partial(conv_bn, act=act, kind=norm)
        c0, c1, c2, c3 = width, 2 * width, 4 * width, 8 * width  # Page's 64, 128, 256, 512
        self.trunk = nn.Sequential(
            OrderedDict(
                prep=block(in_channels, c0, norm=prep_norm),
                layer1=nn.Sequential(block(c0, c1), nn.MaxPool2d(2), Residual(block(c1, c1), block(c1, c1))),
                layer2=nn.Sequential(block(c1, c2), nn.MaxPool2d(2)),
                layer3=nn.Sequential(block(c2, c3), nn.MaxPool2d(2), Residual(block(c3, c3), block(c3, c3))),
                pool=nn.AdaptiveMaxPool2d(1),
                flatten=nn.Flatten(),
            )
        )
        self.head = nn.Sequential(OrderedDict(linear=nn.Linear(c3, num_classes, bias=False), scale=Mul(0.125)))

    @property
    def num_classes(self) -> int:
        """Outputs of the head: 10 for the digit classifier, 1 for the discriminator."""
        return self.head.linear.out_features

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features [B, 8*width], the embedding a Fréchet distance compares (Heusel et al. 2017)."""
        return self.trunk(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))


def as_discriminator(classifier: ResNet9, warm_start: bool = True, classes: int = 0) -> ResNet9:
    """A new ResNet-9 whose head gives one logit per image, shape [B], for ``BCEWithLogitsLoss``.

    ``warm_start=True`` copies the classifier's trunk (reuse the trained network); ``False`` builds the same
    architecture with fresh weights (reuse the design only). The classifier itself is never changed. The new
    head is Linear(8*width, 1) with a bias, so D can shift its overall belief, and no 0.125 scale: that was
    tuned for the 10-class softmax. The copy comes back in training mode, on the classifier's device.

    ``classes`` > 0 keeps a class head beside the real/fake logit, as AC-GAN's D does (Odena et al. 2017):
    the output is [B, 1 + classes], the real/fake logit first; warm-started, the class head starts as the
    classifier's own.
    """
    d = copy.deepcopy(classifier) if warm_start else ResNet9(**classifier.config)
    features = classifier.head.linear.in_features
    if classes:
        d.head = nn.Sequential(OrderedDict(linear=nn.Linear(features, 1 + classes)))
        if warm_start and classifier.num_classes == classes:
            with torch.no_grad():  # the classifier's logits are its linear layer times Page's 0.125
                d.head.linear.weight[1:] = classifier.head.linear.weight * classifier.head.scale.weight
                d.head.linear.bias[1:] = 0
    else:
        d.head = nn.Sequential(
            OrderedDict(
                linear=nn.Linear(features, 1),
                squeeze=nn.Flatten(0),  # [B, 1] -> [B]
            )
        )
    return d.to(next(classifier.parameters()).device).train()


@torch.no_grad()
def probability_real(d: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """sigmoid(D(x)): D's belief that each image is real (1 real, 0 fake); for monitoring, not for losses."""
    return torch.sigmoid(d(x))


def count_parameters(module: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


# --- for the notebooks: models sized by a profile, and views of what is inside them ---


def generator_for(prof, classes: int = 0) -> Generator:
    """The Generator a profile asks for (``helpers.config.Profile``); ``classes`` > 0: conditional on them."""
    return Generator(prof.latent_size, prof.features.shape, prof.g_width, prof.g_repeat_channels, classes)


def resnet9_config(prof, num_classes: int = 10) -> dict:
    """The ``ResNet9`` arguments a profile asks for (what ``ResNet9.config`` holds), without building one."""
    return dict(
        num_classes=num_classes,
        width=prof.d_width,
        in_channels=prof.features.shape[0],
        act=prof.d_act,
        prep_norm=prof.d_prep_norm,
        norm=prof.d_norm,
    )


def resnet9_for(prof, num_classes: int = 10) -> ResNet9:
    """The ResNet-9 a profile asks for: the digit classifier, and after ``as_discriminator`` the D."""
    return ResNet9(**resnet9_config(prof, num_classes))


@torch.no_grad()
def layer_table(layers: nn.Sequential, x: torch.Tensor):
    """Each layer's output shape and parameter count, running ``x`` through ``layers`` one at a time."""
    import pandas as pd

    rows = [dict(layer="input", output=tuple(x.shape[1:]), parameters=0)]
    was_training = layers.training
    layers.eval()
    for name, layer in layers.named_children():
        x = layer(x)
        kind = (
            type(layer).__name__
            if not isinstance(layer, nn.Sequential)
            else "+".join(type(m).__name__ for m in layer.children())
        )
        rows.append(dict(layer=f"{name}: {kind}", output=tuple(x.shape[1:]), parameters=count_parameters(layer)))
    layers.train(was_training)
    return pd.DataFrame(rows).set_index("layer")


def overlap_counts(size: int = 2, kernel: int = 4, stride: int = 2, padding: int = 1, output_padding: int = 0):
    """How many kernel placements write each output pixel of a transposed conv (all-ones input and weights).

    Uneven counts in the interior are where checkerboard artefacts come from (Odena, Dumoulin & Olah 2016)."""
    conv = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding, bias=False)
    nn.init.ones_(conv.weight)
    with torch.no_grad():
        return conv(torch.ones(1, 1, size, size))[0, 0]
