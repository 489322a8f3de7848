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
from helpers.analysis import BANDS, balance, last_fifth
from helpers.classifier import classifier_for
from helpers.dataset import AudioDataset
from helpers.engine import config_for, resume_or_start
from helpers.metrics import judge, judge_run
from helpers.notebook import live_log, start
from helpers.studies import one_thread, seed_counts, shown, story, story_present

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
pd.DataFrame({"equal LR (this project)": last_fifth(collapse_history),
              "nerfed D (this project)": last_fifth(history),
              "original: equal LR": {"D_loss": 0.0024, "G_loss": 6.68},
              "original: nerfed D": {"D_loss": 0.46, "G_loss": 1.30}}).round(4)

# %%
# NBVAL_IGNORE_OUTPUT
print("nerfed run over the last 20%:", {k: round(v, 4) if isinstance(v, float) else v for k, v in balance(history).items()})

# %% [markdown]
# ## Did G learn?
# Balanced-looking losses are not proof: runs can sit in the band while every latent vector produces the same
# noise. So we look, and we ask the digit classifier of notebook 03.

# %%
fig = plots.samples_over_time(run.snapshots, ds.denormalize, f, title="nerfed D: fixed z over training")

# %% [markdown]
# Every sample this series shows or scores comes from an **average of the Generator's weights** over its last
# few hundred steps (an exponential moving average with a half-life of 10,000 images, about 156 steps, the
# setting of StyleGAN2-ADA; Karras et al. 2020), not from the Generator of the last step. The two networks
# keep training against each other, so the last step's weights carry the wobble of the last few updates;
# their average does not, and D never sees it, so the game is unchanged (Yazıcı et al. 2019). Here, once, the
# live Generator beside its average:

# %%
# NBVAL_IGNORE_OUTPUT
clf = classifier_for(s.profile, ds, device="cpu")
train_idx, test_idx = ds.split()
real = ds.images[test_idx]
pd.DataFrame({"real held-out clips": judge(clf, real, ds.images[train_idx]),
              "equal-LR Generator": judge_run(collapse, clf, real),
              "nerfed-D Generator, live": judge_run(run, clf, real, average=False),
              "nerfed-D Generator (its average)": judge_run(run, clf, real)}).round(3)

# %% [markdown]
# ## One seed is an anecdote: three seeds, two machines
# Both tests for the notebooks' three seeds (the seed fixes the initial weights, the batches and the noise).
# Act one, the equal-LR run: over steps 101-300 the median `D_loss` below 0.05 and median `G_loss` above 4,
# and the fixed-z samples nearly one image at step 300. Act two, the nerfed run: over the last 20% the mean
# `D_loss` in 0.3-0.8 and mean `G_loss` in 0.8-2.5, with a Generator that learned (its samples read as at
# least 9 of the 10 digits).
#
# A GAN amplifies tiny differences in arithmetic, and a CPU's arithmetic depends on how many threads share
# the work, so a learner's laptop does not retrace these runs bit for bit. So every run is repeated with one
# thread instead of this machine's two, and the seeds were chosen by a rule stated before looking at act two:
# the first three of seeds 0-5 whose act one held with both thread counts. That is 0, 2 and 3: with one
# thread, seed 1's Generator had already begun to spread out by step 300 (its row is in the second table);
# with two threads all six seeds held (`results/cpu/seed_screen`; docs/experiments.md, round 14). Each run comes from
# `python -m helpers.train --config collapse|stable --profile cpu --seed S`; the tables are read from the
# project's committed results (`python -m helpers.studies make story one_thread`) unless this machine has
# trained all of them. The minutes are each run's training time as its history recorded it; most of these runs
# shared the 2-core machine with another job, so they took longer than alone (up to 30 minutes in the table;
# alone, this whole notebook took 11.5 minutes in the README's timed `make run`, `results/cpu/make_run`).

# %%
# NBVAL_IGNORE_OUTPUT
seeds = shown("story", s.profile, lambda: story(s.profile, ds.images, clf, real), lambda: story_present(s.profile))
acts = ["config", "seed", "early D_loss", "early G_loss", "spread at 300", "D won at once", "D_loss", "G_loss",
        "balanced", "IS", "classes", "learned", "minutes"]
seeds["runs"][acts].round(3)

# %%
# NBVAL_IGNORE_OUTPUT
threads = shown("one_thread", s.profile, lambda: one_thread(s.profile, ds.images, clf, real), lambda: False)
threads["runs"][acts].round(3)

# %%
# NBVAL_IGNORE_OUTPUT
notebook_seeds = threads["runs"][threads["runs"].seed.isin(seeds["runs"].seed)]
pd.concat({"two threads": seed_counts(seeds["runs"]), "one thread": seed_counts(notebook_seeds)}, axis=1)

# %% [markdown]
# ## What we learned (this run: seed 0, cpu profile, FSDD)
# - **The nerf balanced the game.** Over the last 20% of the 2,400 steps: mean `D_loss` 0.613 and `G_loss`
#   1.61 (the original: 0.46 and 1.30), D(x) 0.75 and D(G(z)) 0.25: inside both bands. The equal-LR run of the
#   same seed ended at 0.150 and 4.33.
# - **G learned something, not digits.** Its weight average spread its samples over all ten digit classes, with
#   an Inception Score of 1.66 against 5.22 for real held-out clips, and the two-sample test still tells its
#   samples from real ones (0.98; real clips against real: 0.52).
# - **The average beats the last step.** The live Generator scored 1.55 and a Fréchet distance of 224; its
#   weight average 1.66 and 181, with the game itself untouched.
# - **Three seeds, two thread counts.** Act one held in 3 of 3 seeds with two threads and with one; act two
#   balanced in 3 of 3 with both, every nerfed Generator using all ten classes (Inception Score 1.66-1.84 with
#   two threads, 1.61-1.73 with one). At equal rates D's win lasted to the end in 1 of 3 seeds with two
#   threads (seed 3, whose samples stayed one image) and 3 of 3 with one thread (over its 300-step window);
#   the other two Generators fought back and learned as much as the nerfed ones (appendix A1 follows when).
