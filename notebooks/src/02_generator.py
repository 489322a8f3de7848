# %% [markdown]
# # 02 · The Generator: from 100 random numbers to a spectrogram
#
# The Generator G is the forger of the GAN. It takes a **latent vector** z, `latent_size` = 100 numbers drawn
# from a standard normal distribution, and must turn it into a `[3, 32, 32]` image that the Discriminator
# cannot tell from a real spectrogram. It starts knowing nothing; everything it will know comes from the
# Discriminator's gradients (notebooks 04 and 05).
#
# We build it from scratch in the style of DCGAN (Radford, Metz and Chintala, *Unsupervised Representation
# Learning with Deep Convolutional GANs*, ICLR 2016): a stack of **transposed convolutions**, each doubling the
# image's height and width, with BatchNorm and ReLU between them and `tanh` at the end.

# %%
# NBVAL_IGNORE_OUTPUT
import matplotlib.pyplot as plt
import torch

from helpers import plots
from helpers.dataset import AudioDataset
from helpers.models import Generator, count_parameters, generator_for, layer_table, overlap_counts
from helpers.notebook import start

s = start()
f = s.profile.features

# %% [markdown]
# ## What a transposed convolution does
# An ordinary convolution with stride 2 halves an image. A *transposed* convolution runs that backwards: every
# input pixel stamps a copy of the kernel, scaled by the pixel's value, onto an output twice as large, and
# overlapping stamps add up. With a 2 x 2 input, all-ones weights and a 4 x 4 kernel (stride 2, padding 1, the
# setting DCGAN uses) the output is 4 x 4, and each number below counts how many stamps landed on that pixel:

# %%
print(overlap_counts(size=2, kernel=4, stride=2, padding=1).int())

# %% [markdown]
# The counts are symmetric: every interior pixel receives the same number of stamps. With a 3 x 3 kernel and
# stride 2 the stamps overlap unevenly (kernel size not divisible by the stride), so alternate rows and columns
# receive more: a built-in **checkerboard** that the network must learn to cancel, and often does not
# (Odena, Dumoulin and Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016). On a bigger input the
# pattern is plain:

# %%
even = overlap_counts(size=4, kernel=4, stride=2, padding=1)
uneven = overlap_counts(size=4, kernel=3, stride=2, padding=1, output_padding=1)
fig, ax = plt.subplots(1, 2, figsize=(7, 3.2))
for a, counts, title in [(ax[0], even, "kernel 4, stride 2: even"), (ax[1], uneven, "kernel 3, stride 2: checkerboard")]:
    im = a.imshow(counts, cmap="viridis", vmin=0, vmax=4)
    a.set(title=title, xlabel="output column (pixels)", ylabel="output row (pixels)")
fig.colorbar(im, ax=ax, label="kernel stamps per pixel")
print("kernel 3:\n", uneven.int())

# %% [markdown]
# ## The Generator, layer by layer
# The first transposed convolution maps z (seen as a 1 x 1 image with 100 channels) to a 4 x 4 map with 256
# channels; three stride-2 layers then double the size 4 -> 8 -> 16 -> 32 while halving the channels, and the
# last produces 3 channels. `tanh` squashes every pixel into (-1, 1), the range of the normalized spectrograms.
# Weights start as DCGAN prescribes: normal with standard deviation 0.02.

# %%
G = generator_for(s.profile)
z = torch.randn(16, s.profile.latent_size)
layer_table(G.layers, z[:, :, None, None])  # z as a 1 x 1 image with 100 channels

# %%
print(f"Generator: {count_parameters(G):,} parameters, latent_size {G.latent_size}, output {G.shape}")
print(f"gpu profile (64 x 64 images): {count_parameters(Generator(100, (3, 64, 64), 64)):,} parameters")

# %% [markdown]
# ## What an untrained Generator makes
# Before training, G's output is the *average* spectrogram: small random weights give pixels near 0, which
# after normalization is each mel band's mean level, and the variation between samples (printed below) is
# far too small to see. Below, eight samples from random z next to eight real clips, all drawn in
# decibels through the data set's normalization.

# %%
# NBVAL_IGNORE_OUTPUT
ds = AudioDataset(s.data, f, max_files=s.profile.max_files, progress=False)
G.eval()
with torch.no_grad():
    fake = G(torch.randn(8, s.profile.latent_size))
real = ds.images[torch.randperm(len(ds))[:8]]
print(f"untrained G: pixel mean {fake.mean():+.3f}, std {fake.std():.3f}; real: mean {real.mean():+.3f}, "
      f"std {real.std():.3f}")

# %%
dbs = ds.denormalize(torch.cat([fake, real[:, None].expand(-1, 3, -1, -1)]))
fig = plots.spectrogram_grid(dbs, f, titles=[f"G(z{i})" for i in range(8)] + ["real"] * 8, cols=8,
                             suptitle="untrained Generator (top) and real clips (bottom), dB re clip peak",
                             vmin=-80, vmax=0)

# %% [markdown]
# ## What we learned
# - A transposed convolution with kernel 4 and stride 2 doubles an image without uneven overlaps; kernel 3
#   would bake a checkerboard into every sample.
# - The cpu profile's Generator has about 1.07 million parameters and maps 100 numbers to exactly the
#   `[3, 32, 32]` tensor the data set produces (the table above traces every shape).
# - Untrained, every sample is close to the data set's average spectrogram, the same for every z. The ResNet-9 of notebook 03
#   is the critic that will teach it what speech looks like.
