"""What the commands do with files: check the output folder, serve the study from the cache or
compute it, render it, and swap the new report in. ``study`` computes, ``render`` writes words
and figures, and this module connects them.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache, outdir
from .artifacts import Artifacts
from .config import Config
from .data import sources
from .data.loaded import Data, load_data
from .errors import UsageError
from .models import neural
from .progress import LogProgress, Progress
from .results import RESTORED, Results, from_json, to_json
from .storage import cache_home

if TYPE_CHECKING:
    import numpy as np


def protected_folders(data_dir: str | None) -> dict[str, Path]:
    """Folders an output must never overlap: the data sources and the cache."""
    found = {"fashionlab cache": cache_home()}
    if data_dir:
        found["data folder"] = Path(data_dir)
    for source in sources.search_path(None):
        if source.folder.exists():
            found[f"{source.name} data folder"] = source.folder
    return found


def prepare(out: str, data_dir: str | None, kind: str) -> Path:
    """Everything a user can get wrong, checked before any work: the ``--out`` folder, for output
    of ``kind`` (``outdir.KINDS``), and the backend."""
    real = outdir.check(out, protected_folders(data_dir), kind)
    neural.check_backend()
    return real


@dataclass
class Study:
    results: Results
    figures: dict[str, bytes]  # file name -> bytes
    interactive_html: str | None
    from_cache: bool


def _study_key(config: Config, data: Data) -> str:
    settings = {k: v for k, v in config.as_dict().items()
                if k not in ("out", "title", "author", "workers", "scheduler", "data_dir", "verify",
                             "notebook")}  # fmt: skip
    return cache.key_of("study", settings, _arrays(data))  # the code is in every key


def _arrays(data: Data) -> tuple[np.ndarray, ...]:
    """The official files' arrays, which every key of a run's study reads."""
    return (data.train_images, data.train_labels, data.test_images, data.test_labels)


def _render_figures(results: Results, artifacts: Artifacts) -> tuple[dict[str, bytes], str | None]:
    from .render import interactive, study_figures

    files = study_figures.render_all(study_figures.study(results, artifacts))
    html = None
    if results.extras is not None:
        shown = results.extras.interactive_points
        html = interactive.interactive_map(artifacts.coordinates[:shown],
                                           artifacts.labels[:shown], artifacts.images[:shown])  # fmt: skip
    return files, html


def _encode(study: Study) -> dict[str, bytes]:
    blobs = {f"figure--{name}": data for name, data in study.figures.items()}
    blobs["results.json"] = json.dumps(to_json(study.results), allow_nan=False).encode()
    if study.interactive_html is not None:
        blobs["interactive.html"] = study.interactive_html.encode()
    return blobs


def _decode(blobs: dict[str, bytes]) -> Study:
    """The cached study, if its results are typed right, its report and answers can be written
    from them (``from_json`` checks types, not that lists and fields agree with one another), and
    its figures are the report's."""
    from .render import report

    results = from_json(Results, json.loads(blobs["results.json"]))
    figures = {k.removeprefix("figure--"): v for k, v in blobs.items() if k.startswith("figure--")}
    html = blobs["interactive.html"].decode() if "interactive.html" in blobs else None
    try:
        sections = report.build_sections(results, html)  # the answers, which the notebook takes
        report.check_figures(sections, figures)
    except Exception as exc:  # the prose asserts what it relies on: anything here is a misfit
        raise ValueError(f"its report cannot be written ({type(exc).__name__}: {exc})") from None
    return Study(results, figures, html, True)


def study(config: Config, data: Data, progress: Progress) -> Study:
    """The whole study, from the verified cache when this exact study ran before."""
    key = _study_key(config, data)

    def compute() -> Study:
        from . import study as stages

        results, artifacts = stages.compute(config, data, progress)
        figures, html = _render_figures(results, artifacts)
        return Study(results, figures, html, False)

    started = time.perf_counter()
    found, hit = cache.cached("study", key, compute, encode=_encode, decode=_decode,
                              what="another fashionlab run of this same study")  # fmt: skip
    if hit:
        seconds = time.perf_counter() - started
        progress.stage(1, 1, "restoring this exact study from the cache")
        progress.stage_done(RESTORED, seconds)
        measured = found.results.timings  # when the study was computed: the models' times stay
        found.results.timings = {"stages": {RESTORED: seconds}, "total": seconds,
                                 **{k: measured[k] for k in ("models", "shared_cores") if k in measured}}  # fmt: skip
    found.results.config = config.as_dict()
    return found


