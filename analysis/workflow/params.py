"""Notebook parameters: load the YAML parameter file and check it against each notebook's declared parameters.

A parameter file has two sections (see params/default.yaml for the commented format):
    shared:    {name: value}               given to every notebook that declares `name`
    notebooks: {notebook: {name: value}}   given to that notebook only; `name` must be declared there
and may say `extends: other.yaml` (relative to itself) to start from another file and override it.

Declared parameters come from papermill's inspection of the cell tagged "parameters". Their type is the
annotation (`x: int = 3`, `x = 3  # type: int`) or else the type of the default literal; a default of None
accepts any value. Some names also have their values checked (VALUE_RULES): dates (`*_date`, `window_start`,
`window_end`, `alt_cutoffs`) must be real calendar dates, and `contexts` / `alt_contexts` must name contexts of
analysis.register.vocab.CONTEXT. Every problem is reported before any notebook runs, with the parameter's name and, for a
mistyped name or value, the nearest valid one ("did you mean").
"""
import ast
import datetime as dt
import difflib
import io
import tokenize
from pathlib import Path

import yaml


class ParameterError(ValueError):
    """A parameter file that does not fit the notebooks' declared parameters."""


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps 2023-03-31 a string: notebook parameters are plain literals, never date objects."""


_NoDatesLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}

_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,),
          "dict": (dict,), "tuple": (list,)}


def did_you_mean(word, options) -> str:
    """' (did you mean 'x'?)' for the closest of `options`, or '' when none is close."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_yaml(path, what: str = "parameter file") -> dict:
    """Parse a YAML mapping with dates kept as strings; an empty file is an empty mapping.

    A missing or unparsable file is a one-line ParameterError naming it (and the line, for bad YAML)."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: {what} not found")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoDatesLoader) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ParameterError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def load_params(path) -> dict:
    """Return {"shared": {...}, "notebooks": {name: {...}}} with any `extends:` chain resolved."""
    path = Path(path)
    data = read_yaml(path)
    unknown = set(data) - {"shared", "notebooks", "extends"}
    if unknown:
        raise ParameterError(f"{path}: unknown top-level keys {sorted(unknown)}; allowed: shared, notebooks, "
                             f"extends{did_you_mean(sorted(unknown)[0], ['shared', 'notebooks', 'extends'])}")
    base = load_params(path.parent / data["extends"]) if data.get("extends") else {"shared": {}, "notebooks": {}}
    shared = {**base["shared"], **_mapping(data.get("shared"), path, "shared")}
    notebooks = {k: dict(v) for k, v in base["notebooks"].items()}
    for name, section in _mapping(data.get("notebooks"), path, "notebooks").items():
        notebooks[name] = {**notebooks.get(name, {}), **_mapping(section, path, f"notebooks.{name}")}
    return {"shared": shared, "notebooks": notebooks}


def _mapping(value, path, where) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterError(f"{path}: `{where}` must be a mapping, got {type(value).__name__}")
    return value


def declared_parameters(notebook_path) -> dict:
    """{name: {"type": type name or "any", "default": source text, "help": comment}} of a notebook."""
    import papermill  # imported here: papermill and nbformat take seconds to import, and most callers only read YAML
    found = papermill.inspect_notebook(str(notebook_path))
    return {name: {"type": _declared_type(p["inferred_type_name"], p["default"]),
                   "default": p["default"], "help": p["help"]} for name, p in found.items()}


def declared_in_source(source: str) -> dict:
    """declared_parameters for the source text of a parameters cell (papermill's own parser)."""
    import nbformat
    from papermill.translators import PythonTranslator
    found = PythonTranslator.inspect(nbformat.v4.new_code_cell(source))
    return {p.name: {"type": _declared_type(p.inferred_type_name, p.default), "default": p.default,
                     "help": p.help} for p in found}


def _declared_type(annotation: str, default: str) -> str:
    if annotation and annotation != "None":
        return annotation
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return "any"
    return "any" if value is None else type(value).__name__


def type_ok(value, type_name: str) -> bool:
    """Does a YAML value fit a declared type? bool is not an int; an int is a float; Optional[T] admits None."""
    type_name = type_name.replace(" ", "")
    if type_name.startswith("Optional[") and type_name.endswith("]"):
        return value is None or type_ok(value, type_name[len("Optional["):-1])
    base = type_name.split("[", 1)[0]
    if base not in _TYPES:
        return True  # an annotation we cannot check (e.g. a class name) is taken on trust
    if isinstance(value, bool) and base != "bool":
        return False
    return isinstance(value, _TYPES[base])


def describe(declared: dict) -> str:
    """The declared parameters, one per line, as the error messages list them."""
    if not declared:
        return "    (this notebook declares no parameters)"
    return "\n".join(f"    {name}: {d['type']} = {d['default']}" + (f"  # {d['help']}" if d["help"] else "")
                     for name, d in sorted(declared.items()))


def resolve(config: dict, declared: dict[str, dict]) -> dict[str, dict]:
    """Parameters for each notebook in `declared` ({notebook: declared parameters}), or ParameterError.

    Collects every problem (unknown notebook, unknown name, wrong type, shared key nobody declares) into one
    message so a reviewer fixes the file in one go.
    """
    problems, resolved = [], {}
    for nb in sorted(set(config["notebooks"]) - set(declared)):
        problems.append(f"section notebooks.{nb}: no such notebook; known: {', '.join(sorted(declared))}"
                        + did_you_mean(nb, declared))
    all_names = sorted({k for d in declared.values() for k in d})
    for key in sorted(config["shared"]):
        if not any(key in d for d in declared.values()):
            problems.append(f"shared.{key}: declared by no notebook{did_you_mean(key, all_names)}")
    for nb, decl in declared.items():
        shared = {k: v for k, v in config["shared"].items() if k in decl}
        own = config["notebooks"].get(nb, {})
        resolved[nb] = {**shared, **own}
        problems += _check_notebook(nb, decl, shared, own)
    if problems:
        raise ParameterError("invalid parameters:\n" + "\n".join(dict.fromkeys(problems)))
    return resolved


def _check_notebook(nb: str, decl: dict, shared: dict, own: dict, own_where=None) -> list[str]:
    """Problems of one notebook's values, each "<where>: <what>"; `own_where(key)` names where an own value
    was given (default: its place in the parameter file, notebooks.<nb>.<key>)."""
    own_where = own_where or (lambda key: f"notebooks.{nb}.{key}")
    problems = []
    for key in sorted(set(own) - set(decl)):
        problems.append(f"{own_where(key)}: {nb} has no parameter {key!r}{did_you_mean(key, decl)}; "
                        "its parameters are:\n" + describe(decl))
    for where, values in ((lambda key: f"shared.{key}", shared), (own_where, own)):
        for key, value in sorted(values.items()):
            if key not in decl:
                continue
            if not type_ok(value, decl[key]["type"]):
                problems.append(f"{where(key)}: {value!r} is {type(value).__name__}, but {nb} declares "
                                f"{key}: {decl[key]['type']} = {decl[key]['default']}; its parameters are:\n"
                                + describe(decl))
            else:
                problems += [f"{where(key)}: {p}" for p in check_value(key, value)]
    return problems


# ---------------------------------------------------------------- notebooks run by papermill directly

INJECTED_HEADER = "# Parameters"  # first line of the cell papermill injects (PythonTranslator.codify)


def check_injected(notebook: str = "this notebook", history=None, namespace=None) -> dict:
    """Check the values papermill injected (`papermill -p NAME VALUE`) as the runner checks a parameter file.

    Call it in the first code cell after the parameters cell, before anything else assigns names:
        from analysis.workflow.params import check_injected; check_injected("04-ethnic-disparity")
    The kernel does not know which names were injected, but IPython's input history does: papermill's injected
    cell starts with "# Parameters" and follows the parameters cell. An unknown name or a value of the wrong
    type raises the runner's ParameterError (same wording, "-p NAME" in place of the parameter file's key).
    Returns the injected {name: value}; {} when nothing was injected (run interactively or without -p).
    """
    if history is None or namespace is None:
        from IPython import get_ipython
        shell = get_ipython()
        if shell is None:
            return {}
        history, namespace = shell.history_manager.input_hist_raw, shell.user_ns
    cells = list(history)[:-1]  # the last entry is the calling cell
    at = next((i for i in range(len(cells) - 1, 0, -1) if _is_injected(cells[i])), None)
    if at is None:
        return {}
    names = [t.id for node in ast.parse(cells[at]).body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)]
    injected = {name: namespace[name] for name in names if name in namespace}
    problems = _check_notebook(notebook, declared_in_source(cells[at - 1]), {}, injected,
                               own_where=lambda key: f"-p {key}")
    if problems:
        raise ParameterError("invalid parameters:\n" + "\n".join(dict.fromkeys(problems)))
    return injected


