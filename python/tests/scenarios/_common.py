"""Shared by the scenario scripts: how a scenario reports its observables."""

import json
import math


def clean(x):
    """Observables as JSON: numbers stay numbers, HOC and nrn objects become
    their names, containers recurse."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, (int, float)):
        return x if math.isfinite(x) else repr(x)
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (set, frozenset)):
        return sorted(str(v) for v in x)
    return str(x)


def report(**observables):
    print("RESULT " + json.dumps(clean(observables), sort_keys=True))


def every(vec, k):
    """Every k-th sample of a recorded Vector (and the last)."""
    xs = list(vec)
    return xs[::k] + xs[-1:]


def crossings(t, v, thresh=0.0):
    """Times of upward crossings of thresh in a recorded trace."""
    t, v = list(t), list(v)
    return [t[i] for i in range(1, len(v)) if v[i - 1] < thresh <= v[i]]
