// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAccessGrants} from "./interfaces/IAccessGrants.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {IRecordTypes} from "./interfaces/IRecordTypes.sol";
import {RelayedCalls} from "./RelayedCalls.sol";
import {Texts} from "./Texts.sol";

/**
 * @title AccessGrants
 * @notice Read grants between organisations, decided on-chain so that no gateway can
 * widen them. A grant is given by an admin of the owning organisation or of its
 * supervising subdistrict, for one record or one record type of the owner, for named
 * fields, a registered purpose and until an expiry; it can be revoked. Grants stop counting
 * the moment their expiry passes or their revocation is mined.
 *
 * A grant naming a field that {RecordTypes} knows as sensitive is only proposed: it counts
 * from the block in which a privacy reviewer of the supervising subdistrict office (not the
 * grantor) approves it, within the review window the consortium admin sets (default 7 days).
 *
 * Every length is bounded (at most 64 fields of at most 64 bytes), so no grant can be
 * made too costly to store, hash, index or read back.
 */
contract AccessGrants is IAccessGrants, RelayedCalls {
    uint256 private constant _MAX_FIELDS = 64;
    uint256 private constant _MAX_FIELD_BYTES = 64;
    uint8 private constant _ROLE_PRIVACY_REVIEWER = 128;
    bytes32 private constant _DEFAULT_ADMIN_ROLE = 0x00;
    uint64 private constant _DEFAULT_REVIEW_WINDOW = 7 days;
    uint64 private constant _MIN_REVIEW_WINDOW = 1 hours;
    uint64 private constant _MAX_REVIEW_WINDOW = 90 days;

    bytes32 private constant _GRANT_TYPEHASH = keccak256(
        "Grant(bytes32 ownerOrg,bytes32 granteeOrg,uint8 scopeKind,bytes32 scope,string[] fields,bytes32 purposeCode,"
        "bytes32 purposeHash,uint64 expiresAt,address signer,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _REVOKE_TYPEHASH =
        keccak256("Revoke(uint256 grantId,address signer,uint256 nonce,uint256 deadline)");
    bytes32 private constant _REVIEW_TYPEHASH = keccak256(
        "ReviewGrant(uint256 grantId,bool approved,bytes32 reasonHash,address signer,uint256 nonce,uint256 deadline)"
    );

    IMembership private immutable _membership;
    IRecordTypes private immutable _recordTypes;
    mapping(uint256 grantId => Grant) private _grants;
    uint256 private _grantCount;
    uint64 private _reviewWindow;

    /**
     * @param membership The consortium's {Membership} contract, asked who administers and reviews what.
     * @param recordTypes The consortium's {RecordTypes} contract, asked which fields are sensitive
     * and which purpose codes exist.
     * Emits {ReviewWindowSet} with the default window, 7 days.
     */
    constructor(IMembership membership, IRecordTypes recordTypes) EIP712("GridLedger AccessGrants", "1") {
        _membership = membership;
        _recordTypes = recordTypes;
        _reviewWindow = _DEFAULT_REVIEW_WINDOW;
        emit ReviewWindowSet(_DEFAULT_REVIEW_WINDOW, msg.sender);
    }

    /// @notice The {Membership} contract these grants trust.
    function membership() external view returns (IMembership) {
        return _membership;
    }

    /// @notice The {RecordTypes} contract these grants trust for sensitive fields and purpose codes.
    function recordTypes() external view returns (IRecordTypes) {
        return _recordTypes;
    }

    /**
     * @notice Grants `granteeOrg` read access to `fields` of the owner's records in scope.
     * Requirements: the caller is an admin of `ownerOrg` or of its supervising subdistrict;
     * both organisations are active and differ; a non-zero scope (a slug for a record type);
     * 1 to 64 fields of 1 to 64 bytes of plain text (see {Texts}); `purposeCode` registered in
     * {RecordTypes} and `purposeHash` non-zero; `expiresAt` in the future.
     * Emits {GrantCreated}; then, when a field is sensitive ({RecordTypes-isSensitive}), {GrantProposed}:
     * the grant allows nothing until it is approved ({approve}).
     * @return grantId The new grant's id, counting from 1.
     */
    function grant(GrantRequest calldata request) external returns (uint256 grantId) {
        return _grant(msg.sender, request);
    }

    /**
     * @notice {grant} relayed with `signer`'s EIP-712 signature.
     * Requirements: as {grant} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {GrantCreated}, and {GrantProposed} as {grant} does.
     */
    function grantBySig(
        GrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 grantId) {
        _checkRelayed(signer, _grantStructHash(request, signer, nonce, deadline), nonce, deadline, signature);
        return _grant(signer, request);
    }

    /**
     * @notice Revokes grant `grantId`; reads under it are refused from this block on. A proposed
     * grant may be revoked too (it can then no longer be approved).
     * Requirements: the grant exists and is not revoked; the caller is an admin of its
     * owner or of the owner's supervising subdistrict.
     * Emits {GrantRevoked}.
     */
    function revoke(uint256 grantId) external {
        _revoke(msg.sender, grantId);
    }

    /**
     * @notice {revoke} relayed with `signer`'s EIP-712 signature.
     * Emits {GrantRevoked}.
     */
    function revokeBySig(uint256 grantId, address signer, uint256 nonce, uint256 deadline, bytes calldata signature)
        external
    {
        bytes32 structHash = keccak256(abi.encode(_REVOKE_TYPEHASH, grantId, signer, nonce, deadline));
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _revoke(signer, grantId);
    }

    /**
     * @notice Approves proposed grant `grantId`: it allows reads from this block on.
     * `reasonHash` may be zero (no reason given) or the salted hash of the reviewer's words.
     * Requirements: the grant exists, is proposed, not revoked and its review deadline has not
     * passed; the caller holds the privacy-reviewer role in the reviewing office (the owner's
     * subdistrict for a committee, else the owner) and is not the grantor.
     * Emits {GrantApproved}.
     */
    function approve(uint256 grantId, bytes32 reasonHash) external {
        _review(msg.sender, grantId, true, reasonHash);
    }

    /**
     * @notice Refuses proposed grant `grantId` for good, with the salted hash of the reason.
     * Requirements: as {approve}; `reasonHash` non-zero.
     * Emits {GrantRefused}.
     */
    function refuse(uint256 grantId, bytes32 reasonHash) external {
        _review(msg.sender, grantId, false, reasonHash);
    }

    /**
     * @notice {approve} (`approved` true) or {refuse} relayed with `signer`'s EIP-712 signature.
     * Requirements: as {approve} or {refuse} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {GrantApproved} or {GrantRefused}.
     */
    function reviewBySig(
        uint256 grantId,
        bool approved,
        bytes32 reasonHash,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash =
            keccak256(abi.encode(_REVIEW_TYPEHASH, grantId, approved, reasonHash, signer, nonce, deadline));
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _review(signer, grantId, approved, reasonHash);
    }

    /**
     * @notice Sets the review window of grants proposed from now on (proposals already made keep
     * their deadline).
     * Requirements: the caller is the consortium admin (else {GrantsUnauthorized} with a zero
     * organisation); `window` is 1 hour to 90 days, in seconds.
     * Emits {ReviewWindowSet}.
     */
    function setReviewWindow(uint64 window) external {
        if (!IAccessControl(address(_membership)).hasRole(_DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert GrantsUnauthorized(msg.sender, bytes32(0));
        }
        if (window < _MIN_REVIEW_WINDOW || window > _MAX_REVIEW_WINDOW) revert GrantsInvalidReviewWindow(window);
        _reviewWindow = window;
        emit ReviewWindowSet(window, msg.sender);
    }

    /// @notice How long, in seconds, a proposed grant awaits review before it expires undecided.
    function reviewWindow() external view returns (uint64) {
        return _reviewWindow;
    }

    /// @notice The grant `grantId`. Requirements: it exists.
    function getGrant(uint256 grantId) external view returns (Grant memory) {
        return _existing(grantId);
    }

    /// @notice How many grants were ever created (ids run from 1 to this).
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    /**
     * @notice Whether grant `grantId` now lets `granteeOrg` read record `recordId` of type
     * `recordType` owned by `ownerOrg`: it exists, is neither revoked nor expired, names these
     * organisations, its scope covers the record, and it was approved by a privacy reviewer or
     * names no field that is sensitive now (a field labelled sensitive after the grant was made
     * stops an unreviewed grant).
     */
    function isAllowed(uint256 grantId, bytes32 granteeOrg, bytes32 ownerOrg, bytes32 recordId, bytes32 recordType)
        external
        view
        returns (bool)
    {
        Grant storage g = _grants[grantId];
        if (g.grantedAt == 0 || g.revokedAt != 0 || block.timestamp >= g.expiresAt) return false;
        if (g.review == Review.Proposed || g.review == Review.Refused) return false;
        if (g.granteeOrg != granteeOrg || g.ownerOrg != ownerOrg) return false;
        if (!_membership.getOrg(granteeOrg).active) return false;
        if (g.scopeKind == ScopeKind.Record ? g.scope != recordId : g.scope != recordType) return false;
        // a field that became sensitive after an unreviewed grant was made stops that grant: it was
        // never reviewed for it (the grantor grants again, and the new grant is proposed)
        return g.review == Review.Approved || !_namesSensitive(g.fields);
    }

    /// @dev Whether any of `fields` is now sensitive in the consortium's record types.
    function _namesSensitive(string[] storage fields) private view returns (bool) {
        for (uint256 i = 0; i < fields.length; ++i) {
            if (_recordTypes.isSensitive(fields[i])) return true;
        }
        return false;
    }

    function _grant(address actor, GrantRequest calldata r) private returns (uint256 grantId) {
        IMembership.Org memory owner = _requireAdmin(actor, r.ownerOrg);
        if (!_membership.getOrg(r.granteeOrg).active) revert GrantsUnknownOrg(r.granteeOrg);
        if (r.granteeOrg == r.ownerOrg) revert GrantsSelfGrant(r.ownerOrg);
        if (r.scope == bytes32(0) || (r.scopeKind == ScopeKind.RecordType && !Texts.isSlug(r.scope))) {
            revert GrantsInvalidScope();
        }
        if (r.fields.length == 0 || r.fields.length > _MAX_FIELDS) revert GrantsInvalidFields(r.fields.length);
        if (r.purposeHash == bytes32(0) || !_recordTypes.isPurpose(r.purposeCode)) revert GrantsInvalidPurpose();
        if (r.expiresAt <= block.timestamp) revert GrantsExpiryInPast(r.expiresAt, block.timestamp);
        grantId = ++_grantCount;
        Grant storage g = _grants[grantId];
        g.ownerOrg = r.ownerOrg;
        g.granteeOrg = r.granteeOrg;
        g.scopeKind = r.scopeKind;
        g.scope = r.scope;
        g.expiresAt = r.expiresAt;
        g.grantedAt = SafeCast.toUint64(block.timestamp);
        g.grantor = actor;
        g.purposeCode = r.purposeCode;
        g.purposeHash = r.purposeHash;
        bool sensitive = false;
        for (uint256 i = 0; i < r.fields.length; ++i) {
            _requireFieldName(i, r.fields[i]);
            g.fields.push(r.fields[i]);
            if (!sensitive && _recordTypes.isSensitive(r.fields[i])) sensitive = true;
        }
        _emitGrantCreated(grantId, r, actor);
        if (sensitive) _propose(g, grantId, _reviewerOf(owner, r.ownerOrg));
    }

    /// @dev Marks a new grant proposed, awaiting a privacy reviewer of `reviewerOrg` for one review window.
    function _propose(Grant storage g, uint256 grantId, bytes32 reviewerOrg) private {
        uint64 reviewDeadline = SafeCast.toUint64(block.timestamp + _reviewWindow);
        g.review = Review.Proposed;
        g.reviewDeadline = reviewDeadline;
        emit GrantProposed(grantId, reviewerOrg, reviewDeadline);
    }

    function _review(address actor, uint256 grantId, bool approved, bytes32 reasonHash) private {
        Grant storage g = _existing(grantId);
        if (g.review != Review.Proposed) revert GrantsNotProposed(grantId);
        if (g.revokedAt != 0) revert GrantsAlreadyRevoked(grantId);
        if (block.timestamp >= g.reviewDeadline) revert GrantsProposalExpired(grantId, g.reviewDeadline);
        if (block.timestamp >= g.expiresAt) revert GrantsProposalExpired(grantId, g.expiresAt);
        bytes32 reviewerOrg = _reviewerOf(_membership.getOrg(g.ownerOrg), g.ownerOrg);
        (bytes32 actorOrg, uint8 roles) = _membership.membershipOf(actor);
        if (actorOrg != reviewerOrg || roles & _ROLE_PRIVACY_REVIEWER == 0) revert GrantsNotReviewer(actor, reviewerOrg);
        if (actor == g.grantor) revert GrantsSelfReview(actor);
        if (!approved && reasonHash == bytes32(0)) revert GrantsInvalidReason();
        g.review = approved ? Review.Approved : Review.Refused;
        g.reviewer = actor;
        g.reviewedAt = SafeCast.toUint64(block.timestamp);
        g.reviewReasonHash = reasonHash;
        if (approved) emit GrantApproved(grantId, actor, reasonHash);
        else emit GrantRefused(grantId, actor, reasonHash);
    }

    /// @dev The office whose privacy reviewer decides grants of `ownerOrg`: its subdistrict for a committee, else itself.
    function _reviewerOf(IMembership.Org memory owner, bytes32 ownerOrg) private pure returns (bytes32) {
        return owner.kind == IMembership.OrgKind.Committee ? owner.parent : ownerOrg;
    }

    function _emitGrantCreated(uint256 grantId, GrantRequest calldata r, address actor) private {
        emit GrantCreated(
            grantId,
            r.ownerOrg,
            r.granteeOrg,
            r.scopeKind,
            r.scope,
            r.fields,
            r.purposeCode,
            r.purposeHash,
            r.expiresAt,
            actor
        );
    }

    /// @dev A field name is 1 to 64 bytes of plain text ({Texts}), so every indexer can decode and store it.
    function _requireFieldName(uint256 index, string calldata name) private pure {
        bytes calldata raw = bytes(name);
        if (raw.length == 0 || raw.length > _MAX_FIELD_BYTES || !Texts.isPlainText(raw)) {
            revert GrantsInvalidField(index);
        }
    }

    function _grantStructHash(GrantRequest calldata r, address signer, uint256 nonce, uint256 deadline)
        private
        pure
        returns (bytes32)
    {
        bytes memory head = abi.encode(
            _GRANT_TYPEHASH, r.ownerOrg, r.granteeOrg, uint8(r.scopeKind), r.scope, _hashStrings(r.fields)
        );
        return keccak256(
            bytes.concat(head, abi.encode(r.purposeCode, r.purposeHash, r.expiresAt, signer, nonce, deadline))
        );
    }

    function _revoke(address actor, uint256 grantId) private {
        Grant storage g = _existing(grantId);
        if (g.revokedAt != 0) revert GrantsAlreadyRevoked(grantId);
        _requireAdmin(actor, g.ownerOrg);
        g.revokedAt = SafeCast.toUint64(block.timestamp);
        emit GrantRevoked(grantId, g.ownerOrg, g.granteeOrg, actor);
    }

    function _existing(uint256 grantId) private view returns (Grant storage g) {
        g = _grants[grantId];
        if (g.grantedAt == 0) revert GrantsUnknownGrant(grantId);
    }

    function _requireAdmin(address actor, bytes32 ownerOrg) private view returns (IMembership.Org memory owner) {
        owner = _membership.getOrg(ownerOrg);
        if (!owner.active) revert GrantsUnknownOrg(ownerOrg);
        bool bySupervisor = owner.kind == IMembership.OrgKind.Committee && _membership.isOrgAdmin(actor, owner.parent);
        if (!_membership.isOrgAdmin(actor, ownerOrg) && !bySupervisor) revert GrantsUnauthorized(actor, ownerOrg);
    }

    function _hashStrings(string[] calldata values) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            hashes[i] = keccak256(bytes(values[i]));
        }
        return keccak256(abi.encodePacked(hashes));
    }
}