def _is_injected(source: str) -> bool:
    """Papermill's cell: the header comment, then assignments with no comment of their own (a parameters cell
    that happens to start with the same comment has its inline comments, or is not only assignments)."""
    if source.lstrip().splitlines()[:1] != [INJECTED_HEADER]:
        return False
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        body = ast.parse(source).body
    except (tokenize.TokenError, SyntaxError):
        return False
    comments = [t for t in tokens if t.type == tokenize.COMMENT]
    return len(comments) == 1 and all(isinstance(node, ast.Assign) for node in body)


# ---------------------------------------------------------------- python -m analysis params

DEFAULT_WIDTH = 40  # longer defaults are cut in the listing (the notebook has them whole)


def listing(notebooks: list, config: dict | None = None, config_name: str = "") -> str:
    """Every parameter of every notebook: name, type, default, meaning (the inline comment), and the value a
    parameter file sets where it sets one. Names declared by several notebooks are listed at the end."""
    lines, owners = [], {}
    for path in notebooks:
        path = Path(path)
        decl = declared_parameters(path)
        given = resolve_one(config, path.stem, decl) if config else {}
        lines.append(f"{path.stem} ({len(decl)} parameter{'s' * (len(decl) != 1)})")
        rows = [(name, d["type"], _clip(d["default"]), d["help"] or "(no comment)") for name, d in decl.items()]
        width = [max([len(r[i]) for r in rows] + [0]) for i in range(3)]
        for name, type_name, default, meaning in rows:
            set_here = f"  [{config_name}: {given[name]!r}]" if name in given else ""
            lines.append(f"  {name:<{width[0]}}  {type_name:<{width[1]}}  {default:<{width[2]}}  "
                         f"{meaning}{set_here}")
            owners.setdefault(name, []).append(path.stem)
        lines.append("")
    shared = {n: o for n, o in owners.items() if len(o) > 1}
    if shared:
        lines.append("declared by several notebooks (a `shared:` value reaches each of them):")
        lines += [f"  {n}: {', '.join(o)}" for n, o in sorted(shared.items())]
    return "\n".join(lines).rstrip() + "\n"


