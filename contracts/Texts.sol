// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title Texts
 * @notice The text the contracts accept, checked on-chain because every indexer decodes it.
 *
 * Whatever a contract stores or emits is read back as text by gateways, explorers and
 * audits for ever. A stray NUL breaks a PostgreSQL text column, and bytes that are not
 * UTF-8 make an ABI decoder throw on the event: either would let one member stop every
 * indexer with a single transaction sent straight to the chain. So:
 *
 * - a *slug* (organisation id, record type, purpose code) is 1 to 32 bytes of
 *   `[a-z0-9][a-z0-9._-]*`, right-padded with zero bytes in a `bytes32`
 *   (`ledger.types.slug_to_bytes32` writes the same shape);
 * - *plain text* (organisation names, field names) is well-formed UTF-8 (Unicode 15,
 *   table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF) without control
 *   characters (below 0x20, or 0x7f). Callers bound its length first; the check is linear.
 */
library Texts {
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

    /// @dev Whether `text` is well-formed UTF-8 without control characters.
    function isPlainText(bytes calldata text) internal pure returns (bool) {
        uint256 n = text.length;
        uint256 i = 0;
        while (i < n) {
            uint8 b = uint8(text[i]);
            if (b < 0x80) {
                if (b < 0x20 || b == 0x7f) return false;
                ++i;
                continue;
            }
            // The lead byte fixes how many continuation bytes follow and the range of the first.
            uint256 extra;
            uint8 low = 0x80;
            uint8 high = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                extra = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                extra = 2;
                if (b == 0xe0) low = 0xa0; // no overlong three-byte forms
                if (b == 0xed) high = 0x9f; // no UTF-16 surrogates
            } else if (b >= 0xf0 && b <= 0xf4) {
                extra = 3;
                if (b == 0xf0) low = 0x90; // no overlong four-byte forms
                if (b == 0xf4) high = 0x8f; // nothing above U+10FFFF
            } else {
                return false; // a continuation byte, an overlong two-byte lead (c0, c1) or f5..ff
            }
            if (i + extra >= n) return false;
            uint8 first = uint8(text[i + 1]);
            if (first < low || first > high) return false;
            for (uint256 k = 2; k <= extra; ++k) {
                uint8 next = uint8(text[i + k]);
                if (next < 0x80 || next > 0xbf) return false;
            }
            i += extra + 1;
        }
        return true;
    }

    function _isAlnum(bytes1 b) private pure returns (bool) {
        return (b >= "a" && b <= "z") || (b >= "0" && b <= "9");
    }
}
