"""The written answers follow their numbers: made-up results on both sides of every threshold."""

from __future__ import annotations

import copy
import dataclasses
import html
import itertools
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from oracles import holm_rejected
from scipy import stats

from fashionlab import config, served
from fashionlab.analysis.differences import independent_difference
from fashionlab.analysis.history import stays_from
from fashionlab.analysis.metrics import as_bits, from_bits, paired_test, wilson_interval
from fashionlab.render import answers, answers_short, glossary, report
from fashionlab.render.format import independent_gap, pair_name, percent
from fashionlab.results import (
    Comparison,
    Converged,
    DataSummary,
    EmbeddingSummary,
    LogregResult,
    McNemar,
    NetworkResult,
    RateRow,
    Results,
    TrainingSettings,
    from_json,
    schema,
    to_json,
)
from fashionlab.results.first_steps import Findings

DOCS = Path(__file__).resolve().parents[1] / "docs"
# a field name in braces: a string a missing f prefix left unfilled ("At step {below}" reached the
# page from a line joined to its f-string neighbours without one)
PLACEHOLDER = re.compile(r"\{[a-z_][a-z_0-9.]*(\[[^\]]*\])?(![rsa])?(:[^}]*)?\}")


def logreg(
    classes: tuple[str, str], val: float, mixing: float | None, converged: float
) -> LogregResult:
    start_and_end = {
        "train_loss": [0.69, 0.5],
        "train_accuracy": [0.5, val],
        "val_loss": [0.69, 0.4],
        "val_accuracy": [0.5, val],
    }  # one point a step, as a run logs them: the second held to the 100th
    history = {name: [first] + [last] * 99 for name, (first, last) in start_and_end.items()}
    return LogregResult(
        classes=classes,
        learning_rate=0.05,
        steps=100,
        shuffle_seed=42,
        n_train=7200,
        n_val=2400,
        n_heldout=2400,
        n_official_test=2000,
        mixing=mixing,
        mixing_points=2000 if mixing is not None else 8,  # None: too few on the map
        diverged_at_step=None,
        train_accuracy=val,
        train_loss=0.4,
        val_accuracy=val,
        val_loss=0.4,
        heldout_accuracy=val,
        official_test_accuracy=round(val * 2000) / 2000,
        initial_val_accuracy=0.5,
        steps_to_95=10,
        steps_to_99=20,
        history=history,
        converged=Converged(
            steps=300,
            steps_run=350,
            max_steps=1000,
            patience=50,
            tol=1e-4,
            val_accuracy=converged,
            heldout_accuracy=converged,
            official_test_accuracy=round(converged * 2000) / 2000,
        ),
    )


def findings(**measured: object) -> Findings:
    """A smooth start (a step below 2/L, nothing rising or zig-zagging), with ``measured`` over it."""
    smooth: dict[str, object] = {
        "step_exceeds_limit": False,
        "step_ratio": 0.62,
        "loss_rises": False,
        "rise_from_step": None,
        "rise_to_step": None,
        "rise_from_loss": None,
        "rise_to_loss": None,
        "oscillates_along_top_direction": False,
        "alternating_steps": 0,
        "oscillation_period": None,
        "oscillation_grows": False,
        "oscillation_peak_step": None,
        "first_amplification": 0.5,
        "predicted_amplification": 0.5,
        "curvature_below_limit_step": None,
        "top_direction_is_mean_image": False,
        "top_direction_cosine": 0.5,
        "accuracy_zigzags": False,
        "zigzag_from_step": None,
        "zigzag_to_step": None,
        "zigzag_low": None,
        "zigzag_high": None,
        "largest_accuracy_drop": 0.0,
        "prediction_swing": 0.1,
        "prediction_swing_step": 14,
        "lambda_max": 710_000.0,
        "lipschitz": 24.7,
        "stable_step_limit": 0.0808,
        "mean_row_norm_squared": 93.6,
    }
    return Findings(**{**smooth, **measured})  # type: ignore[arg-type]


def first_right(right: int, n: int) -> str:
    """Per-row correctness with the first ``right`` rows right: two such strings differ only one way."""
    return as_bits([True] * right + [False] * (n - right))


def make_results(
    *,
    agreement: float = 0.8,
    easy_mixing: float | None = 0.005,
    hard_mixing: float | None = 0.2,
    easy_val: float = 0.99875,
    hard_val: float = 0.8229166666666666,
    hard_converged: float = 0.87375,
    network_p: float = 1e-20,
    only_network: int = 300,
    only_logreg: int = 100,
) -> Results:
    data = DataSummary(
        sources={},
        train_shape_before=[60000, 28, 28],
        test_shape_before=[10000, 28, 28],
        train_shape_after=[60000, 784],
        test_shape_after=[10000, 784],
        pixel_min_before=0,
        pixel_max_before=255,
        pixel_min_after=0.0,
        pixel_max_after=1.0,
        dtype_before="uint8",
        dtype_after="float64",
        first_image_class="Ankle boot",
        frame_columns=786,
    )
    embedded = EmbeddingSummary(
        dimensions_before=784,
        components=50,
        kept_variance=0.8,
        points=10000,
        map_dimensions=2,
        neighbours=10,
        folds=5,
        neighbour_agreement=agreement,
        tsne_settings={},
    )
    history = {
        "loss": [0.5, 0.3, 0.2, 0.1],
        "accuracy": [0.8, 0.85, 0.9, 0.95],
        "val_loss": [0.4, 0.3, 0.31, 0.32],
        "val_accuracy": [0.8, 0.9, 0.9, 0.9],
    }
    network = NetworkResult(
        classes=("Pullover", "Coat"),
        training_rows=9600,
        heldout_note="",
        hidden_units=100,
        activation="relu",
        optimizer="adam",
        learning_rate=0.001,
        batch_size=64,
        epochs_max=60,
        patience=8,
        seed=0,
        n_parameters=78601,
        epochs_run=4,
        best_epoch=2,
        train_accuracy=0.94,
        val_accuracy=0.91,
        val_loss=0.3,
        heldout_accuracy=None,
        official_test_accuracy=0.89,
        n_val=2400,
        n_official_test=2000,
        epochs_to_95=2,
        epochs_to_99=2,
        history=history,
        summary="",
    )
    right = round(hard_val * 2400)  # the 100 steps' final weights score as the loop logged
    bits = {"validation": first_right(right, 2400), "held-out": first_right(right, 2400)}
    longer = first_right(round(hard_converged * 2400), 2400)
    compared = Comparison(
        classes=("Pullover", "Coat"),
        logreg_correct=bits,
        network_correct=bits,
        fair_network_correct=bits,
        fair_network_val_accuracy=0.9,
        fair_network_heldout_accuracy=0.9,
        fair_network_official_test_accuracy=0.88,
        fair_network_best_epoch=3,
        official_test=McNemar("official test", 2000, only_network, only_logreg, network_p),
        heldout_test=McNemar("held-out", 2000, only_network, only_logreg, network_p),
        converged_logreg_correct={"held-out": longer},
        converged_test=McNemar("held-out", 2400, only_network, only_logreg, network_p),
        longer_test=paired_test("held-out", from_bits(longer), from_bits(bits["held-out"])),
        seeds=[0, 1, 2],
        seed_val_accuracies=[0.91, 0.9, 0.905],
        seed_official_test_accuracies=[0.89, 0.88, 0.885],
    )
    return Results(
        config={"title": "t"},
        data=data,
        embedding=embedded,
        logreg=[
            logreg(("Trouser", "Ankle boot"), easy_val, easy_mixing, 1.0),
            logreg(("Pullover", "Coat"), hard_val, hard_mixing, hard_converged),
        ],
        network=network,
        comparison=compared,
        versions={},
    )


def text(results: Results, key: str) -> str:
    return " ".join(answers.compose(results)[key])


def test_every_question_is_answered() -> None:
    written = answers.compose(make_results())
    assert set(written) == set(answers.QUESTIONS)
    assert all(paragraphs and all(p.strip() for p in paragraphs) for paragraphs in written.values())


@pytest.mark.parametrize("agreement, stays", [(0.80, True), (0.43, False)])
def test_classes_stay_together_only_with_a_high_agreement(agreement: float, stays: bool) -> None:
    said = text(make_results(agreement=agreement), "q1_2")
    assert ("images of a class mostly stay together" in said) is stays
    points = make_results().embedding.points
    low, high = wilson_interval(round(agreement * points), points)
    assert (
        "(5-fold cross-validation within this one map, which t-SNE laid out from all its points, "
        f"each fold's held-out ones included; 95% interval {percent(low, 1)}–{percent(high, 1)}, "
        "treating the images as a sample with this map held fixed, so not counting t-SNE's own "
        "randomness)"
    ) in said


@pytest.mark.parametrize(
    "mixing, words, verdict",
    [
        (0.005, "two separate islands", "do very well"),
        (0.0099, "two separate islands", "do very well"),
        (0.01, "thin border", "do well, but not perfectly"),
        (0.0499, "thin border", "do well, but not perfectly"),
        (0.05, "overlap substantially", "get a noticeable share of images wrong"),
        (0.4, "thoroughly mixed", "get a noticeable share of images wrong"),
    ],
)
def test_the_map_sentence_follows_the_mixing(mixing: float, words: str, verdict: str) -> None:
    paragraphs = answers.compose(make_results(easy_mixing=mixing))["q2"]
    assert paragraphs[0] == (
        f"In short: judging by the t-SNE map, logistic regression should {verdict}."
    )
    said = " ".join(paragraphs[1:])
    assert words in said and "should do" not in said  # the verdict is said once, first
    assert "(a forecast: the map is not a linear view of the pixels)" in said  # every branch


def test_each_mixing_share_says_how_many_points_of_how_many() -> None:
    """Q2, Q4.1 and Q4.3 give the mixed points as a count of the pair's points on the map, not a
    share alone (the review of stop 43); the count is the share times the points."""
    composed = answers.compose(make_results(easy_mixing=0.0055, hard_mixing=0.1815))
    assert "11 of 2,000 points (0.55%) have mostly neighbours of the other class" in " ".join(
        composed["q2"]
    )
    assert "363 of 2,000 points (18.15%) have mostly" in " ".join(composed["q3"])
    assert (
        "In the t-SNE map 11 of 2,000 points (0.55%) sit among the other class for Trouser vs "
        "Ankle boot, against 363 of 2,000 points (18.15%) for Pullover vs Coat."
    ) in " ".join(composed["q4_3"])
    assert (
        "as the t-SNE map, where the two classes form two separate islands and 11 of 2,000 points "
        "(0.55%) are mixed, suggested;"
    ) in " ".join(composed["q4_1"])
    assert (
        "The t-SNE map, where the two classes overlap substantially and 363 of 2,000 points (18.15%) are "
        "mixed, suggests that no straight boundary"
    ) in " ".join(composed["q4_2"])
    one = answers.compose(make_results(easy_mixing=0.0005))  # the verb agrees with one point
    assert "1 of 2,000 points (0.05%) has mostly neighbours" in " ".join(one["q2"])
    assert "1 of 2,000 points (0.05%) sits among the other class" in " ".join(one["q4_3"])
    assert "islands and 1 of 2,000 points (0.05%) is mixed" in " ".join(one["q4_1"])


VERDICTS = (
    "islands",
    "thin border",
    "overlap",
    "thoroughly mixed",
    "are mixed",
    "should do",
    "should get",
)


