// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IMembership
 * @notice Organisations of a community-governance consortium, their accounts and roles.
 *
 * Organisation ids are ASCII slugs of at most 32 bytes, right-padded with zeros, so that
 * they read as text in any block explorer. Roles are bit flags on an account; an account
 * belongs to at most one organisation at a time. Membership is checkpointed per block so
 * that a verifier can ask "was this account a recorder of that organisation when the
 * batch was anchored?" on any node, archive or not.
 *
 * Deactivating an organisation takes effect in O(1): from the deactivation block on, its
 * members hold no organisation and no role ({membershipOf}, {membershipAt} and every check
 * built on them), while earlier blocks keep answering with the old membership. No
 * {MemberRemoved} is emitted for them: indexers must treat {OrgDeactivated} as the removal
 * of every member of that organisation at that block.
 */
interface IMembership {
    /// @notice The kind of an organisation; decides who may onboard it and what it may do.
    enum OrgKind {
        None,
        Subdistrict,
        Committee,
        Department,
        Operator
    }

    /// @notice An organisation as stored on-chain: nothing personal, only its place in the hierarchy.
    struct Org {
        OrgKind kind;
        bytes32 parent;
        bool active;
        string name;
    }

    /// @notice The organisation id is not a slug (zero, or stray bytes), or is already registered.
    error MembershipInvalidOrgId(bytes32 orgId);
    /// @notice A name must be 1 to 64 bytes of UTF-8 without control characters; this one has `length` bytes.
    error MembershipInvalidName(uint256 length);
    /// @notice The organisation is not registered or has been deactivated.
    error MembershipUnknownOrg(bytes32 orgId);
    /// @notice The kind/parent combination is not allowed (a committee needs a subdistrict parent; others none).
    error MembershipInvalidParent(OrgKind kind, bytes32 parent);
    /// @notice `actor` may not change organisation `orgId`.
    error MembershipUnauthorized(address actor, bytes32 orgId);
    /// @notice The account is the zero address, or already belongs to organisation `orgId`.
    error MembershipAccountTaken(address account, bytes32 orgId);
    /// @notice The account belongs to no organisation.
    error MembershipNotMember(address account);
    /// @notice The role mask is empty or has bits outside the defined roles.
    error MembershipInvalidRoles(uint8 roles);
    /// @notice A gateway URL that is not 0 to 200 bytes of plain text starting with `https://` or `http://`.
    error MembershipInvalidGatewayUrl(uint256 length);

    /// @notice Emitted when an organisation is registered.
    event OrgRegistered(bytes32 indexed orgId, OrgKind kind, bytes32 indexed parent, string name, address indexed actor);
    /// @notice Emitted when an organisation is deactivated: from this block on, every member of it
    /// holds no organisation and no role. No {MemberRemoved} follows for them; indexers treat this
    /// event as removing every member of `orgId`.
    event OrgDeactivated(bytes32 indexed orgId, address indexed actor);
    /// @notice Emitted when an account joins an organisation.
    event MemberAdded(address indexed account, bytes32 indexed orgId, uint8 roles, address indexed actor);
    /// @notice Emitted when an account's roles change.
    event MemberRolesChanged(address indexed account, bytes32 indexed orgId, uint8 roles, address indexed actor);
    /// @notice Emitted when an account leaves its organisation.
    event MemberRemoved(address indexed account, bytes32 indexed orgId, address indexed actor);
    /// @notice Emitted when the gateway an organisation's records are served by is published (empty: withdrawn).
    event OrgGatewaySet(bytes32 indexed orgId, string url, address indexed actor);

    function registerOrg(bytes32 orgId, OrgKind kind, bytes32 parent, string calldata name) external;

    function deactivateOrg(bytes32 orgId) external;

    function addMember(address account, bytes32 orgId, uint8 roles) external;

    function setRoles(address account, uint8 roles) external;

    function removeMember(address account) external;

    function getOrg(bytes32 orgId) external view returns (Org memory);

    function setGateway(bytes32 orgId, string calldata url) external;

    function gatewayOf(bytes32 orgId) external view returns (string memory url);

    function orgDeactivatedAt(bytes32 orgId) external view returns (uint256 blockNumber);

    function membersOf(bytes32 orgId) external view returns (address[] memory);

    function members() external view returns (address[] memory);

    function membershipOf(address account) external view returns (bytes32 orgId, uint8 roles);

    function membershipAt(address account, uint256 blockNumber) external view returns (bytes32 orgId, uint8 roles);

    function hasMemberRole(address account, uint8 role) external view returns (bool);

    function isOrgAdmin(address account, bytes32 orgId) external view returns (bool);

    function canManage(address actor, bytes32 orgId) external view returns (bool);
}
