# %% [markdown]
# # 03 · The previous task's ResNet-9, reused as the Discriminator
#
# The original project had an earlier task: classify spoken digits into 10 classes with a **ResNet-9**, David
# Page's fast CIFAR-10 network ("How to Train Your ResNet", DAWNBench 2018). This notebook repeats that task on
# our data, then performs the swap the GAN needs: the final layer's 10 class scores become **one real/fake
# score**. Through a sigmoid that score is the probability that an image is real: 1 real, 0 fake.
#
# The trained classifier is kept: the later notebooks use it as the judge of what the Generator makes. The
# story's Discriminator reuses its design, with fresh weights (every configuration prints `warm_start=False`);
# the swap below shows both readings of "reuse", and docs/experiments.md (round 14) what a warm start does to
# the story.

# %%
# NBVAL_IGNORE_OUTPUT
import matplotlib.pyplot as plt
import pandas as pd
import torch

from helpers import plots
from helpers.checkpoints import CheckpointError
from helpers.classifier import (checkpoint_path, digit_classifier, linear_probe, load_classifier, real_vs_fake,
                                train_digit_classifier)
from helpers.config import relative
from helpers.dataset import AudioDataset
from helpers.models import (ResNet9, as_discriminator, count_parameters, generator_for, layer_table,
                            resnet9_for)
from helpers.notebook import start

s = start()
f = s.profile.features
ds = AudioDataset(s.data, f, max_files=s.profile.max_files, progress=False)
train_idx, test_idx = ds.split()
print(f"{len(train_idx)} training clips, {len(test_idx)} held out: every speaker's takes 0-4 of each digit "
      f"(FSDD's official test split)")

# %% [markdown]
# ## The network
# ResNet-9 is a handful of blocks: `conv_bn` (3 x 3 convolution, BatchNorm, activation) and a `Residual`
# wrapper that adds a block's input to its output. Prep layer, then three stages that double the channels and
# halve the image with max-pooling (two of them with a residual pair), a global max-pool and one linear layer.
# Page's network is 64 channels wide at the start (6,573,120 parameters); the `width` multiplier scales every
# layer, and each profile picks the width that a training step can afford (the cpu profile: 16).

# %%
clf = resnet9_for(s.profile)
layer_table(clf.trunk, torch.zeros(2, *f.shape))

# %%
widths = {w: count_parameters(ResNet9(width=w, act="relu", prep_norm=True)) for w in (8, 16, 32, 64)}
print("parameters of the textbook ResNet-9 by width:", {w: f"{n:,}" for w, n in widths.items()})
print(f"this profile's classifier (width {s.profile.d_width}, {s.profile.d_act}, prep BatchNorm "
      f"{s.profile.d_prep_norm}): {count_parameters(clf):,} parameters")

# %% [markdown]
# **Why width 16 on a CPU.** The cell below times one forward and backward pass of a batch of 64 images on
# this machine at width 16 and at Page's full width 64: the full width costs about nine times more, and a GAN
# step runs D three times (real, fake, and for G's update), so every step would be that much slower. The gpu
# profile uses the full width.

# %%
# NBVAL_IGNORE_OUTPUT
import time