def test_a_pair_with_too_few_points_on_the_map_gets_no_verdict_from_it() -> None:
    """With too few of a pair's points on the map for each to have its neighbours among them, the
    map's share is not measured (None): the answers say so, and no sentence reads a verdict into
    it (a NaN share failed every threshold and read as "thoroughly mixed"); results.json keeps it
    as null, and the study still reads back (NaN had become a null the reader refused)."""
    results = make_results(easy_mixing=None)
    composed = answers.compose(results)
    q2 = " ".join(composed["q2"])
    assert q2.startswith(
        "In short: the t-SNE map holds too few of this pair's images to suggest how logistic "
        "regression will fare; Q4 measures it. The t-SNE map holds only 8 images of Trouser vs "
        "Ankle boot: too few for each to have its 10 nearest neighbours among them"
    ), q2
    why = next(p for p in composed["q4_1"] if p.startswith("Why:"))
    assert "t-SNE map" not in why and "linearly separable in pixel space; gradient" in why
    assert (
        "The t-SNE map holds too few images of Trouser vs Ankle boot to compare how mixed the two "
        "pairs are." in " ".join(composed["q4_3"])
    )
    for paragraph in [*composed["q2"], why]:
        assert not any(word in paragraph for word in VERDICTS), paragraph
    assert "thoroughly mixed" in " ".join(answers.compose(make_results(hard_mixing=0.4))["q3"])
    for points, held in [(1, "holds only 1 image of"), (0, "holds no images of")]:
        results.logreg[0].mixing_points = points
        assert f"The t-SNE map {held} Trouser vs Ankle boot: too few" in " ".join(
            answers.compose(results)["q2"]
        )
    results.logreg[0].mixing_points = 8
    raw = json.loads(json.dumps(to_json(results)))
    assert raw["logreg"][0]["mixing"] is None
    served.check_raw(raw)
    assert to_json(from_json(Results, raw)) == to_json(results)


@pytest.mark.parametrize(
    ("mixing", "train", "said"),
    [
        (
            0.005,
            0.95,
            "form two separate islands and 10 of 2,000 points (0.50%) are mixed, "
            "suggests that a straight boundary could separate them almost perfectly, which these "
            "steps have not reached",
        ),
        (
            0.02,
            0.95,
            "touch only along a thin border and 40 of 2,000 points (2.00%) are mixed, "
            "suggests that a straight boundary would get most images right and fail only near "
            "the border (a suggestion only",
        ),
        (
            0.2,
            0.95,
            "overlap substantially and 400 of 2,000 points (20.00%) are mixed, suggests that "
            "no straight boundary separates them",
        ),
        (
            0.2,
            0.995,
            "linearly separable in pixel space, which the t-SNE map, where the two "
            "classes overlap substantially and 400 of 2,000 points (20.00%) are mixed, did not suggest;",
        ),
        (
            0.005,
            0.995,
            "linearly separable in pixel space, as the t-SNE map, where the two "
            "classes form two separate islands and 10 of 2,000 points (0.50%) are mixed, "
            "suggested;",
        ),
    ],
)
def test_q4s_why_reads_the_map_as_its_share_says(mixing: float, train: float, said: str) -> None:
    """Q4's "Why" weighs the training rows against what the map suggested, and says whether the
    two agree: a pair the map shows as islands that these steps fit poorly is not said to have
    been forecast by the map as inseparable."""
    results = make_results(easy_mixing=mixing)
    results.logreg[0].train_accuracy = train
    why = next(p for p in answers.compose(results)["q4_1"] if p.startswith("Why:"))
    assert said in why, why


@pytest.mark.parametrize(
    "val, train, said",
    [
        (
            [0.5, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99],
            0.995,
            "because the straight boundary it finds separates these two classes almost perfectly: "
            "at step 7 (after 6 updates) it gets 99.50% of its own training rows right, and nearly as high a share "
            "of the validation rows, which it never trained on. Validation accuracy stayed at 99% of "
            "its final value or more from step 2 of 7 on.",
        ),
        (
            [0.5, 0.995, 0.999, 0.999, 0.999, 0.999, 0.99],
            0.99,
            "99.00% of its own training rows right, and as high a share of the validation rows, "
            "which it never trained on. Validation accuracy stayed at 99% of its final value or more "
            "from step 2 of 7 on",
        ),  # above: >= 99%
        (  # the instructor's review: 99.88% against 99.81% of the training rows was "as high";
            # the statistics review: "slightly higher" alone read a difference into noise
            [0.5, 0.99, 0.99, 0.99, 0.99, 0.99, 0.9925],
            0.99,
            "99.00% of its own training rows right, and a slightly higher share of the validation "
            "rows (Fisher's exact test, "
            f"p = {stats.fisher_exact([[7128, 72], [2382, 18]]).pvalue:.3f}: consistent with chance), which "
            "it never trained on",
        ),
        (
            [0.5, 0.99, 0.99, 0.99, 0.99, 0.99, 0.995],
            0.99,
            "99.00% of its own training rows right, and a higher share of the validation rows "
            f"(Fisher's exact test, p = {stats.fisher_exact([[7128, 72], [2388, 12]]).pvalue:.3f}), "
            "which it never trained on",
        ),
        ([0.5, 0.6, 0.7, 0.8, 0.9, 0.979, 0.99], 0.99, "from step 7 of 7 on"),  # 0.979 < 0.9801
        ([0.5, 0.99, 0.5, 0.5, 0.5, 0.985, 0.99], 0.99, "from step 6 of 7 on"),  # not step 2
        (
            [0.5, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8],
            0.81,
            "because the straight boundary it finds leaves the two classes overlapping: at step 7 "
            "(after 6 updates) it gets only 81.00% of its own training rows right, so it underfits.",
        ),
        (
            [0.5, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8],
            0.995,
            "because the straight boundary it finds separates its own training rows almost "
            "perfectly (99.50% right at step 7, after 6 updates) but fewer of the validation rows: part of the "
            "gap is overfitting.",
        ),
        (
            [0.5, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8],
            0.9,
            "gets only 90.00% of its own training rows right, "
            "and fewer of the validation rows: part of the gap is overfitting.",
        ),
    ],
)
def test_the_short_observation_says_only_what_was_measured(val, train, said) -> None:
    """The commits' review: "essentially done", "nearly linearly separable" and "within 1%" could
    be false (a run above its final value, an overfit one, one that never learns)."""
    run = make_results().logreg[0]
    run.history["val_accuracy"], run.steps, run.val_accuracy = val, len(val), val[-1]
    run.train_accuracy = train
    assert said in answers_short.observation(run)
    assert answers_short.observation(run).endswith(" on.")


@pytest.mark.parametrize(
    "converged, words",
    [
        (
            0.87375,
            "122 held-out images more; on the 2,400 held-out rows, 122 are right only for longer "
            "training and 0 only for the 100 steps (McNemar's exact test, p < 0.001; longer training minus the 100 steps: "
            "+5.08 points, 95% interval +4.2 to +6.0), so the 100 "
            "steps stop short of what longer training gives",
        ),  # 2,097 against 1,975 right
        (
            0.8250,
            "5 held-out images more; on the 2,400 held-out rows, 5 are right only for longer "
            "training and 0 only for the 100 steps (McNemar's exact test, p = 0.062; longer training minus the 100 steps: "
            "+0.21 points, 95% interval 0.0 to +0.4), so the "
            "difference could be chance",
        ),  # p = 2 / 2**5
        (
            0.8125,
            "25 held-out images fewer; on the 2,400 held-out rows, 0 are right only for longer "
            "training and 25 only for the 100 steps (McNemar's exact test, p < 0.001; longer training minus the 100 steps: "
            "-1.04 points, 95% interval -1.5 to -0.6), so longer "
            "training does worse",
        ),
    ],
)
def test_longer_training_is_judged_on_the_held_out_rows(converged: float, words: str) -> None:
    results = make_results(hard_converged=converged)
    assert results.logreg[1].converged is not None
    results.logreg[1].converged.val_accuracy = 0.99  # on the rows that chose where it stopped
    said = text(results, "q4_2")
    assert words in said
    assert (
        "99.00% validation accuracy, optimistic because those rows chose where it stopped" in said
    )
    assert "starting from 50.00% validation accuracy with all weights at zero" in said
    # the short answer's reason names too few steps only where the test found longer better
    partly = (
        "so it underfits, partly for want of steps: trained longer, the same kind of boundary gets "
        "87.38% (86.0%–88.6%) of the held-out rows right, against 82.29% (80.7%–83.8%) after the "
        "100 steps (McNemar's test below)."
    )
    assert (partly in said) == ("stop short" in words), said
    assert results.logreg[1].converged.steps > 100  # kept weights of fewer steps: no such clause
    results.logreg[1].converged.steps = 100
    assert "partly for want of steps" not in text(results, "q4_2")


@pytest.mark.parametrize(
    "converged, words",
    [
        (
            0.87375,
            "122 held-out images more (untested: per-image scores are kept for the network's "
            "pair only), so the 100 steps stop short",
        ),
        (
            0.8250,
            "5 held-out images more, too few for McNemar's exact test to call significant "
            "whatever the images (p ≥ 0.0625)",
        ),
        (0.8229166666666666, "the same number of held-out images, so longer training adds nothing"),
        (
            0.8125,
            "25 held-out images fewer (untested: per-image scores are kept for the network's "
            "pair only), so longer training does not help",
        ),
    ],
)
def test_longer_training_without_per_image_scores_says_what_its_count_allows(
    converged: float, words: str
) -> None:
    results = make_results(hard_converged=converged)
    results.comparison.classes = ("Shirt", "Coat")  # the network's pair is another one
    assert words in text(results, "q4_2")


def test_the_final_weights_validation_score_is_given_where_it_differs_from_the_log() -> None:
    """Each number names the weights it scores: the loop logs before its last update, and the
    held-out rows are scored with the final weights."""
    results = make_results()
    # each with its 95 % Wilson interval (scipy's binomtest(k, n).proportion_ci("wilson"))
    logged = (
        "it reached 82.29% training and 82.29% (80.7%–83.8%) validation accuracy at the "
        "loop's last log (step 100, taken before the last update); its final weights get "
    )
    assert logged + "82.29% (80.7%–83.8%) held-out accuracy." in text(results, "q4_2")
    results.comparison.logreg_correct["validation"] = first_right(1976, 2400)
    said = text(results, "q4_2")
    assert logged + "82.33% (80.8%–83.8%) validation and 82.29% (80.7%–83.8%) held-out" in said
    easy = text(results, "q4_1")  # no per-row scores kept for this pair
    assert (
        "(step 100, taken before the last update); its final weights get 99.88% (99.6%–99.96%) "
        "held-out"
    ) in easy


@pytest.mark.parametrize(
    "train, words",
    [
        (
            7186 / 7200,
            "a hyperplane separates these classes almost perfectly. At the loop's last log (step "
            "100), the model gets 99.81% of its 7,200 training rows right (14 errors)",
        ),
        (
            5980 / 7200,
            "gets only 83.06% of its own 7,200 training rows right, about as many as of the "
            "validation rows (82.29%; Fisher's exact test, p = "
            f"{stats.fisher_exact([[5980, 1220], [1975, 425]]).pvalue:.3f}; training minus "
            f"validation: {independent_gap(5980 / 7200, 7200, 1975 / 2400, 2400)}): no evidence "
            "of overfitting, though these rows cannot rule out a gap of up to 2.6 points, and with "
            "so few of its own rows right it underfits",
        ),
        (
            0.95,
            "gets only 95.00% of its own 7,200 training rows right, against 82.29% of the "
            "validation rows, so part of the gap is overfitting",
        ),
    ],
)
def test_the_why_starts_from_what_the_training_rows_show(train: float, words: str) -> None:
    results = make_results()
    results.logreg[1].train_accuracy = train
    said = text(results, "q4_2")
    assert words in said
    assert ("no straight boundary separates them" in said) is (train < answers_short.FITS_ITS_ROWS)


