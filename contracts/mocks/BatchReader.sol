// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/BatchReader.sol)
pragma solidity 0.8.37;

/// @dev Test-only batch reader for the property tests (test/property/batchReader.ts): many view calls in one
/// `eth_call`. Calldata is a sequence of (20-byte target, 4-byte length, call data); each call is a staticcall and a
/// failing one reverts with its revert data; the output is (32-byte length, return data) per call.
contract BatchReader {
    fallback() external {
        assembly {
            let out := 0
            for {
                let i := 0
            } lt(i, calldatasize()) {} {
                let target := shr(96, calldataload(i))
                let len := shr(224, calldataload(add(i, 20)))
                calldatacopy(add(out, 32), add(i, 24), len)
                if iszero(staticcall(gas(), target, add(out, 32), len, 0, 0)) {
                    returndatacopy(0, 0, returndatasize())
                    revert(0, returndatasize())
                }
                mstore(out, returndatasize())
                returndatacopy(add(out, 32), 0, returndatasize())
                out := add(out, add(32, returndatasize()))
                i := add(i, add(24, len))
            }
            return(0, out)
        }
    }
}
