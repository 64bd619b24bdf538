"""The self-verifying export (docs/spec/export.md): write one, and check one with the base install alone.

QLDB's end of support left its users with digests nobody could check. An export here
holds everything needed to check it against any node of the chain after every GridLedger
server is gone: records with receipts and full disclosures, the access log with its
proofs, the address book, and a manifest the exporter signed.
"""

from __future__ import annotations

from ledger.export.checker import Opened, check_export, export_address_book, open_export
from ledger.export.context import ExportVerdict
from ledger.export.layout import EXPORT_FORMAT, ExportError, Progress
from ledger.export.writer import ExportSummary, write_export

__all__ = [
    "EXPORT_FORMAT",
    "ExportError",
    "ExportSummary",
    "ExportVerdict",
    "Opened",
    "Progress",
    "check_export",
    "export_address_book",
    "open_export",
    "write_export",
]
