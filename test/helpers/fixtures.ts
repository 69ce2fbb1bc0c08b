import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  FeeOnTransferToken,
  ModelRegistry,
  RejectingReceiver,
  RevenueRouter,
  TestToken,
} from "../../types/ethers-contracts/index.js";

import { NATIVE_TOKEN, Relation, Role } from "../../src/core/constants.js";
import { ExpectedLedger } from "./ledger.js";
import { registerModel, type RegisteredModel, contributors, lineage } from "./models.js";

/** The router fee of the fixture: 1%. */
export const FEE_PPM = 10_000n;
/** The dispute bond of the fixture: 0.1 ETH. */
export const DISPUTE_BOND = 10n ** 17n;
/** What the fixture mints to the payer in each ERC-20 (well below the 112-bit lifetime cap). */
export const MINTED = 10n ** 30n;

export const DisputeOutcome = { PENDING: 0, DISMISSED: 1, UPHELD: 2 } as const;

export type Actors = {
  admin: HardhatEthersSigner;
  treasury: HardhatEthersSigner;
  steward: HardhatEthersSigner;
  otherSteward: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  payer: HardhatEthersSigner;
  disputer: HardhatEthersSigner;
  beneficiary: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  /** The only attester (threshold 1). */
  attester: HardhatEthersSigner;
};

export type Stemma = {
  ethers: HardhatEthers;
  router: RevenueRouter;
  registry: ModelRegistry;
  /** An 18-decimal ERC-20. */
  token18: TestToken;
  /** A 6-decimal ERC-20 (a stablecoin stand-in). */
  token6: TestToken;
  /** Burns 1% of every transfer: the router must reject it. */
  feeToken: FeeOnTransferToken;
  /** Refuses ETH. */
  rejecting: RejectingReceiver;
  actors: Actors;
  roles: {
    DEFAULT_ADMIN: string;
    FEE_MANAGER: string;
    TOKEN_MANAGER: string;
    DISPUTE_MANAGER: string;
    ASSIGNER: string;
    IDENTITY_MANAGER: string;
    GUARDIAN: string;
  };
};

/**
 * Time windows of 0: registrations are not provisional, dismissals start no cool-down, epochs renew at once. The
 * identity and dispute tests set their own with `setTrustPeriods`.
 */
export const NO_TRUST_PERIODS = { provisional: 0, disputeCooldown: 0, epochRenewal: 0 };

/**
 * The router (admin, treasury, 1% fee) bound to the registry (admin, router, 0.1 ETH bond), three ERC-20s minted to
 * and approved by the payer, and named actors. Use through `networkHelpers.loadFixture(deployStemma)`.
 */
export async function deployStemma({ ethers }: NetworkConnection): Promise<Stemma> {
  const [admin, treasury, steward, otherSteward, alice, bob, carol, payer, disputer, beneficiary, stranger, attester] =
    await ethers.getSigners();
  const actors = {
    admin,
    treasury,
    steward,
    otherSteward,
    alice,
    bob,
    carol,
    payer,
    disputer,
    beneficiary,
    stranger,
    attester,
  };
  const router = await ethers.deployContract("RevenueRouter", [admin.address, treasury.address, FEE_PPM]);
  const registry = await ethers.deployContract("ModelRegistry", [
    admin.address,
    router,
    DISPUTE_BOND,
    [attester.address],
    1,
    NO_TRUST_PERIODS,
  ]);
  await router.bindRegistry(registry);

  const token18 = await ethers.deployContract("TestToken", ["Test Dollar 18", "TD18", 18]);
  const token6 = await ethers.deployContract("TestToken", ["Test Dollar 6", "TD6", 6]);
  const feeToken = await ethers.deployContract("FeeOnTransferToken");
  for (const token of [token18, token6, feeToken]) {
    await token.mint(payer.address, MINTED);
    await token.connect(payer).approve(router, ethers.MaxUint256);
  }
  const rejecting = await ethers.deployContract("RejectingReceiver");

  const roles = {
    DEFAULT_ADMIN: ethers.ZeroHash,
    FEE_MANAGER: ethers.id("FEE_MANAGER_ROLE"),
    TOKEN_MANAGER: ethers.id("TOKEN_MANAGER_ROLE"),
    DISPUTE_MANAGER: ethers.id("DISPUTE_MANAGER_ROLE"),
    ASSIGNER: ethers.id("PLACEHOLDER_ASSIGNER_ROLE"),
    IDENTITY_MANAGER: ethers.id("IDENTITY_MANAGER_ROLE"),
    GUARDIAN: ethers.id("GUARDIAN_ROLE"),
  };
  return { ethers, router, registry, token18, token6, feeToken, rejecting, actors, roles };
}

