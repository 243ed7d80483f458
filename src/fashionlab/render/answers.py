"""The written answers, composed from measured results.

Every number in an answer is a value of the ``results`` dict (the report's ``results.json``),
formatted, never computed here and never typed in; the wording follows the numbers, so other data
gives other, still correct, sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The assignment's questions, quoted.
QUESTIONS: dict[str, tuple[str, str]] = {
    "q1_1": (
        "Q1.1 Normalizing the data",
        "Normalize BOTH the training and testing images using the above equation.",
    ),
    "q1_2": (
        "Q1.2 Data visualization",
        "Please reshape BOTH the training and testing images to be 784D.",
    ),
    "q2": (
        "Q2 Linearly separable",
        "How do you think our logistic regression model will fare at distinguishing Ankle boots "
        "from Trousers? Please explain.",
    ),
    "q3": (
        "Q3 Not linearly separable",
        "How do you think our logistic regression model will fare at distinguishing Pullovers "
        "from Coats? Please explain.",
    ),
    "q4_1": (
        "Q4.1 Observation: Trouser vs Ankle boot",
        "What accuracy did it reach? Why do you think it reached this accuracy? How long did it take?",
    ),
    "q4_2": (
        "Q4.2 Observation: Pullover vs Coat",
        "What accuracy did it reach? Why do you think it reached this accuracy? How long did it take?",
    ),
    "q4_3": (
        "Q4.3 Comparison",
        "Compare and contrast both runs above, are they the same? Different? Then explain why "
        "this is the case.",
    ),
    "q5_1": (
        "Q5.1 Observation: the neural network",
        "How did your neural network perform? What hyperparameters and optimizer did you choose to "
        "beat logistic regression? Why do you think your neural network beat your logistic "
        "regression model?",
    ),
}


def pct(value: float | None) -> str:
    """0.82291 -> '82.29%'; a value not measured (None) -> '-'."""
    return "-" if value is None else f"{100 * value:.2f}%"


def pair_name(classes: Sequence[str]) -> str:
    """('Pullover', 'Coat') -> 'Pullover vs Coat', as results name a pair."""
    return f"{classes[0]} vs {classes[1]}"


def points(value: float) -> str:
    """A difference of two accuracies in percentage points: 0.0867 -> '8.67 percentage points'."""
    return f"{100 * abs(value):.2f} percentage points"


def count(value: int) -> str:
    return f"{int(value):,}"


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def shape(dims: list[int]) -> str:
    return "(" + ", ".join(count(d) for d in dims) + ")"


def article(word: str) -> str:
    """'a Coat', 'an Ankle boot'."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _separation(mixing: float) -> str:
    """Words for the share of a pair's map points whose neighbours are mostly the other class."""
    if mixing < 0.01:
        return "form two separate islands"
    if mixing < 0.05:
        return "form two groups that touch only along a thin border"
    if mixing < 0.30:
        return "overlap heavily"
    return "are thoroughly mixed"


def _forecast(mixing: float) -> str:
    if mixing < 0.01:
        return (
            "A straight line - in the 784-dimensional pixel space, a hyperplane - should separate "
            "them almost perfectly, so logistic regression, a linear classifier, should do very well"
        )
    if mixing < 0.05:
        return (
            "A linear boundary should get most images right and fail only near the border, so "
            "logistic regression should do well but not perfectly"
        )
    return (
        "No single straight line separates the overlapping region, so a linear classifier such as "
        "logistic regression must misclassify a noticeable share of images whatever its weights"
    )


def _share(results: Mapping[str, Any], index: int) -> str:
    """The thresholds of "how long": 95% and 99% of the final validation accuracy."""
    return f"{100 * results['thresholds'][index]:g}%"


def _steps(n: int) -> str:
    return f"{count(n)} step" + ("" if n == 1 else "s")


def _pair(results: Mapping[str, Any], index: int) -> tuple[str, Mapping[str, Any], float]:
    pairs = results["config"]["pairs"]
    name = pair_name(pairs[index])
    return name, results["logreg"][name], results["embedding"]["pair_mixing"][name]


def q1_1(results: Mapping[str, Any]) -> list[str]:
    data = results["data"]
    return [
        f"The raw images are {data['dtype_before']} arrays with pixel values from "
        f"{data['pixel_min_before']} to {data['pixel_max_before']}. Dividing by 255 "
        f"(img_norm = img / 255) turns them into {data['dtype_after']} values from "
        f"{data['pixel_min_after']:g} to {data['pixel_max_after']:g}, for the training and the "
        f"test images alike. The first training image, {article(data['first_image_class'])}, is shown "
        "before and after: the picture is unchanged, only the colour bar's scale differs."
    ]


