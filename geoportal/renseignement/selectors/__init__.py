"""Reads of the e-renseignement, one module per step of a note:

- ``subjects``: finding the land (a parcel reference, a map click, a drawn outline);
- ``overlay``: the overlay of the planning layers on it, one SQL statement (``sql/overlay.sql``);
- ``shares``: each zone's share of the land, rounded so that the shares add up to the whole;
- ``content``: the note's content as a plain JSON-able dict;
- ``mapextract``: the geometries of the note's map extract;
- ``dataversion``: the version of the zoning layers a note is computed from;
- ``verification``: whether an issued note is authentic and whether the rules changed since.
"""
