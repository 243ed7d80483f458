"""The t-SNE stage: fashionlab's openTSNE settings against scikit-learn's TSNE at the assignment's
settings, on the same 10,000 PCA rows. Prints times, the ratio and each map's 10-NN agreement, and
writes both maps to benchmarks/results/ (tsne_ours.png and tsne_sklearn.png) to compare by eye.

Usage: python benchmarks/bench_tsne.py [--repeats N]
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from _common import arguments

from fashionlab.analysis import embedding
from fashionlab.data.loaded import load_data
from fashionlab.render import figures, plots


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    from sklearn.manifold import TSNE

    data = load_data()
    features = embedding.project(data.train_images, data.test_images).features[:10_000]
    labels = data.train_labels[:10_000]
    import openTSNE

    ours_times, sk_times = [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        ours = np.asarray(openTSNE.TSNE(n_jobs=-1, **embedding.TSNE_SETTINGS).fit(features))
        ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        theirs = TSNE(
            n_components=2, random_state=0, perplexity=30, learning_rate=200
        ).fit_transform(features)
        sk_times.append(time.perf_counter() - started)
    ours_s, sk_s = statistics.median(ours_times), statistics.median(sk_times)
    ours_q = embedding.neighbour_agreement(ours, labels)
    sk_q = embedding.neighbour_agreement(theirs, labels)
    print(f"scikit-learn TSNE : {sk_s:6.1f} s   10-NN agreement {sk_q:.4f}")
    print(f"fashionlab        : {ours_s:6.1f} s   10-NN agreement {ours_q:.4f}")
    print(
        f"speed-up {sk_s / ours_s:.2f}x, agreement difference {ours_q - sk_q:+.4f} "
        f"(medians of {args.repeats})"
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    figures.save(
        plots.tsne_map(theirs, labels, title="scikit-learn TSNE"), out / "tsne_sklearn.png"
    )
    figures.save(plots.tsne_map(ours, labels, title="fashionlab (openTSNE)"), out / "tsne_ours.png")


if __name__ == "__main__":
    main()