export type Family = Stemma & {
  /** Three roots: `a` (alice 50%, bob 50%), `b` (bob), `c` (carol, asks 5% of derivatives). */
  a: RegisteredModel;
  b: RegisteredModel;
  c: RegisteredModel;
  /** 30% upstream to a/b/c weighted 333_333/333_333/333_334; alice 60%, bob 25%, carol 15%. */
  child: RegisteredModel;
  /** 20% upstream to `child`; the other steward's, alice 100%. */
  grandchild: RegisteredModel;
};

/** {deployStemma} plus a small lineage: three roots, a child of all three, and a grandchild. */
export async function deployFamily(connection: NetworkConnection): Promise<Family> {
  const stemma = await deployStemma(connection);
  const { registry, actors } = stemma;
  const { steward, otherSteward, alice, bob, carol } = actors;
  const a = await registerModel(registry, steward, {
    key: "hf:stemma/base-a",
    contributors: contributors([alice, 500_000, Role.PRETRAINING_COMPUTE], [bob, 500_000, Role.DATA_CURATION]),
  });
  const b = await registerModel(registry, steward, {
    key: "hf:stemma/base-b",
    contributors: contributors([bob, 1_000_000]),
  });
  const c = await registerModel(registry, steward, {
    key: "hf:stemma/base-c",
    contributors: contributors([carol, 1_000_000]),
    terms: { derivativesAllowed: true, minDerivativePpm: 50_000 },
  });
  const child = await registerModel(registry, steward, {
    key: "hf:stemma/child",
    upstreamPpm: 300_000,
    ...(await lineage(registry, [
      [a.id, 333_333, Relation.FINETUNE],
      [b.id, 333_333, Relation.MERGE],
      [c.id, 333_334, Relation.MERGE],
    ])),
    contributors: contributors(
      [alice, 600_000, Role.FINETUNING],
      [bob, 250_000, Role.ALIGNMENT],
      [carol, 150_000, Role.EVALUATION_REDTEAM],
    ),
  });
  const grandchild = await registerModel(registry, otherSteward, {
    key: "hf:stemma/grandchild@0123abc",
    upstreamPpm: 200_000,
    ...(await lineage(registry, [[child.id, 1_000_000, Relation.QUANTIZED]])),
    contributors: contributors([alice, 1_000_000, Role.QUANTIZATION]),
  });
  return { ...stemma, a, b, c, child, grandchild };
}

/** An {ExpectedLedger} that knows the family's models, for conservation checks. */
export function familyLedger(family: Family): ExpectedLedger {
  const ledger = new ExpectedLedger(FEE_PPM);
  for (const { id, registration } of [family.a, family.b, family.c, family.child, family.grandchild]) {
    ledger.addModel(id, registration.upstreamPpm, registration.parents);
  }
  return ledger;
}

/** Pays `amount` of `token` to a model from `payer`, sending it as `msg.value` when the token is ETH. */
export function pay(
  router: RevenueRouter,
  payer: Signer,
  id: string,
  token: string,
  amount: bigint,
): Promise<ContractTransactionResponse> {
  const value = token === NATIVE_TOKEN ? amount : 0n;
  return router.connect(payer).pay(id, token, amount, { value });
}

/** The balance of `account` in `token` (ETH for {NATIVE_TOKEN}). */
export async function balanceOf(
  ethers: HardhatEthers,
  token: string,
  account: string | { getAddress(): Promise<string> },
): Promise<bigint> {
  const address = typeof account === "string" ? account : await account.getAddress();
  if (token === NATIVE_TOKEN) return ethers.provider.getBalance(address);
  const erc20 = await ethers.getContractAt("TestToken", token);
  return erc20.balanceOf(address);
}