@pytest.mark.parametrize(
    "easy_right, hard_right, alike",
    [
        (2397, 2394, True),  # 3 images apart: p = 0.51
        (2397, 2388, False),  # within half a point, yet p = 0.035 (the third review)
        (2012, 2000, True),  # half a point apart at 83 %: p = 0.67
        (2397, 1975, False),
    ],
)
def test_runs_are_alike_unless_the_test_tells_them_apart(easy_right, hard_right, alike) -> None:
    said = text(make_results(easy_val=easy_right / 2400, hard_val=hard_right / 2400), "q4_3")
    assert said.startswith("They are alike") is alike
    assert ("not a significant difference" in said) is alike
    assert ("so the difference is in the data" in said) is not alike
    assert ("do not tell the two pairs apart" in said) is alike


@pytest.mark.parametrize("hard_right", [2394, 2390, 2380, 1975])
def test_the_gap_between_the_pairs_is_tested(hard_right: int) -> None:
    """Different images: Fisher's exact test of two independent samples, recomputed by scipy."""
    from scipy import stats

    said = text(make_results(hard_val=hard_right / 2400), "q4_3")
    p = stats.fisher_exact([[2397, 3], [hard_right, 2400 - hard_right]]).pvalue
    shown = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    verdict = "a significant difference" if p < 0.05 else "not a significant difference"
    difference, low, high = independent_difference(2397, 2400, hard_right, 2400)
    assert (
        f"(2,397 and {hard_right:,} right of 2,400 images each, at the loop's last log; Fisher's "
        "exact test of two "
        f"independent sets of images: {verdict}, {shown}; Trouser vs Ankle boot minus Pullover "
        f"vs Coat: {100 * difference:+.2f} points, 95% interval "
    ) in said
    if hard_right == 1975:  # the report's own pairs: an instructor's review computed 16.1 to 19.2
        assert "Pullover vs Coat: +17.58 points, 95% interval +16.1 to +19.2)" in said


@pytest.mark.parametrize(
    "points, mapped",
    [
        (10_000, "t-SNE then maps the first 10,000 training images to 2 dimensions"),
        (
            65_000,
            "t-SNE then maps all 60,000 training images and the first 5,000 test images "
            "(projected with the training images' standardisation and PCA) to 2 dimensions",
        ),
    ],
)
def test_the_pca_is_fitted_on_the_training_images_whatever_the_map_holds(
    points: int, mapped: str
) -> None:
    """The scaler and PCA see the training images only (embedding.project); a map past 60,000
    points projects test images with that fit (the review: it said "all 70,000 images")."""
    results = make_results()
    results.embedding.points = points
    said = text(results, "q1_2")
    assert "PCA to 50 components, fitted on all 60,000 training images" in said
    assert mapped in said and "70,000" not in said
    caption = dict(report._pair_figures(results)["q1_2"])["tsne_all"]
    assert mapped.split(" maps ")[1].removesuffix(" to 2 dimensions") in caption


def test_the_seed_runs_differ_from_the_keras_networks_own_seed() -> None:
    results = make_results()
    results.network.seed = 7
    assert "batch orders than Keras's seed 7." in text(results, "q5_1")


def test_pairs_that_share_a_class_are_not_called_independent() -> None:
    """A library Config may compare pairs that share a class, and so share its images."""
    results = make_results(hard_val=1975 / 2400)
    results.logreg[0].classes = ("Pullover", "Shirt")
    said = text(results, "q4_3")
    assert "two independent sets" not in said
    assert (
        "approximate here: both pairs hold Pullover's images, so the sets are not independent"
        in said
    )


@pytest.mark.parametrize(
    "p, network, logreg_only, verdict",
    [
        (1e-20, 300, 100, "significantly better"),
        (0.2, 120, 100, "not distinguishable"),
        (0.001, 100, 300, "significantly worse"),
    ],
)
def test_beats_only_with_a_significant_test(
    p: float, network: int, logreg_only: int, verdict: str
) -> None:
    said = text(make_results(network_p=p, only_network=network, only_logreg=logreg_only), "q5_1")
    assert f"the network is {verdict}" in said
    assert ("Why it beat logistic regression" in said) is (verdict == "significantly better")


def test_q5_1_states_its_caveats_and_the_seed_spread() -> None:
    said = text(make_results(), "q5_1")
    assert (
        "chose the network's early-stopping epoch and, among 15 settings tried on this pair at "
        "seed 0, its settings (docs/network.md), so its validation score is optimistic"
    ) in said
    assert "9,600 rows" in said and "7,200 rows" in said
    assert "Over 3 seeds (0, 1, 2)" in said and "±" in said
    assert "McNemar's exact test, p < 0.001" in said


def test_overfitting_is_described_only_when_the_curves_show_it() -> None:
    results = make_results()  # 0.3, 0.2, 0.1 from the restored epoch 2
    assert "the training loss keeps falling (0.300 to 0.100)" in text(results, "q5_1")
    assert "the network is overfitting, fitting its training rows more closely" in text(
        results, "q5_1"
    )  # the glossary's word for it (an instructor's review: described, never named)
    bumpy = copy.deepcopy(results)  # a review: it rose at 3 epochs of the run it described
    bumpy.network.history["loss"] = [0.5, 0.3, 0.32, 0.1]
    assert "the training loss falls overall (0.300 to 0.100)" in text(bumpy, "q5_1")
    flat = copy.deepcopy(results)
    flat.network.history["loss"] = [0.5, 0.3, 0.35, 0.4]
    assert "training loss" not in text(flat, "q5_1")


def test_the_kept_epochs_gap_is_weighed_against_the_glossarys_mark() -> None:
    """An instructor's review: Q5.1 called the curves after epoch 36 overfitting "which is why
    early stopping goes back to that epoch", as if the kept network did not overfit, and the
    network's training accuracy was never given. A second review: the 93.68% then given was
    Keras's count over the epoch's batches while the weights moved, not the kept weights', and
    had no interval. It is now the kept weights' score, with Newcombe's interval of the gap."""
    under = make_results()
    under.network.train_accuracy = 0.85
    assert (
        "With the weights of epoch 2, the ones it keeps, it gets 85.00% of its 9,600 training "
        "rows right, against 91.00% of the validation rows (training minus validation: "
        f"{independent_gap(0.85, 9600, 0.91, 2400)}), under the 2 points from which this report "
        "calls it overfitting. After epoch 2"
    ) in text(under, "q5_1")
    assert "Early stopping goes back to epoch 2, where the validation loss was lowest." in text(
        under, "q5_1"
    )
    under.network.history["accuracy"][1] = 0.99  # Keras's running count is not what is judged
    said = text(under, "q5_1")
    assert "the curve's 99.00% for that epoch" in said
    assert "under the 2 points from which this report calls it overfitting" in said
    over = make_results()  # 0.94 against 0.91
    said = text(over, "q5_1")
    assert (
        f"(training minus validation: {independent_gap(0.94, 9600, 0.91, 2400)}). By this "
        "report's measure (2 points or more) it already overfits at that epoch: it fits its "
        "training rows more closely than rows it never trained on. After epoch 2"
    ) in said
    assert independent_gap(0.94, 9600, 0.91, 2400) == "+3.00 points, 95% interval +1.8 to +4.3"
    assert "where the validation loss was lowest, which limits the overfitting rather than" in said
    flat = copy.deepcopy(over)  # no fall in the training loss after it: the gap alone
    flat.network.history["loss"] = [0.5, 0.3, 0.35, 0.4]
    alone = text(flat, "q5_1")
    assert "it already overfits at that epoch" in alone and "Early stopping goes" not in alone


def test_a_gap_of_exactly_two_points_reaches_the_mark() -> None:
    """A review: 8,820 of 9,600 training rows against 2,157 of 2,400 validation rows is +2.00
    points, which Q5.1 printed as "+2.00 points ... under the 2 points" (0.01999... in floats).
    Every exact 2-point gap between such shares reaches the mark; one row less does not."""
    for val in range(1800, 2353):  # k / 9600 - m / 2400 = 0.02 exactly when k = 4m + 192
        assert answers_short.overfits((4 * val + 192) / 9600, val / 2400), val
        assert not answers_short.overfits((4 * val + 191) / 9600, val / 2400), val
    results = make_results()
    results.network.train_accuracy, results.network.val_accuracy = 8820 / 9600, 2157 / 2400
    said = text(results, "q5_1")
    assert "(training minus validation: +2.00 points," in said
    assert "By this report's measure (2 points or more) it already overfits" in said


def test_the_glossary_defines_the_three_accuracies() -> None:
    sections = report.build_sections(make_results())
    section = next(s for s in sections if s.key == "glossary")
    joined = f"{section.raw_html} {section.markdown}"
    for key in ("val_accuracy", "heldout_accuracy", "official_test_accuracy"):
        assert key in joined
    assert "trained again from zero weights" in joined and "not a proof of convergence" in joined
    assert "every test in this report is two-sided and exact" in joined  # the statistician's review
    assert "the settings of Q5.1's network" in joined and "(fashionlab's docs/network.md)" in joined
    for term in (
        "Holm's method",
        "prediction interval (over seeds)",
        "early stopping and patience",
    ):
        entry = f'<dt id="{glossary.term_anchor(term)}">{html.escape(term)}</dt>'
        assert entry in joined  # an instructor's reading: used, undefined
    assert section.raw_html is not None and section.raw_html.count("<dt ") == len(glossary.GLOSSARY)
    assert section.markdown is not None and section.markdown.startswith("**validation accuracy ")


def test_results_round_trip_through_json() -> None:
    results = make_results()
    results.logreg[1].dynamics = findings(
        step_exceeds_limit=True, loss_rises=True, rise_from_step=8, rise_to_step=14
    )
    again = from_json(Results, json.loads(json.dumps(to_json(results))))
    assert to_json(again) == to_json(results)
    assert again.logreg[1].dynamics == results.logreg[1].dynamics  # a typed record, not a dict
    assert again.logreg[0].dynamics is None


@pytest.mark.parametrize("damage", ["missing field", "wrong type", "findings", "null"])
def test_a_damaged_record_is_refused(damage: str) -> None:
    data = to_json(make_results())
    if damage == "missing field":
        del data["network"]["val_accuracy"]
    elif damage == "wrong type":
        data["logreg"][0]["steps"] = "100"
    elif damage == "findings":  # what the first steps did is checked field by field too
        data["logreg"][0]["dynamics"] = {"step_ratio": 1.2}
    else:
        data = None
    with pytest.raises(ValueError):
        from_json(Results, data)


def test_the_checked_in_schema_is_current() -> None:
    assert (DOCS / "results.schema.json").read_text() == schema.text(), (
        "docs/results.schema.json is stale: python -m fashionlab.results.schema > docs/results.schema.json"
    )


