// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/Vm.sol)
pragma solidity ^0.8.24;

/**
 * @dev The few cheatcodes the Solidity tests use, declared here instead of importing forge-std (the npm `forge-std`
 * is an old unofficial copy). Hardhat's EDR serves them at the standard cheatcode address, {VM_ADDRESS}.
 */
interface IVm {
    function deal(address account, uint256 newBalance) external;

    function prank(address sender) external;

    function warp(uint256 newTimestamp) external;

    function addr(uint256 privateKey) external pure returns (address);

    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    function readFile(string calldata path) external view returns (string memory data);

    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);

    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);

    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);

    function parseJsonStringArray(string calldata json, string calldata key) external pure returns (string[] memory);

    function parseJsonUintArray(string calldata json, string calldata key) external pure returns (uint256[] memory);

    function parseUint(string calldata value) external pure returns (uint256);

    function toString(uint256 value) external pure returns (string memory);

    function toString(bytes calldata value) external pure returns (string memory);
}

/// @dev `address(uint160(uint256(keccak256("hevm cheat code"))))`.
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;

IVm constant vm = IVm(VM_ADDRESS);
