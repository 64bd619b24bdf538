// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IRelayedCalls
 * @notice Errors of calls relayed with the acting member's EIP-712 signature.
 *
 * A gateway may send a member's state change from its own account; the contract decides
 * who acted from the member's signature over the call, the member's next nonce (OpenZeppelin
 * {Nonces}, whose `InvalidAccountNonce` covers a replayed or out-of-order nonce) and a deadline.
 * Membership and AccessGrants share these errors, so a gateway maps them once.
 */
interface IRelayedCalls {
    /// @notice A relayed request's deadline (Unix seconds) has passed.
    error RelayExpiredSignature(uint256 deadline);
    /// @notice A relayed request's signature does not belong to the named signer.
    error RelayInvalidSignature(address signer);
}
