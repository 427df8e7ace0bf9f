"""Prose formatting: exact strings, and missing values never printed as 0 or ∞."""
import math

import pandas as pd

from analysis.report import text


def test_num_and_interval():
    assert text.num(1234.567) == "1,234.6"
    assert text.num(1234.567, 0, thousands=False) == "1235"
    assert text.num(math.inf) == "∞" and text.num(float("nan")) == "n/a" and text.num(None) == "n/a"
    assert text.interval(21.02, math.inf) == "21.0–∞"


def test_pct_and_pval():
    assert text.pct(0.8478) == "84.8 %"
    assert text.pct(0.8478, 0, unit="%") == "85%"
    assert text.pct(float("nan"), missing="undefined") == "undefined"
    assert text.pval(0.0352) == "0.035" and text.pval(1e-9) == "< 0.001"
    assert text.pval(0.00005, decimals=4) == "< 0.0001" and text.pval(None) == "n/a"


def test_table_text_dates_and_rounding():
    df = pd.DataFrame({"d": pd.to_datetime(["2023-01-09", None]), "x": [1.23456, 2.0]})
    out = text.table_text(df)
    assert "2023-01-09" in out and "(unknown)" in out and "1.23" in out and "1.2345" not in out
