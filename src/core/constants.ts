import type { Address } from "viem";

/** The one denominator: every weight and share is in parts per million (StemmaTypes.sol `PPM`). */
export const PPM = 1_000_000n;

/** The ERC-7528 sentinel that stands for native ETH wherever a token address is expected (checksummed). */
export const NATIVE_TOKEN: Address = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

/** The zero address: "no steward" (a placeholder), "no beneficiary", never a token. */
export const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** The most parents a model can have (IModelRegistry `MAX_PARENTS`). */
export const MAX_PARENTS = 16;

/** The most entries a contributor set can have (IModelRegistry `MAX_CONTRIBUTORS`). */
export const MAX_CONTRIBUTORS = 1000;

/** The highest protocol fee, in PPM: 10% (IRevenueRouter `MAX_FEE_PPM`). */
export const MAX_FEE_PPM = 100_000n;

/** The longest model key, in bytes. */
export const MAX_KEY_BYTES = 128;

/** Lifetime totals are stored in 112 bits per model and token (IRevenueRouter NOTE). */
export const MAX_LIFETIME_AMOUNT = 2n ** 112n - 1n;

/** How a derivative was made from a parent; values are the Solidity `Relation` enum's. */
export const Relation = {
  FINETUNE: 0,
  ADAPTER: 1,
  QUANTIZED: 2,
  MERGE: 3,
  DISTILL: 4,
  OTHER: 5,
} as const;
export type Relation = (typeof Relation)[keyof typeof Relation];

/** The cost layer a contributor stands for; values are the Solidity `Role` enum's. */
export const Role = {
  PRETRAINING_COMPUTE: 0,
  DATA_CURATION: 1,
  FINETUNING: 2,
  ALIGNMENT: 3,
  EVALUATION_REDTEAM: 4,
  QUANTIZATION: 5,
  MAINTENANCE: 6,
  TOOLING: 7,
  DOCUMENTATION: 8,
  FUNDING: 9,
  OTHER: 10,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** A model's status; values are the Solidity `ModelStatus` enum's (`NONE` means "no such model"). */
export const ModelStatus = {
  NONE: 0,
  ACTIVE: 1,
  DISPUTED: 2,
  REVOKED: 3,
} as const;
export type ModelStatus = (typeof ModelStatus)[keyof typeof ModelStatus];