@dataclass(frozen=True)
class WrittenReport:
    """What ``run`` wrote: the folder (resolved) and the results its pages give."""

    folder: Path
    results: Results
    notebook: bool  # whether the folder holds assignment.ipynb


def run(config: Config, progress: Progress | None = None) -> WrittenReport:
    """``fashionlab run``: the study, then the report swapped into ``config.out``."""
    from .render import meta, report

    progress = progress or LogProgress()
    real = prepare(config.out, config.data_dir, "report")
    if config.notebook:
        _check_notebook_file()
    data = load_data(config.data_dir, verify=config.verify)
    if config.notebook and not config.verify:
        _check_notebook_data(data)
    found = study(config, data, progress)
    with outdir.report_folder(real, "report") as stage:
        (stage / "figures").mkdir()
        for name, blob in found.figures.items():
            (stage / "figures" / name).write_bytes(blob)
        page = meta.page_meta(config, found.results)
        report.write(stage, found.results, found.figures, page, found.interactive_html)
        if config.notebook:
            progress.stage(1, 1, "the assignment notebook")
            started = time.perf_counter()
            (stage / "assignment.ipynb").write_bytes(assignment_notebook(config, data, found))
            progress.stage_done("the assignment notebook", time.perf_counter() - started)
        progress.checkpoint()  # the last chance to stop before the new report replaces the old
    return WrittenReport(real, found.results, config.notebook)


def _check_notebook_file() -> None:
    """The notebook ships with fashionlab's source, not in a wheel: said before any work."""
    from .render.notebook import NOTEBOOK

    if not NOTEBOOK.is_file():
        raise UsageError(f"the assignment notebook {str(NOTEBOOK)!r} is not there: it ships with "
                         "fashionlab's source, not with an installed package; run from a clone "
                         "of the repository, or add --no-notebook")  # fmt: skip


def _check_notebook_data(data: Data) -> None:
    """The notebook's ``load_fashion_mnist()`` takes only the official files: with a deliberately
    different copy (``--no-verify``), say so before the work rather than in its cell 4 after it.
    The arrays the study loaded are checked, not a new search, which could find (or download)
    other files than the study's."""
    from .data.datasets import FILES, is_official

    for key, spec in FILES.items():
        if not is_official(getattr(data, key), spec):
            where = data.sources[spec.filename]["path"]
            raise UsageError(f"the assignment notebook loads only the official files ({where} is "
                             f"not the official {spec.filename}); add --no-notebook to run the "
                             "study on this copy")  # fmt: skip


def assignment_notebook(config: Config, data: Data, found: Study) -> bytes:
    """The assignment notebook, executed (cached by its own text and the data), with this run's
    answers in its answer cells."""
    import nbformat

    from .render import answers, notebook

    source = notebook.NOTEBOOK.read_bytes()
    # the notebook runs the assignment's cells on the official files, whatever the study's
    # settings: keyed by its text, the data and the code (in every key), not by the study
    key = cache.key_of("notebook", {"source": hashlib.sha256(source).hexdigest()}, _arrays(data))

    def execute() -> Any:
        env = (
            {}
            if config.data_dir is None
            else {notebook.DATA_VARIABLE: str(Path(config.data_dir).resolve())}
        )
        return notebook.execute(notebook.NOTEBOOK, env=env)

    def encode(nb: Any) -> dict[str, bytes]:
        return {"executed.ipynb": nbformat.writes(nb).encode()}

    def decode(blobs: dict[str, bytes]) -> Any:  # verified: valid, every cell run, no errors
        return notebook.read_executed(blobs["executed.ipynb"])

    executed, _ = cache.cached("notebook", key, execute, encode=encode, decode=decode)
    filled = notebook.fill_answers(executed, answers.compose(found.results))
    return (nbformat.writes(filled) + "\n").encode()
