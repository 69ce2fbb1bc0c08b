import { encodeAbiParameters, keccak256, type Hex } from "viem";
import type { ParentEdge } from "./types.js";

/**
 * The hash under which the router stores a model's edges: `keccak256(abi.encode(parents))`, the Solidity encoding of
 * one dynamic `ParentEdge[]` (`(bytes32 parentId, uint8 relation, uint32 weightPpm)[]`). Callers of `propagate` pass
 * the edges back and the router checks them against it.
 *
 * @param parents - The model's edges, in registered (slice) order.
 *
 * @example
 * import { parentsHash } from "./parentsHash.js";
 * parentsHash([]); // keccak256 of the encoding of an empty array
 */
export function parentsHash(parents: readonly ParentEdge[]): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        {
          type: "tuple[]",
          components: [
            { name: "parentId", type: "bytes32" },
            { name: "relation", type: "uint8" },
            { name: "weightPpm", type: "uint32" },
          ],
        },
      ],
      [parents.map(({ parentId, relation, weightPpm }) => ({ parentId, relation, weightPpm }))],
    ),
  );
}
