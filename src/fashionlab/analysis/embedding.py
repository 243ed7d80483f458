"""Standardise, PCA to 50 components, and a 2-D t-SNE map, each cached on disk.

The t-SNE follows the assignment (perplexity 30, learning rate 200, random_state 0) in openTSNE's
units: openTSNE dropped the factor 4 that scikit-learn keeps in the gradient, so scikit-learn's
learning rate 200 is openTSNE's 800 (openTSNE's own "auto" rate for 10,000 points, N/12 = 833,
is the same thing). The other settings were chosen by measurement: ``docs/tsne.md``.

Results are cached through ``fashionlab.files.cache`` as ``.npz`` payloads (never pickles), keyed by
the input bytes, every parameter and the library versions, and verified on every read.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import PCA_COMPONENTS
from ..files import npz
from ..files.cache import cached
from ..files.keys import key_of

N_COMPONENTS = PCA_COMPONENTS
PERPLEXITY = 30.0
SKLEARN_LEARNING_RATE = 200.0  # the assignment's value, in scikit-learn's units
OPENTSNE_LEARNING_RATE = 4 * SKLEARN_LEARNING_RATE  # the same step in openTSNE's units
RANDOM_STATE = 0
NEIGHBOURS, FOLDS = 10, 5  # how well a map keeps classes together: k-NN accuracy, k-fold
# Measured on 2 cores, 10,000 PCA rows (docs/tsne.md): scikit-learn's TSNE took 27.0 s for a
# 10-NN class agreement of 0.8115; these settings take about 3 s for 0.807.
TSNE_SETTINGS: dict[str, object] = {
    "perplexity": PERPLEXITY,
    "learning_rate": OPENTSNE_LEARNING_RATE,
    "random_state": RANDOM_STATE,
    "early_exaggeration_iter": 150,
    "n_iter": 350,
    "n_interpolation_points": 2,
    "ints_in_interval": 2,  # a coarser FFT grid: 13 % faster, the same 10-NN agreement
    "neighbors": "exact",  # 10,000 x 50: exact neighbours are faster than building an Annoy index
    "negative_gradient_method": "fft",
    "initialization": "pca",
}

# openTSNE's threads pay only on larger maps: its idle OpenMP threads spin. On 2 cores, two threads
# drew 10,000 points in 0.77x the wall time of one, 3,000 in 0.86x, but 100 to 1,500 in 0.92-1.04x
# for 1.6-2.0x the CPU; 2,000 lies between (docs/tsne.md). The map is the same bit for bit.
THREADS_FROM = 2_000

TsneProgress = Callable[[int, int, float], None]  # (iteration, total, KL divergence)


@dataclass
class Projection:
    """Standardised data projected on its principal components."""

    features: np.ndarray  # (n, 50): the first 50 principal components
    explained_variance_ratio: np.ndarray  # (min(n, 784),): every component's share, descending
    from_cache: bool = False

    @property
    def kept_variance(self) -> float:
        """Share of variance kept by the first 50 components, in [0, 1]."""
        return float(self.explained_variance_ratio[: self.features.shape[1]].sum())


# --------------------------------------------------------------------------- cache


def _encode(arrays: dict[str, np.ndarray]) -> dict[str, bytes]:
    return {"arrays.npz": npz.encode(arrays)}


def _decoder(
    expected: dict[str, tuple[int, ...]],
    check: Callable[[dict[str, np.ndarray]], None],
) -> Callable[[dict[str, bytes]], dict[str, np.ndarray]]:
    """Read the named arrays, each of its expected shape, floating point and finite (``npz``),
    then ``check`` what they must hold: the hashes prove the bytes are the ones written, not that
    they belong to this computation."""

    def decode(blobs: dict[str, bytes]) -> dict[str, np.ndarray]:
        arrays = npz.decode(blobs["arrays.npz"], expected)
        check(arrays)
        return arrays

    return decode


def _check_projection(arrays: dict[str, np.ndarray], n_train: int, pixels: int) -> None:
    """What a PCA of standardised images holds (a hostile review: a rehashed entry of zeros was
    served, and openTSNE crashed on it): every share in [0, 1], descending, together 1; and the
    training rows' components centred, each with the variance its share says of the total, which
    is, for standardised columns, the number of pixels that vary times n / (n - 1)."""
    ratio, train = arrays["ratio"], arrays["features"][:n_train]
    if not (ratio.min() >= 0 and ratio.max() <= 1 and abs(ratio.sum() - 1) <= 1e-6):
        raise ValueError("its variance shares are not shares of one whole")
    if (np.diff(ratio) > 1e-12).any():
        raise ValueError("its variance shares are not in descending order")
    if n_train < 2:
        return
    variance, kept = train.var(axis=0, ddof=1), ratio[: train.shape[1]]
    total = float(variance.sum() / kept.sum()) if kept.sum() > 0 else 0.0
    varying = total * (n_train - 1) / n_train
    if not (
        1 <= round(varying) <= pixels
        and abs(varying - round(varying)) <= 1e-6 * varying
        and np.allclose(variance, kept * total, rtol=1e-6, atol=1e-9 * total)
        and np.allclose(train.mean(axis=0), 0.0, atol=1e-6 * max(1.0, np.sqrt(total)))
    ):
        raise ValueError("its components are not a PCA of standardised images")


# openTSNE's maps span tens of units (39 for the study's 10,000 points): far beyond, a map would
# only overflow its figure's axes
MAP_EXTENT = 1e5


def _check_map(arrays: dict[str, np.ndarray]) -> None:
    """A t-SNE map: within ``MAP_EXTENT`` of its origin, and spread along both axes."""
    mapped = arrays["embedding"]
    if np.abs(mapped).max(initial=0.0) > MAP_EXTENT:
        raise ValueError(f"its map reaches beyond {MAP_EXTENT:g} units")
    if len(mapped) > 1 and not (mapped.std(axis=0) > 0).all():
        raise ValueError("its map puts every point on one line")


def _cached(
    name: str,
    settings: dict[str, object],
    arrays: tuple[np.ndarray, ...],
    expected: dict[str, tuple[int, ...]],
    check: Callable[[dict[str, np.ndarray]], None],
    compute: Callable[[], dict[str, np.ndarray]],
) -> tuple[dict[str, np.ndarray], bool]:
    key = key_of(f"embedding-{name}", settings, arrays)
    return cached(
        f"embedding-{name}",
        key,
        compute,
        encode=_encode,
        decode=_decoder(expected, check),
        what=f"the {name} result of another fashionlab process",
    )


# --------------------------------------------------------------------------- stages


def project(
    train_images: np.ndarray,
    test_images: np.ndarray | None = None,
    n_components: int = N_COMPONENTS,
    *,
    vectors: tuple[np.ndarray, ...] | None = None,
) -> Projection:
    """Standardise, then PCA to ``n_components``; cached by the raw image bytes.

    ``train_images`` are the uint8 (n, 28, 28) training images; they are normalised by /255 and
    flattened, as in the assignment, unless the normalised ``vectors`` (train, then test) are
    passed in. The scaler and PCA are fitted on the training images alone; test images, if given,
    are projected with the same fit and appended, so that up to all 70,000 images can be embedded.
    One full PCA fit gives both the features and the whole variance spectrum.
    """
    images = (train_images,) if test_images is None else (train_images, test_images)

    def compute() -> dict[str, np.ndarray]:
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        flat = vectors or tuple(batch.reshape(len(batch), -1) / 255.0 for batch in images)
        # Fitted in slices: one fit over all rows builds two temporaries the size of the data
        # (a NaN mask as floats, and the centred rows), 750 MB of fresh memory for 60,000 images.
        scaler = StandardScaler()
        for rows in np.array_split(flat[0], -(-len(flat[0]) // 4096)):
            scaler.partial_fit(rows)
        standardized = scaler.transform(flat[0])
        pca = PCA(svd_solver="covariance_eigh").fit(standardized)
        top = pca.components_[:n_components].T  # (784, 50)
        # PCA.transform, restricted to 50 components and without a centred copy of the data:
        # (z - m) V = z V - m V, and for test images z = (x - mean) / scale as well.
        shift = pca.mean_ @ top
        features = [standardized @ top - shift]
        features += [scaler.transform(batch) @ top - shift for batch in flat[1:]]
        return {"features": np.vstack(features), "ratio": pca.explained_variance_ratio_}

    rows, pixels = sum(len(batch) for batch in images), int(np.prod(train_images.shape[1:]))
    spectrum = min(len(train_images), pixels)  # PCA's components: no more than rows or pixels
    expected = {"features": (rows, min(n_components, spectrum)), "ratio": (spectrum,)}
    check = functools.partial(_check_projection, n_train=len(train_images), pixels=pixels)
    arrays, hit = _cached("pca", {"components": n_components}, images, expected, check, compute)
    return Projection(arrays["features"], arrays["ratio"], from_cache=hit)


def tsne(
    features: np.ndarray,
    *,
    n_jobs: int | None = None,
    progress: TsneProgress | None = None,
    settings: dict[str, object] | None = None,
) -> tuple[np.ndarray, bool]:
    """A 2-D openTSNE embedding of ``features`` (n, d); returns it and whether it was cached.
    ``n_jobs`` is openTSNE's thread count: by default every core from ``THREADS_FROM`` points, one
    below (the same map either way)."""
    settings = {**TSNE_SETTINGS, **(settings or {})}
    if n_jobs is None:
        n_jobs = -1 if len(features) >= THREADS_FROM else 1

    def compute() -> dict[str, np.ndarray]:
        import openTSNE  # with scikit-learn, 0.7 s of CPU to import, which a cached map skips

        total = int(settings["early_exaggeration_iter"]) + int(settings["n_iter"])  # type: ignore[call-overload]
        done, last_error = 0, float("nan")

        def callback(iteration: int, error: float, embedding: object) -> None:
            nonlocal done, last_error
            done, last_error = min(done + 10, total), float(error)
            if progress is not None:
                progress(done, total, last_error)

        model = openTSNE.TSNE(
            n_components=2,
            n_jobs=n_jobs,
            callbacks=callback,
            callbacks_every_iters=10,
            **settings,
        )
        mapped = np.asarray(model.fit(features))
        if progress is not None and done < total:  # the last step, where no callback said it
            progress(total, total, last_error)
        return {"embedding": mapped}

    shape: dict[str, tuple[int, ...]] = {"embedding": (len(features), 2)}
    arrays, hit = _cached("tsne", settings, (features,), shape, _check_map, compute)
    return arrays["embedding"], hit


def neighbour_agreement(embedding: np.ndarray, labels: np.ndarray, k: int = NEIGHBOURS) -> float:
    """Mean ``FOLDS``-fold accuracy of a k-NN classifier on the embedding: how well classes stay
    together."""
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    with warnings.catch_warnings():
        # a class of fewer points than folds (a small --points) is spread as far as it goes:
        # scikit-learn's word on it reached the terminal raw (a hostile review)
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        scores = cross_val_score(KNeighborsClassifier(k), embedding, labels, cv=FOLDS)
    return float(scores.mean())


def pair_mixing(
    embedding: np.ndarray, labels: np.ndarray, first: int, second: int, k: int = NEIGHBOURS
) -> float | None:
    """Share of the two classes' points whose k nearest map neighbours (among the pair) are mostly
    of the other class: 0 means two clean islands, about 0.38 (``metrics.chance_mixing``) two
    equal classes placed at random. None where the pair has too few points on the map for a
    point to have ``k`` neighbours among them."""
    from sklearn.neighbors import NearestNeighbors

    rows = (labels == first) | (labels == second)
    points, classes = embedding[rows], labels[rows]
    if len(points) <= k:
        return None
    _, index = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
    other = (classes[index[:, 1:]] != classes[:, None]).mean(axis=1)
    return float((other > 0.5).mean())
