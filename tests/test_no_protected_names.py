"""No published file names a protected person (a minor whose name a source prints as initials).

The protected persons and every name form the sources print for them are derived from data/raw through
analysis.register.privacy (nothing typed here). Published files: data/processed/*, outputs/**/*.csv|json|md,
notebooks/*.ipynb and outputs/report/** when present. A hit names the file, the line and the matched text.
"""

import pytest

from analysis import paths
from analysis.register import privacy
from tests.published import hits_in, published_files













@pytest.fixture(scope="module")
def protected():
    found = privacy.protected_from_raw()
    assert len(found) >= 7     # D.A.Q., R.P.M.L., C. M. R. L., J.W.T.C. and the three Juliaca minors at least
    return found


FILES = published_files(paths.ROOT)


def test_published_files_found():
    names = {p.name for p in FILES}
    assert {"events.csv", "mentions_linked.csv", "match_report.csv", "cleaning_log.csv", "cleaning_log.md",
            "02-descriptive.ipynb"} <= names


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(paths.ROOT)) for p in FILES])
def test_no_protected_name(path, protected):
    found = hits_in(path, protected)
    assert not found, f"{len(found)} protected name(s) in {path}:\n" + "\n".join(found[:20])
