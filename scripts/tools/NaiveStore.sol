// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title NaiveStore
/// @notice The baseline the benchmark compares against: one transaction per record, storing its hash.
contract NaiveStore {
    /// @notice The hash is already stored.
    error NaiveStoreDuplicate(bytes32 hash);

    /// @notice Emitted when a record hash is stored.
    event Stored(bytes32 indexed hash, address indexed by);

    mapping(bytes32 hash => uint256 storedAt) private _storedAt;

    /// @notice Stores one record hash. Emits {Stored}.
    function store(bytes32 hash) external {
        if (_storedAt[hash] != 0) revert NaiveStoreDuplicate(hash);
        _storedAt[hash] = block.timestamp;
        emit Stored(hash, msg.sender);
    }
}
