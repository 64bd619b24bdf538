// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IMembership} from "./interfaces/IMembership.sol";
import {RelayedCalls} from "./RelayedCalls.sol";
import {Texts} from "./Texts.sol";

/**
 * @title Membership
 * @notice Who belongs to the consortium, in which organisation, with which roles.
 *
 * The consortium admin (`DEFAULT_ADMIN_ROLE`) onboards subdistrict offices, departments and
 * operators; an admin of a subdistrict office onboards the residents' committees under it
 * and their members. Only the consortium admin hands out the anchorer and standards roles, and
 * the sealed-reader role (to members of departments only); the privacy-reviewer role is held
 * only in subdistrict offices. Every change
 * may be sent by the acting member or relayed with its EIP-712 signature ({RelayedCalls}).
 *
 * Deactivation is O(1) whatever the size of the organisation: it records the block, and
 * every read decodes a member's checkpoint through it. A member of a deactivated
 * organisation therefore holds nothing from that block on without being touched, and may
 * later join another organisation; its checkpoints before the block still answer.
 */
contract Membership is IMembership, AccessControl, RelayedCalls {
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
    /// @notice Reads under seal: the read is logged at once but disclosed to the data subject only
    /// after a date (an investigation). Held only by members of departments, handed out only by
    /// the consortium admin.
    uint8 public constant ROLE_SEALED_READER = 32;
    /// @notice Registers record-type versions and purpose codes ({RecordTypes}): the standards body.
    /// Handed out only by the consortium admin, in an organisation of any kind.
    uint8 public constant ROLE_STANDARDS = 64;
    /// @notice Approves or refuses proposed grants of sensitive fields ({AccessGrants}) of its office
    /// and the committees it supervises (a department: of its own records). Held only by members of
    /// subdistrict offices and departments, and handed out only by the consortium admin, so that an
    /// office's admin, who may grant for its committees, cannot mint the second person himself.
    uint8 public constant ROLE_PRIVACY_REVIEWER = 128;
    uint8 private constant _ALL_ROLES = 255;
    /// @dev The roles only the consortium admin hands out.
    uint8 private constant _CONSORTIUM_ROLES =
        ROLE_ANCHORER | ROLE_SEALED_READER | ROLE_STANDARDS | ROLE_PRIVACY_REVIEWER;
    uint256 private constant _MAX_NAME_BYTES = 64;
    uint256 private constant _MAX_URL_BYTES = 200;

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
    bytes32 private constant _SET_GATEWAY_TYPEHASH =
        keccak256("SetGateway(bytes32 orgId,string url,address signer,uint256 nonce,uint256 deadline)");

    mapping(bytes32 orgId => Org) private _orgs;
    mapping(bytes32 orgId => uint256) private _orgIndex; // 1-based index into _orgIds
    bytes32[] private _orgIds;
    mapping(bytes32 orgId => EnumerableSet.AddressSet) private _orgMembers;
    EnumerableSet.AddressSet private _allMembers;
    /// @dev Per account, per block: (orgIndex << 8) | roles; zero means "no organisation".
    mapping(address account => Checkpoints.Trace256) private _history;
    /// @dev The block in which an organisation was deactivated; zero while it is active.
    mapping(bytes32 orgId => uint256 blockNumber) private _deactivatedAt;
    /// @dev The gateway serving each organisation's records (X-Road-style directory), empty when none.
    mapping(bytes32 orgId => string url) private _gateways;

    /// @param consortiumAdmin The account that onboards subdistricts, departments and operators.
    constructor(address consortiumAdmin) EIP712("GridLedger Membership", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, consortiumAdmin);
    }

    /**
     * @notice Registers an organisation.
     * Requirements: `orgId` a slug not registered before; `name` 1 to 64 bytes of plain text
     * (both as {Texts} defines them); a committee names an active subdistrict as `parent` and
     * is registered by the consortium admin or an admin of that subdistrict; every other kind
     * has no parent and is registered by the consortium admin.
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
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _registerOrg(signer, orgId, kind, parent, name);
    }

    /**
     * @notice Deactivates an organisation for good: from this block on its members hold no
     * organisation and no role, and it takes no new members. Costs the same for any number of
     * members: nothing is looped over.
     * Requirements: the organisation is active; the caller is the consortium admin, or for a
     * committee an admin of its subdistrict.
     * Emits {OrgDeactivated} only (no {MemberRemoved} per member: indexers treat the event as
     * removing every member of `orgId`).
     */
    function deactivateOrg(bytes32 orgId) external {
        address actor = _msgSender();
        Org storage org = _activeOrg(orgId);
        bool byParent = org.kind == OrgKind.Committee && isOrgAdmin(actor, org.parent);
        if (!hasRole(DEFAULT_ADMIN_ROLE, actor) && !byParent) revert MembershipUnauthorized(actor, orgId);
        org.active = false;
        _deactivatedAt[orgId] = block.number;
        emit OrgDeactivated(orgId, actor);
    }

    /**
     * @notice Adds `account` to organisation `orgId` with `roles`.
     * Requirements: the caller may manage `orgId` ({canManage}); the account belongs to no
     * (active) organisation; roles non-empty; only the consortium admin grants the anchorer,
     * sealed-reader and standards roles; the sealed-reader role only in a department, the
     * privacy-reviewer role only in a subdistrict.
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
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _addMember(signer, account, orgId, roles);
    }

    /**
     * @notice Replaces the roles of `account`.
     * Requirements: the account is a member; the caller may manage its organisation; roles
     * non-empty; only the consortium admin grants the anchorer, sealed-reader and standards
     * roles; the sealed-reader role only in a department, the privacy-reviewer role only in a
     * subdistrict.
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
        _checkRelayed(signer, structHash, nonce, deadline, signature);
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
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        bytes32 orgId = _requireManagedMember(signer, account);
        _removeMember(signer, account, orgId);
    }

    /**
     * @notice Publishes the URL of the gateway that serves `orgId`'s records, so that a member
     * syncing what it was granted finds it from the chain (an empty `url` withdraws it).
     * Requirements: `orgId` is active; the caller may manage it ({canManage}); `url` is at most
     * 200 bytes of plain text ({Texts}) starting with `https://` or `http://`, or empty.
     * Emits {OrgGatewaySet}.
     */
    function setGateway(bytes32 orgId, string calldata url) external {
        _setGateway(_msgSender(), orgId, url);
    }

    /**
     * @notice {setGateway} relayed with `signer`'s EIP-712 signature.
     * Requirements: as {setGateway} for `signer`; `nonce` is the signer's next nonce; `deadline` not passed.
     * Emits {OrgGatewaySet}.
     */
    function setGatewayBySig(
        bytes32 orgId,
        string calldata url,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 structHash =
            keccak256(abi.encode(_SET_GATEWAY_TYPEHASH, orgId, keccak256(bytes(url)), signer, nonce, deadline));
        _checkRelayed(signer, structHash, nonce, deadline, signature);
        _setGateway(signer, orgId, url);
    }

    /// @notice The gateway URL `orgId` published (empty when none).
    function gatewayOf(bytes32 orgId) external view returns (string memory url) {
        return _gateways[orgId];
    }

    /// @notice The organisation `orgId` (kind `None` when unknown).
    function getOrg(bytes32 orgId) external view returns (Org memory) {
        return _orgs[orgId];
    }

    /// @notice Every organisation id ever registered, in registration order.
    function orgIds() external view returns (bytes32[] memory) {
        return _orgIds;
    }

    /// @notice The block in which `orgId` was deactivated, or zero while it is active (or unknown).
    function orgDeactivatedAt(bytes32 orgId) external view returns (uint256 blockNumber) {
        return _deactivatedAt[orgId];
    }

    /// @notice The current members of `orgId` (none once it is deactivated).
    function membersOf(bytes32 orgId) external view returns (address[] memory) {
        if (!_orgs[orgId].active) return new address[](0);
        return _orgMembers[orgId].values();
    }

    /**
     * @notice Every current member account of the consortium, i.e. of an active organisation
     * (for node allowlists). A view: its loop costs no transaction anything.
     */
    function members() external view returns (address[] memory accounts) {
        accounts = _allMembers.values();
        uint256 kept = 0;
        for (uint256 i = 0; i < accounts.length; ++i) {
            (bytes32 orgId,) = membershipOf(accounts[i]);
            if (orgId != bytes32(0)) accounts[kept++] = accounts[i];
        }
        assembly ("memory-safe") {
            mstore(accounts, kept) // shorten in place: the dropped tail is simply forgotten
        }
    }

    /// @notice The organisation and roles of `account` now (zeroes when it is no member, or its org is deactivated).
    function membershipOf(address account) public view returns (bytes32 orgId, uint8 roles) {
        return _decode(_history[account].latest(), block.number);
    }

    /**
     * @notice The organisation and roles of `account` at the end of block `blockNumber`: zeroes
     * when it was no member then, or when its organisation was deactivated in or before that block.
     */
    function membershipAt(address account, uint256 blockNumber) external view returns (bytes32 orgId, uint8 roles) {
        return _decode(_history[account].upperLookupRecent(blockNumber), blockNumber);
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
        if (!Texts.isSlug(orgId) || _orgs[orgId].kind != OrgKind.None) revert MembershipInvalidOrgId(orgId);
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > _MAX_NAME_BYTES || !Texts.isPlainText(bytes(name))) {
            revert MembershipInvalidName(nameLength);
        }
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
        OrgKind kind = _orgs[orgId].kind;
        if (roles & ROLE_SEALED_READER != 0 && kind != OrgKind.Department) revert MembershipInvalidRoles(roles);
        if (roles & ROLE_PRIVACY_REVIEWER != 0 && kind != OrgKind.Subdistrict && kind != OrgKind.Department) {
            revert MembershipInvalidRoles(roles);
        }
        if (!canManage(actor, orgId)) revert MembershipUnauthorized(actor, orgId);
        if (roles & _CONSORTIUM_ROLES != 0 && !hasRole(DEFAULT_ADMIN_ROLE, actor)) {
            revert MembershipUnauthorized(actor, orgId);
        }
    }

    function _setGateway(address actor, bytes32 orgId, string calldata url) private {
        _activeOrg(orgId);
        if (!canManage(actor, orgId)) revert MembershipUnauthorized(actor, orgId);
        bytes calldata raw = bytes(url);
        if (raw.length > 0 && (raw.length > _MAX_URL_BYTES || !Texts.isPlainText(raw) || !_isHttpUrl(raw))) {
            revert MembershipInvalidGatewayUrl(raw.length);
        }
        _gateways[orgId] = url;
        emit OrgGatewaySet(orgId, url, actor);
    }

    /// @dev Whether `raw` starts with `https://` or `http://` and has something after it.
    function _isHttpUrl(bytes calldata raw) private pure returns (bool) {
        if (raw.length > 8 && bytes8(raw[:8]) == bytes8("https://")) return true;
        return raw.length > 7 && bytes7(raw[:7]) == bytes7("http://");
    }

    function _activeOrg(bytes32 orgId) private view returns (Org storage org) {
        org = _orgs[orgId];
        if (!org.active) revert MembershipUnknownOrg(orgId);
    }

    function _checkpoint(address account, bytes32 orgId, uint8 roles) private {
        _history[account].push(block.number, (_orgIndex[orgId] << 8) | roles);
    }

    /// @dev A checkpoint read as of block `atBlock`: nothing if its organisation was deactivated by then.
    function _decode(uint256 packed, uint256 atBlock) private view returns (bytes32 orgId, uint8 roles) {
        uint256 index = packed >> 8;
        if (index == 0) return (bytes32(0), 0);
        orgId = _orgIds[index - 1];
        uint256 deactivatedAt = _deactivatedAt[orgId];
        if (deactivatedAt != 0 && atBlock >= deactivatedAt) return (bytes32(0), 0);
        return (orgId, uint8(packed));
    }
}
