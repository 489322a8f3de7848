# %% [markdown]
# # 01 · Data exploration: from audio files to the images a GAN sees
#
# This series trains a GAN to make spectrograms of spoken digits. A **Generator** turns random numbers into
# images, a **Discriminator** (a ResNet-9 reused from an earlier digit-classification task) judges whether an
# image is real. Before either exists we need the real images: this notebook looks at the audio in `data/`,
# listens to it, and follows one clip through every step that turns it into the `[3, 32, 32]` tensor the
# models see. Each choice is explained with numbers measured on this data.
#
# The committed outputs were made on the **Free Spoken Digit Dataset** (FSDD: 3,000 recordings of the digits
# 0-9, 6 male speakers, 50 takes each, 8 kHz; Jakobovski et al., CC BY-SA 4.0), fetched with
# `python -m helpers.data fsdd`. Without it, `make run` synthesizes a built-in set with eSpeak NG voices: a
# stand-in that keeps everything runnable offline, but robotic speech, not a substitute for real recordings.

# %%
# NBVAL_IGNORE_OUTPUT
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Audio, display

from helpers import audio, plots
from helpers.dataset import AudioDataset, image_stats
from helpers.notebook import start

s = start()
f = s.profile.features

# %% [markdown]
# ## What is in the folder
# `AudioDataset` scans the folder recursively for `.wav .mp3 .flac .ogg` files. The first time, every file is
# turned into a log-mel spectrogram in parallel worker processes and cached under `runs/cache/`; later runs
# read the cache in a fraction of a second.
#
# Labels follow one rule per folder of data. In a digit-named set (at least half the file names start with
# one digit and a separator: `7_jackson_32.wav`, FSDD's digit, speaker and take; or `7_jane 3.wav`, `2-b.mp3`)
# that digit is the label, and a file without one stays unlabelled, whatever sub-folder it sits in. In any
# other set the sub-folder names the class (`dog/bark1.wav` is "dog"), and files at the top are unlabelled.
# How many files got which kind of label:

# %%
# NBVAL_IGNORE_OUTPUT
ds = AudioDataset(s.data, f, max_files=s.profile.max_files)
print(ds)
ds.files.label_from.value_counts().rename("files").to_frame()

# %%
# NBVAL_IGNORE_OUTPUT
pd.crosstab(ds.files.speaker, ds.files.label_name, margins=True, margins_name="all")

# %% [markdown]
# ## How long are the clips?
# FSDD's recordings are already trimmed close to the speech. We trim what silence remains (anything 40 dB
# below the clip's peak at either end) and measure the spoken part.

# %%
fig, ax = plt.subplots(1, 2, figsize=(10, 3))
plots.histogram(ax[0], ds.files.duration, title="trimmed clip durations", xlabel="duration (s)",
                marks={"median": ds.files.duration.median(), "window": f.window / f.sample_rate})
ds.files.groupby("label_name").duration.median().plot.bar(ax=ax[1], color="tab:blue")
ax[1].set(title="median duration per digit", xlabel="digit", ylabel="duration (s)")
fig.tight_layout()

# %% [markdown]
# ## Listen, and look
# One take of every digit: its waveform and its mel spectrogram. A mel spectrogram shows how much energy each
# frequency band holds over time, on the mel scale, which spaces bands the way hearing does: finely at low
# frequencies, coarsely at high ones. Vowels show as stacks of horizontal harmonics, fricatives such as the
# "s" of *six* and *seven* as noise high up.

# %%
# NBVAL_IGNORE_OUTPUT
one_each = ds.files.groupby("label_name").head(1).index[:10]
for i in one_each:
    print(f"digit {ds.files.label_name[i]}: {ds.files.path[i]}")
    display(Audio(audio.load(s.data / ds.files.path[i], f.sample_rate), rate=f.sample_rate))

# %%
fig, axes = plt.subplots(2, len(one_each), figsize=(2 * len(one_each), 4), sharey="row")
for col, i in enumerate(one_each):
    y = audio.trim(audio.load(s.data / ds.files.path[i], f.sample_rate), f.trim_db)
    plots.waveform(axes[0, col], y, f.sample_rate, title=f"digit {ds.files.label_name[i]}")
    plots.specshow(axes[1, col], ds.db[i], f, vmin=-f.top_db, vmax=0)
    if col:
        axes[0, col].set_ylabel("")
        axes[1, col].set_ylabel("")
fig.tight_layout()

