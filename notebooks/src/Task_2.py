# %% [markdown]
# # Task 2 · A GAN for spoken-digit spectrograms, the whole recipe in one notebook
#
# The original project was this one notebook: define a Generator and a Discriminator, set up the optimizers
# with the Discriminator "nerfed" to learn 10 times slower, load the audio as mel spectrograms, and train
# while printing `D_loss` and `G_loss`. The numbered notebooks explain each step; this one builds every
# piece in its own cell and trains exactly those objects, with the shared code in `helpers/`.

# %%
# NBVAL_IGNORE_OUTPUT
import pandas as pd
import torch
from IPython.display import Audio, display

from helpers import plots
from helpers.analysis import balance
from helpers.classifier import classifier_for
from helpers.dataset import AudioDataset
from helpers.engine import GANRun, config_for
from helpers.invert import to_audio
from helpers.metrics import judge, judge_run
from helpers.models import as_discriminator, count_parameters, generator_for, resnet9_for
from helpers.notebook import start
from helpers.train import log_line

s = start()

# %% [markdown]
# ## 1. Load the data
# Every audio file under the data folder becomes a normalized log-mel image `[3, 32, 32]` (notebook 01).

# %%
# NBVAL_IGNORE_OUTPUT
ds = AudioDataset(s.data, s.profile.features, max_files=s.profile.max_files)
ds

# %% [markdown]
# ## 2. Define the Generator and the Discriminator
# G: transposed convolutions from `latent_size` = 100 numbers to an image (notebook 02). D: the ResNet-9
# classifier of the previous task with its final layer replaced by one real/fake score (notebook 03; its
# design, with fresh weights). The seed fixes their initial weights.

# %%
torch.manual_seed(s.seed)
G = generator_for(s.profile)
D = as_discriminator(resnet9_for(s.profile), warm_start=False)
print(f"G: {count_parameters(G):,} parameters, z {s.profile.latent_size} -> {G.shape}")
print(f"D: {count_parameters(D):,} parameters, {s.profile.features.shape} -> 1 logit; head: {D.head.linear}")

# %% [markdown]
# ## 3. The optimizers, with the nerfed Discriminator
# Adam with DCGAN's betas (0.5, 0.999) for both; G learns at 0.0002, D at 0.00002, ten times slower.

# %%
g_lr, d_lr = 0.0002, 0.00002
opt_g = torch.optim.Adam(G.parameters(), lr=g_lr, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=d_lr, betas=(0.5, 0.999))
print(f"g_lr = {g_lr}, d_lr = {d_lr}: D learns {g_lr / d_lr:.0f}x slower")

# %% [markdown]
# ## 4. Train, printing D_loss and G_loss
# `GANRun` trains these very objects: each step is D's update on a real and a fake batch, then G's update
# (notebook 04 shows both as code). The configuration says the same as the cells above (and the seed, for the
# batches); if notebook 05 has already trained this run, its checkpoint is loaded into these objects instead
# of training again: the numbers are identical.

# %%
# NBVAL_IGNORE_OUTPUT
config = config_for("stable", s.profile, seed=s.seed, g_lr=g_lr, d_lr=d_lr)
run = GANRun(s.profile, config, ds.images, G=G, D=D, opt_g=opt_g, opt_d=opt_d, device=s.device)
assert run.G is G and run.opt_d is opt_d
print(f"batch {s.profile.batch_size}, {config.steps} steps ({s.profile.name} profile)")

# %%
# NBVAL_IGNORE_OUTPUT
if run.load():
    print(f"loaded from {run.out.name} at step {run.step}; the log as it was trained:")
    for row in run.history[s.profile.log_every - 1 :: s.profile.log_every]:
        print(log_line(row))
history = run.train(on_log=lambda r: print(log_line(r.history[-1])), progress=False)

# %%
fig = plots.training_curves(history, "nerfed D: g_lr 0.0002, d_lr 0.00002")

# %% [markdown]
# ## 5. The result
# Where the losses settled over the last 20% of the steps (the original report: `D_loss` about 0.46,
# `G_loss` about 1.30), what the Generator makes, how it sounds (Griffin-Lim, notebook 06), and what the digit
# classifier of notebook 03 makes of 1,000 samples next to real held-out clips.

# %%
# NBVAL_IGNORE_OUTPUT
print("last 20% of training:", {k: round(v, 4) if isinstance(v, float) else v for k, v in balance(history).items()})

# %%
f = s.profile.features
z = torch.randn(8, s.profile.latent_size, generator=torch.Generator().manual_seed(7))
dbs = ds.denormalize(run.sample(z))
fig = plots.spectrogram_grid(dbs, f, cols=4, vmin=-80, vmax=0, suptitle="eight samples of the trained Generator")

# %%
# NBVAL_IGNORE_OUTPUT
display(*[Audio(to_audio(db, f), rate=f.sample_rate) for db in dbs[:4]])

# %%
# NBVAL_IGNORE_OUTPUT
clf = classifier_for(s.profile, ds, device="cpu")
train_idx, test_idx = ds.split()
real = ds.images[test_idx]
pd.DataFrame({"real held-out clips": judge(clf, real, ds.images[train_idx]),
              "this Generator": judge_run(run, clf, real)}).round(3).loc[
    ["inception score", "Frechet distance", "two-sample test", "classes used", "largest class share"]]
