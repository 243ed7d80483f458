"""Stages 1 and 2 of the study: what the data looks like, PCA and t-SNE, and the arrays the
exploration figures draw (``fashionlab explore`` runs these alone)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import CLASS_NAMES, MIN_POINTS
from ..data.loaded import Data
from ..errors import DataError
from ..progress import Progress
from ..results import DataSummary, EmbeddingSummary
from ..results.artifacts import Artifacts
from . import embedding


@dataclass
class Mapped:
    projection: embedding.Projection
    coordinates: np.ndarray  # (points, 2)
    labels: np.ndarray  # (points,)


def maps_test_images(n_train: int, points: int) -> bool:
    """Whether the map takes in test images too: only a map of more points than training images,
    which continues into the test images (projected with the training images' fit)."""
    return points > n_train


def check_mappable(data: Data, points: int) -> None:
    """What only a trimmed copy of the data (``--no-verify``) can lack, said before any work.
    Unchecked, these gave an IndexError after the whole map for 40 training images, a crash of
    the t-SNE (exit status 139) for images all the same, 220 points mapped where 1,000 were asked
    for, and NaN variances for training images all the same below test images that differ."""
    n_train, total = len(data.train_images), len(data.train_images) + len(data.test_images)
    if n_train < embedding.N_COMPONENTS:
        raise DataError(
            f"the data hold {n_train} training images, too few for PCA to "
            f"{embedding.N_COMPONENTS} components; use the official files"
        )
    if points > total:
        fix = f"ask for at most {total:,}" if total >= MIN_POINTS else "use the official files"
        raise DataError(
            f"the data hold {total:,} images, training and test together, fewer than --points "
            f"{points:,}; {fix}"
        )
    train = data.train_images
    if (train == train[0]).all():  # PCA is fitted on them: no variance to find
        raise DataError(
            f"the {n_train:,} training images are all the same image, from which PCA can find "
            "no components; use the official files"
        )
    if (train[:points] == train[0]).all():  # a map within the training images
        raise DataError(
            f"the {points:,} images to map are all the same image, which t-SNE cannot spread "
            "out; use the official files"
        )


def embed(data: Data, points: int, progress: Progress) -> Mapped:
    """Standardising and PCA fitted on the training images (the test images projected too, for a
    map of more points than training images), then t-SNE of the first ``points`` rows."""
    check_mappable(data, points)
    if not maps_test_images(len(data.train_images), points):
        projection = embedding.project(data.train_images, vectors=(data.train_vectors,))
    else:
        projection = embedding.project(
            data.train_images, data.test_images, vectors=(data.train_vectors, data.test_vectors)
        )
    labels = np.concatenate([data.train_labels, data.test_labels])[:points]
    coordinates, _ = embedding.tsne(
        projection.features[:points],
        progress=lambda i, total, kl: progress.tick("t-SNE", i, total, f"KL {kl:.3f}"),
    )
    return Mapped(projection, coordinates, labels)


def data_summary(data: Data) -> DataSummary:
    """Q1's numbers: shapes and pixel ranges before and after preprocessing."""
    return DataSummary(
        sources=data.verification(),
        train_shape_before=list(data.train_images.shape),
        test_shape_before=list(data.test_images.shape),
        train_shape_after=list(data.train_vectors.shape),
        test_shape_after=list(data.test_vectors.shape),
        pixel_min_before=int(data.train_images.min()),
        pixel_max_before=int(data.train_images.max()),
        pixel_min_after=float(data.train_vectors.min()),
        pixel_max_after=float(data.train_vectors.max()),
        dtype_before=str(data.train_images.dtype),
        dtype_after=str(data.train_vectors.dtype),
        first_image_class=CLASS_NAMES[int(data.train_labels[0])],
        frame_columns=len(data.df_train.columns),
    )


def exploration_artifacts(data: Data, mapped: Mapped) -> Artifacts:
    """What the exploration figures draw: every image and label, the first normalised image,
    PCA's variance spectrum and the map."""
    return Artifacts(
        images=np.concatenate([data.train_images, data.test_images]),
        labels=np.concatenate([data.train_labels, data.test_labels]),
        first_normalised=data.train_vectors[0].reshape(28, 28),
        variance_ratio=mapped.projection.explained_variance_ratio,
        coordinates=mapped.coordinates,
    )


def embedding_summary(mapped: Mapped) -> EmbeddingSummary:
    return EmbeddingSummary(
        dimensions_before=784,
        components=int(mapped.projection.features.shape[1]),
        kept_variance=mapped.projection.kept_variance,
        points=len(mapped.coordinates),
        map_dimensions=int(mapped.coordinates.shape[1]),
        neighbours=embedding.NEIGHBOURS,
        folds=embedding.FOLDS,
        neighbour_agreement=embedding.neighbour_agreement(mapped.coordinates, mapped.labels),
        tsne_settings=dict(embedding.TSNE_SETTINGS),
    )


def mixing(mapped: Mapped, classes: tuple[str, str]) -> float | None:
    first, second = (CLASS_NAMES.index(c) for c in classes)
    return embedding.pair_mixing(mapped.coordinates, mapped.labels, first, second)


def pair_points(mapped: Mapped, classes: tuple[str, str]) -> int:
    """How many of the map's points are of the pair: the count ``mixing`` is a share of."""
    return int(np.isin(mapped.labels, [CLASS_NAMES.index(c) for c in classes]).sum())
