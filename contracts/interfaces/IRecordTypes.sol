// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IRecordTypes
 * @notice The consortium's shared standards: record-type versions and purpose codes.
 *
 * A record type (`household`) is a line of versions. A version is named by its hash,
 * `SHA-256(JCS(schema))` of its labelled JSON Schema (`ledger/type_versions.py`): the
 * document stays off-chain, the chain holds that it was registered, by whom, which version
 * it supersedes and which of its fields are labelled sensitive. Versions are never edited,
 * only superseded: registering names the line's latest version, or zero to start a new line.
 *
 * Every field name any version labels sensitive joins one consortium-wide set, which never
 * shrinks: {AccessGrants} sends a grant naming any of them to a privacy reviewer first. The
 * set errs towards review: relabelling a field in a later version never makes it unreviewed.
 *
 * Purpose codes are the short list of why records may be shared (`subsidy-review`);
 * {AccessGrants} refuses a grant whose code is not registered here.
 *
 * Names and codes are slugs and field names plain text, as `Texts` defines them.
 */
interface IRecordTypes {
    /// @notice A registered version of a record type.
    /// `index` counts from 0 within its name's line; `registeredAt` is the block timestamp.
    struct TypeVersion {
        bytes32 name;
        uint64 index;
        uint64 registeredAt;
        address registrant;
        string[] sensitiveFields;
    }

    /// @notice `actor` is neither the consortium admin nor a member holding the standards role.
    error TypesUnauthorized(address actor);
    /// @notice The type name is not a slug.
    error TypesInvalidName(bytes32 name);
    /// @notice The version hash is zero or already registered (under any name).
    error TypesVersionTaken(bytes32 versionHash);
    /// @notice `supersedes` is not `latest`, the newest version of `name` (zero when it has none).
    error TypesNotLatest(bytes32 name, bytes32 supersedes, bytes32 latest);
    /// @notice A version starting a new line (supersedes zero) names a type that already has versions.
    error TypesNameTaken(bytes32 name);
    /// @notice The sensitive field at `index` is empty, longer than 64 bytes or not plain text;
    /// or, with `index` 64, there are more than 64 sensitive fields.
    error TypesInvalidField(uint256 index);
    /// @notice No version with this hash is registered.
    error TypesUnknownVersion(bytes32 versionHash);
    /// @notice `name` has no version at `index` (its line is shorter).
    error TypesUnknownIndex(bytes32 name, uint256 index);
    /// @notice The purpose code is not a slug.
    error TypesInvalidPurpose(bytes32 code);
    /// @notice The purpose code is already registered.
    error TypesPurposeTaken(bytes32 code);

    /// @notice Emitted when a version of `name` is registered; its sensitive fields join the consortium-wide set.
    event TypeVersionRegistered(
        bytes32 indexed name,
        bytes32 indexed versionHash,
        bytes32 supersedes,
        uint256 index,
        string[] sensitiveFields,
        address indexed actor
    );
    /// @notice Emitted when a purpose code is registered.
    event PurposeRegistered(bytes32 indexed code, address indexed actor);

    function registerVersion(bytes32 name, bytes32 versionHash, bytes32 supersedes, string[] calldata sensitiveFields)
        external;

    function registerPurpose(bytes32 code) external;

    function typeNames() external view returns (bytes32[] memory);

    function versionCount(bytes32 name) external view returns (uint256);

    function versionAt(bytes32 name, uint256 index) external view returns (bytes32);

    function latestVersion(bytes32 name) external view returns (bytes32);

    function versionInfo(bytes32 versionHash) external view returns (TypeVersion memory);

    function isRegistered(bytes32 versionHash) external view returns (bool);

    function isSensitive(string calldata field) external view returns (bool);

    function isPurpose(bytes32 code) external view returns (bool);

    function purposeCodes() external view returns (bytes32[] memory);
}
