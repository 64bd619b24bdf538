// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IAccessGrants
 * @notice Grants from an owning organisation (or its supervising subdistrict) to another
 * organisation to read records: one record or a record type of the owner, the granted
 * fields, a purpose and an expiry. Gateways ask {isAllowed} before every read.
 *
 * The purpose never reaches the chain as text (it may name a person, and nothing on-chain
 * can be erased). A grant carries a purpose code (an ASCII slug such as `subsidy-review`,
 * for grouping audits) and `purposeHash`, a salted SHA-256 of the free text that the
 * gateway keeps off-chain and can erase; see `ledger/purposes.py` for the exact hash.
 */
interface IAccessGrants {
    /// @notice What a grant covers: one record, or every record of one type of the owner.
    enum ScopeKind {
        Record,
        RecordType
    }

    /**
     * @notice What a grantor asks for: the owner, the grantee, the scope, the fields, the purpose
     * (code and salted hash of the off-chain text) and the expiry (Unix seconds).
     */
    struct GrantRequest {
        bytes32 ownerOrg;
        bytes32 granteeOrg;
        ScopeKind scopeKind;
        bytes32 scope;
        string[] fields;
        bytes32 purposeCode;
        bytes32 purposeHash;
        uint64 expiresAt;
    }

    /// @notice A grant as stored on-chain. Field names, purpose code and purpose hash are not personal data.
    struct Grant {
        bytes32 ownerOrg;
        bytes32 granteeOrg;
        ScopeKind scopeKind;
        bytes32 scope;
        uint64 expiresAt;
        uint64 grantedAt;
        uint64 revokedAt;
        address grantor;
        bytes32 purposeCode;
        bytes32 purposeHash;
        string[] fields;
    }

    /// @notice `actor` is not an admin of the owner or of its supervising subdistrict.
    error GrantsUnauthorized(address actor, bytes32 ownerOrg);
    /// @notice The organisation is not registered or not active.
    error GrantsUnknownOrg(bytes32 orgId);
    /// @notice An organisation cannot grant to itself.
    error GrantsSelfGrant(bytes32 orgId);
    /// @notice The scope is zero (or, for a record-type scope, not a slug).
    error GrantsInvalidScope();
    /// @notice A grant names 1 to 64 fields; this request named `count`.
    error GrantsInvalidFields(uint256 count);
    /// @notice The field name at `index` is empty, longer than 64 bytes, not UTF-8, or holds a control character.
    error GrantsInvalidField(uint256 index);
    /// @notice The purpose code is not a slug, or the purpose hash is zero.
    error GrantsInvalidPurpose();
    /// @notice The expiry is not in the future.
    error GrantsExpiryInPast(uint64 expiresAt, uint256 nowTimestamp);
    /// @notice No grant with this id.
    error GrantsUnknownGrant(uint256 grantId);
    /// @notice The grant was already revoked.
    error GrantsAlreadyRevoked(uint256 grantId);

    /// @notice Emitted when a grant is created.
    event GrantCreated(
        uint256 indexed grantId,
        bytes32 indexed ownerOrg,
        bytes32 indexed granteeOrg,
        ScopeKind scopeKind,
        bytes32 scope,
        string[] fields,
        bytes32 purposeCode,
        bytes32 purposeHash,
        uint64 expiresAt,
        address grantor
    );
    /// @notice Emitted when a grant is revoked.
    event GrantRevoked(uint256 indexed grantId, bytes32 indexed ownerOrg, bytes32 indexed granteeOrg, address revoker);

    function grant(GrantRequest calldata request) external returns (uint256 grantId);

    function revoke(uint256 grantId) external;

    function getGrant(uint256 grantId) external view returns (Grant memory);

    function grantCount() external view returns (uint256);

    function isAllowed(uint256 grantId, bytes32 granteeOrg, bytes32 ownerOrg, bytes32 recordId, bytes32 recordType)
        external
        view
        returns (bool);
}
