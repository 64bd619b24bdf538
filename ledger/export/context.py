"""What every check of an export shares: the directory, the manifest, the trusted deployment, the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.chain.address_book import Deployment
from ledger.errors import VerificationError
from ledger.export import layout
from ledger.types import slug_to_bytes32


@dataclass
class ExportVerdict:
    """What ``verify-export`` learns: valid or not, every problem found, and what was proven."""

    directory: Path
    exporter: str = ""
    org: str = ""
    exported_at: str = ""
    records: int = 0
    erased: int = 0
    log_entries: int = 0
    anchored_heads: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Valid exactly when no check found a problem (derived, so it can never disagree)."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was proven, or the first problem and how many more there are."""
        if not self.valid:
            more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
            return f"INVALID: export {self.directory}: {self.problems[0]}{more}"
        return (
            f"VALID: export of {self.org} by {self.exporter} at {self.exported_at}: {self.records} records verified "
            f"({self.erased} erased: entry and receipt only), {self.log_entries} access-log entries included in a "
            f"head consistent with {self.anchored_heads} anchored heads, {self.files} files intact"
        )


@dataclass
class Context:
    root: Path
    manifest: layout.Manifest
    deployment: Deployment
    verdict: ExportVerdict
    progress: layout.Progress
    present: set[str] = field(default_factory=set)  # regular files found, relative POSIX paths
    _parents: dict[str, str | None] = field(default_factory=dict)

    def problem(self, message: str) -> None:
        self.verdict.problems.append(message)

    def read(self, path: str) -> bytes | None:
        """A file's bytes, or ``None`` when it is absent (the file check reports that, once) or unreadable."""
        if path not in self.present:
            return None
        try:
            return (self.root / path).read_bytes()
        except OSError as exc:
            self.problem(f"{path} cannot be read ({exc.strerror})")
            self.present.discard(path)
            return None

    def document(self, path: str) -> Any | None:
        """A file parsed as I-JSON; ``None`` (and a problem) when it does not parse."""
        data = self.read(path)
        if data is None:
            return None
        try:
            return layout.load_json(data, path)
        except VerificationError as exc:
            self.problem(exc.message)
            return None

    def oversees(self, owner: str) -> bool:
        """Whether the exporting organisation owns ``owner``'s records or supervises ``owner`` (on-chain)."""
        if owner == self.manifest.org:
            return True
        if owner not in self._parents:
            try:
                slug_to_bytes32(owner)
            except ValueError:
                return False  # no organisation id at all
            info = self.deployment.membership.get_org(owner)
            self._parents[owner] = info.parent if info is not None else None
        return self._parents[owner] == self.manifest.org
