# %% [markdown]
# # 05 · Nerfing the detective: D learns 10 times slower
#
# Notebook 04 gave both networks the same learning rate and D won. The original project's fix was to
# **"nerf" the Discriminator**: keep `g_lr = 0.0002` and give D `d_lr = 0.00002`, ten times slower. It
# reported a balanced game, `D_loss` near 0.46 and `G_loss` near 1.30, and a Generator that learned.
#
# This run changes **only** `d_lr`: the same data, models, seed, batch size and number of steps as notebook 04.
# What to look for: D(x) and D(G(z)) should stay apart but away from 1 and 0, and the losses should settle in
# a band instead of running off. We check the balance over the **last 20%** of training, not an early window,
# because a nerf that merely delays the collapse looks balanced for a while.

# %%
# NBVAL_IGNORE_OUTPUT
import pandas as pd

from helpers import plots
from helpers.classifier import classifier_for
from helpers.dataset import AudioDataset
from helpers.metrics import judge, judge_run
from helpers.notebook import live_log, start
from helpers.train import BANDS, balance_check, config_for, extended, resume_or_start, seed_study, summarize

s = start()
f = s.profile.features
ds = AudioDataset(s.data, f, max_files=s.profile.max_files, progress=False)
config = config_for("stable", s.profile, seed=s.seed)
config

# %%
# NBVAL_IGNORE_OUTPUT
run = resume_or_start(s.profile, config, ds.images, device=s.device)
history = run.train(on_log=live_log("D nerfed: g_lr = 0.0002, d_lr = 0.00002", bands=BANDS))
print(f"{run.step} steps, {history.seconds.sum() / 60:.1f} min of training on {s.device}")

# %%
fig = plots.training_curves(history, "D nerfed: g_lr = 0.0002, d_lr = 0.00002", bands=BANDS)

# %% [markdown]
# ## The balance, next to the equal-LR run and the original report
# The shaded bands in the figure above are what we call balanced: over the last 20% of the steps a mean
# `D_loss` between 0.3 and 0.8 and a mean `G_loss` between 0.8 and 2.5. The equal-LR run of notebook 04 is
# loaded from its checkpoint (it is trained here if notebook 04 has not been run).

# %%
# NBVAL_IGNORE_OUTPUT
collapse = resume_or_start(s.profile, config_for("collapse", s.profile, seed=s.seed), ds.images, device=s.device)
collapse_history = collapse.train(progress=False)
table = pd.DataFrame({"equal LR (this project)": summarize(collapse_history),
                      "nerfed D (this project)": summarize(history),
                      "original: equal LR": {"D_loss": 0.0024, "G_loss": 6.68},
                      "original: nerfed D": {"D_loss": 0.46, "G_loss": 1.30}}).round(4)
table

# %%
# NBVAL_IGNORE_OUTPUT
print("nerfed run in the balanced band:", balance_check(history))

# %% [markdown]
# ## Did G learn?
# Balanced-looking losses are not proof: in early experiments for this project, runs sat in the band while
# every latent vector produced the same noise. So we look, and we ask the digit classifier of notebook 03.

# %%
fig = plots.samples_over_time(run.snapshots, ds.denormalize, f, title="nerfed D: fixed z over training")

# %%
# NBVAL_IGNORE_OUTPUT
clf = classifier_for(s.profile, ds, device="cpu")
train_idx, test_idx = ds.split()
real = ds.images[test_idx]
scores = pd.DataFrame({"real held-out clips": judge(clf, real, ds.images[train_idx]),
                       "equal-LR Generator": judge_run(collapse, clf, real),
                       "nerfed-D Generator": judge_run(run, clf, real)}).round(3)
scores

# %% [markdown]
# ## One seed is an anecdote: three seeds of each run
# The same two configurations with seeds 0, 1 and 2 (the seed fixes the initial weights, the batches and the
# noise). Each run is trained once and kept under `runs/`; the same runs come from
# `python -m helpers.train --config collapse|stable --seed S`. A run counts as balanced when its last-20%
# means sit in both bands, and as a win for D when `D_loss` < 0.05 and `G_loss` > 4.

# %%
# NBVAL_IGNORE_OUTPUT
study = seed_study(s.profile, [s.seed, s.seed + 1, s.seed + 2], ds.images, device=s.device)
study

# %%
# NBVAL_IGNORE_OUTPUT
counts = study.groupby("config")[["balanced", "D won"]].sum().astype(int)
counts["of seeds"] = study.groupby("config").size()
counts

# %% [markdown]
# ## Twice as long
# The nerfed run continued from its last checkpoint to twice the steps (exactly what a run of that length
# from scratch gives). Does the balance hold, or was it a slow collapse?

# %%
# NBVAL_IGNORE_OUTPUT
long = extended(run, 2 * config.steps)
print("last 20% of the doubled run:", balance_check(long.frame()))
fig = plots.training_curves(long.frame(), f"nerfed D, {long.step} steps", bands=BANDS)

# %%
fig = plots.samples_over_time(long.snapshots, ds.denormalize, f, title="nerfed D, twice as long: fixed z over training")

# %% [markdown]
# ## What we learned (cpu profile, FSDD; seed 0 unless stated)
# - **The nerf balanced the game, and kept it balanced.** Over the last 20% of the steps `D_loss` was 0.57 and
#   `G_loss` 1.76 (the original report: 0.46 and 1.30), with D(x) at 0.76 and D(G(z)) at 0.23. Trained twice as
#   long, the run stayed in the band (0.62 and 1.60): for this seed the nerf did not just delay D's win.
# - **Across seeds it is a tendency, not a law.** The nerfed run was balanced for 2 of 3 seeds; for seed 2, D
#   won slowly (last 20%: 0.16 and 3.0) and the samples piled onto a few classes. At equal learning rates D won
#   outright by the strict test for 1 of 3 seeds. Five more seeds of each run on a GPU (docs/experiments.md)
#   gave the same picture: 4 of 5 balanced under the nerf, D's outright win in 4 of 5 at equal rates.
# - **G learned under the nerf**: with seed 0 its samples spread over all ten digit classes (Inception Score
#   1.27), while the equal-LR Generator put three quarters of its samples in one class (1.01). But the nerfed
#   samples are blurry layouts of a spoken word, not recognisable digits: real clips score 5.25.
# - **Balanced losses are not proof of learning, and unbalanced ones not proof of failure.** The equal-LR
#   Generator of seed 1 fought its way back and learned; notebook 07 shows runs whose losses look balanced while
#   every latent vector gives the same image.
#
# Every run behind these counts, and the variants tried on the way, are in `docs/experiments.md`.
