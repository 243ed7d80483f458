"""The study, stage by stage: data -> PCA and t-SNE -> logistic regression -> the network ->
the comparison -> beyond the assignment. It returns one typed ``Results`` record (and the arrays
its figures need) and writes no files.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from .analysis import atlas, comparison, dynamics, findings, rate_grid
from .analysis.exploration import (
    Mapped,
    data_summary,
    embed,
    embedding_summary,
    exploration_artifacts,
    mixing,
    pair_points,
)
from .analysis.history import steps_to_fraction
from .analysis.network_run import train_network
from .analysis.pairs import PairRun, run_split, score
from .checks import required
from .cluster import engine
from .config import (
    ALL_PAIRS,
    Config,
)
from .data.loaded import Data
from .data.preprocessing import bias_trick, pair_name
from .files.keys import versions
from .progress import LogProgress, Progress, epoch_ticker
from .results import (
    Comparison,
    Converged,
    LogregResult,
    NetworkResult,
    Results,
)
from .results.artifacts import Artifacts
from .study_extras import extras

STAGES = (
    "data and preprocessing",
    "PCA and t-SNE",
    "logistic regression",
    "neural network",
    "comparison",
    "beyond the assignment",
)


def logreg_result(
    data: Data, config: Config, classes: tuple[str, str], mapped: Mapped
) -> tuple[LogregResult, PairRun]:
    """Q4 on one pair: the assignment's run, a converged fit, and what the first steps did; the
    record and the run (its weights, converged weights and time)."""
    split, official = data.pair(classes), data.official_test(classes)
    run = run_split(
        split,
        learning_rate=config.learning_rate,
        steps=config.steps,
        official_test=official,
        converge=True,
    )
    val = run.history["val_accuracy"]
    ok = run.diverged_at_step is None
    fit = required(run.converged, "the fit to convergence")  # run_split(converge=True) fits it
    theta_c = fit.theta
    converged = Converged(
        steps=fit.steps,
        steps_run=fit.steps_run,
        max_steps=fit.max_steps,
        patience=fit.patience,
        tol=fit.tol,
        val_accuracy=score(theta_c, split.X_val, split.y_val),
        heldout_accuracy=score(theta_c, split.X_heldout, split.y_heldout),
        official_test_accuracy=score(theta_c, *official),
    )
    measured = dynamics.measure(
        bias_trick(split.X_train),
        split.y_train,
        bias_trick(split.X_val),
        split.y_val,
        config.learning_rate,
        steps=min(dynamics.FIRST_STEPS, config.steps),
    )
    result = LogregResult(
        **vars(run.settings()),
        **run.scores(),
        history=run.history,  # the run's time goes to the timings, not to the record
        n_official_test=len(official[1]),
        mixing=mixing(mapped, classes),
        mixing_points=pair_points(mapped, classes),
        initial_val_accuracy=val[0],
        steps_to_95=steps_to_fraction(val, 0.95) if ok else None,
        steps_to_99=steps_to_fraction(val, 0.99) if ok else None,
        converged=converged,
        dynamics=findings.summarise(measured),
    )
    return result, run


def network_result(
    data: Data, config: Config, progress: Progress
) -> tuple[NetworkResult, object, float]:
    """Q5.1: the assignment's network on the last of the pairs."""
    ticks = epoch_ticker(progress, "epoch", config.network.epochs)
    return train_network(data, config.hard_pair, config.network, config.seed, on_epoch=ticks)


@contextlib.contextmanager
def _stage(
    number: int, total: int, timings: dict[str, float], progress: Progress
) -> Iterator[None]:
    progress.stage(number, total, STAGES[number - 1])
    started = time.perf_counter()
    yield
    progress.checkpoint()
    timings[STAGES[number - 1]] = time.perf_counter() - started
    progress.stage_done(STAGES[number - 1], timings[STAGES[number - 1]])


