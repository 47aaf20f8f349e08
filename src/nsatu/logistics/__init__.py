"""Logistics: consignments moving offered items from donor depots through the hubs to handover points,
their lines (what is carried), legs (how) and an append-only log of tracking events.

Guarantees: a consignment and each leg go between two different sites, a leg never arrives before it
departs; the lines of live consignments never carry more of an offer than it offers; lines change only
while the consignment is planned; status changes only through ``nsatu.core.lifecycles.CONSIGNMENT``;
tracking events are never edited; every edit checks the row's version.
"""
