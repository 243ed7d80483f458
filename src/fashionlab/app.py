"""What the commands do with files: check the output folder, serve the study from the cache or
compute it, render it, and swap the new report in. ``study`` computes, ``render`` writes words
and figures, and this module connects them.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import notebook_job, served
from .analysis.exploration import check_mappable
from .config import ALL_PAIRS, Config
from .data import sources
from .data.loaded import Data, load_data
from .files import cache, keys, outdir
from .files.libraries import EVERY, MATPLOTLIB
from .files.storage import cache_home, present
from .jsonio import strict_loads
from .models import backend
from .progress import LogProgress, Progress
from .results import RESTORED, Results, from_json, to_json
from .results.artifacts import Artifacts


def protected_folders(data_dir: str | None) -> dict[str, Path]:
    """Folders an output must never overlap: the data sources and the cache."""
    found = {"fashionlab cache": cache_home()}
    for name, folder in sources.named_folders(data_dir).items():
        if folder in found.values():  # the cache is also where a download goes
            continue
        if name == "data folder" or (present(folder) and folder.exists()):  # not a dangling link
            found[name] = folder
    return found


def prepare(out: str, data_dir: str | None, kind: str, trains: bool = True) -> Path:
    """Everything a user can get wrong, checked before any work: the ``--out`` folder, for output
    of ``kind`` (``outdir.KINDS``), and the network's backend where the command ``trains`` one."""
    uses = EVERY if trains else {MATPLOTLIB}
    real = outdir.check(out, protected_folders(data_dir), kind, uses=uses)
    if trains:
        backend.check_backend()
    return real


@dataclass
class Study:
    results: Results
    figures: dict[str, bytes]  # file name -> bytes
    interactive_html: str | None
    from_cache: bool


def _study_key(config: Config, data: Data) -> str:
    return keys.key_of("study", config.result_settings(), data.arrays)  # and the code, as every key


def _render_figures(results: Results, artifacts: Artifacts) -> tuple[dict[str, bytes], str | None]:
    from .render import interactive, study_figures

    files = study_figures.render_all(study_figures.study(results, artifacts))
    html = None
    if results.extras is not None:
        shown = results.extras.interactive_points
        html = interactive.interactive_map(
            artifacts.coordinates[:shown], artifacts.labels[:shown], artifacts.images[:shown]
        )
    return files, html


def _encode(study: Study) -> dict[str, bytes]:
    blobs = {f"figure--{name}": data for name, data in study.figures.items()}
    blobs["results.json"] = json.dumps(to_json(study.results), allow_nan=False).encode()
    if study.interactive_html is not None:
        blobs["interactive.html"] = study.interactive_html.encode()
    return blobs


def _decode(blobs: dict[str, bytes]) -> Study:
    """The cached study, if its results are typed right and make sense (``served``), its report
    and answers can be written from them, and its figures are the report's."""
    from .render import report

    raw = strict_loads(blobs["results.json"])
    served.check_raw(raw)
    results = from_json(Results, raw)
    served.check_network(results.network)
    figures = {k.removeprefix("figure--"): v for k, v in blobs.items() if k.startswith("figure--")}
    html = blobs["interactive.html"].decode() if "interactive.html" in blobs else None
    sections = report.checked_sections(results, html)  # the answers, which the notebook takes
    report.check_figures(sections, figures)
    return Study(results, figures, html, True)


def study(
    config: Config, data: Data, progress: Progress, computed: Callable[[], None] | None = None
) -> Study:
    """The whole study, from the verified cache when this exact study ran before. ``computed`` is
    called when its stages are done, before its figures are drawn (not on a cache hit)."""
    key = _study_key(config, data)

    def compute() -> Study:
        from . import study as stages

        results, artifacts = stages.compute(config, data, progress)
        if computed is not None:
            computed()
        figures, html = _render_figures(results, artifacts)
        return Study(results, figures, html, False)

    started = time.perf_counter()
    found, hit = cache.cached(
        "study",
        key,
        compute,
        encode=_encode,
        decode=_decode,
        what="another fashionlab run of this same study",
    )
    if hit:
        seconds = time.perf_counter() - started
        progress.stage(1, 1, "restoring this exact study from the cache")
        progress.stage_done(RESTORED, seconds)
        measured = found.results.timings  # when the study was computed: the models' times stay
        found.results.timings = {
            "stages": {RESTORED: seconds},
            "total": seconds,
            **{k: measured[k] for k in ("models", "shared_cores") if k in measured},
        }
    found.results.config = config.as_dict()
    # the key leaves out how the files were checked (--no-verify): this run's checks, not those of
    # the run that computed the entry
    found.results.data.sources = data.verification()
    return found


@dataclass(frozen=True)
class WrittenReport:
    """What ``run`` wrote: the folder (resolved) and the results its pages give."""

    folder: Path
    results: Results
    notebook: bool  # whether the folder holds assignment.ipynb


def run(config: Config, progress: Progress | None = None) -> WrittenReport:
    """``fashionlab run``: the study, then the report swapped into ``config.out``. The notebook
    executes in a thread from the moment the study's cluster is done with the cores."""
    from .render import meta, report

    progress = progress or LogProgress()
    real = prepare(config.out, config.data_dir, "report")
    if config.notebook:
        notebook_job.check_file()
    data = load_data(config.data_dir, verify=config.verify)
    if config.notebook and not config.verify:
        notebook_job.check_data(data)
    if not config.verify:  # what a copy may lack, said before any work
        check_mappable(data, config.points)
        data.check_pairs((*config.pairs, *(ALL_PAIRS if config.extras else ())))
    with contextlib.ExitStack() as stack:
        job = notebook_job.Job(config, data) if config.notebook else None
        if job is not None:
            stack.callback(job.close)  # an error or a Ctrl-C stops its kernel
        found = study(config, data, progress, computed=job.start if job else None)
        if job is not None:
            job.start()  # a study from the cache: beside the pages
        with outdir.report_folder(real, "report") as stage:
            (stage / "figures").mkdir()
            for name, blob in found.figures.items():
                (stage / "figures" / name).write_bytes(blob)
            page = meta.page_meta(config, found.results)
            report.write(stage, found.results, found.figures, page, found.interactive_html)
            if job is not None:
                progress.stage(1, 1, "the assignment notebook")
                executed = job.result()
                (stage / "assignment.ipynb").write_bytes(
                    notebook_job.with_answers(executed, found.results)
                )
                progress.stage_done("the assignment notebook", job.seconds)
            progress.checkpoint()  # the last chance to stop before the new report replaces the old
    return WrittenReport(real, found.results, config.notebook)
