// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title Slugs
 * @notice The on-chain shape of organisation ids, record types and purpose codes: an ASCII
 * slug of 1 to 32 bytes (`[a-z0-9][a-z0-9._-]*`), right-padded with zero bytes.
 *
 * Checked on-chain because every indexer decodes these words as text: a word with a stray
 * byte would otherwise be stored for ever and break whoever reads the events.
 * `ledger.types.slug_to_bytes32` writes the same shape.
 */
library Slugs {
    /// @dev Whether `word` is a slug: a lower-case letter or digit, then letters, digits, `.`, `-`, `_`, then zeros.
    function isSlug(bytes32 word) internal pure returns (bool) {
        if (!_isAlnum(word[0])) return false;
        for (uint256 i = 1; i < 32; ++i) {
            bytes1 b = word[i];
            if (b == 0) return word << (8 * i) == bytes32(0);
            if (!_isAlnum(b) && b != "." && b != "-" && b != "_") return false;
        }
        return true;
    }

    function _isAlnum(bytes1 b) private pure returns (bool) {
        return (b >= "a" && b <= "z") || (b >= "0" && b <= "9");
    }
}
