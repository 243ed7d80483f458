"""The terms the report defines once and uses under the same names everywhere."""

from __future__ import annotations

import html
import re

from ..analysis.embedding import PERPLEXITY
from ..config import (
    ATLAS_STEPS_TO_CONVERGE,
    CONVERGENCE_MAX_STEPS,
    CONVERGENCE_PATIENCE,
    CONVERGENCE_TOL,
    PCA_COMPONENTS,
)
from .answers_short import OVERFIT_GAP

GLOSSARY = [
    (
        "validation accuracy (val_accuracy)",
        "the share correct on the assignment's validation rows: the last 20 % of the shuffled pair "
        "(2,400 images). The network's early stopping chose its epoch on these rows, and on Pullover "
        "vs Coat the network's settings were chosen on them too (fashionlab's docs/network.md). "
        "For logistic regression it is the value the assignment's loop logs at its last step, "
        "which scores the weights before that step's update; its held-out and official test "
        "scores use the final weights.",
    ),
    (
        "held-out accuracy (heldout_accuracy)",
        'the share correct on the assignment\'s 20 % "test" split (2,400 images), which logistic '
        "regression never trains on. The assignment's network does train on it (validation_split=0.2 "
        "keeps only the last 20 % apart), so it has no held-out score.",
    ),
    (
        "official test accuracy (official_test_accuracy)",
        "the share correct on Fashion-MNIST's own test images: 2,000 of a pair's two classes, "
        "10,000 of all ten, which no model here trains on and no setting of this version is chosen "
        "by. They are not wholly unseen, though: fashionlab's docs/ list their scores beside the "
        "validation scores that chose the settings, and an earlier version chose softmax "
        "regression's settings on all 10,000 test images.",
    ),
    (
        "step k",
        "the assignment's loop logs its losses and accuracies at step k before the k-th update, so "
        'step k scores the weights after k - 1 updates: step 1 is all weights at zero, "95% of '
        'its final value at step 2" is after one update, and step 100 is after 99 (the final '
        "weights are after 100). Step k's update, the k-th, starts from the weights step k scores.",
    ),
    (
        'logistic regression trained longer ("converged" in results.json)',
        "the same model trained again from zero weights, for longer and by a faster method: "
        "Nesterov-accelerated gradient descent with learning rate 1/L (L the loss's curvature "
        "bound), for at "
        f"most {CONVERGENCE_MAX_STEPS:,} steps ({ATLAS_STEPS_TO_CONVERGE} in the atlas). It keeps the "
        "weights of the last step that brought the validation loss more than "
        f"{CONVERGENCE_TOL:g} below its best so far, and stops once "
        f"{CONVERGENCE_PATIENCE} steps in a row bring no such fall (Keras's EarlyStopping rule with "
        "min_delta; early stopping, not a proof of convergence). Those rows "
        "choose its stopping point, so its validation score is slightly optimistic; its held-out "
        "score is not.",
    ),
    (
        "95% interval",
        "(95% CI in the tables) the Wilson score interval of an accuracy: the values of the model's true accuracy (on all "
        "images like these) that are consistent with the count measured, for a model fixed before "
        "it was scored. It is centred too high for a score on the rows that chose something about "
        "the model (the stopping epoch of the networks, Q5.1's, Q4.3's and the atlas's, and of "
        "longer-trained logistic regression; the settings of Q5.1's network; the best cell of the "
        "learning-rate grid). The interval of a difference of two accuracies, in points, is "
        "Agresti and Min's where both models are scored on the same images, and Newcombe's "
        "(built from the two Wilson intervals) where the images are independent; a test beside "
        "it judges whether the gap could be chance. The two are different methods and can "
        "disagree at the edge: a few images apart, an exact test's p just above 0.05 can sit "
        "beside an interval whose lower end is just above 0.",
    ),
    (
        "tests and p-values",
        "every test in this report is two-sided and exact: McNemar's test for two models scored on "
        "the same images (it counts the images only one of them gets right), Fisher's test for "
        "accuracies measured on different images (for training against validation rows, it and "
        "Newcombe's interval are a rough guide: the model was fitted to the first). A p-value is "
        "the chance, were the two accuracies truly equal, of a gap at least as large as the one "
        "measured: a small p says the gap is unlikely to be chance alone; a large one says these "
        'images cannot tell the two apart, not that they are equal. "Significant" means p < 0.05 '
        "for that one test; where many are counted together, the text says whether they are "
        "adjusted for their number (Holm's method).",
    ),
    (
        "Holm's method",
        "a way to judge many tests together: the p-values are taken from the smallest up, the k-th "
        "smallest of m against 0.05 / (m - k + 1), stopping at the first that fails, so that the "
        "chance of calling any of them significant by luck alone (the family-wise error rate) "
        "stays at 5% or less.",
    ),
    (
        "prediction interval (over seeds)",
        "where one more training run with a new seed would score, judged from the runs made: the "
        "seeds' mean plus or minus the 97.5% point of Student's t with k - 1 degrees of freedom "
        "times their sd times the square root of 1 + 1/k, for k seeds. It assumes their scores "
        "spread roughly normally, and it covers what changes with the seed (initial weights, "
        "batch order), not the sampling of the images.",
    ),
    (
        "early stopping and patience",
        'training stops once the validation loss has not improved for "patience" epochs (or '
        "steps) in a row, and the weights of the best epoch are kept: the validation rows choose "
        "where training ends.",
    ),
    (
        "binary cross-entropy",
        "the loss logistic regression and the two-class networks minimise (eq. 8): the mean of -log "
        "of the probability the model gives each image's true class, so a confident wrong answer "
        "costs much and a confident right one almost nothing.",
    ),
    (
        "linearly separable",
        "two classes are linearly separable when one flat boundary puts every image of one on "
        "its one side and every image of the other on the other: a hyperplane, in the "
        "784-dimensional pixel space the points where a weighted sum of the pixels equals a "
        "constant. Logistic regression can only draw such a boundary; a network's hidden layer "
        "lets its boundary bend.",
    ),
    (
        "curvature bound L (Hessian, λmax)",
        "how sharply the loss can bend. The Hessian is the matrix of the loss's second derivatives "
        "and its top eigenvalue the sharpest bend; for this loss it is at most L = λmax(XᵀX)/(4n), "
        "with λmax the top eigenvalue of XᵀX. Gradient descent lowers the loss at every step for a "
        "learning rate below 2/L; above it, a step can overshoot.",
    ),
    (
        "eigenvalue",
        "how much a matrix stretches one of its own directions (an eigenvector); the largest, "
        "λmax, is the most it stretches any direction.",
    ),
    (
        "Nesterov-accelerated gradient descent",
        "gradient descent with momentum (each step keeps part of the one before) that measures the "
        "gradient at the point the momentum is about to carry the weights to.",
    ),
    (
        "epoch and batch size",
        "a network trains on its training rows in batches of batch-size rows, one update of its "
        "weights per batch; an epoch is one pass over all the rows.",
    ),
    (
        "relu and adam",
        "the network's settings as Keras names them: relu, its hidden layer's activation, passes "
        "positive values and turns negative ones into 0; adam, its optimizer, is gradient descent "
        "that scales each weight's step by running averages of that weight's gradients and of "
        "their squares.",
    ),
    (
        "precision and recall",
        "for one class: precision is the share of the images a model calls that class that truly "
        "are; recall is the share of the class's images that it calls so.",
    ),
    (
        "PCA (principal components)",
        "principal component analysis: the directions in which the standardised images vary "
        f"most, in order. Keeping the first {PCA_COMPONENTS} keeps the share of the pixels' total variance that "
        "they carry (the kept variance) and drops the directions of least variance, before t-SNE.",
    ),
    (
        "t-SNE",
        "t-distributed stochastic neighbour embedding: a map that places each image as a point in "
        f"two dimensions so that images close in its input (here {PCA_COMPONENTS} PCA components) "
        "stay close on the map. It keeps which points are neighbours; the distances between "
        "far-apart clusters, and the clusters' sizes, mean little.",
    ),
    (
        "early exaggeration (t-SNE)",
        "t-SNE's first iterations pull similar points together more strongly than the rest of the "
        "run does (openTSNE's default factor), so that clusters form before the map is refined.",
    ),
    (
        "degrees of freedom",
        "Student's t with k - 1 degrees of freedom describes the mean of k values whose spread is "
        "itself estimated from them: wider than the normal for few values, the same for many.",
    ),
    (
        "sample sd",
        "the spread of a few values (the seeds' accuracies): the square root of the sum of their "
        "squared distances from their mean, divided by one fewer than their count.",
    ),
    (
        "Welch–Satterthwaite degrees of freedom",
        "two independent uncertainties are combined by adding their variances; when one of them is "
        "estimated from few values (the seeds' spread), Welch and Satterthwaite's formula gives the "
        "sum's degrees of freedom for Student's t: between that part's own (k - 1) and the "
        "normal's, nearer the normal's the more the other, known part dominates.",
    ),
    (
        "underfitting and overfitting",
        "a model underfits when it gets many of its own training rows wrong: it is too simple for "
        "the data, or not yet trained enough. It overfits when it scores clearly better on its "
        f"training rows than on rows it never trained on (here, {100 * OVERFIT_GAP:g} points or "
        "more of accuracy), or when its training loss goes on falling while its loss on such rows "
        "no longer does.",
    ),
    (
        "perplexity (t-SNE)",
        "roughly how many close neighbours t-SNE keeps together around each point; the map uses "
        f"{PERPLEXITY:g}.",
    ),
    (
        "standard error",
        "how far an estimate would typically move if the measurement were repeated on new images: "
        "for an accuracy p measured on n images, about √(p(1 - p)/n).",
    ),
    (
        "correlation r",
        "how closely two quantities rise and fall together: from -1 (one rises as the other falls) "
        "through 0 (no linear relation) to 1 (in step). Its 95% interval comes from Fisher's z "
        "transformation of r (a different thing from Fisher's exact test).",
    ),
    (
        "percentage points (points)",
        "how far apart two accuracies are in percent: for example, 90% against 80% is 10 "
        "points, where a relative difference would say 12.5% more.",
    ),
    (
        "k-fold cross-validation",
        "the points cut into k parts, each scored by a model fitted on the other k - 1, so that "
        "every point is scored once by a model that did not see it.",
    ),
    (
        "Dask",
        "the library that runs fashionlab's many independent tasks (the atlas, the network over "
        "seeds, the learning-rate grid) on several processes, or machines; each such process is "
        "a worker.",
    ),
]