# %% [markdown]
# ## From a clip to a tensor, step by step
# 1. **Load** as mono at 8 kHz (FSDD's own rate; other files are resampled). Speech intelligibility lives
#    below 4 kHz, so 8 kHz loses little and keeps every tensor small.
# 2. **Trim** leading and trailing silence more than 40 dB below the peak.
# 3. **Fit into a window** of 4,096 samples (0.512 s), centred: short clips are zero-padded on both sides,
#    long ones keep their middle. The window is sized from the durations above so that most clips fill most
#    of it (measured below).
# 4. **Mel spectrogram**: a 512-sample FFT (64 ms, 15.6 Hz bins, fine enough to resolve the harmonics of a
#    male voice), a hop of 128 samples (16 ms) so that the window gives exactly 32 frames, and 32 mel bands
#    from 0 Hz to 4 kHz (Nyquist): a 32 x 32 image, the size DCGAN-style networks handle comfortably on a CPU.
# 5. **Decibels relative to the clip's loudest bin**, floored at -80 dB: recording level says nothing about
#    the digit, so every clip's peak is 0 dB.
# 6. **Normalize** each mel band by its mean and standard deviation over the data set, clip at 3 standard
#    deviations and divide by 3, as SpecGAN did (Donahue, McAuley and Puckette, *Adversarial Audio Synthesis*,
#    ICLR 2019): every band gets the same spread in [-1, 1], the range of the Generator's `tanh`.
# 7. **Three channels**: three identical copies of the image, because the ResNet-9 of the earlier task was
#    built for RGB input and we reuse it unchanged.

# %%
i = one_each[min(7, len(one_each) - 1)]
raw = audio.load(s.data / ds.files.path[i], f.sample_rate)
trimmed = audio.trim(raw, f.trim_db)
windowed = audio.fit(trimmed, f.window, f.align)
fig, axes = plt.subplots(1, 4, figsize=(13, 2.8))
plots.waveform(axes[0], raw, f.sample_rate, "1. loaded")
plots.waveform(axes[1], trimmed, f.sample_rate, "2. trimmed")
plots.waveform(axes[2], windowed, f.sample_rate, f"3. centred in {f.window} samples")
plots.specshow(axes[3], ds.db[i], f, "4-5. log-mel (dB re peak)", colorbar=True)
fig.tight_layout()

# %%
x, label = ds[i]
print("tensor:", tuple(x.shape), x.dtype, "| inside [-1, 1]:", bool(x.abs().max() <= 1), "| label:", int(label))
print("three identical channels:", bool((x[0] == x[1]).all() and (x[1] == x[2]).all()))

# %%
fig, ax = plt.subplots(1, 2, figsize=(9, 3))
plots.specshow(ax[0], ds.db[i], f, "log-mel, dB re peak", colorbar=True)
plots.specshow(ax[1], x[0].numpy(), f, "normalized model input", colorbar=True, cmap="magma", vmin=-1, vmax=1)
fig.tight_layout()

# %% [markdown]
# ## Padding must not be a give-away
# A discriminator looks for anything that separates real images from generated ones. If a quarter of every
# real image is the same constant value, "does this image have a perfectly flat border?" is an easy question
# that says nothing about speech, and it is the first thing the discriminator learns. The original project's
# pipeline put each clip at the start of a 1-second window and mapped -80..0 dB linearly onto [-1, 1]: every
# padded pixel sat at exactly -1. We measure both pipelines on the same files.

# %%
# NBVAL_IGNORE_OUTPUT
original = AudioDataset(s.data, f.__class__(window=f.sample_rate, hop=f.sample_rate // f.frames, align="left"),
                        max_files=s.profile.max_files, normalization="minmax", progress=False)
pd.DataFrame({"this pipeline (centred 0.51 s, SpecGAN normalization)": image_stats(ds),
              "original (left-aligned 1 s, -80..0 dB to [-1, 1])": image_stats(original)}).round(3)

# %%
fig = plots.spectrogram_grid(np.concatenate([original.images[one_each[:5]].numpy(), ds.images[one_each[:5]].numpy()]),
                             f, titles=[f"original: {d}" for d in range(5)] + [f"this: {d}" for d in range(5)],
                             suptitle="the same five clips as model input, in [-1, 1]", vmin=-1, vmax=1)

# %% [markdown]
# ## What we learned
# The printed tables above are this run's measurements. On FSDD, the median spoken digit lasts about 0.42 s
# and fills about 82% of the 0.512 s window once centred; the original 1-second left-aligned pipeline left
# more than half of all pixels at exactly -1, while the centred, standardized images have none. Notebook 02
# builds the Generator that must produce such `[3, 32, 32]` images from noise.
