"""What the first steps of gradient descent did on a pair, as ``results.json`` records it.

``analysis.dynamics`` measures the steps, ``analysis.findings`` turns the measurements into these
facts, and ``render.answers_dynamics`` words them (Q4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Findings:
    """The measurements as facts a report can turn into sentences; steps are numbered from 1.

    Thresholds (``MIN_ALTERNATIONS``, ``MEAN_IMAGE_COSINE``, ``ZIGZAG_GAP``) are
    ``analysis.dynamics``'s; ``analysis.findings.summarise`` decides each field.
    """

    step_exceeds_limit: bool  # learning_rate > 2 / L
    step_ratio: float
    loss_rises: bool
    rise_from_step: int | None  # the step before the largest climb of the training loss
    rise_to_step: int | None  # the step at its top
    rise_from_loss: float | None
    rise_to_loss: float | None
    oscillates_along_top_direction: bool  # >= MIN_ALTERNATIONS sign changes in a row
    alternating_steps: int  # the longest run of consecutive sign changes along v
    oscillation_period: float | None  # in steps; 2.0 is a sign change at every step
    oscillation_grows: bool  # the overshoot along v gets larger before it dies down
    oscillation_peak_step: int | None  # the step with the largest |top_update|
    first_amplification: float  # |top_update| at step 2 over step 1: the measured |1 - lr kappa|
    predicted_amplification: float  # |1 - learning_rate * L|: what a quadratic of curvature L gives
    # the first step whose Hessian top eigenvalue is below 2 / learning_rate: stable from there
    curvature_below_limit_step: int | None
    top_direction_is_mean_image: bool  # cosine_mean_image_top > MEAN_IMAGE_COSINE
    top_direction_cosine: float  # of the mean training image and the top direction's pixels
    # the validation accuracy turns (up-down or down-up) at >= MIN_ALTERNATIONS steps, each within
    # ZIGZAG_GAP steps of the last
    accuracy_zigzags: bool
    zigzag_from_step: int | None  # the step before the first turn, and the last turn
    zigzag_to_step: int | None
    zigzag_low: float | None  # the lowest and highest validation accuracy from one to the other
    zigzag_high: float | None
    largest_accuracy_drop: float  # the largest one-step fall of the validation accuracy (0 if none)
    # the largest one-step change in the share of rows predicted as label 1, from step 2 on (at
    # step 1 every probability is 0.5, which the tie rule predicts as label 1), and the step it
    # ends at
    prediction_swing: float
    prediction_swing_step: int | None
    lambda_max: float  # the largest eigenvalue of X^T X
    lipschitz: float  # L = lambda_max / (4n): the curvature at the start, and its bound
    stable_step_limit: float  # 2 / L: below it the loss is sure to fall at every step
    # |mean training row|^2 (1 for the bias, then the mean pixels'): L >= this / 4, for the mean
    # row's direction bends the loss at least that much; it depends on the images, not the labels
    mean_row_norm_squared: float
