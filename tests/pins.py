"""Read the pinned versions of requirements.txt / constraints.txt and environment.yml (tests of the pins)."""
import re


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_pins(text: str) -> dict:
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert m, f"requirements.txt: '{line}' is not an exact pin (name==version)"
        pins[norm(m.group(1))] = m.group(2)
    return pins


def conda_pins(env: dict) -> dict:
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep in ("pip",) or dep.startswith("python="):
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)=([^=\s]+)", dep)
        assert m, f"environment.yml: '{dep}' is not an exact pin (name=version)"
        pins[norm(m.group(1))] = m.group(2)
    return pins
