// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {IRecordTypes} from "./interfaces/IRecordTypes.sol";
import {RelayedCalls} from "./RelayedCalls.sol";
import {Texts} from "./Texts.sol";

/**
 * @title RecordTypes
 * @notice Record-type versions and purpose codes, registered by the consortium's standards
 * body: the consortium admin, or a member holding the standards role in {Membership}.
 *
 * Its own contract, beside {AccessGrants}, which reads two facts from it: whether a field
 * name is sensitive, and whether a purpose code is registered. Every change may be sent by
 * the acting member or relayed with its EIP-712 signature ({RelayedCalls}).
 *
 * Every length is bounded (at most 64 sensitive fields of at most 64 bytes per version),
 * so no registration can be made too costly to store, hash, index or read back.
 */
contract RecordTypes is IRecordTypes, RelayedCalls {
    uint8 private constant _ROLE_STANDARDS = 64;
    bytes32 private constant _DEFAULT_ADMIN_ROLE = 0x00;
    uint256 private constant _MAX_FIELDS = 64;
    uint256 private constant _MAX_FIELD_BYTES = 64;

    bytes32 private constant _REGISTER_VERSION_TYPEHASH = keccak256(
        "RegisterVersion(bytes32 name,bytes32 versionHash,bytes32 supersedes,bytes32 sensitiveFields,address signer,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _REGISTER_PURPOSE_TYPEHASH =
        keccak256("RegisterPurpose(bytes32 code,address signer,uint256 nonce,uint256 deadline)");

    IMembership private immutable _membership;
    mapping(bytes32 versionHash => TypeVersion) private _versions;
    /// @dev Each name's line of versions, oldest first.
    mapping(bytes32 name => bytes32[]) private _lines;
    bytes32[] private _names;
    /// @dev The consortium-wide set of sensitive field names, by keccak256 of the name; never shrinks.
    mapping(bytes32 fieldHash => bool) private _sensitive;
    mapping(bytes32 code => bool) private _purposes;
    bytes32[] private _purposeCodes;

    /// @param membership The consortium's {Membership} contract, asked who is the standards body.
    constructor(IMembership membership) EIP712("GridLedger RecordTypes", "1") {
        _membership = membership;
    }

    /// @notice The {Membership} contract this registry trusts.
    function membership() external view returns (IMembership) {
        return _membership;
    }

    /**
     * @notice Registers version `versionHash` of record type `name`, superseding `supersedes`,
     * with the names of its fields labelled sensitive; they join the consortium-wide set.
     * Requirements: the caller is the consortium admin or holds the standards role; `name` a
     * slug; `versionHash` non-zero and never registered (under any name); `supersedes` the
     * latest version of `name`, or zero to start the line of a name with no versions; at most
     * 64 sensitive fields, each 1 to 64 bytes of plain text ({Texts}).
     * Emits {TypeVersionRegistered}.
     */
    function registerVersion(bytes32 name, bytes32 versionHash, bytes32 supersedes, string[] calldata sensitiveFields)
        external
    {
        _registerVersion(msg.sender, name, versionHash, supersedes, sensitiveFields);
    }

    /**
     * @notice {registerVersion} relayed with `signer`'s EIP-712 signature; the typed struct carries
     * the sensitive fields as the EIP-712 hash of a `string[]` (keccak256 of their keccak256es).
     * Requirements: as {registerVersion} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {TypeVersionRegistered}.
     */
    function registerVersionBySig(
        bytes32 name,
        bytes32 versionHash,
        bytes32 supersedes,
        string[] calldata sensitiveFields,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = _registerVersionStructHash(
            name, versionHash, supersedes, _hashStrings(sensitiveFields), signer, nonce, deadline
        );
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _registerVersion(signer, name, versionHash, supersedes, sensitiveFields);
    }

    /**
     * @notice Registers purpose code `code`, so that grants may name it.
     * Requirements: the caller is the consortium admin or holds the standards role; `code` a
     * slug not registered before.
     * Emits {PurposeRegistered}.
     */
    function registerPurpose(bytes32 code) external {
        _registerPurpose(msg.sender, code);
    }

    /**
     * @notice {registerPurpose} relayed with `signer`'s EIP-712 signature.
     * Requirements: as {registerPurpose} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {PurposeRegistered}.
     */
    function registerPurposeBySig(
        bytes32 code,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(abi.encode(_REGISTER_PURPOSE_TYPEHASH, code, signer, nonce, deadline));
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _registerPurpose(signer, code);
    }

    /// @notice Every type name with at least one version, in the order their lines started.
    function typeNames() external view returns (bytes32[] memory) {
        return _names;
    }

    /// @notice How many versions `name` has (zero for an unknown name).
    function versionCount(bytes32 name) external view returns (uint256) {
        return _lines[name].length;
    }

    /**
     * @notice The version of `name` at `index`, counting from 0 (the oldest).
     * Requirements: `index` is below {versionCount}; otherwise reverts {TypesUnknownIndex}.
     */
    function versionAt(bytes32 name, uint256 index) external view returns (bytes32) {
        bytes32[] storage line = _lines[name];
        if (index >= line.length) revert TypesUnknownIndex(name, index);
        return line[index];
    }

    /// @notice The newest version of `name`, or zero when it has none.
    function latestVersion(bytes32 name) public view returns (bytes32) {
        bytes32[] storage line = _lines[name];
        return line.length == 0 ? bytes32(0) : line[line.length - 1];
    }

    /// @notice The registered version `versionHash`. Requirements: it is registered ({TypesUnknownVersion}).
    function versionInfo(bytes32 versionHash) external view returns (TypeVersion memory) {
        TypeVersion storage v = _versions[versionHash];
        if (v.registeredAt == 0) revert TypesUnknownVersion(versionHash);
        return v;
    }

    /// @notice Whether version `versionHash` is registered (under any name).
    function isRegistered(bytes32 versionHash) public view returns (bool) {
        return _versions[versionHash].registeredAt != 0;
    }

    /// @notice Whether any registered version labels a field called `field` sensitive.
    function isSensitive(string calldata field) external view returns (bool) {
        return _sensitive[keccak256(bytes(field))];
    }

    /// @notice Whether purpose code `code` is registered.
    function isPurpose(bytes32 code) external view returns (bool) {
        return _purposes[code];
    }

    /// @notice Every registered purpose code, in registration order.
    function purposeCodes() external view returns (bytes32[] memory) {
        return _purposeCodes;
    }

    function _registerVersion(
        address actor,
        bytes32 name,
        bytes32 versionHash,
        bytes32 supersedes,
        string[] calldata sensitiveFields
    ) private {
        _requireStandards(actor);
        if (!Texts.isSlug(name)) revert TypesInvalidName(name);
        if (versionHash == bytes32(0) || isRegistered(versionHash)) revert TypesVersionTaken(versionHash);
        bytes32 latest = latestVersion(name);
        if (supersedes == bytes32(0) && latest != bytes32(0)) revert TypesNameTaken(name);
        if (supersedes != latest) revert TypesNotLatest(name, supersedes, latest);
        if (sensitiveFields.length > _MAX_FIELDS) revert TypesInvalidField(_MAX_FIELDS);
        bytes32[] storage line = _lines[name];
        if (line.length == 0) _names.push(name);
        uint256 index = line.length;
        line.push(versionHash);
        TypeVersion storage v = _versions[versionHash];
        v.name = name;
        v.index = SafeCast.toUint64(index);
        v.registeredAt = SafeCast.toUint64(block.timestamp);
        v.registrant = actor;
        for (uint256 i = 0; i < sensitiveFields.length; ++i) {
            _requireFieldName(i, sensitiveFields[i]);
            v.sensitiveFields.push(sensitiveFields[i]);
            _sensitive[keccak256(bytes(sensitiveFields[i]))] = true;
        }
        emit TypeVersionRegistered(name, versionHash, supersedes, index, sensitiveFields, actor);
    }

    function _registerPurpose(address actor, bytes32 code) private {
        _requireStandards(actor);
        if (!Texts.isSlug(code)) revert TypesInvalidPurpose(code);
        if (_purposes[code]) revert TypesPurposeTaken(code);
        _purposes[code] = true;
        _purposeCodes.push(code);
        emit PurposeRegistered(code, actor);
    }

    /// @dev The standards body: the consortium admin of {Membership}, or a member holding the standards role.
    function _requireStandards(address actor) private view {
        bool admin = IAccessControl(address(_membership)).hasRole(_DEFAULT_ADMIN_ROLE, actor);
        if (!admin && !_membership.hasMemberRole(actor, _ROLE_STANDARDS)) revert TypesUnauthorized(actor);
    }

    /// @dev A field name is 1 to 64 bytes of plain text ({Texts}), so every indexer can decode and store it.
    function _requireFieldName(uint256 index, string calldata name) private pure {
        bytes calldata raw = bytes(name);
        if (raw.length == 0 || raw.length > _MAX_FIELD_BYTES || !Texts.isPlainText(raw)) {
            revert TypesInvalidField(index);
        }
    }

    function _registerVersionStructHash(
        bytes32 name,
        bytes32 versionHash,
        bytes32 supersedes,
        bytes32 fieldsHash,
        address signer,
        uint256 nonce,
        uint256 deadline
    ) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                _REGISTER_VERSION_TYPEHASH, name, versionHash, supersedes, fieldsHash, signer, nonce, deadline
            )
        );
    }

    /// @dev EIP-712's encoding of a `string[]`: keccak256 of the concatenated keccak256 of each string.
    function _hashStrings(string[] calldata values) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            hashes[i] = keccak256(bytes(values[i]));
        }
        return keccak256(abi.encodePacked(hashes));
    }
}
