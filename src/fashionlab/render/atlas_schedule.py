"""The atlas's network beside Q5.1's on the same pair: the atlas trains its networks on a
shorter schedule, so where the two differ, the report tells the schedule apart from the seed."""

from __future__ import annotations

from ..analysis.metrics import error_count, mean_sd
from ..checks import required
from ..results import AtlasPair, Extras, Results
from .format import pair_name, pct, plural, points


def networks_pair(extras: Extras, classes: tuple[str, str]) -> AtlasPair | None:
    """The atlas's row for ``classes`` (in either order), where Q5.1's network is set beside it."""
    return next((r for r in extras.atlas if set(r.classes) == set(classes)), None)


def settings_note(results: Results, extras: Extras) -> str:
    """Why the atlas's network may score differently from Q5.1's on the same pair."""
    net, settings = results.network, extras.atlas_network
    if (settings["epochs"], settings["patience"]) == (net.epochs_max, net.patience):
        return " Its networks are trained exactly as Q5.1's."
    same = networks_pair(extras, net.classes)
    here = ""
    if same is not None and same.nn_val_accuracy is not None:
        here = f" On {pair_name(net.classes)} that gives {pct(same.nn_val_accuracy, same.n_val)}"
        here += gap_in_seed_sds(results, same)
    trained = [r.nn_epochs_run for r in extras.atlas if r.nn_epochs_run is not None]
    capped = sum(epochs >= settings["epochs"] for epochs in trained)
    cap, patience = plural(settings["epochs"], "epoch"), plural(settings["patience"], "epoch")
    return (
        f" And to train {len(trained)} networks affordably, each trains for at most {cap} and "
        f"stops after {patience} without a lower validation loss (Q5.1's network: up to "
        f"{net.epochs_max} epochs, patience {net.patience}); {len(trained) - capped} stopped that "
        f"way and {capped} reached the {settings['epochs']}-epoch cap.{here}"
    )


def gap_in_seed_sds(results: Results, same: AtlasPair) -> str:
    """The atlas's network against Q5.1's seeds on the same pair. The atlas trains with the same
    program as the seeds, so at the same seed (the same initial weights and batch order) only the
    schedule differs: that run is the comparison; else the seeds' mean, in their spread."""
    network = required(same.nn_val_accuracy, "the network's validation accuracy")
    compared, n = results.comparison, same.n_val
    seed = required(results.extras, "the extras").atlas_network["seed"]
    if seed in compared.seeds:
        longer = compared.seed_val_accuracies[compared.seeds.index(seed)]
        images = error_count(network, n) - error_count(longer, n)
        return (
            f"; the same program with the same seed ({seed}), so the same initial weights and "
            f"batch order, reaches {pct(longer, n)} under Q5.1's schedule: "
            f"{plural(abs(images), 'validation image')} {'more' if images > 0 else 'fewer'}, "
            "what the shorter schedule made of this seed's run (both on the rows that chose "
            "their epoch)."
        )
    mean, sd = mean_sd(compared.seed_val_accuracies)
    gap = round(100 * network, 2) - round(100 * mean, 2)  # as the two are printed
    if gap == 0:
        return f", the mean of Q5.1's {len(compared.seeds)} seeds to the printed digit."
    where = f"{points(gap / 100)} {'above' if gap > 0 else 'below'} it"
    if len({error_count(a, n) for a in compared.seed_val_accuracies}) == 1:  # a float sd of 1e-16
        return (
            f", against the mean of Q5.1's {len(compared.seeds)} seeds, {pct(mean)} "
            f"({where}; the seeds scored alike, so they give no spread to judge it by)."
        )
    sds = round(abs(gap) / (100 * sd), 1)  # judged as printed
    told = (
        "the shorter schedule and the seed are not told apart here"
        if sds <= 2
        else f"more than twice the seeds' spread {'below' if gap < 0 else 'above'} it"
    )
    return (
        f", against the mean of Q5.1's {len(compared.seeds)} seeds, {pct(mean)} ({where}, "
        f"{sds:.1f} times their sample sd): {told}."
    )
