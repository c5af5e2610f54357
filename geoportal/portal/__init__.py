"""The citizens' and planners' geoportal: the Leaflet map, its layer tree and search, open data."""
