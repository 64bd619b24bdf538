// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IRecordRegistry
 * @notice Anchors of record batches (one Merkle root per batch, any size) and of the
 * access log's tree heads. Only hashes reach the chain; never a payload.
 *
 * Log heads are namespaced by the anchoring organisation: a head anchored by an account of
 * organisation B lands in B's copy of a log id, never in A's, so the views take the
 * organisation as well as the log id. Times and blocks are `uint48` written through
 * OpenZeppelin SafeCast (a value that does not fit reverts rather than wraps).
 */
interface IRecordRegistry {
    /// @notice A batch anchor. `anchoredAt` is the block timestamp, `blockNumber` the block.
    /// Four storage slots (root; org; anchorer, size and time; block): anchoring costs the same
    /// for 1 or 10,000 entries.
    struct Batch {
        bytes32 root;
        bytes32 org;
        address anchorer;
        uint32 size;
        uint48 anchoredAt;
        uint48 blockNumber;
    }

    /// @notice An anchored head of an append-only log (RFC 6962 tree size and root); two storage slots.
    struct LogHead {
        uint64 treeSize;
        uint48 anchoredAt;
        uint48 blockNumber;
        bytes32 root;
    }

    /// @notice `account` does not hold the anchorer role in an active organisation.
    error RegistryUnauthorizedAnchorer(address account);
    /// @notice The batch id, root or size is zero.
    error RegistryInvalidBatch(bytes32 batchId, bytes32 root, uint32 size);
    /// @notice A batch with this id is already anchored.
    error RegistryBatchExists(bytes32 batchId);
    /// @notice This root is already anchored, as batch `batchId`.
    error RegistryDuplicateRoot(bytes32 root, bytes32 batchId);
    /// @notice No batch with this id.
    error RegistryUnknownBatch(bytes32 batchId);
    /// @notice A log head must grow the log: `treeSize` must exceed the last size anchored for `org`'s `logId`.
    error RegistryLogNotGrowing(bytes32 org, bytes32 logId, uint64 lastSize, uint64 treeSize);
    /// @notice The log head's root is zero.
    error RegistryInvalidLogHead(bytes32 logId);
    /// @notice No head with that index for `org`'s log `logId`.
    error RegistryUnknownLogHead(bytes32 org, bytes32 logId, uint256 index);

    /// @notice Emitted when a batch root is anchored.
    event BatchAnchored(
        bytes32 indexed batchId, bytes32 indexed root, bytes32 indexed org, uint32 size, address anchorer
    );
    /// @notice Emitted when a head of `org`'s log `logId` is anchored (`org` is the anchorer's organisation).
    event LogHeadAnchored(bytes32 indexed logId, bytes32 indexed org, uint64 treeSize, bytes32 root, address anchorer);

    function anchor(bytes32 batchId, bytes32 root, uint32 size) external;

    function anchorLogHead(bytes32 logId, uint64 treeSize, bytes32 root) external;

    function getBatch(bytes32 batchId) external view returns (Batch memory);

    function batchIdOf(bytes32 root) external view returns (bytes32);

    function logHeadCount(bytes32 org, bytes32 logId) external view returns (uint256);

    function logHeadAt(bytes32 org, bytes32 logId, uint256 index) external view returns (LogHead memory);

    function latestLogHead(bytes32 org, bytes32 logId) external view returns (LogHead memory);
}
