"""Reports on training: people trained per month by host nation and course type, fill and no-show rates."""
