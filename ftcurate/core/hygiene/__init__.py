"""Building blocks of the hygiene check: text rules, language identification, token counting."""
