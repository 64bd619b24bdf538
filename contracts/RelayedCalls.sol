// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IRelayedCalls} from "./interfaces/IRelayedCalls.sol";

/**
 * @title RelayedCalls
 * @notice The one check behind every `...BySig` function: the named signer signed this call
 * (EIP-712 over the contract's own domain), before its deadline, with its next nonce.
 *
 * Each inheriting contract names its EIP-712 domain (`EIP712(name, version)`) and hashes its
 * own typed struct; this base only decides whether the signature stands. The nonce is spent
 * last, so a refused call spends nothing. Smart-contract signers are accepted through
 * ERC-1271 ({SignatureChecker}).
 */
abstract contract RelayedCalls is IRelayedCalls, EIP712, Nonces {
    /**
     * @dev Reverts unless `signature` is `signer`'s over `structHash` in this contract's domain,
     * `deadline` has not passed and `nonce` is `signer`'s next nonce, which it then spends.
     * Throws {RelayExpiredSignature}, {RelayInvalidSignature} or {Nonces-InvalidAccountNonce}.
     */
    function _checkRelayed(
        address signer,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        if (block.timestamp > deadline) revert RelayExpiredSignature(deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, _hashTypedDataV4(structHash), signature)) {
            revert RelayInvalidSignature(signer);
        }
        _useCheckedNonce(signer, nonce);
    }
}
