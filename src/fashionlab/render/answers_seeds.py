"""Q5.1's network over seeds: their spread, and where the single Keras run falls in it."""

from __future__ import annotations

import math

from ..analysis.differences import correlation, seeds_mean_half_width, seeds_mean_parts
from ..analysis.metrics import error_count, mean_sd, prediction_interval
from ..results import Comparison
from .format import count, pct


def mean_sd_text(values: list[float]) -> str:
    """Accuracies over seeds as '90.52% ± 0.57 points' (mean ± sample sd)."""
    mean, sd = mean_sd(values)
    return f"{pct(mean)} ± {100 * sd:.2f} points"


def seed_spread(compared: Comparison) -> str:
    """The network over seeds: mean ± sample sd of its validation and official test accuracy."""
    return (
        f"{mean_sd_text(compared.seed_val_accuracies)} validation and "
        f"{mean_sd_text(compared.seed_official_test_accuracies)} official test accuracy"
    )


def keras_run_among_seeds(keras: float, compared: Comparison, n: int, *, selected: bool) -> str:
    """Where the single Keras run's official test accuracy falls among the seeds', compared in
    rows right of ``n`` (Keras reports a float32, the seeds a float64), with what may put it there
    (chance; the choice of its settings, where they were ``selected`` on this very run's
    validation rows; the other program). How sure the seeds' figures are: ``seed_uncertainty``."""
    seeds = compared.seed_official_test_accuracies
    errors, spread = error_count(keras, n), [error_count(s, n) for s in seeds]  # fewer is better
    if min(spread) <= errors <= max(spread):
        return (
            f"The single Keras run above ({pct(keras, n)} on the official test images) falls "
            f"within the range of these seeds ({pct(min(seeds), n)} to "
            f"{pct(max(seeds), n)})."
        )
    side, bound, extreme = (
        ("higher", "at most", max(seeds))
        if errors < min(spread)
        else ("lower", "at least", min(seeds))
    )
    k, mean = len(seeds), mean_sd(seeds)[0]
    return (
        f"The single Keras run above scores {side} on the official test images than every one "
        f"of these seeds ({pct(keras, n)} against {bound} {pct(extreme, n)}). If the {k + 1} "
        f"runs differed only by chance, each would have a 1-in-{k + 1} chance of being the "
        f"{side.replace('er', 'est')}, so that alone would be unremarkable. But they may differ "
        f"by more.{_selection(compared, selected)} And these seeds come from another program. "
        f"So this does not show that one program trains a {'better' if side == 'higher' else 'worse'} "
        f"network, and the seeds' mean, {pct(mean)}, is the better estimate of what these "
        "settings reach in that program."
    )


def seed_uncertainty(keras: float, compared: Comparison, n: int) -> str:
    """How sure the seeds' figures are, one kind of chance at a time: where one more seed falls on
    these test images (a t prediction interval: training randomness only), then what these
    settings reach on average on new images (the test images' binomial sampling error added)."""
    seeds = compared.seed_official_test_accuracies
    low, high = prediction_interval(seeds)
    k, mean = len(seeds), mean_sd(seeds)[0]
    parts = seeds_mean_parts(seeds, n)
    standard_error = math.sqrt(parts.images)  # the test images' sampling error, binomial
    of_mean = seeds_mean_half_width(seeds, n)
    return (
        f"How sure are these figures? Two things vary by chance. Training (initial weights and "
        f"batch order): one more seed of fashionlab's trainer would score {pct(low)} to "
        f"{pct(high)} on these same {count(n)} official test images (a 95% t prediction interval from the "
        f"{k} seeds, assuming their scores spread roughly normally). The official test images "
        "themselves: "
        f"an accuracy near {pct(mean)} on {count(n)} images has a standard error of about "
        f"{100 * standard_error:.2f} points. Allowing for both, what these settings reach on "
        f"average in fashionlab's trainer, on new images like these, is {pct(mean - of_mean)} to "
        f"{pct(mean + of_mean)} "
        f"(±{100 * of_mean:.2f} points"
        f"{_combined(math.sqrt(parts.seeds), standard_error, of_mean, parts.freedom)})."
        " The first interval is where one new training "
        "run lands on these images; the second, a range for the average that many runs would "
        f"reach on new images. The Keras run, {pct(keras, n)}, "
        f"{_within(keras, (low, high), (mean - of_mean, mean + of_mean))}, but it is no draw from "
        "fashionlab's trainer: it comes from another program."
    )


def _combined(of_training: float, of_images: float, half_width: float, freedom: float) -> str:
    """How the mean's half-width is made, in numbers a reader can redo: two standard errors, their
    root sum of squares, and the t quantile that multiplies it, with its degrees of freedom."""
    both = math.hypot(of_training, of_images)
    if both == 0:
        return ""
    times = (
        f"the normal's {half_width / both:.2f} (the seeds agree exactly)"
        if math.isinf(freedom)
        else f"Student's t of {half_width / both:.2f} at Welch and Satterthwaite's "
        f"{freedom:.0f} degrees of freedom"
    )
    return (
        f", approximate: the seeds' mean has a standard error of {100 * of_training:.2f} points "
        f"from training and {100 * of_images:.2f} from the images, {100 * both:.2f} together, "
        f"times {times}"
    )


def _within(value: float, first: tuple[float, float], second: tuple[float, float]) -> str:
    """Which of the two intervals hold ``value``, in words."""
    inside = [low <= value <= high for low, high in (first, second)]
    return {
        (True, True): "lies inside both",
        (True, False): "lies inside the first only",
        (False, True): "lies inside the second only",
        (False, False): "lies outside both",
    }[(inside[0], inside[1])]


def _selection(compared: Comparison, selected: bool) -> str:
    if not selected:
        return ""
    return (
        f" The Keras run's settings were chosen for their validation accuracy at this seed, "
        f"{_selection_favours(compared)}."
    )


def _selection_favours(compared: Comparison) -> str:
    """Why a run chosen on validation accuracy may also score high on the official test images:
    over the seeds the two accuracies rise and fall together, if they do."""
    val, test = compared.seed_val_accuracies, compared.seed_official_test_accuracies
    r, low, high = correlation(val, test)
    if r <= 0:
        return "which favours a run that did well on those rows"
    within = (
        f"95% interval {low:.2f} to {high:.2f} by Fisher's z, rough with so few points"
        if low is not None and high is not None
        else "too few points for an interval"
    )
    return (
        f"which may favour a run that also scores high on the official test images (over "
        f"fashionlab's {len(val)} seeds, validation and official test accuracy correlate at "
        f"r = {r:.2f}; {within})"
    )
