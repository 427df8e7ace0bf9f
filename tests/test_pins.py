"""requirements.txt and environment.yml must pin the same packages at the same exact versions."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_pins(text: str) -> dict:
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert m, f"requirements.txt: '{line}' is not an exact pin (name==version)"
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def conda_pins(env: dict) -> dict:
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep in ("pip",) or dep.startswith("python="):
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)=([^=\s]+)", dep)
        assert m, f"environment.yml: '{dep}' is not an exact pin (name=version)"
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_pins_identical():
    pip = pip_pins((ROOT / "requirements.txt").read_text())
    conda = conda_pins(yaml.safe_load((ROOT / "environment.yml").read_text()))
    assert pip == conda, {k: (pip.get(k), conda.get(k)) for k in set(pip) | set(conda) if pip.get(k) != conda.get(k)}


def test_constraints_agree_with_requirements():
    pip = pip_pins((ROOT / "requirements.txt").read_text())
    lock = pip_pins((ROOT / "constraints.txt").read_text())
    for name, version in pip.items():
        assert lock.get(name) == version, f"constraints.txt pins {name}=={lock.get(name)}, requirements {version}"


def test_drift_is_detected():
    assert pip_pins("pandas==3.1.1\n") != conda_pins({"dependencies": ["pandas=3.1.0"]})


def test_loose_pin_rejected():
    import pytest
    with pytest.raises(AssertionError, match="not an exact pin"):
        pip_pins("pandas>=3\n")
