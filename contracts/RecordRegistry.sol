// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {IRecordRegistry} from "./interfaces/IRecordRegistry.sol";

/**
 * @title RecordRegistry
 * @notice Anchors batch roots of record entries and heads of access logs.
 *
 * One transaction anchors one RFC 6962 root, whatever the batch size, so the cost per
 * record falls with the batch. Each entry inside a batch carries its author's EIP-712
 * signature, which verifiers check off-chain; the chain only vouches for the root, the
 * anchoring organisation and the time.
 *
 * Log heads are kept per (anchoring organisation, log id): an anchorer can only ever grow
 * its own organisation's logs, so a gateway that follows its own log under its own
 * organisation cannot be fed a head pushed by another member.
 */
contract RecordRegistry is IRecordRegistry {
    uint8 private constant _ROLE_ANCHORER = 16;

    IMembership private immutable _membership;
    mapping(bytes32 batchId => Batch) private _batches;
    mapping(bytes32 root => bytes32 batchId) private _batchOfRoot;
    mapping(bytes32 org => mapping(bytes32 logId => LogHead[])) private _logHeads;

    /// @param membership The consortium's {Membership} contract, asked who may anchor.
    constructor(IMembership membership) {
        _membership = membership;
    }

    /// @notice The {Membership} contract this registry trusts.
    function membership() external view returns (IMembership) {
        return _membership;
    }

    /**
     * @notice Anchors the root of a batch of `size` entries under `batchId`.
     * Requirements: the caller holds the anchorer role; id, root and size are non-zero;
     * neither the id nor the root was anchored before.
     * Emits {BatchAnchored}.
     */
    function anchor(bytes32 batchId, bytes32 root, uint32 size) external {
        bytes32 org = _requireAnchorer();
        if (batchId == bytes32(0) || root == bytes32(0) || size == 0) revert RegistryInvalidBatch(batchId, root, size);
        if (_batches[batchId].root != bytes32(0)) revert RegistryBatchExists(batchId);
        bytes32 existing = _batchOfRoot[root];
        if (existing != bytes32(0)) revert RegistryDuplicateRoot(root, existing);
        _batches[batchId] = Batch({
            root: root,
            org: org,
            anchorer: msg.sender,
            size: size,
            anchoredAt: SafeCast.toUint48(block.timestamp),
            blockNumber: SafeCast.toUint48(block.number)
        });
        _batchOfRoot[root] = batchId;
        emit BatchAnchored(batchId, root, org, size, msg.sender);
    }

    /**
     * @notice Anchors the head (tree size, root) of the caller's organisation's append-only log `logId`.
     * Requirements: the caller holds the anchorer role; the root is non-zero; the tree
     * size exceeds the last size anchored for this organisation's log.
     * Emits {LogHeadAnchored}.
     */
    function anchorLogHead(bytes32 logId, uint64 treeSize, bytes32 root) external {
        bytes32 org = _requireAnchorer();
        if (root == bytes32(0)) revert RegistryInvalidLogHead(logId);
        LogHead[] storage heads = _logHeads[org][logId];
        uint64 lastSize = heads.length == 0 ? 0 : heads[heads.length - 1].treeSize;
        if (treeSize <= lastSize) revert RegistryLogNotGrowing(org, logId, lastSize, treeSize);
        heads.push(
            LogHead({
                treeSize: treeSize,
                anchoredAt: SafeCast.toUint48(block.timestamp),
                blockNumber: SafeCast.toUint48(block.number),
                root: root
            })
        );
        emit LogHeadAnchored(logId, org, treeSize, root, msg.sender);
    }

    /// @notice The batch `batchId`. Requirements: it exists.
    function getBatch(bytes32 batchId) external view returns (Batch memory) {
        Batch memory batch = _batches[batchId];
        if (batch.root == bytes32(0)) revert RegistryUnknownBatch(batchId);
        return batch;
    }

    /// @notice The batch id under which `root` was anchored, or zero.
    function batchIdOf(bytes32 root) external view returns (bytes32) {
        return _batchOfRoot[root];
    }

    /// @notice How many heads of organisation `org`'s log `logId` were anchored.
    function logHeadCount(bytes32 org, bytes32 logId) external view returns (uint256) {
        return _logHeads[org][logId].length;
    }

    /// @notice The `index`-th anchored head of `org`'s log `logId`. Requirements: it exists.
    function logHeadAt(bytes32 org, bytes32 logId, uint256 index) public view returns (LogHead memory) {
        LogHead[] storage heads = _logHeads[org][logId];
        if (index >= heads.length) revert RegistryUnknownLogHead(org, logId, index);
        return heads[index];
    }

    /// @notice The newest anchored head of `org`'s log `logId`. Requirements: one exists.
    function latestLogHead(bytes32 org, bytes32 logId) external view returns (LogHead memory) {
        uint256 count = _logHeads[org][logId].length;
        if (count == 0) revert RegistryUnknownLogHead(org, logId, 0);
        return logHeadAt(org, logId, count - 1);
    }

    function _requireAnchorer() private view returns (bytes32 org) {
        (bytes32 orgId, uint8 roles) = _membership.membershipOf(msg.sender);
        if (orgId == bytes32(0) || roles & _ROLE_ANCHORER == 0) revert RegistryUnauthorizedAnchorer(msg.sender);
        return orgId;
    }
}
