"""The ``gridledger`` command line (assembled in :mod:`ledger.cli.app`)."""
