"""All ten classes: softmax regression from scratch, and the 784-100-10 network."""

from __future__ import annotations

import numpy as np

from ..config import (
    NN_LEARNING_RATE,
    SOFTMAX_EPOCHS,
    TEN_CLASS_BATCH_SIZE,
    TEN_CLASS_EPOCHS,
    TEN_CLASS_PATIENCE,
)
from ..data.loaded import Data
from ..data.preprocessing import bias_trick
from ..models import neural, softmax
from ..progress import LogProgress, Progress, epoch_ticker
from ..results import TenClasses, TrainingSettings
from .metrics import confusion, precision_recall

# The best scikit-learn results of the automatic benchmark that Fashion-MNIST's README links to
# (github.com/zalandoresearch/fashion-mnist, "Benchmark"; Xiao, Rasul and Vollgraf, 2017,
# arXiv:1708.07747, table 3)
PUBLISHED = {"sklearn_logistic_regression": 0.842, "sklearn_mlp_100": 0.871}
VALIDATION_SHARE = 0.1  # the training images the 10-class network holds out for early stopping


def ten_classes(
    data: Data, seed: int, epochs: int = SOFTMAX_EPOCHS, progress: Progress | None = None
) -> TenClasses:
    """Both models on the official split. ``progress`` hears of each epoch of each model (two
    minutes in all on two cores)."""
    progress = progress or LogProgress()
    X_train = bias_trick(data.train_vectors)
    X_test = bias_trick(data.test_vectors)

    def softmax_epoch(epoch: int, loss: float, _: float) -> None:
        progress.tick("softmax epoch", epoch, epochs, f"loss {loss:.4f}")

    fitted = softmax.fit_softmax(
        X_train, data.train_labels, epochs=epochs, seed=seed, on_epoch=softmax_epoch
    )
    predicted = softmax.classify(fitted.theta, X_test)
    counts = confusion(data.test_labels, predicted)
    precision, recall = precision_recall(counts)
    network_accuracy, network_epochs, settings = _network(data, seed, progress)
    record = TenClasses(
        official_test_accuracy=float(np.mean(predicted == data.test_labels)),
        n_official_test=len(data.test_labels),
        train_accuracy=fitted.train_accuracies[-1],
        epochs=len(fitted.train_losses),
        learning_rate=softmax.LEARNING_RATE,
        batch_size=softmax.BATCH_SIZE,
        precision=[float(v) for v in precision],
        recall=[float(v) for v in recall],
        confusion=counts.tolist(),
        network_official_test_accuracy=network_accuracy,
        network_epochs=network_epochs,
        network_settings=settings,
        published=dict(PUBLISHED),
    )
    return record


def _network(data: Data, seed: int, progress: Progress) -> tuple[float, int, TrainingSettings]:
    """The network on all ten classes: its official test accuracy, epochs run and settings."""
    settings = TrainingSettings(  # recorded as trained: fit takes each of them from here
        epochs=TEN_CLASS_EPOCHS,
        patience=TEN_CLASS_PATIENCE,
        batch_size=TEN_CLASS_BATCH_SIZE,
        validation_split=VALIDATION_SHARE,
        learning_rate=NN_LEARNING_RATE,  # compile_model's Adam
    )
    ticks = epoch_ticker(progress, "network epoch", settings.epochs)
    run, model = neural.fit(
        data.train_vectors,
        data.train_labels.astype(np.int64),
        epochs=settings.epochs,
        patience=settings.patience,
        batch_size=settings.batch_size,
        seed=seed,
        validation_split=settings.validation_split,
        validation_batch_size=None,
        on_epoch=ticks,
    )
    _, accuracy = neural.evaluate(model, data.test_vectors, data.test_labels.astype(np.int32))
    return accuracy, run.epochs_run, settings