def step_seconds(net, repeats=3):
    x = torch.randn(64, *f.shape)
    times = []
    for _ in range(repeats + 1):
        t = time.perf_counter()
        net(x).sum().backward()
        times.append(time.perf_counter() - t)
    return sorted(times[1:])[len(times[1:]) // 2]


print({f"width {w}": f"{step_seconds(ResNet9(width=w)):.3f} s" for w in (16, 64)})

# %% [markdown]
# **Page's network, unchanged.** The classifier and the Discriminator are exactly the textbook ResNet-9:
# ReLU activations and BatchNorm on every conv layer, the input ("prep") layer included. We also tried
# DCGAN's discriminator habits (Radford et al. 2016) in its place: LeakyReLU(0.2), and no BatchNorm on the
# input layer. Over 8 seeds (3 on a 2-core CPU and 5 more on a GPU with the same settings; docs/experiments.md),
# LeakyReLU made the equal-learning-rate run more forgiving: D kept its win to the end in 2 of 8 seeds,
# against 5 of 8 with ReLU, while the nerfed run balanced in 6 of 8 either way. Dropping the input BatchNorm took D's win away altogether (0 of 3): BatchNorm on the
# very first layer is one of the things that make D so strong, because it sees the statistics of a whole
# batch, and a batch of fakes differs from a batch of real clips long before any single fake looks wrong.
# So the textbook network is also the one that tells the story best. The classifier uses the same network,
# so that reusing it as D stays literal.
#
# ## The previous task: a spoken-digit classifier
# SGD with Nesterov momentum and a one-cycle learning-rate schedule, as in Page's recipe, with label smoothing.
# It is trained the first time this notebook runs and saved with its per-epoch record; a rerun loads it, since
# every later notebook (and every committed result) is judged by this very classifier.

# %%
# NBVAL_IGNORE_OUTPUT
clf, history, confusion = digit_classifier(s.profile, ds, device=s.device)
history.round(3)

# %%
# NBVAL_IGNORE_OUTPUT
accuracy = confusion.trace() / confusion.sum()
print(f"test accuracy {accuracy:.2%} on {confusion.sum()} held-out clips, trained in "
      f"{history.seconds.sum():.0f} s; saved in {relative(checkpoint_path(s.profile))}")
fig, ax = plt.subplots(figsize=(4.2, 4.2))
plots.confusion(ax, confusion, ds.classes, title=f"held-out clips: {accuracy:.1%} correct")

# %% [markdown]
# The DCGAN-style variant (LeakyReLU) on the same split, for comparison:

# %%
# NBVAL_IGNORE_OUTPUT
import dataclasses

leaky = dataclasses.replace(s.profile, name=f"{s.profile.name}_leaky", d_act="leaky")
_, leaky_history, leaky_confusion = train_digit_classifier(leaky, ds, device=s.device, progress=False)
print(f"LeakyReLU variant: test accuracy {leaky_confusion.trace() / leaky_confusion.sum():.2%} "
      f"(the textbook ResNet-9: {accuracy:.2%})")

# %% [markdown]
# ## Saving and loading
# The weights are saved under `runs/` with the settings that rebuild the network, and loaded with
# `torch.load(..., weights_only=True)`, which refuses to run code hidden in a file. A file that is not such a
# checkpoint gets one clear sentence instead of a page of shape errors:

# %%
loaded = load_classifier(checkpoint_path(s.profile), device="cpu")
x = torch.stack([ds[i][0] for i in test_idx[:8]])
print("reloaded classifier gives the same scores:", torch.allclose(loaded(x), clf.cpu().eval()(x), atol=1e-6))
bad = checkpoint_path(s.profile).with_name("not_a_checkpoint.pt")
bad.write_text("hello")
try:
    load_classifier(bad)
except CheckpointError as e:
    print("CheckpointError:", str(e).replace(str(bad.parent), "runs"))

# %% [markdown]
# ## The swap: 10 class scores become one real/fake score
# `as_discriminator` copies the network and replaces only its head. The new head is a single linear output, a
# *logit*: training uses `BCEWithLogitsLoss`, which combines the sigmoid with the loss in a numerically stable
# way, and `sigmoid(logit)` is the probability "real". Two readings of "reuse" are both supported:
# **warm start** (copy the trained trunk, the features that know what digits look like) and **fresh** (the same
# architecture with new random weights).

# %%
warm = as_discriminator(clf, warm_start=True)
fresh = as_discriminator(clf, warm_start=False)
print("classifier head:", clf.head)
print("discriminator head:", warm.head)
print(f"parameters: classifier {count_parameters(clf):,}, discriminator {count_parameters(warm):,} "
      f"(head {count_parameters(clf.head):,} -> {count_parameters(warm.head):,})")
same_trunk = all(torch.equal(a, b) for a, b in zip(clf.trunk.state_dict().values(), warm.trunk.state_dict().values()))
print("warm start copies the trunk exactly:", same_trunk)

# %% [markdown]
# ## Before any GAN training: can D already tell real from fake?
# We show each D 256 real clips and 256 images from the untrained Generator of notebook 02. Its raw output
# means nothing yet (the new head is random), so we also ask how *separable* the two sets are in D's features:
# a logistic regression trained on half of D's trunk features and tested on the other half (a linear probe).

# %%
# NBVAL_IGNORE_OUTPUT
torch.manual_seed(s.seed)
G = generator_for(s.profile).eval()
n = min(256, len(ds))
real = torch.stack([ds[i][0] for i in torch.randperm(len(ds))[:n]])
with torch.no_grad():
    fake = G(torch.randn(n, s.profile.latent_size))
report = pd.DataFrame({name: {**real_vs_fake(d.cpu(), real, fake), "linear probe accuracy": linear_probe(d, real, fake)}
                       for name, d in [("warm start (trained trunk)", warm), ("fresh (random trunk)", fresh)]})
report.round(3)

# %% [markdown]
# ## What we learned
# - The ResNet-9 learns the previous task easily: the accuracy printed above is on takes it never saw
#   (on FSDD in the cpu profile, above 99% after the training time printed with it).
# - Turning it into a Discriminator changes one layer: the 10-way head becomes a single logit.
# - Before the GAN starts, D's output is a coin toss, but real and untrained-G images are *perfectly*
#   separable in its features (probe accuracy near 100%): the untrained Generator's flat images are trivial to
#   spot. Whether the Generator can learn fast enough to keep up is the subject of notebooks 04 and 05.
