"""Statistics over the register: exact intervals, rates, models, permutation tests, force indicators."""