def _clip(text: str, width: int = DEFAULT_WIDTH) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def resolve_one(config: dict, notebook: str, decl: dict) -> dict:
    """The values a parameter file gives one notebook (shared ones it declares, then its own)."""
    shared = {k: v for k, v in config["shared"].items() if k in decl}
    return {**shared, **config["notebooks"].get(notebook, {})}


# ---------------------------------------------------------------- values of known parameters

def _date_problems(value) -> list[str]:
    if not isinstance(value, str):
        return []
    try:
        if len(value) == 10:
            dt.date.fromisoformat(value)
            return []
    except ValueError:
        pass
    return [f"{value!r} is not a date on the calendar (YYYY-MM-DD, e.g. 2023-03-31)"]


def _context_problems(value) -> list[str]:
    from analysis.register.vocab import CONTEXT
    valid = sorted(CONTEXT)
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [f"{c!r} is not a context{did_you_mean(c, valid)}; valid values: {', '.join(valid)}"
            for c in values if c not in CONTEXT]


def _each(check):
    """The rule for a list of values (None entries allowed) from the rule for one value."""
    return lambda value: [p for v in (value or []) if v is not None for p in check(v)]


VALUE_RULES = {"contexts": _context_problems, "alt_contexts": _each(_context_problems),
               "window_start": _date_problems, "window_end": _date_problems, "alt_cutoffs": _each(_date_problems)}


def check_value(name: str, value) -> list[str]:
    """Problems with the value of a parameter whose meaning the suite knows (dates, contexts); [] otherwise."""
    rule = VALUE_RULES.get(name) or (_date_problems if name.endswith("_date") else None)
    return rule(value) if rule else []
