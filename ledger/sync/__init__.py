"""``gridledger sync``: a department's verified mirror of what it may read (docs/sync.md).

    from ledger.sync import Mirror, sync_once
"""

from ledger.sync.mirror import Mirror, MirrorError
from ledger.sync.syncer import SyncResult, sync_once

__all__ = ["Mirror", "MirrorError", "SyncResult", "sync_once"]
