// SPDX-License-Identifier: MIT
// Stemma (test/sol/libraries/LineageLib.t.sol)
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Contributor, Role, PPM} from "../../../contracts/interfaces/StemmaTypes.sol";
import {LineageLib} from "../../../contracts/libraries/LineageLib.sol";
import {ContributorTree} from "../helpers/ContributorTree.sol";
import {LineageLibHarness} from "../helpers/LineageLibHarness.sol";
import {MerkleProofBuilder} from "../helpers/MerkleProofBuilder.sol";
import {Random} from "../helpers/Random.sol";

/// @dev Key validation and the contributor-set Merkle commitments, checked against independent reference code.
contract LineageLibTest {
    using Random for uint256;

    uint256 private constant MAX_KEY_LENGTH = 128;

    LineageLibHarness private _harness;

    function setUp() public {
        _harness = new LineageLibHarness();
    }

    // ---------------------------------------------------------------- isValidKey

    /// @dev Any byte string: valid exactly when it is 1..128 bytes of printable ASCII.
    function testFuzz_isValidKey_matchesByteRule(bytes memory raw) public view {
        require(_harness.isValidKey(string(raw)) == _isValidKeyReference(raw), "isValidKey disagrees with the rule");
    }

    /// @dev Random printable keys of every valid length are accepted.
    function testFuzz_isValidKey_acceptsPrintableAscii(uint256 seed) public view {
        bytes memory key = _printableKey(seed, seed.bound(1, MAX_KEY_LENGTH));
        require(_harness.isValidKey(string(key)), "printable key rejected");
    }

    /// @dev One byte outside 0x20-0x7e anywhere in an otherwise valid key makes it invalid.
    function testFuzz_isValidKey_rejectsOneBadByte(uint256 seed, uint256 position, uint8 bad) public view {
        bytes memory key = _printableKey(seed, seed.bound(1, MAX_KEY_LENGTH));
        // Map `bad` onto the 161 bytes outside the printable range: 0x00-0x1f and 0x7f-0xff.
        uint256 index = uint256(bad) % 161;
        key[position % key.length] = bytes1(uint8(index < 0x20 ? index : index - 0x20 + 0x7f));
        require(!_harness.isValidKey(string(key)), "key with a non-printable byte accepted");
    }

    /// @dev Empty keys and keys longer than 128 bytes are invalid even when printable.
    function testFuzz_isValidKey_rejectsBadLength(uint256 seed) public view {
        require(!_harness.isValidKey(""), "empty key accepted");
        bytes memory key = _printableKey(seed, seed.bound(MAX_KEY_LENGTH + 1, 4 * MAX_KEY_LENGTH));
        require(!_harness.isValidKey(string(key)), "overlong key accepted");
    }

    function test_isValidKey_boundaries() public view {
        require(_harness.isValidKey(" "), "0x20");
        require(_harness.isValidKey("~"), "0x7e");
        require(_harness.isValidKey("hf:meta-llama/Llama-3.1-8B"), "canonical key");
        require(_harness.isValidKey(string(_printableKey(1, MAX_KEY_LENGTH))), "128 bytes");
        require(!_harness.isValidKey(string(_printableKey(1, MAX_KEY_LENGTH + 1))), "129 bytes");
        require(!_harness.isValidKey("hf:\x1f"), "0x1f");
        require(!_harness.isValidKey("hf:\x7f"), "0x7f");
        require(!_harness.isValidKey(unicode"hf:café"), "UTF-8 beyond ASCII");
    }

    // ---------------------------------------------------------------- contributorLeaf

    /// @dev The leaf is the double keccak of the ABI-encoded entry, for any input.
    function testFuzz_contributorLeaf_matchesEncoding(
        address account,
        uint8 role,
        uint32 weightPpm,
        uint32 cumulativeBefore
    ) public pure {
        Role r = Role(role % (uint8(type(Role).max) + 1));
        bytes32 expected = keccak256(bytes.concat(keccak256(abi.encode(account, r, weightPpm, cumulativeBefore))));
        require(LineageLib.contributorLeaf(account, r, weightPpm, cumulativeBefore) == expected, "leaf encoding");
    }

    /// @dev Changing any field of an entry changes its leaf.
    function testFuzz_contributorLeaf_bindsEveryField(
        address account,
        uint32 weightPpm,
        uint32 cumulativeBefore
    ) public pure {
        bytes32 leaf = LineageLib.contributorLeaf(account, Role.FINETUNING, weightPpm, cumulativeBefore);
        address other = address(uint160(account) ^ 1);
        require(leaf != LineageLib.contributorLeaf(other, Role.FINETUNING, weightPpm, cumulativeBefore), "account");
        require(leaf != LineageLib.contributorLeaf(account, Role.ALIGNMENT, weightPpm, cumulativeBefore), "role");
        require(
            leaf != LineageLib.contributorLeaf(account, Role.FINETUNING, weightPpm ^ 1, cumulativeBefore),
            "weight"
        );
        require(
            leaf != LineageLib.contributorLeaf(account, Role.FINETUNING, weightPpm, cumulativeBefore ^ 1),
            "before"
        );
    }

    // ---------------------------------------------------------------- merkleRoot

    /**
     * @dev Random contributor sets (1..80 entries, accounts repeating): the library's in-place root equals an
     * independent level-by-level build, and every entry's proof verifies with OpenZeppelin's MerkleProof while a
     * tampered entry does not.
     */
    function testFuzz_merkleRoot_everyProofVerifies(uint256 seed) public pure {
        Contributor[] memory set = _randomSet(seed, seed.bound(1, 80));
        bytes32[] memory leaves = ContributorTree.leaves(set);
        bytes32 root = LineageLib.merkleRoot(_copy(leaves));
        require(root == MerkleProofBuilder.root(leaves), "root differs from the reference build");
        uint32 cumulative = 0;
        for (uint256 i = 0; i < set.length; ++i) {
            bytes32[] memory proof = MerkleProofBuilder.proof(leaves, i);
            require(MerkleProof.verify(proof, root, leaves[i]), "proof of an entry does not verify");
            bytes32 tampered = LineageLib.contributorLeaf(
                set[i].account,
                set[i].role,
                set[i].weightPpm + 1,
                cumulative
            );
            require(!MerkleProof.verify(proof, root, tampered), "proof verifies a tampered entry");
            cumulative += set[i].weightPpm;
        }
        require(cumulative == PPM, "set weights do not sum to PPM");
    }

    /// @dev A one-entry set's root is its leaf, proven by an empty proof; this is the beneficiary's set.
    function testFuzz_beneficiaryRoot_isOneEntrySet(address account) public pure {
        bytes32 leaf = LineageLib.contributorLeaf(account, Role.OTHER, PPM, 0);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = leaf;
        require(LineageLib.beneficiaryRoot(account) == leaf, "beneficiary root is not its leaf");
        require(LineageLib.merkleRoot(leaves) == leaf, "one-leaf root");
        require(MerkleProof.verify(new bytes32[](0), LineageLib.beneficiaryRoot(account), leaf), "empty proof");
    }

    // ---------------------------------------------------------------- helpers

    function _isValidKeyReference(bytes memory raw) private pure returns (bool) {
        if (raw.length == 0 || raw.length > MAX_KEY_LENGTH) return false;
        for (uint256 i = 0; i < raw.length; ++i) {
            if (uint8(raw[i]) < 0x20 || uint8(raw[i]) > 0x7e) return false;
        }
        return true;
    }

    function _printableKey(uint256 seed, uint256 length) private pure returns (bytes memory key) {
        key = new bytes(length);
        for (uint256 i = 0; i < length; ++i) key[i] = bytes1(uint8(0x20 + (seed.next(i) % 95)));
    }

    function _randomSet(uint256 seed, uint256 count) private pure returns (Contributor[] memory set) {
        uint32[] memory weights = Random.weights(seed.next(0), count, false);
        set = new Contributor[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 r = seed.next(i + 1);
            // Eight accounts for up to 80 entries: the same account appears at several positions.
            set[i] = Contributor({
                account: address(uint160(0x1000 + (r % 8))),
                role: Role((r >> 8) % (uint8(type(Role).max) + 1)),
                weightPpm: weights[i]
            });
        }
    }

    function _copy(bytes32[] memory values) private pure returns (bytes32[] memory result) {
        result = new bytes32[](values.length);
        for (uint256 i = 0; i < values.length; ++i) result[i] = values[i];
    }
}
