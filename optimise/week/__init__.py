"""The week's roster of named people: daily requirements, the roster MILP, its rules and its diagnosis.

* :mod:`optimise.week.days`      requirements and shift patterns of every day of the horizon
* :mod:`optimise.week.model`     the roster MILP (formulation in its docstring)
* :mod:`optimise.week.solve`     two-stage solve (least cost, then fairness), the roster read back
* :mod:`optimise.week.diagnose`  why a week cannot be rostered: pre-check and elastic re-solve
* :mod:`optimise.week.checks`    every rule checked on a roster (independently of the MILP)
"""
