"""The library's two argument rules, which every fit shares (they once differed from module to
module: dynamics refused np.int64 steps that gradient descent took)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fashionlab.checks import check_count, check_rate, required


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(1)])
def test_a_count_is_any_integer_of_at_least_its_least(value) -> None:
    check_count("epochs", value)


@pytest.mark.parametrize("value", [0, -1, 2.5, True, np.float64(3.0), "3", None])
def test_anything_else_is_not_a_count(value) -> None:
    with pytest.raises(
        ValueError, match=rf"^epochs must be an integer >= 1, got {re.escape(repr(value))}$"
    ):
        check_count("epochs", value)


def test_a_count_may_start_at_zero() -> None:
    check_count("patience", 0, least=0)
    with pytest.raises(ValueError, match="patience must be an integer >= 0, got -1"):
        check_count("patience", -1, least=0)


@pytest.mark.parametrize("value", [0.05, 1, np.float32(0.05), np.int64(2)])
def test_a_rate_is_any_finite_number_above_zero(value) -> None:
    check_rate("learning_rate", value)


@pytest.mark.parametrize("value", [0, -0.1, float("inf"), float("nan"), True, "0.1", None])
def test_anything_else_is_not_a_rate(value) -> None:
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0, got "):
        check_rate("learning_rate", value)


@pytest.mark.parametrize("value", [0, 0.0, "", [], False])
def test_a_required_value_is_returned_even_when_it_is_falsy(value) -> None:
    assert required(value, "the validation accuracy") is value


def test_a_missing_result_is_an_error_that_names_it() -> None:
    with pytest.raises(RuntimeError, match=r"^the results lack the validation accuracy$"):
        required(None, "the validation accuracy")
