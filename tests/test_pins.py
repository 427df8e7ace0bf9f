"""requirements.txt and environment.yml must pin the same packages at the same exact versions."""
from pathlib import Path

import yaml

from tests.pins import conda_pins, pip_pins

ROOT = Path(__file__).resolve().parent.parent








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
