// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IMembership} from "./interfaces/IMembership.sol";

/**
 * @title Membership
 * @notice Who belongs to the consortium, in which organisation, with which roles.
 *
 * The consortium admin (`DEFAULT_ADMIN_ROLE`) onboards subdistrict offices, departments and
 * operators; an admin of a subdistrict office onboards the residents' committees under it
 * and their members. Only the consortium admin hands out the anchorer role. Every change
 * may be sent by the acting member or relayed with its EIP-712 signature.
 */
contract Membership is IMembership, AccessControl, EIP712, Nonces {
    using Checkpoints for Checkpoints.Trace256;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Manages its organisation's members and grants.
    uint8 public constant ROLE_ADMIN = 1;
    /// @notice Commits records for its organisation.
    uint8 public constant ROLE_RECORDER = 2;
    /// @notice Audits reads of its organisation's (and supervised organisations') records.
    uint8 public constant ROLE_AUDITOR = 4;
    /// @notice Reads and verifies what its organisation was granted.
    uint8 public constant ROLE_VERIFIER = 8;
    /// @notice Anchors batch roots and log heads (gateways).
    uint8 public constant ROLE_ANCHORER = 16;
    uint8 private constant _ALL_ROLES = 31;

    bytes32 private constant _REGISTER_ORG_TYPEHASH = keccak256(
        "RegisterOrg(bytes32 orgId,uint8 kind,bytes32 parent,string name,address signer,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _ADD_MEMBER_TYPEHASH = keccak256(
        "AddMember(address account,bytes32 orgId,uint8 roles,address signer,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _SET_ROLES_TYPEHASH =
        keccak256("SetRoles(address account,uint8 roles,address signer,uint256 nonce,uint256 deadline)");
    bytes32 private constant _REMOVE_MEMBER_TYPEHASH =
        keccak256("RemoveMember(address account,address signer,uint256 nonce,uint256 deadline)");

    mapping(bytes32 orgId => Org) private _orgs;
    mapping(bytes32 orgId => uint256) private _orgIndex; // 1-based index into _orgIds
    bytes32[] private _orgIds;
    mapping(bytes32 orgId => EnumerableSet.AddressSet) private _orgMembers;
    EnumerableSet.AddressSet private _allMembers;
    /// @dev Per account, per block: (orgIndex << 8) | roles; zero means "no organisation".
    mapping(address account => Checkpoints.Trace256) private _history;

    /// @param consortiumAdmin The account that onboards subdistricts, departments and operators.
    constructor(address consortiumAdmin) EIP712("GridLedger Membership", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, consortiumAdmin);
    }

    /**
     * @notice Registers an organisation.
     * Requirements: `orgId` non-zero and new; a committee names an active subdistrict as
     * `parent` and is registered by the consortium admin or an admin of that subdistrict;
     * every other kind has no parent and is registered by the consortium admin.
     * Emits {OrgRegistered}.
     */
    function registerOrg(bytes32 orgId, OrgKind kind, bytes32 parent, string calldata name) external {
        _registerOrg(_msgSender(), orgId, kind, parent, name);
    }

    /**
     * @notice {registerOrg} relayed with `signer`'s EIP-712 signature.
     * Requirements: as {registerOrg} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {OrgRegistered}.
     */
    function registerOrgBySig(
        bytes32 orgId,
        OrgKind kind,
        bytes32 parent,
        string calldata name,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(
            abi.encode(
                _REGISTER_ORG_TYPEHASH, orgId, uint8(kind), parent, keccak256(bytes(name)), signer, nonce, deadline
            )
        );
        _checkSignature(signer, structHash, nonce, deadline, signature);
        _registerOrg(signer, orgId, kind, parent, name);
    }

    /**
     * @notice Deactivates an organisation and removes all its members.
     * Requirements: the organisation is active; the caller is the consortium admin, or for a
     * committee an admin of its subdistrict.
     * Emits {MemberRemoved} for each member, then {OrgDeactivated}.
     */
    function deactivateOrg(bytes32 orgId) external {
        address actor = _msgSender();
        Org storage org = _activeOrg(orgId);
        bool byParent = org.kind == OrgKind.Committee && isOrgAdmin(actor, org.parent);
        if (!hasRole(DEFAULT_ADMIN_ROLE, actor) && !byParent) revert MembershipUnauthorized(actor, orgId);
        EnumerableSet.AddressSet storage members = _orgMembers[orgId];
        while (members.length() > 0) {
            _removeMember(actor, members.at(members.length() - 1), orgId);
        }
        org.active = false;
        emit OrgDeactivated(orgId, actor);
    }

    /**
     * @notice Adds `account` to organisation `orgId` with `roles`.
     * Requirements: the caller may manage `orgId` ({canManage}); the account belongs to no
     * organisation; roles non-empty; only the consortium admin grants the anchorer role.
     * Emits {MemberAdded}.
     */
    function addMember(address account, bytes32 orgId, uint8 roles) external {
        _addMember(_msgSender(), account, orgId, roles);
    }

    /**
     * @notice {addMember} relayed with `signer`'s EIP-712 signature.
     * Requirements: as {addMember} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {MemberAdded}.
     */
    function addMemberBySig(
        address account,
        bytes32 orgId,
        uint8 roles,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash =
            keccak256(abi.encode(_ADD_MEMBER_TYPEHASH, account, orgId, roles, signer, nonce, deadline));
        _checkSignature(signer, structHash, nonce, deadline, signature);
        _addMember(signer, account, orgId, roles);
    }

    /**
     * @notice Replaces the roles of `account`.
     * Requirements: the account is a member; the caller may manage its organisation; roles
     * non-empty; only the consortium admin grants the anchorer role.
     * Emits {MemberRolesChanged}.
     */
    function setRoles(address account, uint8 roles) external {
        _setRoles(_msgSender(), account, roles);
    }

    /**
     * @notice {setRoles} relayed with `signer`'s EIP-712 signature.
     * Emits {MemberRolesChanged}.
     */
    function setRolesBySig(
        address account,
        uint8 roles,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(abi.encode(_SET_ROLES_TYPEHASH, account, roles, signer, nonce, deadline));
        _checkSignature(signer, structHash, nonce, deadline, signature);
        _setRoles(signer, account, roles);
    }

    /**
     * @notice Removes `account` from its organisation; from the next block it holds no role.
     * Requirements: the account is a member; the caller may manage its organisation.
     * Emits {MemberRemoved}.
     */
    function removeMember(address account) external {
        address actor = _msgSender();
        bytes32 orgId = _requireManagedMember(actor, account);
        _removeMember(actor, account, orgId);
    }

    /**
     * @notice {removeMember} relayed with `signer`'s EIP-712 signature.
     * Emits {MemberRemoved}.
     */
    function removeMemberBySig(
        address account,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(abi.encode(_REMOVE_MEMBER_TYPEHASH, account, signer, nonce, deadline));
        _checkSignature(signer, structHash, nonce, deadline, signature);
        bytes32 orgId = _requireManagedMember(signer, account);
        _removeMember(signer, account, orgId);
    }

    /// @notice The organisation `orgId` (kind `None` when unknown).
    function getOrg(bytes32 orgId) external view returns (Org memory) {
        return _orgs[orgId];
    }

    /// @notice Every organisation id ever registered, in registration order.
    function orgIds() external view returns (bytes32[] memory) {
        return _orgIds;
    }

    /// @notice The current members of `orgId`.
    function membersOf(bytes32 orgId) external view returns (address[] memory) {
        return _orgMembers[orgId].values();
    }

    /// @notice Every current member account of the consortium (for node allowlists).
    function members() external view returns (address[] memory) {
        return _allMembers.values();
    }

    /// @notice The organisation and roles of `account` now (zeroes when it is no member).
    function membershipOf(address account) public view returns (bytes32 orgId, uint8 roles) {
        return _decode(_history[account].latest());
    }

    /// @notice The organisation and roles of `account` at the end of block `blockNumber`.
    function membershipAt(address account, uint256 blockNumber) external view returns (bytes32 orgId, uint8 roles) {
        return _decode(_history[account].upperLookupRecent(blockNumber));
    }

    /// @notice Whether `account` now holds every bit of `role` in an active organisation.
    function hasMemberRole(address account, uint8 role) public view returns (bool) {
        (bytes32 orgId, uint8 roles) = membershipOf(account);
        return orgId != bytes32(0) && role != 0 && roles & role == role;
    }

    /// @notice Whether `account` is now an admin of organisation `orgId`.
    function isOrgAdmin(address account, bytes32 orgId) public view returns (bool) {
        (bytes32 memberOrg, uint8 roles) = membershipOf(account);
        return orgId != bytes32(0) && memberOrg == orgId && roles & ROLE_ADMIN != 0;
    }

    /// @notice Whether `actor` may manage `orgId`: consortium admin, its admin, or an admin of its subdistrict.
    function canManage(address actor, bytes32 orgId) public view returns (bool) {
        Org storage org = _orgs[orgId];
        if (!org.active) return false;
        if (hasRole(DEFAULT_ADMIN_ROLE, actor) || isOrgAdmin(actor, orgId)) return true;
        return org.kind == OrgKind.Committee && isOrgAdmin(actor, org.parent);
    }

    function _registerOrg(address actor, bytes32 orgId, OrgKind kind, bytes32 parent, string calldata name) private {
        if (orgId == bytes32(0) || _orgs[orgId].kind != OrgKind.None) revert MembershipInvalidOrgId(orgId);
        if (kind == OrgKind.Committee) {
            if (_orgs[parent].kind != OrgKind.Subdistrict || !_orgs[parent].active) {
                revert MembershipInvalidParent(kind, parent);
            }
            if (!hasRole(DEFAULT_ADMIN_ROLE, actor) && !isOrgAdmin(actor, parent)) {
                revert MembershipUnauthorized(actor, parent);
            }
        } else {
            if (kind == OrgKind.None || parent != bytes32(0)) revert MembershipInvalidParent(kind, parent);
            if (!hasRole(DEFAULT_ADMIN_ROLE, actor)) revert MembershipUnauthorized(actor, orgId);
        }
        _orgs[orgId] = Org({kind: kind, parent: parent, active: true, name: name});
        _orgIds.push(orgId);
        _orgIndex[orgId] = _orgIds.length;
        emit OrgRegistered(orgId, kind, parent, name, actor);
    }

    function _addMember(address actor, address account, bytes32 orgId, uint8 roles) private {
        _activeOrg(orgId);
        _requireManage(actor, orgId, roles);
        (bytes32 current,) = membershipOf(account);
        if (account == address(0) || current != bytes32(0)) revert MembershipAccountTaken(account, current);
        _orgMembers[orgId].add(account);
        _allMembers.add(account);
        _checkpoint(account, orgId, roles);
        emit MemberAdded(account, orgId, roles, actor);
    }

    function _setRoles(address actor, address account, uint8 roles) private {
        (bytes32 orgId,) = membershipOf(account);
        if (orgId == bytes32(0)) revert MembershipNotMember(account);
        _requireManage(actor, orgId, roles);
        _checkpoint(account, orgId, roles);
        emit MemberRolesChanged(account, orgId, roles, actor);
    }

    function _removeMember(address actor, address account, bytes32 orgId) private {
        _orgMembers[orgId].remove(account);
        _allMembers.remove(account);
        _history[account].push(block.number, 0);
        emit MemberRemoved(account, orgId, actor);
    }

    function _requireManagedMember(address actor, address account) private view returns (bytes32 orgId) {
        (orgId,) = membershipOf(account);
        if (orgId == bytes32(0)) revert MembershipNotMember(account);
        if (!canManage(actor, orgId)) revert MembershipUnauthorized(actor, orgId);
    }

    function _requireManage(address actor, bytes32 orgId, uint8 roles) private view {
        if (roles == 0 || roles & ~_ALL_ROLES != 0) revert MembershipInvalidRoles(roles);
        if (!canManage(actor, orgId)) revert MembershipUnauthorized(actor, orgId);
        if (roles & ROLE_ANCHORER != 0 && !hasRole(DEFAULT_ADMIN_ROLE, actor)) {
            revert MembershipUnauthorized(actor, orgId);
        }
    }

    function _activeOrg(bytes32 orgId) private view returns (Org storage org) {
        org = _orgs[orgId];
        if (!org.active) revert MembershipUnknownOrg(orgId);
    }

    function _checkpoint(address account, bytes32 orgId, uint8 roles) private {
        _history[account].push(block.number, (_orgIndex[orgId] << 8) | roles);
    }

    function _decode(uint256 packed) private view returns (bytes32 orgId, uint8 roles) {
        uint256 index = packed >> 8;
        if (index == 0) return (bytes32(0), 0);
        return (_orgIds[index - 1], uint8(packed));
    }

    function _checkSignature(
        address signer,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert MembershipExpiredSignature(deadline);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert MembershipInvalidSignature(signer);
        }
        _useCheckedNonce(signer, nonce);
    }
}