def test_the_schema_printed_where_it_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    """A hostile review: ``python -m fashionlab.results.schema > /dev/full`` ended in a
    traceback. It is one line and status 1; a reader gone (``| head -1``) is status 0."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "fashionlab.results.schema"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert (done.returncode, done.stderr) == (
        1,
        "cannot write the schema (No space left on device)\n",
    )


def test_made_up_results_validate_against_the_schema() -> None:
    import jsonschema

    jsonschema.validate(to_json(make_results()), json.loads(schema.text()))


@pytest.mark.parametrize(
    "keras, words",
    [
        (
            0.8990,
            "scores higher on the official test images than every one of these seeds (89.90% "
            "against at most 89.00%). If the 4 runs differed only by chance, each would have a "
            "1-in-4 chance of being the highest, so that alone would be unremarkable. But they may "
            "differ by more. The Keras run's settings were chosen for their validation accuracy at "
            "this seed, "
            "which may favour a run that also scores high on the official test images (over "
            "fashionlab's 3 seeds, validation and official test accuracy correlate at r = 1.00; "
            "too few points for an interval). And these seeds come from another program. So this does not show "
            "that one program trains a better network, and the seeds' mean, 88.50%, is the "
            "better estimate of what these settings reach in that program.",
        ),
        (
            0.8990,
            "How sure are these figures? Two things vary by chance. Training (initial weights "
            "and batch order): one more seed of fashionlab's trainer would score 86.02% to 90.98% "
            "on these same 2,000 official test images (a 95% t prediction interval from the 3 seeds, "
            "assuming their scores spread roughly normally). The official test images themselves: an "
            "accuracy near 88.50% on 2,000 images has a standard error of about 0.71 points. "
            "Allowing for both, what these settings reach on average in fashionlab's trainer, on "
            "new images like these, is 86.97% to 90.03% (±1.53 points, approximate: the seeds' "
            "mean has a standard error of 0.29 points from training and 0.71 from the images, "
            "0.77 together, times Student's t of 1.98 at Welch and Satterthwaite's 101 degrees "
            "of freedom). The first interval is where one new training run lands on these images; "
            "the second, a range for the average that many runs would reach on new images. The Keras run, 89.90%, lies inside both, but it is no draw "
            "from fashionlab's trainer: it comes from another program.",
        ),
        (0.9200, "The Keras run, 92.00%, lies outside both, but it is no draw"),
        (0.8850, "falls within"),
        (
            0.8700,
            "scores lower on the official test images than every one of these seeds (87.00% "
            "against at least 88.00%)",
        ),
    ],
)
def test_the_keras_run_is_placed_in_the_seeds_spread(keras: float, words: str) -> None:
    results = make_results()  # seeds' official test accuracies 0.88 to 0.89
    results.network.official_test_accuracy = keras
    said = text(results, "q5_1")
    assert words in said
    assert "one more draw" not in said and "95 times in 100" not in said  # not a probability


def test_the_selection_is_said_to_favour_a_high_test_score_only_if_the_seeds_show_it() -> None:
    """The statistician's review: a run chosen on validation accuracy tends to score high on the
    test images too where the two rise and fall together over the seeds; where they do not, the
    sentence claims no such link."""
    results = make_results()
    results.network.official_test_accuracy = 0.8990
    results.comparison.seed_val_accuracies = [0.90, 0.91, 0.905]  # against 0.89, 0.88, 0.885
    said = text(results, "q5_1")
    assert "which favours a run that did well on those rows." in said and "r = " not in said
    sd = 100 * math.sqrt(0.885 * 0.115 / 2000)  # the binomial standard error at the seeds' mean
    assert f"a standard error of about {sd:.2f} points" in said
    spread = 0.005  # the seeds' sample sd: 0.89, 0.88 and 0.885
    # the mean's 95% half-width: the two variances added, and t at Welch and Satterthwaite's
    # degrees of freedom (reviews: not the normal's 1.96 for the seeds, nor half-widths added)
    of_seeds, of_images = (100 * spread) ** 2 / 3, sd**2
    freedom = (of_seeds + of_images) ** 2 / (of_seeds**2 / 2)
    of_mean = stats.t.ppf(0.975, freedom) * math.sqrt(of_seeds + of_images)
    training, t = 100 * spread / math.sqrt(3), stats.t.ppf(0.975, freedom)
    assert (  # an instructor's review: the parts a reader can redo, standard errors not half-widths
        f"(±{of_mean:.2f} points, approximate: the seeds' mean has a standard error of "
        f"{training:.2f} points from training and {sd:.2f} from the images, "
        f"{math.hypot(training, sd):.2f} together, times Student's t of {t:.2f} at Welch and "
        f"Satterthwaite's {freedom:.0f} degrees of freedom)"
    ) in said


@pytest.mark.parametrize(
    "doc, header, tried",
    [
        ("network.md", "| setting", config.NN_SETTINGS_TRIED),
        (
            "extras.md",
            "| learning rate | batch | epochs | train acc. | validation acc.",
            config.SOFTMAX_SETTINGS_TRIED,
        ),
    ],
)
def test_the_settings_tried_are_the_rows_of_their_docs_table(doc, header, tried) -> None:
    """The report says how many settings the network's (Q5.1) and softmax regression's were
    chosen among: the rows of the table in docs that chose them."""
    lines = (DOCS / doc).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start + 2 :]))
    assert len(rows) == tried


@pytest.mark.parametrize(
    "only_network, only_logreg, words",
    [
        (120, 40, "so the network's advantage is not only a matter of longer training"),
        (40, 120, "so trained long enough, logistic regression does better than this network"),
        (60, 55, "so these rows cannot tell the network from logistic regression trained longer"),
    ],
)
def test_the_why_follows_the_test_against_converged_logistic_regression(
    only_network: int, only_logreg: int, words: str
) -> None:
    said = text(against_longer_training(only_network, only_logreg), "q5_1")
    assert words in said
    assert (
        f"{only_network} are right only for the network and {only_logreg} only for logistic "
        "regression trained longer" in said
    )


def mcnemar_exact_p(b: int, c: int) -> float:
    from scipy.stats import binomtest

    return float(binomtest(b, b + c, 0.5).pvalue)


def against_longer_training(only_network: int, only_logreg: int) -> Results:
    """Made-up results whose held-out test of the network against logistic regression trained
    longer has these discordant counts, with McNemar's exact p-value for them."""
    results = make_results()
    p = mcnemar_exact_p(only_network, only_logreg)
    results.comparison.converged_test = McNemar("held-out", 2400, only_network, only_logreg, p)
    return results


def test_the_validation_test_is_not_introduced_twice() -> None:
    said = text(make_results(), "q5_1")
    assert "On the 2,400 validation rows," in said and "On the validation rows, on" not in said


def grid_row(rate: float, steps: int, right: int | None) -> RateRow:
    return RateRow(
        classes=("Pullover", "Coat"),
        learning_rate=rate,
        steps=steps,
        val_accuracy=None if right is None else right / 2400,
        diverged_at_step=None if right is not None else 3,
    )


@pytest.mark.parametrize(
    "cells, words",
    [
        (
            [(0.05, 100, 1975), (0.1, 100, 2000), (0.2, 50, 1990)],
            "the best cell of the grid is learning rate 0.1 for 100 steps, at 83.33% (81.8%–84.8%), "
            "against 82.29% (80.7%–83.8%) at the assignment's setting (25 validation images more, not "
            "tested, as the grid keeps no per-image scores, and picked on those same rows",
        ),
        (
            [(0.05, 100, 1975), (0.1, 100, 2000), (0.2, 50, 2000)],
            "2 cells of the grid tie for the best; the one with the fewest steps is learning rate 0.2 for "
            "50 steps, at 83.33% (81.8%–84.8%), against 82.29% (80.7%–83.8%) at the assignment's setting "
            "(25 validation images more",
        ),
        (
            [(0.05, 100, 1975), (0.1, 100, 1975)],
            "2 cells of the grid tie for the best; the one with the fewest steps is learning rate 0.05 "
            "for 100 steps, at 82.29% (80.7%–83.8%), and the assignment's setting is among them.",
        ),
        (
            [(0.05, 100, 1975), (0.1, 100, 1980)],  # a lead of 5: p >= 2 / 2**5 whatever the images
            "against 82.29% (80.7%–83.8%) at the assignment's setting (5 validation images more: too few "
            "for McNemar's exact test to call significant whatever the images, and picked on those same "
            "rows).",
        ),
        (
            [(0.05, 100, 1975), (0.1, 100, 1981)],
            "(6 validation images more, not tested, as the grid keeps no per-image scores, and picked on "
            "those same rows, so the lead is optimistic).",
        ),
    ],
)
def test_the_grid_sentence_names_ties_and_counts_images(cells: list, words: str) -> None:
    results = make_results()
    results.rate_grid = [grid_row(*cell) for cell in cells]
    assert words in text(results, "q4_3")
    rates = sorted({rate for rate, _, _ in cells})
    steps = sorted({step for _, step, _ in cells})
    introduced = (
        f"The same loop also ran on a grid of {len(rates)} learning rates "
        f"({', '.join(f'{r:g}' for r in rates)}) by {len(steps)} step counts "
        f"({', '.join(map(str, steps))}), on each pair"
    )
    assert text(results, "q4_3").index(introduced) < text(results, "q4_3").index(words)


@pytest.mark.parametrize(
    "limit, said",
    [
        (
            0.0421,
            " That learning rate is 2.4 times the pair's 2/L: above 2/L the loss is no longer ",
        ),
        (0.1, None),  # the best cell's 0.1 is at its 2/L, not above
        (None, None),  # the first steps not measured: no 2/L to compare with
    ],
)
def test_a_best_cell_above_2_over_l_is_said_to_be_one(
    limit: float | None, said: str | None
) -> None:
    """An instructor's review: Q4.3 puts the zig-zag down to a rate above 2/L, and a reader may
    take such a rate to be worse; the grid's best cell can be one."""
    results = make_results()
    results.rate_grid = [grid_row(0.05, 100, 1975), grid_row(0.1, 100, 2000)]
    hard = results.logreg[1]
    hard.dynamics = None if limit is None else findings(stable_step_limit=limit)
    words = text(results, "q4_3")
    assert (said in words) if said else "times the pair's 2/L" not in words


@pytest.mark.parametrize(
    "swing, said",
    [
        (
            0.87,
            "so the model flips between predicting mostly one class and mostly the other (the share "
            "of training rows predicted as Coat moving by 87 points from step 13 to step 14).",
        ),
        (0.5, "flips between predicting mostly one class"),
        (
            0.49,
            "so the predictions shift towards one class and back (the share of training rows "
            "predicted as Coat moving by 49 points from step 13 to step 14).",
        ),
    ],
)
def test_the_top_direction_is_said_with_its_cosine_and_the_swing_it_causes(swing, said) -> None:
    """A student's reading: "almost exactly the mean image" and "flips between predicting mostly
    one class and mostly the other" printed no number; the flip is now said past half the rows."""
    results = make_results()
    results.logreg[1].dynamics = findings(
        step_exceeds_limit=True,
        step_ratio=1.19,
        top_direction_is_mean_image=True,
        top_direction_cosine=0.9987,
        prediction_swing=swing,
    )
    text_q4_2 = text(results, "q4_2")
    assert "the two have a cosine similarity of 0.9987, where 1 is the same direction)" in text_q4_2
    results.logreg[1].dynamics = findings(
        step_exceeds_limit=True,
        step_ratio=1.19,
        top_direction_is_mean_image=True,
        top_direction_cosine=0.99996,
        prediction_swing=swing,
    )
    assert "a cosine similarity of > 0.9999, where" in text(results, "q4_2")  # not "1.0000"
    assert said in text_q4_2


