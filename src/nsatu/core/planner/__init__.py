"""The planner: an optimal matching of offers to needs through the hubs, explained.

Problem data (:mod:`.problem`) → model (:mod:`.model`) → solve (:mod:`.solve`) → plan
(:mod:`.plan`). The greedy baseline (:mod:`.greedy`) and the independent checker (:mod:`.check`)
sit beside it. Pure code: numpy and HiGHS only, no database or web import.
"""
