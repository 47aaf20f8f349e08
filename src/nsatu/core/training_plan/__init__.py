"""The seat plan: whole cohorts assigned to training events, prerequisites in order, explained.

Problem data (:mod:`.problem`) → model (:mod:`.model`) → solve (:mod:`.solve`) → plan
(:mod:`.plan`). The first-come-first-served baseline (:mod:`.greedy`), the explanations
(:mod:`.explain`) and the independent checker (:mod:`.check`) sit beside it. Pure code: HiGHS and
the standard library only, no database or web import.
"""