def test_the_comparison_contrasts_how_fast_and_how_smoothly_each_run_got_there() -> None:
    results = make_results()
    easy, hard = results.logreg
    easy.steps_to_95, easy.steps_to_99, hard.steps_to_95, hard.steps_to_99 = 2, 2, 34, 73
    easy.dynamics = findings(
        stable_step_limit=0.0808, step_ratio=0.62, lipschitz=24.7, step_exceeds_limit=False
    )
    hard.dynamics = findings(
        stable_step_limit=0.0421,
        step_ratio=1.19,
        lipschitz=47.5,
        step_exceeds_limit=True,
        top_direction_is_mean_image=True,
        loss_rises=False,
        accuracy_zigzags=True,
        zigzag_from_step=3,
        zigzag_to_step=40,
        zigzag_low=1234 / 2400,
        zigzag_high=1888 / 2400,
        curvature_below_limit_step=None,
    )
    # steps 1-8: up to 68.71% at step 3, down to 51.42% at step 5, back above 68.71% at step 7
    hard.history["val_accuracy"] = [
        1186 / 2400,
        0.6,
        1649 / 2400,
        0.6,
        1234 / 2400,
        0.66,
        0.7,
        0.8229166666666666,
    ]
    said = text(results, "q4_3")
    assert (
        "Validation accuracy first reached 95% of its final value at step 2 for Trouser vs Ankle boot "
        "(a threshold of 94.88%) and at step 34 for Pullover vs Coat (78.18%); 99% at steps 2 and 73."
    ) in said
    assert (
        "For Trouser vs Ankle boot the learning rate is 0.6 times 2/L (the learning rate below "
        "which the loss is sure to fall at every step), and its loss falls smoothly. For "
        "Pullover vs Coat the learning rate is 1.2 times 2/L: its validation accuracy "
        "zig-zags, from 68.71% at step 3 down to 51.42% at step 5 (Q4.2)."
    ) in said
    assert "rising overall" not in said  # it hid the fall


@pytest.mark.parametrize(
    "easy_ink, hard_ink, hard_exceeds, words",
    [
        (
            93.6,
            173.9,
            True,
            "The two bounds come from the images alone, not their labels: L is at least a quarter "
            "of the mean training row's squared length (1 for the bias plus the squares of the "
            "mean pixels), 93.6 for Trouser vs Ankle boot and 173.9 for Pullover vs Coat, and "
            "here that quarter is 95% and 92% of L. The mean image of Pullover vs Coat is the "
            "longer, with more ink, so the loss bends more sharply: the ink alone sets a limit of "
            "8/173.9 = 0.0460, below the learning rate of 0.05, so it is the ink, not how much the "
            "classes overlap, that puts the rate above 2/L.",
        ),
        (93.6, 173.9, False, "with more ink, so the loss bends more sharply."),
        # the review of this change: a quarter of 120 is 63% of L, and 8/120 = 0.0667 is above
        # 0.05, so the ink alone does not put the rate above 2/L: no such claim
        (
            93.6,
            120.0,
            True,
            "that quarter is 95% and 63% of L. The mean image of Pullover vs Coat "
            "is the longer, with more ink, so the loss bends more sharply.",
        ),
        (93.6, 90.0, True, "that quarter is 95% and 47% of L."),  # no ink claim: orders differ
    ],
)
def test_the_bounds_are_put_down_to_the_images_ink(
    easy_ink: float, hard_ink: float, hard_exceeds: bool, words: str
) -> None:
    """An instructor's review: Q4.3 explained the zig-zag through the classes' overlap only, where
    L, and so the step's ratio to 2/L, does not depend on the labels at all."""
    results = make_results()
    easy, hard = results.logreg
    easy.dynamics = findings(lipschitz=24.7, mean_row_norm_squared=easy_ink)
    hard.dynamics = findings(
        lipschitz=47.5, mean_row_norm_squared=hard_ink, step_exceeds_limit=hard_exceeds
    )
    said = text(results, "q4_3")
    assert words in said
    assert ("with more ink" in said) is (hard_ink > easy_ink)
    overlap = "not how much the classes overlap"
    assert (overlap in said) is (hard_ink > 8 / hard.learning_rate and hard_exceeds)
    easy.dynamics, hard.dynamics = hard.dynamics, easy.dynamics  # the other way round
    if hard_ink > easy_ink:
        assert "The mean image of Trouser vs Ankle boot is the longer" in text(results, "q4_3")
    hard.dynamics = findings(lipschitz=0.0)  # a hand-edited results.json: no division by zero
    assert "not their labels" not in text(results, "q4_3")
    hard.dynamics = None
    assert "not their labels" not in text(results, "q4_3")


def test_how_long_says_when_accuracy_first_reaches_and_when_it_stays() -> None:
    results = make_results()
    run = results.logreg[1]
    run.history["val_accuracy"] = [0.5, 0.79, 0.6, 0.8, 0.7, 0.81, 0.82]  # final 0.82
    run.steps_to_95, run.steps_to_99 = 2, 7  # 0.95 * 0.82 = 0.779; 0.99 * 0.82 = 0.8118
    said = text(results, "q4_2")
    assert (
        "first reached 95% of its final value (a threshold of 77.90%) at step 2 (and stayed at or above it from "
        "step 6 on)" in said
    )
    assert (
        "and 99% (a threshold of 81.18%) at step 7. Measured from its start at 50.00% instead, 95% of the way to "
        "its final value (80.40%) was first reached at step 6." in said
    )
    assert stays_from([0.5, 0.9, 1.0], 0.95) == 3 and stays_from([1.0], 0.5) == 1
    run.history["val_accuracy"] = [0.82, 0.79, 0.82]  # no way to go from the start: no sentence
    run.steps_to_95, run.steps_to_99 = 1, 1
    assert "Measured from its start" not in text(results, "q4_2")


@pytest.mark.parametrize(
    "only_network, only_logreg, words",
    [
        (
            125,
            52,
            "On Pullover vs Coat a boundary that bends does better than the hyperplane logistic "
            "regression found",
        ),
        (
            60,
            55,
            "is not distinguishable from logistic regression on the same rows (Q5.1): these rows "
            "do not show that the pair needs a boundary other than a hyperplane",
        ),
    ],
)
def test_a_bent_boundary_is_claimed_only_with_a_significant_test(
    only_network: int, only_logreg: int, words: str
) -> None:
    said = text(against_longer_training(only_network, only_logreg), "q4_3")
    assert words in said
    # one run against one fit: no more than that is claimed (the statistician's review)
    assert ("not a proof that no hyperplane could do as well" in said) is (only_network == 125)


@pytest.mark.parametrize("right, said", [(1975, False), (1976, True)])
def test_the_validation_test_says_when_it_scores_other_weights(right: int, said: bool) -> None:
    results = make_results()  # 100-step logistic regression logs 1,975 of 2,400 right
    results.comparison.logreg_correct = {"validation": "1" * right + "0" * (2400 - right)}
    written = text(results, "q5_1")
    words = "These counts score logistic regression's final weights"
    assert (f"{words}, which get 1,976 of the 2,400 validation rows right" in written) is said


@pytest.mark.parametrize("rise_to, zigzag_to, deduced", [(14, 40, True), (10, 30, False)])
def test_a_climb_after_the_curvature_settles_is_put_down_to_the_step(
    rise_to: int, zigzag_to: int, deduced: bool
) -> None:
    results = make_results()
    results.logreg[1].dynamics = findings(
        stable_step_limit=0.0421,
        step_ratio=1.19,
        lipschitz=47.5,
        step_exceeds_limit=True,
        top_direction_is_mean_image=True,
        loss_rises=True,
        rise_from_step=8,
        rise_from_loss=0.629,
        rise_to_step=rise_to,
        rise_to_loss=0.675,
        accuracy_zigzags=True,
        curvature_below_limit_step=11,
        zigzag_from_step=3,
        zigzag_to_step=zigzag_to,
        zigzag_low=0.51,
        zigzag_high=0.79,
    )
    said = text(results, "q4_2")
    settles = answers.compose(results)["q4_2"][-1]  # a paragraph of its own (the instructor's)
    assert settles.startswith("When it settles: ") and "first falls below 2/0.05 = 40: " in settles
    assert "At step 11 the Hessian's top eigenvalue, at the weights that step starts" in settles
    assert not PLACEHOLDER.search(
        " ".join(
            p
            for s in report.build_sections(results)
            for p in [*s.paragraphs, *dict(s.figures).values()]
        )
    )
    assert "the training loss falls at every step" not in settles  # [0.69, 0.5]: no rise to end
    results.logreg[1].history["train_loss"] = [0.69, 0.6, 0.65, 0.62, 0.63, 0.5, 0.4]
    settles = answers.compose(results)["q4_2"][-1]
    assert settles.endswith(" From step 5 on, the training loss falls at every step, to step 7.")
    climbs = "Yet step 11 still raises the loss (the climb lasts until step 14), so it meets"
    assert (climbs in said) is deduced
    assert ("the loss's largest climb ends at step 10." in said) is (not deduced)
    assert "most sharply along one direction" in said and "steepest" not in said
    ends = (
        "The analysis covers the first 40 steps; after them, validation accuracy never falls by "
        "more than one image in a step."
    )  # the history: [0.5, 0.8229...]
    assert (ends in said) is (zigzag_to == 40)
    shorter = "from step 3 to step 30, validation accuracy changes direction"
    assert (shorter in said and "between 51.00% and 79.00%." in said) is (zigzag_to == 30)
    assert ("The analysis covers the first 40 steps" in said) is (zigzag_to == 40)


def zigzag_findings(to_step: int, low: float, high: float) -> Findings:
    """Pullover vs Coat's first steps as the report finds them: a learning rate 1.19 times 2/L,
    and validation accuracy zig-zagging from step 3 to ``to_step``, between ``low`` and ``high``."""
    return findings(
        step_exceeds_limit=True,
        step_ratio=1.19,
        accuracy_zigzags=True,
        zigzag_from_step=3,
        zigzag_to_step=to_step,
        zigzag_low=low,
        zigzag_high=high,
    )


def test_past_the_steps_analysed_the_zig_zag_is_followed_in_the_log() -> None:
    """A student's reading: "(the last step analysed; it may go on)", where the loop's log shows it
    going on to step 61; a fall of one image is not counted (2,400 rows: 1/2400 a step)."""
    results = make_results()
    run = results.logreg[1]
    run.dynamics = zigzag_findings(40, 0.5, 0.8)
    rising = [0.5 + k / 2400 for k in range(100)]  # one more image right at each step
    for fall_at, words in ((61, "from step 60 to step 61, of 100"), (None, "never falls")):
        path = list(rising)
        if fall_at is not None:
            path[fall_at - 1] = (
                path[fall_at - 2] - 2 / 2400
            )  # two images fewer than the step before
        path[70] = path[69] - 1 / 2400  # one image fewer: not a fall that counts
        run.history["val_accuracy"] = path
        assert words in text(results, "q4_2")


def test_the_zig_zag_counts_the_turns_a_reader_sees_in_the_steps_it_names() -> None:
    """An instructor's count: "from step 3 to step 40 ... changes direction 33 times", where the
    38 values show 31; the two more were turns at steps 3 and 40, seen only from steps 2 and 41.
    The oracle counts as a reader does: flat steps dropped, then each change of sign."""
    results = make_results()
    run = results.logreg[1]
    images = np.random.default_rng(0).integers(1200, 1900, size=60)
    images[[6, 20, 21]] = images[[5, 19, 20]]  # flat steps, inside the window
    images[1:4] = images[38:41] = (1250, 1850, 1300)  # peaks at steps 3 and 40, its ends
    path = (images / 2400).tolist()
    seen = path[2:40]  # steps 3 to 40
    moves = [b - a for a, b in itertools.pairwise(seen) if b != a]
    expected = sum(a * b < 0 for a, b in itertools.pairwise(moves))
    run.history["val_accuracy"] = path
    run.dynamics = zigzag_findings(40, min(seen), max(seen))
    assert f"from step 3 to step 40, validation accuracy changes direction {expected} times," in (
        text(results, "q4_2")
    )


