"""Published sources that offer lines are loaded from (``OfferLine.source``), with their citations."""

#: Lines loaded from the Kiel Ukraine Support Tracker, release 7 (item-level data to 2022-10-03).
KIEL_SOURCE = "kiel_ust_r7"
KIEL_CITATION = (
    "Antezza, A., Bushnell, K., Frank, A., Frank, P., Franz, L., Kharitonov, I., Kumar, B., "
    'Rebinskaya, E. & Trebesch, C. (2022). "The Ukraine Support Tracker: Which countries help '
    'Ukraine and how?". Kiel Working Paper, No. 2218, 1-65.'
)
