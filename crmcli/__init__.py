"""crm: a command-line relationship tracker for salespeople."""

__version__ = "0.1.0"