def test_the_zig_zag_names_its_largest_fall_and_where_accuracy_is_back() -> None:
    """A zig-zag 'while rising overall' hid a fall from 68.71 % to 51.42 %, near the start."""
    results = make_results()
    run = results.logreg[1]
    run.dynamics = zigzag_findings(6, 1234 / 2400, 1649 / 2400)
    run.history["val_accuracy"] = [1186 / 2400, 0.6, 1649 / 2400, 0.6, 1234 / 2400, 0.66, 0.7]
    said = text(results, "q4_2")
    assert (
        "Meanwhile, from step 3 to step 6, validation accuracy changes direction once, "
        "between 51.42% and 68.71%. From 68.71% at step 3 it zig-zags down to 51.42% at step 5 "
        "(it started from 50.00%), and first gets back to 68.71% or above at step 7 "
        "(70.00%)."
    ) in said
    run.dynamics = findings(
        **{
            **vars(run.dynamics),
            "loss_rises": True,
            "rise_from_step": 8,
            "rise_to_step": 14,
            "rise_from_loss": 0.629,
            "rise_to_loss": 0.675,
        }
    )
    assert (
        "For Pullover vs Coat the learning rate is 1.2 times 2/L (the learning rate below which "
        "the loss is sure to fall at every step): its training loss rises from 0.629 at step 8 to 0.675 at "
        "step 14, and its validation accuracy zig-zags, from 68.71% at step 3 down to 51.42% "
        "at step 5 (Q4.2)."
    ) in text(results, "q4_3")
    run.history["val_accuracy"] = run.history["val_accuracy"][:6]  # it never gets back
    assert "and is not back at 68.71% by step 6." in text(results, "q4_2")


def test_a_step_below_the_limit_is_not_said_to_overshoot() -> None:
    results = make_results()
    results.logreg[0].dynamics = findings(
        stable_step_limit=0.0808, step_ratio=0.62, lipschitz=24.7, step_exceeds_limit=False
    )
    said = text(results, "q4_1")
    assert "is 0.6 times that limit. The learning rate is safely small" in said
    assert "overshoot" not in said


def test_a_keras_run_that_ties_a_seed_falls_within_the_seeds_range() -> None:
    """Within the seeds' lowest and highest, and said so: "that spread" followed a mean ± sd,
    which a run 1 sd above the mean falls outside."""
    import numpy as np

    results = make_results()  # seeds' official test accuracies 0.89, 0.88 and 0.885 of 2,000
    for keras in (np.float32(0.89), np.float32(0.88)):  # float32, as Keras reports it
        results.network.official_test_accuracy = float(keras)
        said = text(results, "q5_1")
        assert "falls within the range of these seeds (88.00% to 89.00%)." in said


