"""The project's number and date formats where Django's own differ from the portal's languages as
Morocco writes them (``FORMAT_MODULE_PATH``). Only what differs is set; the rest is Django's."""
