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

    /// @dev Any byte string: valid exactly when the reference rule says so.
    function testFuzz_isValidKey_matchesByteRule(bytes memory raw) public view {
        require(_harness.isValidKey(string(raw)) == _isValidKeyReference(raw), "isValidKey disagrees with the rule");
    }

    /// @dev Any printable tail behind an `hf:` prefix in any case (uppercase and spaces are frequent among its
    /// bytes): valid exactly when the reference rule says so.
    function testFuzz_isValidKey_hfKeysMatchRule(uint256 seed, uint8 prefixCase) public view {
        bytes memory key = bytes.concat(_hfPrefix(prefixCase), _printableKey(seed, seed.bound(0, MAX_KEY_LENGTH - 2)));
        require(_harness.isValidKey(string(key)) == _isValidKeyReference(key), "isValidKey disagrees on an hf: key");
    }

    /// @dev Random printable keys outside the hf: namespace, of every valid length and in any case, with no space
    /// first or last, are accepted.
    function testFuzz_isValidKey_acceptsPrintableAscii(uint256 seed) public view {
        bytes memory key = _canonicalKey(seed, seed.bound(1, MAX_KEY_LENGTH));
        require(_harness.isValidKey(string(key)), "printable key rejected");
    }

    /// @dev `hf:` followed by printable bytes other than A-Z and space is accepted.
    function testFuzz_isValidKey_acceptsLowercaseHfKeys(uint256 seed) public view {
        bytes memory key = bytes.concat("hf:", _printableKey(seed, seed.bound(0, MAX_KEY_LENGTH - 3)));
        for (uint256 i = 3; i < key.length; ++i) {
            // 0x20 -> 0x21 ("!"), A-Z -> a-z.
            if (key[i] == 0x20) key[i] = 0x21;
            else if (key[i] >= "A" && key[i] <= "Z") key[i] = key[i] | 0x20;
        }
        require(_harness.isValidKey(string(key)), "canonical hf: key rejected");
    }

    /// @dev A canonical hf: key with one byte made an uppercase letter or a space, anywhere, or with its prefix in
    /// another case, is rejected: a lookalike of the canonical key is never another model.
    function testFuzz_isValidKey_rejectsHfLookalikes(uint256 seed, uint256 position, uint8 letter) public view {
        bytes memory key = bytes.concat("hf:", _lowercaseWord(seed, seed.bound(1, MAX_KEY_LENGTH - 3)));
        require(_harness.isValidKey(string(key)), "canonical hf: key rejected");
        bytes memory lookalike = _copyBytes(key);
        lookalike[3 + (position % (key.length - 3))] =
            letter % 27 == 26 ? bytes1(0x20) : bytes1(uint8(0x41 + (letter % 27)));
        require(!_harness.isValidKey(string(lookalike)), "hf: key with an uppercase letter or a space accepted");
        lookalike = _copyBytes(key);
        lookalike[seed % 2] = lookalike[seed % 2] ^ 0x20; // `H` or `F` in the prefix
        require(!_harness.isValidKey(string(lookalike)), "hf: key with an uppercase prefix accepted");
    }

    /// @dev A space before or after an otherwise valid key, in any namespace, makes it invalid.
    function testFuzz_isValidKey_rejectsOuterSpace(uint256 seed, bool leading) public view {
        bytes memory key = _canonicalKey(seed, seed.bound(1, MAX_KEY_LENGTH - 1));
        bytes memory spaced = leading ? bytes.concat(" ", key) : bytes.concat(key, " ");
        require(!_harness.isValidKey(string(spaced)), "key with an outer space accepted");
    }

    /// @dev One byte outside 0x20-0x7e anywhere in an otherwise valid key makes it invalid.
    function testFuzz_isValidKey_rejectsOneBadByte(uint256 seed, uint256 position, uint8 bad) public view {
        bytes memory key = _canonicalKey(seed, seed.bound(1, MAX_KEY_LENGTH));
        // Map `bad` onto the 161 bytes outside the printable range: 0x00-0x1f and 0x7f-0xff.
        uint256 index = uint256(bad) % 161;
        key[position % key.length] = bytes1(uint8(index < 0x20 ? index : index - 0x20 + 0x7f));
        require(!_harness.isValidKey(string(key)), "key with a non-printable byte accepted");
    }

    /// @dev Empty keys and keys longer than 128 bytes are invalid even when printable.
    function testFuzz_isValidKey_rejectsBadLength(uint256 seed) public view {
        require(!_harness.isValidKey(""), "empty key accepted");
        bytes memory key = _canonicalKey(seed, seed.bound(MAX_KEY_LENGTH + 1, 4 * MAX_KEY_LENGTH));
        require(!_harness.isValidKey(string(key)), "overlong key accepted");
    }

    function test_isValidKey_boundaries() public view {
        require(_harness.isValidKey("!"), "0x21");
        require(_harness.isValidKey("~"), "0x7e");
        require(_harness.isValidKey("a b"), "an inner space outside hf:");
        require(_harness.isValidKey("gh:Org/Repo"), "other namespaces keep their case");
        require(_harness.isValidKey("hf:meta-llama/llama-3.1-8b"), "canonical hf: key");
        require(_harness.isValidKey("hf:org/name@0123abc"), "canonical hf: key at a revision");
        require(_harness.isValidKey("HF"), "no colon: not the hf: namespace");
        require(_harness.isValidKey(string(_canonicalKey(1, MAX_KEY_LENGTH))), "128 bytes");
        require(!_harness.isValidKey(string(_canonicalKey(1, MAX_KEY_LENGTH + 1))), "129 bytes");
        require(!_harness.isValidKey(" "), "a lone space");
        require(!_harness.isValidKey(" hf:x"), "leading space");
        require(!_harness.isValidKey("gh:x "), "trailing space");
        require(!_harness.isValidKey("hf:Meta-Llama/llama-3.1-8b"), "uppercase in an hf: key");
        require(!_harness.isValidKey("hf:meta-llama/llama-3.1-8B"), "uppercase last");
        require(!_harness.isValidKey("hf:meta-llama/llama-3.1-8b "), "hf: key with a trailing space");
        require(!_harness.isValidKey("hf:meta-llama/llama 3.1"), "inner space in an hf: key");
        require(!_harness.isValidKey("HF:meta-llama/llama-3.1-8b"), "HF: prefix");
        require(!_harness.isValidKey("Hf:x"), "Hf: prefix");
        require(!_harness.isValidKey("hF:x"), "hF: prefix");
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

    /// @dev The rule, written out plainly (docs/SPEC.md "A model").
    function _isValidKeyReference(bytes memory raw) private pure returns (bool) {
        if (raw.length == 0 || raw.length > MAX_KEY_LENGTH) return false;
        for (uint256 i = 0; i < raw.length; ++i) {
            if (uint8(raw[i]) < 0x20 || uint8(raw[i]) > 0x7e) return false;
        }
        if (raw[0] == " " || raw[raw.length - 1] == " ") return false;
        bool hf =
            raw.length >= 3 && (raw[0] == "h" || raw[0] == "H") && (raw[1] == "f" || raw[1] == "F") && raw[2] == ":";
        if (!hf) return true;
        for (uint256 i = 0; i < raw.length; ++i) {
            if (raw[i] == " " || (raw[i] >= "A" && raw[i] <= "Z")) return false;
        }
        return true;
    }

    /// @dev `hf:` with its letters in one of the four cases.
    function _hfPrefix(uint8 prefixCase) private pure returns (bytes memory prefix) {
        prefix = bytes("hf:");
        if (prefixCase & 1 != 0) prefix[0] = "H";
        if (prefixCase & 2 != 0) prefix[1] = "F";
    }

    /// @dev Printable bytes of any value (spaces and uppercase included).
    function _printableKey(uint256 seed, uint256 length) private pure returns (bytes memory key) {
        key = new bytes(length);
        for (uint256 i = 0; i < length; ++i) key[i] = bytes1(uint8(0x20 + (seed.next(i) % 95)));
    }

    /// @dev A valid key outside the hf: namespace: printable, mixed case, no space first or last.
    function _canonicalKey(uint256 seed, uint256 length) private pure returns (bytes memory key) {
        key = _printableKey(seed, length);
        if (key[0] == " " || key[0] == "h" || key[0] == "H") key[0] = "g";
        if (key[length - 1] == " ") key[length - 1] = "_";
    }

    /// @dev Lowercase letters, digits and `-./_@`: the shape of a Hugging Face repository id.
    function _lowercaseWord(uint256 seed, uint256 length) private pure returns (bytes memory word) {
        bytes memory alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-./_@";
        word = new bytes(length);
        for (uint256 i = 0; i < length; ++i) word[i] = alphabet[seed.next(i) % alphabet.length];
    }

    function _copyBytes(bytes memory value) private pure returns (bytes memory) {
        return bytes.concat(value);
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