def compute(
    config: Config, data: Data, progress: Progress | None = None
) -> tuple[Results, Artifacts]:
    """Run every stage; return the results and the arrays their figures need."""
    progress = progress or LogProgress()
    total = len(STAGES) if config.extras else len(STAGES) - 1  # the extras are the last
    stages: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        session = stack.enter_context(engine.Session(config.workers, config.scheduler))
        remote = config.scheduler is not None
        if remote:  # its workers are taken to be other machines' (the report's times say the
            # cores were not shared): they start at once, and an unreachable scheduler is said
            # before stage 1 (only if some task is not cached: else nothing connects)
            session.start(cluster_work(config, session))
        with _stage(1, total, stages, progress):
            summary = data_summary(data)
        with _stage(2, total, stages, progress):
            mapped = embed(data, config.points, progress)
            embedded = embedding_summary(mapped)
        artifacts = exploration_artifacts(data, mapped)
        models: dict[str, float] = {}
        shared = not remote and _start_cluster_work(config, session, stack)
        with _stage(3, total, stages, progress):
            logreg, converged_thetas = logreg_stage(data, config, mapped, artifacts, models)
            grid = rate_grid.rate_grid(
                config.pairs,
                session,
                data_dir=config.data_dir,
                verify=config.verify,
                on_done=lambda done, total: progress.tick("grid run", done, total),
            )
        with _stage(4, total, stages, progress):
            network, model, models["network"] = network_result(data, config, progress)
        with _stage(5, total, stages, progress):
            hard = config.hard_pair
            compared = compare_models(
                data, config, session, model, artifacts.thetas[hard], converged_thetas[hard]
            )
        results = Results(
            config=config.as_dict(),
            data=summary,
            embedding=embedded,
            logreg=logreg,
            network=network,
            comparison=compared,
            versions=versions(),
            rate_grid=grid,
        )
        if config.extras:
            with _stage(6, total, stages, progress):
                results.extras = extras(data, config, artifacts, model, mapped, progress, session)
    results.timings = {
        "stages": stages,
        "models": models,
        "total": sum(stages.values()),
        "shared_cores": shared,
    }
    return results, artifacts


def _start_cluster_work(
    config: Config, session: engine.Session, stack: contextlib.ExitStack
) -> bool:
    """Start a local cluster's tasks, which it works through beside stages 3 to 6; whether any
    started (they then share this process's cores)."""
    shared = bool(session.start(cluster_work(config, session)))
    if shared and session.fills_every_core:
        # beside a worker on every core, BLAS threads here only wait for each other (cold
        # `run --no-extras`: logistic regression 26.4 s on two threads, 13.5 s on one)
        stack.enter_context(threadpool_limits(1, user_api="blas"))
    return shared


def logreg_stage(
    data: Data, config: Config, mapped: Mapped, artifacts: Artifacts, models: dict[str, float]
) -> tuple[list[LogregResult], dict[tuple[str, str], np.ndarray]]:
    """Q4 on each pair: the records, and the converged weights by pair (the assignment's weights
    go to ``artifacts``, the training times to ``models``)."""
    logreg, converged_thetas = [], {}
    for classes in config.pairs:
        result, run = logreg_result(data, config, classes, mapped)
        logreg.append(result)
        artifacts.thetas[classes] = run.theta
        converged_thetas[classes] = required(run.converged, "the fit to convergence").theta
        models[f"logreg {pair_name(classes)}"] = run.seconds
    return logreg, converged_thetas


def compare_models(
    data: Data,
    config: Config,
    session: engine.Session,
    model: object,
    theta: np.ndarray,
    converged_theta: np.ndarray,
) -> Comparison:
    """Q5.1's comparison on the harder pair: the network against logistic regression (after 100
    steps and trained longer), the same network on logistic regression's rows, and the seeds."""
    hard = config.hard_pair
    split = data.pair(hard)
    fair = comparison.fair_network(split, config.network, config.seed)
    spread = comparison.seed_spread(
        hard, session, config.network, config.seeds, data_dir=config.data_dir, verify=config.verify
    )
    return comparison.compare(
        split, data.official_test(hard), theta, converged_theta, model, fair, spread
    )


def cluster_work(config: Config, session: engine.Session) -> list[engine.Task]:
    """The Dask tasks of a run, in the order it needs them: the learning-rate grid (stage 3), the
    network over seeds (stage 5) and the atlas (stage 6, with the extras)."""
    data_dir, verify = config.data_dir, config.verify
    tasks = rate_grid.grid_tasks(config.pairs, data_dir=data_dir, verify=verify)
    tasks += comparison.seed_tasks(
        config.hard_pair, session, config.network, config.seeds, data_dir=data_dir, verify=verify
    )
    if config.extras:
        tasks += atlas.plan(
            ALL_PAIRS, config.atlas_network, config.seed, data_dir=data_dir, verify=verify
        ).tasks
    return tasks