def q1_2(results: Mapping[str, Any]) -> list[str]:
    data, emb = results["data"], results["embedding"]
    return [
        f"Each image becomes a vector of {count(data['train_shape_after'][1])} values: the "
        f"training images go from shape {shape(data['train_shape_before'])} to "
        f"{shape(data['train_shape_after'])} and the test images from "
        f"{shape(data['test_shape_before'])} to {shape(data['test_shape_after'])}. The training "
        f"data frame has {count(data['frame_columns'])} columns: one per pixel, then label and class.",
        f"After standardising, PCA compressed dimension of {count(emb['dimensions_before'])} to "
        f"{count(emb['components'])} maintaining {pct(emb['kept_variance'])} of variance. t-SNE then "
        f"mapped the first {count(emb['points'])} images to {emb['map_dimensions']} dimensions; a "
        f"{emb['neighbours']}-nearest-neighbour classifier on that map predicts the right class for "
        f"{pct(emb['neighbour_agreement'])} of them ({emb['folds']}-fold cross-validation), so "
        "images of a class stay together.",
    ]


def _forecast_answer(results: Mapping[str, Any], index: int) -> list[str]:
    """The forecast from the map; once Q4 has run, also what was measured."""
    pairs = results["config"]["pairs"]
    name = pair_name(pairs[index])
    mixing = results["embedding"]["pair_mixing"][name]
    paragraphs = [
        f"In the t-SNE map, {name} {_separation(mixing)}: {pct(mixing)} of their points have "
        f"mostly neighbours of the other class. {_forecast(mixing)}."
    ]
    if name in results.get("logreg", {}):
        logreg = results["logreg"][name]
        paragraphs.append(
            f"Measured (Q4): after {count(logreg['steps'])} steps, logistic regression classified "
            f"{pct(logreg['val_accuracy'])} of the validation images correctly."
        )
    return paragraphs


def q2(results: Mapping[str, Any]) -> list[str]:
    return _forecast_answer(results, 0)


def q3(results: Mapping[str, Any]) -> list[str]:
    return _forecast_answer(results, 1)


def _observation(results: Mapping[str, Any], index: int) -> list[str]:
    name, logreg, mixing = _pair(results, index)
    wall = results["timings"]["models"][f"logreg {name}"]
    history = logreg["history"]
    converged = logreg["converged_val_accuracy"]
    gained = logreg["converged_gain_val"]
    why = f"Why: the classes {_separation(mixing)} in the t-SNE map ({pct(mixing)} mixed), " + (
        "so a linear boundary fits them and gradient descent finds it within a few steps."
        if mixing < 0.05
        else "so no linear boundary can separate them; the remaining errors are images that "
        "look like the other class."
    )
    capped = logreg["converged_steps"] >= logreg["converged_max_steps"]
    limit = (
        "Trained to convergence on the same rows ("
        + (
            f"stopped at the cap of {_steps(logreg['converged_max_steps'])}: on separable data the "
            "loss keeps falling as the weights grow"
            if capped
            else f"validation-loss early stopping, best after {_steps(logreg['converged_steps'])}"
        )
        + f"), it reaches {pct(converged)}"
        + (
            f", {points(gained)} more: the 100 steps stop short of what a linear model can do."
            if gained > 0.005
            else ", about the same: the 100 steps already reach what a linear model can do."
        )
    )
    return [
        f"It reached {pct(logreg['train_accuracy'])} training, {pct(logreg['val_accuracy'])} "
        f"validation and {pct(logreg['test_accuracy'])} held-out accuracy after "
        f"{_steps(logreg['steps'])} at learning rate {logreg['learning_rate']:g}, starting from "
        f"{pct(logreg['initial_val_accuracy'])} with all weights at zero. The validation loss fell "
        f"from {history['val_loss'][0]:.4f} to {logreg['val_loss']:.4f}.",
        why,
        f"How long: validation accuracy reached {_share(results, 0)} of its final value after "
        f"{_steps(logreg['steps_to_95'])} and {_share(results, 1)} after "
        f"{_steps(logreg['steps_to_99'])}; the "
        f"{count(logreg['steps'])} steps took {seconds(wall)} of wall time. {limit}",
    ]


def q4_1(results: Mapping[str, Any]) -> list[str]:
    return _observation(results, 0)


def q4_2(results: Mapping[str, Any]) -> list[str]:
    return _observation(results, 1)