# The words the report's prose uses for each term: the page links the first of them in each
# section to the term's entry (a student's reading asked for the way from a word to its meaning)
SAID_AS = {
    "validation accuracy (val_accuracy)": ("validation accuracy",),
    "held-out accuracy (heldout_accuracy)": ("held-out accuracy",),
    "official test accuracy (official_test_accuracy)": ("official test accuracy",),
    'logistic regression trained longer ("converged" in results.json)': (
        "logistic regression trained longer",
    ),
    "95% interval": ("95% interval",),
    "tests and p-values": ("McNemar's exact test", "Fisher's exact test", "p-value"),
    "Holm's method": ("Holm's method", "family-wise"),
    "prediction interval (over seeds)": ("prediction interval",),
    "early stopping and patience": ("early stopping",),
    "binary cross-entropy": ("binary cross-entropy",),
    "linearly separable": ("linearly separable",),
    "curvature bound L (Hessian, λmax)": ("curvature bound", "Hessian"),
    "eigenvalue": ("eigenvalue",),
    "Nesterov-accelerated gradient descent": ("Nesterov-accelerated",),
    "epoch and batch size": ("epoch", "batch size"),
    "relu and adam": ("relu", "adam"),
    "precision and recall": ("precision", "recall"),
    "PCA (principal components)": ("PCA",),
    "t-SNE": ("t-SNE",),
    "early exaggeration (t-SNE)": ("early exaggeration",),
    "degrees of freedom": ("degrees of freedom",),
    "sample sd": ("sample sd",),
    "Welch–Satterthwaite degrees of freedom": ("Welch–Satterthwaite",),
    "underfitting and overfitting": ("underfits", "overfitting"),
    "perplexity (t-SNE)": ("perplexity",),
    "standard error": ("standard error",),
    "correlation r": ("correlation",),
    "percentage points (points)": ("percentage points",),
    "k-fold cross-validation": ("cross-validation",),
    "Dask": ("Dask",),
}


def term_anchor(term: str) -> str:
    """The id of a term's entry: ``term-`` and its words before any bracket, in lower case, joined
    by hyphens (``term-validation-accuracy``)."""
    return "term-" + re.sub(r"[^a-z0-9]+", "-", term.split(" (")[0].lower()).strip("-")


def glossary_links() -> dict[str, str]:
    """Each phrase the prose uses for a term, with the id of the term's entry."""
    return {phrase: term_anchor(term) for term, phrases in SAID_AS.items() for phrase in phrases}


def glossary_html() -> str:
    """The terms as a definition list, each term in bold above its meaning, with its id."""
    items = "".join(
        f'<dt id="{term_anchor(term)}">{html.escape(term)}</dt><dd>{html.escape(text)}</dd>'
        for term, text in GLOSSARY
    )
    return f'<dl class="terms">{items}</dl>'


def glossary_paragraphs() -> list[str]:
    """The terms as Markdown paragraphs that start with the term in bold (fashionlab's own text:
    no character in it is Markdown syntax)."""
    return [f"**{term}**: {text}" for term, text in GLOSSARY]


def glossary_markdown() -> str:
    return "\n\n".join(glossary_paragraphs())
