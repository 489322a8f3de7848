# %% [markdown]
# # Task 2 · A GAN for spoken-digit spectrograms, the whole recipe in one notebook
#
# The original project was this one notebook: define a Generator and a Discriminator, set up the optimizers
# with the Discriminator "nerfed" to learn 10 times slower, load the audio as mel spectrograms, and train
# while printing `D_loss` and `G_loss`. The numbered notebooks 01-05 explain each step; this one runs them
# top to bottom with the shared code in `helpers/`.

# %%
# NBVAL_IGNORE_OUTPUT
import torch

from helpers import plots
from helpers.dataset import AudioDataset
from helpers.models import as_discriminator, count_parameters, generator_for, resnet9_for
from helpers.notebook import start
from helpers.analysis import balance
from helpers.engine import config_for, resume_or_start

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
# classifier of the previous task with its final layer replaced by one real/fake score (notebook 03).

# %%
G = generator_for(s.profile)
D = as_discriminator(resnet9_for(s.profile), warm_start=False)
print(f"G: {count_parameters(G):,} parameters, z {s.profile.latent_size} -> {G.shape}")
print(f"D: {count_parameters(D):,} parameters, {s.profile.features.shape} -> 1 logit; head: {D.head.linear}")

# %% [markdown]
# ## 3. The optimizers, with the nerfed Discriminator
# Adam with DCGAN's betas (0.5, 0.999) for both; G learns at 0.0002, D at 0.00002.

# %%
config = config_for("stable", s.profile, seed=s.seed)
print(f"g_lr = {config.g_lr}, d_lr = {config.d_lr} (D learns {config.g_lr / config.d_lr:.0f}x slower), "
      f"betas {config.betas}, seed {config.seed}")

# %% [markdown]
# ## 4. Train, printing D_loss and G_loss
# `GANRun` builds exactly these models and optimizers from the profile and the config. If notebook 05 has
# already trained this run (same configuration, same seed), it is loaded from its checkpoint rather than
# trained again: the numbers are identical.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"batch {s.profile.batch_size}, {config.steps} steps ({s.profile.name} profile)")
run = resume_or_start(s.profile, config, ds.images, device=s.device)
history = run.train()
for row in history.iloc[s.profile.log_every - 1 :: s.profile.log_every].itertuples():
    print(f"[{row.step:5d}] D_loss {row.D_loss:.4f}  G_loss {row.G_loss:.4f}")

# %%
fig = plots.training_curves(history, "nerfed D: g_lr 0.0002, d_lr 0.00002")

# %%
fig = plots.samples_over_time(run.snapshots, ds.denormalize, s.profile.features, title="samples of fixed z during training")

# %% [markdown]
# ## 5. The result

# %%
# NBVAL_IGNORE_OUTPUT
print("last 20% of training:", balance(history))