def q4_3(results: Mapping[str, Any]) -> list[str]:
    easy_name, easy, easy_mix = _pair(results, 0)
    hard_name, hard, hard_mix = _pair(results, 1)
    gap = results["comparison"]["pair_gap_val"]
    same = abs(gap) < 0.005
    higher, lower = (easy_name, hard_name) if gap >= 0 else (hard_name, easy_name)
    return [
        ("They are alike: " if same else "They are different: ")
        + f"{easy_name} reached {pct(easy['val_accuracy'])} validation accuracy and {hard_name} "
        f"{pct(hard['val_accuracy'])}, "
        + (
            "within half a point of each other. "
            if same
            else f"a gap of {points(gap)} in favour of {higher}. "
        )
        + f"Final validation losses were {easy['val_loss']:.4f} and {hard['val_loss']:.4f}. "
        f"{easy_name} reached {_share(results, 1)} of its final accuracy after "
        f"{_steps(easy['steps_to_99'])}, "
        f"{hard_name} after {_steps(hard['steps_to_99'])}.",
        f"Why: both runs use the same model, learning rate and number of steps, so the difference "
        f"is in the data. In the t-SNE map {pct(easy_mix)} of {easy_name}'s points sit among the "
        f"other class against {pct(hard_mix)} for {hard_name}. "
        + (
            f"{lower} needs a boundary that is not a straight line, which logistic regression "
            f"cannot draw: trained to convergence it still stops at "
            f"{pct(results['logreg'][lower]['converged_val_accuracy'])}."
            if not same
            else "Both are close to linearly separable."
        ),
    ]


def q5_1(results: Mapping[str, Any]) -> list[str]:
    net = results["network"]
    comparison = results["comparison"]
    _, hard, _ = _pair(results, 1)
    wall = results["timings"]["models"][f"network {pair_name(net['classes'])}"]
    margin = comparison["margin_val"]
    beat = margin > 0
    return [
        f"The network reached {pct(net['val_accuracy'])} validation accuracy on the same "
        f"{count(hard['n_val'])} validation rows where logistic regression reached "
        f"{pct(net['logreg_val_accuracy'])} after {count(hard['steps'])} steps: "
        + (f"{points(margin)} better" if beat else f"{points(margin)} worse")
        + f". On the {count(net['n_official_test'])} official test images of the two classes it "
        f"scored {pct(net['test_accuracy'])}, against {pct(net['logreg_test_accuracy'])} for "
        f"logistic regression ({points(comparison['margin_test'])} "
        + ("better" if comparison["margin_test"] > 0 else "worse")
        + ").",
        f"Hyperparameters: a hidden Dense layer of {count(net['hidden_units'])} {net['activation']} "
        f"units ({count(net['n_parameters'])} parameters in all), the {net['optimizer']} optimizer "
        f"at learning rate {net['learning_rate']:g}, batch size {count(net['batch_size'])}, "
        f"binary cross-entropy, and at most {count(net['epochs_max'])} epochs with early stopping "
        f"on validation loss (patience {count(net['patience'])}). It stopped after "
        f"{count(net['epochs_run'])} epochs and kept the weights of epoch "
        f"{count(net['best_epoch'])}; training took {seconds(wall)}. Validation accuracy reached "
        f"{_share(results, 0)} of its final value after {count(net['steps_to_95'])} epoch(s) and "
        f"{_share(results, 1)} after "
        f"{count(net['steps_to_99'])}. These were chosen by measurement (docs/network.md).",
        (
            "Why it beat logistic regression: "
            if beat
            else "Why it did not beat logistic regression here: "
        )
        + "logistic regression draws one hyperplane through pixel space, while the hidden layer "
        "learns its own features - combinations of pixels passed through a nonlinearity - and the "
        "output combines them, so the boundary can bend around the overlap between the classes. "
        f"Even trained to convergence, logistic regression reaches {pct(net['logreg_converged_val_accuracy'])} "
        f"validation accuracy, {points(comparison['margin_val_converged'])} "
        + ("below" if comparison["margin_val_converged"] > 0 else "above")
        + " the network: the gain comes from the model, not only from longer training.",
    ]


COMPOSERS = {
    "q1_1": q1_1,
    "q1_2": q1_2,
    "q2": q2,
    "q3": q3,
    "q4_1": q4_1,
    "q4_2": q4_2,
    "q4_3": q4_3,
    "q5_1": q5_1,
}


def compose(results: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every question's answer as paragraphs of plain text."""
    return {key: composer(results) for key, composer in COMPOSERS.items()}
