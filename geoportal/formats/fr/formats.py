"""French as Morocco writes it (CLDR's ``fr-MA``): "." between thousands and a decimal comma,
"1.234.567,5", where Django's ``fr`` formats follow France ("1 234 567,5", with a non-breaking
space). The map's scripts format numbers through ``Intl`` with ``fr-MA``
(``geoportal.language.BROWSER_LOCALES``), so the server's pages and notes and the browser's maps,
measures and charts write the same number the same way."""

THOUSAND_SEPARATOR = "."
