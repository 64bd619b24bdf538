// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IRecordRegistry
 * @notice Anchors of record batches (one Merkle root per batch, any size) and of the
 * access log's tree heads. Only hashes reach the chain; never a payload.
 */
interface IRecordRegistry {
    /// @notice A batch anchor. `anchoredAt` is the block timestamp, `blockNumber` the block.
    /// Packed into three storage slots: anchoring costs the same for 1 or 10,000 entries.
    struct Batch {
        bytes32 root;
        bytes32 org;
        address anchorer;
        uint32 size;
        uint32 anchoredAt;
        uint32 blockNumber;
    }

    /// @notice An anchored head of an append-only log (RFC 6962 tree size and root).
    struct LogHead {
        uint64 treeSize;
        uint64 anchoredAt;
        uint64 blockNumber;
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
    /// @notice A log head must grow the log: `treeSize` must exceed the last anchored size.
    error RegistryLogNotGrowing(bytes32 logId, uint64 lastSize, uint64 treeSize);
    /// @notice The log head's root is zero.
    error RegistryInvalidLogHead(bytes32 logId);
    /// @notice No head with that index for this log.
    error RegistryUnknownLogHead(bytes32 logId, uint256 index);

    /// @notice Emitted when a batch root is anchored.
    event BatchAnchored(
        bytes32 indexed batchId, bytes32 indexed root, bytes32 indexed org, uint32 size, address anchorer
    );
    /// @notice Emitted when a log's head is anchored.
    event LogHeadAnchored(bytes32 indexed logId, uint64 treeSize, bytes32 root, bytes32 indexed org, address anchorer);

    function anchor(bytes32 batchId, bytes32 root, uint32 size) external;

    function anchorLogHead(bytes32 logId, uint64 treeSize, bytes32 root) external;

    function getBatch(bytes32 batchId) external view returns (Batch memory);

    function batchIdOf(bytes32 root) external view returns (bytes32);

    function logHeadCount(bytes32 logId) external view returns (uint256);

    function logHeadAt(bytes32 logId, uint256 index) external view returns (LogHead memory);

    function latestLogHead(bytes32 logId) external view returns (LogHead memory);
}
