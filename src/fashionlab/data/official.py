"""The four official Fashion-MNIST files, described as data: each one's name, the SHA-256 of its
gzip archive and of its decompressed IDX bytes (which a repackaged copy shares), and its magic."""

from __future__ import annotations

from dataclasses import dataclass

from .idx import IMAGES_MAGIC, LABELS_MAGIC


@dataclass(frozen=True)
class RemoteFile:
    """One official file, described as data."""

    filename: str
    sha256: str  # of the official .gz archive
    payload_sha256: str  # of the decompressed IDX bytes
    magic: int


FILES: dict[str, RemoteFile] = {
    "train_images": RemoteFile(
        "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        IMAGES_MAGIC,
    ),
    "train_labels": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        LABELS_MAGIC,
    ),
    "test_images": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        IMAGES_MAGIC,
    ),
    "test_labels": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        LABELS_MAGIC,
    ),
}
