import type { Address, Hex } from "viem";

import type { Contributor, Terms } from "../core/types.js";

/**
 * A registration as `stemma register` sends it, whichever way the user described it (flags, a manifest file, a
 * Hugging Face model card): parents by key (ids are keccak256 of the key), weights and shares already in ppm,
 * enum values as numbers (`Relation`, `Role` in src/core/constants.ts).
 */
export type RegistrationManifest = {
  key: string;
  /** The steward; the signer when absent. */
  steward?: Address;
  upstreamPpm: number;
  /** In slice order; weights sum to 1,000,000 (or no parents and upstreamPpm 0). */
  parents: { key: string; relation: number; weightPpm: number }[];
  /** Weights sum to 1,000,000. */
  contributors: Contributor[];
  terms: Terms;
  /** An SPDX identifier, or "" when unknown. */
  license: string;
  metadataURI: string;
  /** 32 bytes; zero when unknown. */
  weightsDigest: Hex;
};
