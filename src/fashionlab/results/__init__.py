"""The study's results: one typed record (``record``) that ``study`` returns and ``render`` consumes.

Pairs are keyed by class tuples, never by display strings; any number of pairs is allowed; no
rendered markup is stored. Three accuracies are kept apart everywhere:

- ``val_accuracy``: the assignment's validation rows (the last 20 % of a shuffled pair);
- ``heldout_accuracy``: the assignment's 20 % "test" split; ``None`` for a model trained on it;
- ``official_test_accuracy``: the official test images of the pair (or of all classes).

``to_json`` and ``from_json`` read and write ``results.json``; ``schema`` derives its JSON Schema.
Two parts of the record have modules of their own (``first_steps``, ``weight_map``), and
``artifacts`` holds the arrays the figures need, which ``results.json`` never does.
"""

from ..config import TrainingSettings as TrainingSettings  # a record's field, as settings
from ..jsonio import from_json as from_json  # the record and its JSON travel together
from ..jsonio import to_json as to_json
from .record import RESTORED as RESTORED
from .record import SCHEMA_VERSION as SCHEMA_VERSION
from .record import AtlasPair as AtlasPair
from .record import Comparison as Comparison
from .record import Converged as Converged
from .record import DataSummary as DataSummary
from .record import EmbeddingSummary as EmbeddingSummary
from .record import ErrorSummary as ErrorSummary
from .record import Extras as Extras
from .record import LogregResult as LogregResult
from .record import McNemar as McNemar
from .record import NetworkResult as NetworkResult
from .record import Pair as Pair
from .record import PairSettings as PairSettings
from .record import RateRow as RateRow
from .record import Results as Results
from .record import SweepRow as SweepRow
from .record import TenClasses as TenClasses
from .weight_map import WeightSummary as WeightSummary
