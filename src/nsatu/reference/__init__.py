"""Reference data: nations, organisations, sites (depots, hubs, handover points), capability areas
and the catalogue of item types.

Guarantees: nation codes are ISO 3166 alpha-3 and unique; NSNs are 13 digits; hub capacities are
non-negative; every edit checks the row's version.
"""
