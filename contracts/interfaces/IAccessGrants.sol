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
 * gateway keeps off-chain and can erase; see `ledger/purposes.py` for the exact hash. The
 * code must be registered in {IRecordTypes}.
 *
 * Two-person review: a grant naming any field that a registered record-type version labels
 * sensitive ({IRecordTypes-isSensitive}) is created *proposed*. It allows nothing until a
 * privacy reviewer of the supervising subdistrict office (of the owner itself when the owner
 * is no committee), who is not the grantor, approves it before its review deadline; a refused
 * or expired proposal never takes effect. The reviewer's reason, like the purpose, reaches the
 * chain only as a salted hash (`ledger/reviews.py`).
 */
interface IAccessGrants {
    /// @notice What a grant covers: one record, or every record of one type of the owner.
    enum ScopeKind {
        Record,
        RecordType
    }

    /// @notice Where a grant stands in two-person review: `None` when it named no sensitive field.
    enum Review {
        None,
        Proposed,
        Approved,
        Refused
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

    /**
     * @notice A grant as stored on-chain. Field names, purpose code and purpose hash are not personal data.
     * The review members are zero for a grant that needed no review (`review` None), and until a
     * proposal is decided for the reviewer, its time and its reason's salted hash.
     */
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
        Review review;
        uint64 reviewDeadline;
        address reviewer;
        uint64 reviewedAt;
        bytes32 reviewReasonHash;
    }

    /// @notice `actor` is not an admin of the owner or of its supervising subdistrict (or, with
    /// `ownerOrg` zero, not the consortium admin).
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
    /// @notice The purpose code is not registered in {IRecordTypes}, or the purpose hash is zero.
    error GrantsInvalidPurpose();
    /// @notice The expiry is not in the future.
    error GrantsExpiryInPast(uint64 expiresAt, uint256 nowTimestamp);
    /// @notice No grant with this id.
    error GrantsUnknownGrant(uint256 grantId);
    /// @notice The grant was already revoked.
    error GrantsAlreadyRevoked(uint256 grantId);
    /// @notice The grant is not awaiting review: it needed none, or was already approved or refused.
    error GrantsNotProposed(uint256 grantId);
    /// @notice The proposal's review deadline passed undecided; the grantor must grant again.
    error GrantsProposalExpired(uint256 grantId, uint64 reviewDeadline);
    /// @notice `actor` does not hold the privacy-reviewer role in `reviewerOrg`, the office that reviews the grant.
    error GrantsNotReviewer(address actor, bytes32 reviewerOrg);
    /// @notice The grantor cannot review its own grant.
    error GrantsSelfReview(address actor);
    /// @notice A refusal needs a non-zero reason hash.
    error GrantsInvalidReason();
    /// @notice A review window must be 1 hour to 90 days; this one is `window` seconds.
    error GrantsInvalidReviewWindow(uint64 window);

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
    /// @notice Emitted after {GrantCreated} when the grant names a sensitive field: it awaits a
    /// privacy reviewer of `reviewerOrg` until `reviewDeadline` (Unix seconds, exclusive).
    event GrantProposed(uint256 indexed grantId, bytes32 indexed reviewerOrg, uint64 reviewDeadline);
    /// @notice Emitted when a proposed grant is approved; it takes effect in this block.
    event GrantApproved(uint256 indexed grantId, address indexed reviewer, bytes32 reasonHash);
    /// @notice Emitted when a proposed grant is refused; it never takes effect.
    event GrantRefused(uint256 indexed grantId, address indexed reviewer, bytes32 reasonHash);
    /// @notice Emitted when the review window given to new proposals is set (also at deployment).
    event ReviewWindowSet(uint64 window, address indexed actor);

    function grant(GrantRequest calldata request) external returns (uint256 grantId);

    function revoke(uint256 grantId) external;

    function approve(uint256 grantId, bytes32 reasonHash) external;

    function refuse(uint256 grantId, bytes32 reasonHash) external;

    function setReviewWindow(uint64 window) external;

    function reviewWindow() external view returns (uint64);

    function getGrant(uint256 grantId) external view returns (Grant memory);

    function grantCount() external view returns (uint256);

    function isAllowed(uint256 grantId, bytes32 granteeOrg, bytes32 ownerOrg, bytes32 recordId, bytes32 recordType)
        external
        view
        returns (bool);
}
