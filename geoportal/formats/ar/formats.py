"""Arabic: Django's ``ar`` formats write thousands with "." but set no grouping, so its numbers
came out whole ("1234567,5") where French and English pages group them. Grouped by three, as
Moroccan Arabic writes them and as the map's scripts do through ``Intl`` for ``ar-MA``
(``geoportal.language.BROWSER_LOCALES``): "1.234.567,5"."""

NUMBER_GROUPING = 3