def _damage(results: dict, damage: str) -> None:
    net = results["network"]
    if damage == "no validation scores":
        results["comparison"]["network_correct"] = {}
    elif damage == "no steps to 95 %":
        results["logreg"][0]["steps_to_95"] = None  # the prose asserts it is there
    elif damage == "an accuracy above 1":
        results["logreg"][1]["val_accuracy"] = 1.5
    elif damage == "a curve below 0":
        net["history"]["val_accuracy"][0] = -0.25
    elif damage == "a negative time":
        results["timings"] = {"stages": {"data": -5.0}, "total": 1.0}
    elif damage == "the network's held-out score":
        net["heldout_accuracy"] = 0.9  # it trained on those rows
    elif damage == "more epochs than its cap":  # each of them logged: the history agrees
        net["epochs_max"] = net["epochs_run"]
        net["epochs_run"] += 1
        net["history"] = {name: [*curve, curve[-1]] for name, curve in net["history"].items()}
    elif damage == "an empty loss curve":  # the hostile review of stop 53: each of these was served
        net["history"] = {key: [] for key in net["history"]}
    elif damage == "curves of two lengths":
        results["logreg"][0]["history"]["val_loss"].pop()
    elif damage == "fewer epochs logged than run":  # the review of stop 54: these were served too
        net["epochs_run"] += 1
        net["epochs_max"] += 1
    elif damage == "a curve missing":
        del results["logreg"][1]["history"]["train_loss"]
    elif damage == "steps to 95 % past the last step":
        results["logreg"][0]["steps_to_95"] = results["logreg"][0]["steps"] + 1
    elif damage == "epochs to 99 % past the kept epoch":
        net["epochs_to_99"] = net["best_epoch"] + 1
    elif damage == "markup for a class":
        results["logreg"][0]["classes"][0] = "<script>alert(1)</script>"
    elif damage == "a pair of one class":
        results["comparison"]["classes"] = ["Coat", "Coat"]
    elif damage == "a mixing share above 1":
        results["logreg"][1]["mixing"] = 1.25
    elif damage == "no mixing share for a pair well mapped":
        results["logreg"][0]["mixing"] = None
    elif damage == "a first image of no class":
        results["data"]["first_image_class"] = "**Boot**"
    else:
        raise ValueError(damage)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("no validation scores", "'validation'"),
        ("no steps to 95 %", "(RuntimeError: the results lack the step that reaches 95%)"),
        ("an accuracy above 1", "results.logreg[1].val_accuracy is 1.5, not an accuracy in [0, 1]"),
        ("a curve below 0", "is -0.25, not an accuracy in [0, 1]"),
        ("a negative time", "results.timings.stages.data is -5.0, a negative time"),
        ("the network's held-out score", "results.network has a held-out score, but it trained"),
        ("more epochs than its cap", "results.network: best epoch "),
        ("an empty loss curve", "{'loss': 0, 'accuracy': 0, 'val_loss': 0, 'val_accuracy': 0}"),
        ("curves of two lengths", "results.logreg[0].history has curves of {"),
        ("fewer epochs logged than run", "not loss, accuracy, val_loss, val_accuracy of "),
        ("a curve missing", "not train_loss, train_accuracy, val_loss, val_accuracy of "),
        (
            "steps to 95 % past the last step",
            "results.logreg[0].steps_to_95: expected at most 100, got 101",
        ),
        (
            "epochs to 99 % past the kept epoch",
            "results.network.epochs_to_99: expected at most 2, got 3",
        ),
        ("markup for a class", "results.logreg[0].classes[0] is '<script>alert(1)</script>', not"),
        (
            "a pair of one class",
            "results.comparison.classes is ['Coat', 'Coat'], not two different",
        ),
        ("a mixing share above 1", "results.logreg[1].mixing is 1.25, not a share of the map"),
        ("no mixing share for a pair well mapped", "results.logreg[0].mixing is None for 2000"),
        (
            "a first image of no class",
            "results.data.first_image_class is '**Boot**', not a Fashion",
        ),
    ],
)
def test_a_cached_study_whose_parts_disagree_is_discarded(
    damage: str, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Typed right is not enough: a study whose parts disagree (its manifest rewritten to match)
    would crash the report, or print numbers no run measured, so the cache discards it rather than
    serve it."""
    from fashionlab import app
    from fashionlab.files import cache

    study = app.Study(make_results(), report_figures(make_results()), None, False)
    cache.store("study", "k" * 32, app._encode(study))
    served = cache.fetch("study", "k" * 32, app._decode)
    assert served is not None and to_json(served.results) == to_json(study.results)
    damaged = to_json(make_results())
    _damage(damaged, damage)
    from_json(Results, damaged)  # the types alone pass
    shutil.rmtree(cache.entry_path("study", "k" * 32))
    cache.store(
        "study", "k" * 32, {**app._encode(study), "results.json": json.dumps(damaged).encode()}
    )
    assert cache.fetch("study", "k" * 32, app._decode) is None
    assert not cache.entry_path("study", "k" * 32).exists()
    assert "discarding damaged cache entry" in caplog.text and said in caplog.text


def test_a_cached_study_at_the_edges_of_its_runs_is_served() -> None:
    """The last step and the kept epoch are steps and epochs the runs had: 95 % first reached at
    step 100 of 100, or at the epoch early stopping kept, is served (no recomputing for ever)."""
    from fashionlab import served

    results = to_json(make_results())
    results["logreg"][1]["steps_to_95"] = results["logreg"][1]["steps"]
    results["network"]["epochs_to_95"] = results["network"]["best_epoch"]
    served.check_raw(results)
    results["logreg"][1]["steps_to_99"] = 0  # and the first step is 1
    with pytest.raises(ValueError, match=r"steps_to_99: expected an integer >= 1, got 0"):
        served.check_raw(results)


def test_a_study_from_the_cache_says_how_this_runs_files_were_checked() -> None:
    """The study's key leaves out --no-verify (the files are the same either way), so a verified
    run served the entry of an unverified one said its files were "not checked"."""
    import numpy as np

    from fashionlab import app
    from fashionlab.config import Config
    from fashionlab.data.loaded import Data
    from fashionlab.files import cache
    from fashionlab.progress import LogProgress

    cached = make_results()
    cached.data.sources = {"train-images-idx3-ubyte.gz": "not checked"}
    arrays = [np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)] * 2
    checked = {
        "path": "/x/train-images-idx3-ubyte.gz",
        "source": "env",
        "verified": "archive sha256",
    }
    data = Data(*arrays, sources={"train-images-idx3-ubyte.gz": checked})
    config = Config()
    study = app.Study(cached, report_figures(cached), None, False)
    cache.store("study", app._study_key(config, data), app._encode(study))
    served = app.study(config, data, LogProgress())
    assert served.from_cache
    assert served.results.data.sources == {"train-images-idx3-ubyte.gz": "archive sha256"}


def report_figures(results: Results) -> dict[str, bytes]:
    """A stand-in file for each figure the report of ``results`` shows."""
    shown = [stem for section in report.build_sections(results) for stem, _ in section.figures]
    return {f"{stem}.svg": b"<svg/>" for stem in shown}


@pytest.mark.parametrize(
    "damage",
    [
        "a PNG that is not one",
        "a PNG signature and garbage",
        "a figure named ..",
        "one more figure",
        "one figure fewer",
        "a figure renamed",
    ],
)
def test_a_cached_study_whose_figures_are_not_the_reports_is_discarded(
    damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Figures rewritten with their hashes (the manifest rehashed to match): the cache discards
    the entry rather than crash on it or serve a report missing figures or holding others."""
    from fashionlab import app
    from fashionlab.files import cache

    figures = report_figures(make_results())
    first = next(iter(figures))
    if damage == "a PNG that is not one":
        figures[first.replace(".svg", ".png")] = figures.pop(first)
    elif damage == "a PNG signature and garbage":  # a hostile review: the page's writer failed
        figures.pop(first)
        figures[first.replace(".svg", ".png")] = b"\x89PNG\r\n\x1a\nGARBAGE"
    elif damage == "a figure named ..":
        figures[".."] = figures.pop(first)
    elif damage == "one more figure":
        figures["evil.svg"] = b"<svg/>"
    elif damage == "one figure fewer":
        del figures[first]
    else:
        figures["x" + first] = figures.pop(first)
    cache.store("study", "k" * 32, app._encode(app.Study(make_results(), figures, None, False)))
    assert cache.fetch("study", "k" * 32, app._decode) is None
    assert not cache.entry_path("study", "k" * 32).exists()
    assert "discarding damaged cache entry" in caplog.text and "figure" in caplog.text


def test_q5_1_says_how_every_model_fares_on_the_official_test_images() -> None:
    """Each model's official test score against its held-out score, with Fisher's exact test of
    the two independent sets of rows; the network whose validation rows chose its epoch untested."""
    results = make_results()  # held-out 82.29 % / 87.38 % against official 82.30 % / 87.40 %
    said = text(results, "q5_1")
    assert (
        "On the pair's official test images 2 of these 4 models score lower than on the rows "
        "split off from the training images. Logistic regression after 100 steps: held-out "
        f"82.29% against 82.30% (p = 1.000; held-out minus official test: "
        f"{independent_gap(1975 / 2400, 2400, 0.823, 2000)}). Logistic regression trained "
        "longer: held-out 87.38% against 87.40% (p = 1.000; held-out minus official test: "
        f"{independent_gap(0.87375, 2400, 0.874, 2000)}). The network on the same rows: held-out "
        "90.00% against 88.00% (p = 0.037; held-out minus official test: "
        f"{independent_gap(0.9, 2400, 0.88, 2000)}). The assignment's network: validation 91.00% "
        "against 89.00% (not tested: those rows chose its epoch)."
    ) in said
    assert "so their drops are one observation of those images, not several" in said
    hard = results.hard_pair
    hard.official_test_accuracy = 0.80
    assert hard.converged is not None
    hard.converged.official_test_accuracy = 0.854
    said = text(results, "q5_1")
    assert "On the pair's official test images every one of these models scores lower than" in said
    assert (
        "Logistic regression after 100 steps: held-out 82.29% against 80.00% (p = 0.057; held-out minus official test: +2.29 points, 95% interval "
        in said
    )


def test_the_mixing_share_is_defined_against_a_random_placement() -> None:
    """About 38 % of points are 'mixed' for two equal classes placed at random (more than half of
    10 neighbours of the other class): the report said 50 %."""
    said = text(make_results(), "q3")
    assert "0% would be two clean islands, and about 38% two equal classes placed at random" in said


def test_the_results_at_a_glance_say_which_weights_and_rows_each_column_scores() -> None:
    sections = report.build_sections(make_results())
    glance = next(s for s in sections if s.key == "results")
    assert glance.table is not None
    lead, note = glance.paragraphs
    assert "the validation column is what the assignment's loop logs at step 100, just " in lead
    assert 'Held-out: the assignment\'s 20% "test" split (X_test, 2,400).' in lead
    # the network's validation score is marked in the table and said to be optimistic (a review)
    network = glance.table.rows[-1]
    assert network[0].startswith("neural network") and network[2].endswith(" \u2020")
    assert note.startswith("\u2020 The validation rows also chose the network's stopping epoch")
    assert all("\u2020" not in cell for row in glance.table.rows[:-1] for cell in row)


def test_the_page_names_each_seed_for_what_it_seeds() -> None:
    """``--seed`` seeds the networks; t-SNE keeps the assignment's random_state (the review: the
    page said "5 (t-SNE, networks)" after ``run --seed 5``)."""
    from fashionlab.config import Config
    from fashionlab.render.meta import page_meta

    results = make_results()
    results.embedding.tsne_settings = {"random_state": 0}
    rows = dict(page_meta(Config(seed=5), results).rows)
    assert rows["seeds"] == (
        "networks and softmax regression's batches 5; t-SNE 0; "
        "the assignment's shuffle 42; the network over seeds 0, 1, 2, 3, 4"
    )


@pytest.mark.parametrize(
    ("kept", "said"),
    [
        (382, "here it kept the weights after 382 steps and stopped after 432"),
        (980, "here it kept the weights after 980 steps and ran on to the cap of 1,000"),
        (1000, "stopped at the cap of 1,000 steps"),
    ],
)
def test_the_longer_fit_is_said_to_stop_by_the_rule_it_stops_by(kept: int, said: str) -> None:
    """Q4.1 and Q4.2 said "its validation loss was lowest after 382 steps", where a later step
    was lower by less than the tolerance (the numbers review)."""
    from fashionlab.render.answers_longer import stopping

    converged = Converged(
        steps=kept,
        steps_run=min(kept + 50, 1000),
        max_steps=1000,
        patience=50,
        tol=1e-4,
        val_accuracy=0.8,
        heldout_accuracy=0.8,
        official_test_accuracy=0.8,
    )
    text = stopping(converged)
    assert said in text and "lowest" not in text
    if kept < 1000:
        assert "more than 0.0001 below its best so far" in text and "50 steps in a row" in text


def test_the_strong_weights_are_found_as_patches_that_touch_by_an_edge() -> None:
    """The page review: a weighted centre told nothing the maps show (a centre can fall between
    two strips). The patches of pixels at least half as strong as the strongest, by hand."""
    from fashionlab.analysis.learned import weight_summary

    weights = np.zeros((28, 28))
    weights[2:5, 3:6] = 1.0  # 9 pixels, the strongest
    weights[10, 10:13] = 0.5  # exactly half: strong
    weights[11, 13] = 0.6  # touches the row above only at a corner: a patch of its own
    weights[20:22, 0:2] = 0.4  # below half: weak, but in the total
    weights[27, 27] = -2.0  # the other way's only weight
    theta = np.concatenate([[7.0], weights.ravel()])[:, None]  # the bias first
    summary = weight_summary(("Trouser", "Ankle boot"), theta)
    total = 9 + 1.5 + 0.6 + 1.6
    assert [(p.rows, p.columns) for p in summary.positive_patches] == [
        ([2, 4], [3, 5]),
        ([10, 10], [10, 12]),
        ([11, 11], [13, 13]),
    ]
    shares = [p.share for p in summary.positive_patches]
    assert shares == pytest.approx([9 / total, 1.5 / total, 0.6 / total])
    assert [(p.rows, p.columns, p.share, p.peak) for p in summary.negative_patches] == [
        ([27, 27], [27, 27], 1.0, 2.0)
    ]
    assert [p.peak for p in summary.positive_patches] == [1.0, 0.5, 0.6]
    assert (summary.strongest_weight, summary.strongest_at) == (-2.0, [27, 27])
    assert weight_summary(("a", "b"), np.ones((785, 1))).negative_patches == []  # none that way


def test_the_learned_section_says_where_the_strong_weights_are() -> None:
    from fashionlab.render.sections_extras import _patches
    from fashionlab.results.weight_map import Patch

    two = [
        Patch([12, 21], [19, 20], 0.1226, 0.076),
        Patch([12, 20], [7, 8], 0.0955, 0.071),
        Patch([0, 0], [12, 15], 0.06, 0.107),
    ]
    assert _patches(two, "red", "Coat", +1) == (
        "Red pixels push towards Coat. Those with at least half the strongest red weight "
        "(+0.107) form 3 patches of pixels side by side; the largest two lie within rows 12–21 "
        "and columns 19–20 and within rows 12–20 and columns 7–8, and hold 12% and 10% of all "
        "the red weight. The strongest red weight lies in another, within row 0 and columns "
        "12–15, with 6%."  # the final instructor's reading: the cut's own patch was unnamed
    )
    one = [Patch([5, 23], [19, 26], 0.60, 0.088), Patch([0, 0], [13, 13], 0.071, 0.05)]
    assert _patches(one, "blue", "Trouser", -1) == (
        "Blue pixels push towards Trouser. Those with at least half the strongest blue weight "
        "(-0.088) form 2 patches of pixels side by side; the largest lies within rows 5–23 and "
        "columns 19–26, and holds 60% of all the blue weight."
    )
    alone = _patches([Patch([0, 0], [4, 4], 1.0, 0.2)], "blue", "Trouser", -1)
    assert (
        "form 1 patch of pixels side by side; the largest lies within row 0 and column 4" in alone
    )
    assert _patches([], "blue", "Trouser", -1) == "No weight pushes towards Trouser."


def test_two_like_cells_of_the_fair_network_are_said_to_be_a_coincidence() -> None:
    """90.13% on the validation and on the held-out rows looked like a copied number to the page
    review: both were 2,163 of 2,400, on different images."""
    results = make_results()
    said = "gets 2,160 of 2,400 right on the validation rows and on the held-out rows alike"

    def q4_3(results) -> str:
        return " ".join(
            next(s for s in report.build_sections(results) if s.key == "q4_3").paragraphs
        )

    assert said in q4_3(results)
    results.comparison.fair_network_heldout_accuracy = 2159 / 2400
    assert "alike" not in q4_3(results)


def test_the_three_official_against_held_out_tests_are_also_judged_together() -> None:
    """Q5.1 gave three Fisher p-values, one of them 0.012, with no word that three were tested
    (the notebook review); Holm's method is checked against scipy's p-values here."""
    import re

    from scipy.stats import fisher_exact

    results = make_results()
    results.comparison.fair_network_official_test_accuracy = 0.86  # p far below 0.05 / 3 alone
    hard, compared = results.hard_pair, results.comparison
    assert hard.converged is not None
    pairs = [
        (hard.heldout_accuracy, hard.official_test_accuracy),
        (hard.converged.heldout_accuracy, hard.converged.official_test_accuracy),
        (compared.fair_network_heldout_accuracy, compared.fair_network_official_test_accuracy),
    ]
    ps = []
    for held, test in pairs:
        a, b = round(held * hard.n_heldout), round(test * hard.n_official_test)
        table = [[a, hard.n_heldout - a], [b, hard.n_official_test - b]]
        ps.append(fisher_exact(table).pvalue)
    kept = sum(holm_rejected(ps))
    assert kept == 1  # the network's gap, alone
    text = " ".join(next(s for s in report.build_sections(results) if s.key == "q5_1").paragraphs)
    said = re.search(r"held together to a family-wise 5% with Holm's method, (\d) of these 3", text)
    assert said is not None and int(said.group(1)) == kept


@pytest.mark.parametrize(
    ("ps", "alone", "kept"),
    [
        ((1e-20, 1e-8, 4e-8, 2e-8), "4 are", "all of them stay"),  # the study's, roughly
        ((0.001, 0.02, 0.03, 0.2), "3 are", "1 of them stays"),  # 0.02 > 0.05 / 3: Holm stops
        ((0.02, 0.3, 0.4, 0.5), "1 is", "0 of them stay"),  # 0.02 > 0.05 / 4
        ((0.1, 0.3, 0.4, 0.5), "none is", "0 of them stay"),
    ],
)
def test_q5_1_holds_the_answers_mcnemar_tests_together(ps, alone, kept) -> None:
    """The statistics review: four McNemar tests between models of the pair, in Q4.2 and Q5.1,
    were each reported alone with no word on what they make as a family. (An instructor's review:
    "the network" named two, the assignment's and the one trained on logistic regression's rows.)"""
    results = make_results()
    compared = results.comparison
    tests = ("official_test", "heldout_test", "converged_test", "longer_test")
    for name, p in zip(tests, ps, strict=True):
        setattr(compared, name, dataclasses.replace(getattr(compared, name), p_value=p))
    held = sum(holm_rejected(ps))
    assert kept.split()[0] == ("all" if held == 4 else str(held))
    assert alone.split()[0] == {0: "none"}.get(
        sum(p < 0.05 for p in ps), str(sum(p < 0.05 for p in ps))
    )
    said = text(results, "q5_1")
    assert (
        "The answers make 4 McNemar tests between models of this pair: the assignment's network "
        "against 100-step logistic regression on the official test rows (above); the network "
        "trained on logistic regression's rows against 100-step logistic regression and against "
        "logistic regression trained longer, both on the held-out rows (above); and in Q4.2 "
        f"logistic regression trained longer against 100 steps. Of these, {alone} significant taken alone; "
        f"held together to a family-wise 5% with Holm's method, {kept} significant."
    ) in said, said


@pytest.mark.parametrize("shared", [True, False])
def test_the_pairs_times_are_said_to_measure_the_load_when_workers_shared_the_cores(shared) -> None:
    """The statistician's review: 1.57 s and 4.24 s for the same amount of work read as a property
    of the pairs; on cores shared with Dask workers the gap is the load."""
    results = make_results()
    names = [f"logreg {pair_name(run.classes)}" for run in results.logreg]
    results.timings = {
        "models": dict(zip(names, [1.57, 4.24], strict=True)),
        "shared_cores": shared,
    }
    said = text(results, "q4_2")
    assert "the 100 steps took 4.24 s" in said
    assert ("so a gap between their times comes from the machine" in said) is shared
    results.logreg[0].steps = 50  # not the same work: nothing is said of the gap
    assert "so a gap between their times" not in text(results, "q4_2")


def test_q5_1s_table_of_networks_leaves_out_the_atlas_where_there_is_none() -> None:
    results = make_results()  # no extras
    section = next(s for s in report.build_sections(results) if s.key == "q5_1")
    assert section.table is not None
    assert [row[0] for row in section.table.rows] == [
        "Q5.1's network (the assignment's, 9,600 rows)",
        "the same on logistic regression's 7,200 rows (Q4.3)",
        "the same settings over 3 seeds (9,600 rows)",
    ]
    assert section.table.rows[2][2] == "90.50% ± 0.50 points \u2020"  # 0.91, 0.9, 0.905
    assert "Every network this report trains on Pullover vs Coat" in section.paragraphs[-2]
    assert section.paragraphs[-1].startswith("\u2020 Early stopping chose each marked model's")


@pytest.mark.parametrize(
    "seed, chosen_on, epochs, chosen",
    [
        (0, ("Pullover", "Coat"), 60, True),
        (5, ("Pullover", "Coat"), 60, False),
        (0, ("Shirt", "Coat"), 60, False),
        (0, ("Pullover", "Coat"), 20, False),  # `run --epochs 20`: not the settings chosen
    ],
)
def test_the_settings_choice_is_said_only_of_the_run_it_was_made_on(
    seed, chosen_on, epochs, chosen, monkeypatch
) -> None:
    """The commits' review: "chosen ... at seed 0, which favours a run that also scores high" was
    said of any run, whatever its seed or pair (here: settings chosen on another pair)."""
    from fashionlab.render import answers_network

    monkeypatch.setattr(answers_network, "NN_SETTINGS_PAIR", chosen_on)
    results = make_results()  # the network on Pullover vs Coat
    results.network.official_test_accuracy = 0.8990  # above every seed
    results.network.seed, results.network.epochs_max = seed, epochs
    said = text(results, "q5_1")
    assert ("settings were chosen for their validation accuracy at this seed" in said) is chosen
    on_pair = "among 15 settings tried on this pair at seed 0, its settings (docs/network.md)"
    assert (on_pair in said) is (chosen_on == ("Pullover", "Coat") and epochs == 60)
    q5_1 = next(s for s in report.build_sections(results) if s.key == "q5_1")
    caption = dict(q5_1.figures)["nn_seeds"]  # the figure's caption follows the same rule
    assert ("Q5.1's settings" in caption) is (on_pair in said)


def test_the_network_curves_captions_name_the_restored_epoch() -> None:
    """A student's reading: "The network's accuracy per epoch." said nothing of what to look at."""
    results = make_results()
    q5_1 = next(s for s in report.build_sections(results) if s.key == "q5_1")
    captions = dict(q5_1.figures)
    for name in ("nn_loss", "nn_accuracy"):
        assert (
            f"the dotted line marks the restored epoch, {results.network.best_epoch}, the one "
            "with the lowest validation loss."
        ) in captions[name]


@pytest.mark.parametrize("falling", [True, False])
def test_how_long_says_where_the_loss_was_still_falling_and_where_longer_training_stopped(
    falling: bool,
) -> None:
    """An instructor's review: "stayed at 99% of its final value from step 73" read as if
    training had finished, where the validation loss was still falling at step 100."""
    results = make_results()
    run = results.logreg[1]
    start = 0.5
    run.history["val_loss"] = [start - (0.001 * k if falling else 0.0) for k in range(100)]
    said = text(results, "q4_2")
    sentence = (
        "That final value is the last step's, not a converged one: the validation loss was still "
        f"falling (0.4110 at step 90, 0.4010 at step 100), and trained longer the model kept its "
        f"weights after {run.converged.steps} steps (see Why)."
    )
    assert (sentence in said) is falling, said


def test_q5_1_describes_the_validation_rows_without_a_test_of_them() -> None:
    """An instructor's review: McNemar's test on the rows that chose the network's epoch and
    settings called it "significantly better" there; only the official test rows are tested."""
    said = text(make_results(), "q5_1")
    sentences = said.split(". ")
    at = next(i for i, s in enumerate(sentences) if "validation rows," in s)
    validation = ". ".join(sentences[at : at + 2])  # the counts, then why they are not tested
    assert "McNemar" not in validation and "significantly" not in validation, validation
    assert "no test is made on them" in validation
    official = next(s for s in said.split(". ") if "official test rows," in s)
    assert "McNemar's exact test" in official, official


def test_a_gap_under_the_overfitting_mark_but_beyond_chance_is_not_called_no_sign() -> None:
    """A review of the Fisher's test wording: 85.00% of 7,200 training rows against 83.04% of
    2,400 validation rows is a gap under 2 points, yet p = 0.023: "no sign of overfitting" would
    contradict the p-value printed beside it. Its interval reaches +3.7 points, past the 2 the
    glossary calls overfitting, which the sentence says (the commits' review). With ten times the
    rows, 84.24% against 83.04% is beyond chance too, and its interval (+0.7 to +1.7) is "a small
    gap"."""
    results = make_results()
    run = results.logreg[1]
    for right, n, said_of_it in (
        (
            (6120, 1993),
            (7200, 2400),
            "a gap beyond chance, which these rows cannot rule out reaching 3.7 points",
        ),
        ((60653, 19930), (72000, 24000), "a small gap, but more than chance"),
    ):
        run.n_train, run.n_val = n
        run.train_accuracy, run.val_accuracy = right[0] / n[0], right[1] / n[1]
        said = text(results, "q4_2")
        p = stats.fisher_exact([[right[0], n[0] - right[0]], [right[1], n[1] - right[1]]]).pvalue
        assert p < 0.05
        high = independent_difference(right[0], n[0], right[1], n[1])[2]
        assert (high >= 0.02) is ("beyond" in said_of_it)
        difference = independent_gap(run.train_accuracy, n[0], run.val_accuracy, n[1])
        assert (
            f"(83.04%; Fisher's exact test, {'p < 0.001' if p < 0.001 else f'p = {p:.3f}'}; "
            f"training minus validation: {difference}): {said_of_it}; with so few of its own rows "
            "right it mainly underfits"
        ) in said, said
        assert "overfitting" not in said.split("Why:")[1].split(". ")[0]  # nor "no evidence of"


def test_a_gap_whose_whole_interval_is_under_the_overfitting_mark_is_called_too_small() -> None:
    """The statistics review: "no sign of overfitting" beside p = 0.398 read a test that could not
    tell as proof of none, though its interval reached +2.6 points, past the glossary's 2 (the
    study's case, in the test above). With ten times the rows and a gap of 0.014 points, the whole
    interval is under 2 points, and only then is the gap called too small."""
    results = make_results()
    run = results.logreg[1]
    right, n = (59800, 19930), (72000, 24000)
    run.n_train, run.n_val = n
    run.train_accuracy, run.val_accuracy = right[0] / n[0], right[1] / n[1]
    table = [[right[0], n[0] - right[0]], [right[1], n[1] - right[1]]]
    assert stats.fisher_exact(table).pvalue > 0.05  # the branch that found no difference
    assert independent_difference(right[0], n[0], right[1], n[1])[2] < answers_short.OVERFIT_GAP
    gap = independent_gap(run.train_accuracy, n[0], run.val_accuracy, n[1])
    said = text(results, "q4_2")
    assert f"training minus validation: {gap}): too small a gap for overfitting, and" in said, said


def test_seeds_that_agree_exactly_leave_the_normals_quantile() -> None:
    """The review of this change: Q5.1 names the degrees of freedom behind its t; where the seeds
    agree exactly they are infinitely many, and the quantile is the normal's."""
    results = make_results()
    results.comparison.seed_official_test_accuracies = [0.885, 0.885, 0.885]
    said = text(results, "q5_1")
    assert "times the normal's 1.96 (the seeds agree exactly))." in said
    assert "degrees of freedom" not in said


def test_the_seeds_correlation_carries_its_interval() -> None:
    """A review: r = 0.91 from 5 seeds was given as "a rough figure"; its Fisher's z interval
    (scipy's) says how rough."""
    results = make_results()
    results.network.official_test_accuracy = 0.8990
    compared = results.comparison
    compared.seeds = [0, 1, 2, 3, 4]
    compared.seed_val_accuracies = [0.905, 0.899, 0.911, 0.902, 0.909]
    compared.seed_official_test_accuracies = [0.8835, 0.883, 0.8895, 0.8855, 0.8845]
    ci = stats.pearsonr(compared.seed_val_accuracies, compared.seed_official_test_accuracies)
    low, high = ci.confidence_interval(0.95)
    said = text(results, "q5_1")
    assert (
        f"over fashionlab's 5 seeds, validation and official test accuracy correlate at "
        f"r = {ci.statistic:.2f}; 95% interval {low:.2f} to "
        f"{high:.2f} by Fisher's z, rough with so few points)"
    ) in said


def test_a_class_never_predicted_has_no_precision_in_the_ten_class_table() -> None:
    """The commits' review: a short run that never predicts a class has an empty column in its
    confusion matrix, and the table's interval on 0 images raised, so no report was written."""
    from types import SimpleNamespace

    from fashionlab.render.sections_extras import ten_classes_section

    confusion = np.full((10, 10), 2)
    confusion[:, 3] = 0  # never called Dress
    confusion[3, 4] += 2  # Dress's images called Coat instead
    confusion[5] = 0  # and no Sandal among the test images (a tiny dataset's)
    diagonal = np.diag(confusion)
    ten = SimpleNamespace(
        n_official_test=int(confusion.sum()),
        epochs=3,
        batch_size=128,
        learning_rate=0.2,
        official_test_accuracy=diagonal.sum() / confusion.sum(),
        published={"sklearn_logistic_regression": 0.842, "sklearn_mlp_100": 0.871},
        network_settings=TrainingSettings(
            learning_rate=0.001, batch_size=128, epochs=30, patience=3, validation_split=0.1
        ),
        network_epochs=5,
        network_official_test_accuracy=0.5,
        precision=list(
            np.where(confusion.sum(0) > 0, diagonal / np.maximum(confusion.sum(0), 1), 0)
        ),
        recall=list(np.where(confusion.sum(1) > 0, diagonal / np.maximum(confusion.sum(1), 1), 0)),
        confusion=confusion.tolist(),
    )
    section = ten_classes_section(SimpleNamespace(extras=SimpleNamespace(ten_classes=ten)))
    rows = {row[0]: row[1:] for row in section.table.rows}
    low, high = wilson_interval(0, 20)  # Dress: none of its 20 images called Dress
    assert rows["Dress"] == ["- (never predicted)", f"0.00% ({percent(low, 1)}–{percent(high, 1)})"]
    low, high = wilson_interval(2, 20)  # Coat: 2 of the 20 images called Coat are Coats
    assert rows["Coat"][0] == f"10.00% ({percent(low, 1)}–{percent(high, 1)})"
    low, high = wilson_interval(0, 18)  # called Sandal: 18 images, none of them a Sandal
    assert rows["Sandal"] == [f"0.00% ({percent(low, 1)}–{percent(high, 1)})", "- (no images)"]


@pytest.mark.parametrize(
    "field, what",
    [("converged", "the fit to convergence"), ("heldout_accuracy", "the held-out accuracy")],
)
def test_a_result_the_answers_rely_on_is_never_written_as_none(field: str, what: str) -> None:
    results = make_results()
    for run in results.logreg:
        setattr(run, field, None)
    with pytest.raises(RuntimeError, match=f"^the results lack {what}$"):
        answers.compose(results)
