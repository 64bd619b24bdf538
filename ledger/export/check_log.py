"""§E-4 step 7: the access log of an export, proven against the chain as of the manifest's block.

``gridledger audit verify`` (:mod:`ledger.client.access_log`) checks a *live* log: every head
anchored up to now, proofs fetched from a gateway. An export is a snapshot: heads anchored
after it must not make it invalid, and no gateway answers. So the export carries its
proofs, and this module checks, with the same primitives (:mod:`ledger.merkle`,
:func:`ledger.log_heads.head_signer`) and the same rule (docs/spec/access-log.md §L-3):

1. the export's anchored heads are the first ones the registry holds for (org, log id),
   each exactly as on-chain, anchored no later than the manifest's block;
2. each is consistent with the one before, and the current head with the newest;
3. the current head is signed by an anchorer of the log's organisation (at the block);
4. every entry is included in the current head at its index, its leaf names that index,
   and it concerns a record the exporter oversees or is a read by the exporter's organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger import fields, merkle, seals
from ledger.errors import ProofError, VerificationError
from ledger.export import layout
from ledger.export.context import Context
from ledger.fields import FieldError, array, field, integer, mapping, obj, text
from ledger.log_heads import head_signer
from ledger.types import Role

MAX_PROOF = 64
MAX_HEADS = 1_000_000


@dataclass(frozen=True)
class Head:
    size: int
    root: bytes
    consistency: tuple[bytes, ...]
    block_number: int = 0
    anchored_at: int = 0


def _proof(value: Any) -> tuple[bytes, ...]:
    return array(fields.hex_bytes(32), MAX_PROOF)(value)


def _anchored(value: Any) -> Head:
    data = obj(value, "an anchored head")
    layout.closed(data, {"tree_size", "root", "block_number", "anchored_at", "consistency"}, "an anchored head")
    return Head(
        size=field(data, "tree_size", integer(1, layout.MAX_SAFE)),
        root=field(data, "root", fields.hex_bytes(32)),
        consistency=field(data, "consistency", _proof),
        block_number=field(data, "block_number", integer(0, layout.MAX_SAFE)),
        anchored_at=field(data, "anchored_at", integer(0, layout.MAX_SAFE)),
    )


def _heads(ctx: Context) -> tuple[bytes, str, list[Head], Head, bytes] | None:
    document = ctx.document(layout.HEADS)
    if document is None:
        return None
    try:
        data = obj(document, "heads.json")
        layout.closed(data, {"log_id", "org", "anchored", "head"}, "heads.json")
        current = field(data, "head", mapping)
        layout.closed(current, {"size", "root", "signature", "consistency"}, "head")
        signature = field(current, "signature", fields.hex_bytes(None), "head.")
        return (
            field(data, "log_id", fields.hex_bytes(32)),
            field(data, "org", fields.slug),
            list(field(data, "anchored", array(_anchored, MAX_HEADS))),
            Head(
                size=field(current, "size", integer(0, layout.MAX_SAFE), "head."),
                root=field(current, "root", fields.hex_bytes(32), "head."),
                consistency=field(current, "consistency", _proof, "head."),
            ),
            signature,
        )
    except FieldError as exc:
        ctx.problem(f"{layout.HEADS} is malformed: {exc}")
        return None


def _consistent(older: Head, newer: Head, proof: Sequence[bytes]) -> str | None:
    """``None`` when the log at ``older`` is a prefix of the log at ``newer``, else why not."""
    if older.size > newer.size:
        return f"a head of {newer.size} entries follows one of {older.size}"
    if older.size == newer.size:
        return None if older.root == newer.root and not proof else f"two different roots at size {older.size}"
    try:
        merkle.verify_consistency(older.size, newer.size, older.root, newer.root, proof)
    except ProofError as exc:
        return exc.message
    return None


def _check_heads(ctx: Context, log_id: bytes, org: str, anchored: list[Head], head: Head, signature: bytes) -> None:
    registry, block = ctx.deployment.registry, ctx.manifest.block
    count = registry.log_head_count(org, log_id)
    if count < len(anchored):
        ctx.problem(f"{layout.HEADS} lists {len(anchored)} anchored heads; the registry holds {count} for this log")
    for i, h in enumerate(anchored[:count]):
        on_chain = registry.log_head_at(org, log_id, i)
        facts = (on_chain.tree_size, on_chain.root, on_chain.block_number, on_chain.anchored_at)
        if facts != (h.size, h.root, h.block_number, h.anchored_at):
            ctx.problem(f"anchored head {i} of the access log is not the one on-chain")
        elif h.block_number > block:
            ctx.problem(f"anchored head {i} was anchored after the manifest's block")
    previous = Head(0, merkle.EMPTY_ROOT, ())
    for i, h in enumerate([*anchored, head]):
        if previous.size == 0 and h.consistency:
            problem: str | None = "a proof from the empty log must be empty"
        else:
            problem = None if previous.size == 0 else _consistent(previous, h, h.consistency)
        if problem:
            which = f"anchored head {i}" if i < len(anchored) else "the current head"
            ctx.problem(f"{which} of the access log is not consistent with the one before: {problem}")
        previous = h
    if head.size == 0:
        if head.root != merkle.EMPTY_ROOT or anchored or signature:
            ctx.problem("the access log's empty head has a root, anchored heads or a signature it cannot have")
        return
    try:
        signer = head_signer(log_id, head.size, head.root, signature)
    except ValueError:
        ctx.problem("the access log's current head carries no valid signature")
        return
    member_org, roles = ctx.deployment.membership.membership_of(signer, block=block)
    if member_org != org or not roles & Role.ANCHORER:
        ctx.problem(f"the access log's current head is not signed by an anchorer of {org}")


def _entry(ctx: Context, line: bytes, number: int, size: int) -> tuple[int, bytes, tuple[bytes, ...], Any] | None:
    where = f"{layout.ENTRIES} line {number}"
    try:
        data = obj(layout.load_json(line, where), where)
        layout.closed(data, {"idx", "leaf", "proof"} | ({"opened"} if "opened" in data else set()), where)
        idx = field(data, "idx", integer(0, max(size - 1, 0)))
        leaf = field(data, "leaf", text).encode("utf-8")
        proof = field(data, "proof", _proof)
        document = obj(layout.load_json(leaf, f"{where}'s leaf"), f"{where}'s leaf")
        if seals.is_stub(document):  # a sealed read: judged by its opened document, which must match its seal
            opened = obj(data.get("opened"), f"{where}'s opened document")
            problems = seals.check_opening(document, opened)
            if problems:
                ctx.problem(f"{where}: sealed entry {problems[0]}")
                return None
            document = {**opened, "idx": document["idx"]}
        elif "opened" in data:
            ctx.problem(f"{where}: only a sealed entry carries an opened document")
    except FieldError as exc:
        ctx.problem(f"{where} is malformed: {exc}")
        return None
    except (VerificationError, UnicodeEncodeError) as exc:
        ctx.problem(exc.message if isinstance(exc, VerificationError) else f"{where}: the leaf is not UTF-8 text")
        return None
    return idx, leaf, proof, document


def _check_entries(ctx: Context, size: int, root: bytes) -> None:
    data = ctx.read(layout.ENTRIES)
    if data is None:
        return
    if data and not data.endswith(b"\n"):
        ctx.problem(f"{layout.ENTRIES} does not end with a line feed")
    lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
    ctx.verdict.log_entries = len(lines)
    ctx.progress.stage("access-log entries", len(lines))
    last = -1
    for number, line in enumerate(lines, 1):
        ctx.progress.advance()
        parsed = _entry(ctx, line, number, size)
        if parsed is None:
            continue
        idx, leaf, proof, document = parsed
        where = f"access-log entry {idx}"
        if idx <= last:
            ctx.problem(f"{layout.ENTRIES} line {number}: entries must be in increasing order of idx, each once")
        last = max(last, idx)
        if document.get("idx") != idx:
            ctx.problem(f"{where}: its leaf names another position")
        try:
            merkle.verify_inclusion(idx, size, merkle.leaf_hash(leaf), proof, root)
        except ProofError as exc:
            ctx.problem(f"{where} is not in the access log's current head: {exc.message}")
            continue
        owner, accessor = document.get("owner_org"), document.get("accessor_org")
        mine = accessor == ctx.manifest.org or (isinstance(owner, str) and ctx.oversees(owner))
        if not mine:
            ctx.problem(f"{where} concerns neither a record {ctx.manifest.org} oversees nor a read by it")


def check_log(ctx: Context) -> None:
    parsed = _heads(ctx)
    if parsed is None:
        return
    log_id, org, anchored, head, signature = parsed
    ctx.verdict.anchored_heads = len(anchored)
    _check_heads(ctx, log_id, org, anchored, head, signature)
    _check_entries(ctx, head.size, head.root)
