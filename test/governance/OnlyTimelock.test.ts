import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { BaseContract } from "ethers";
import { network } from "hardhat";

import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { deployDao, type Dao } from "../helpers/dao.js";
import { contributors } from "../helpers/models.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** A governed call, and the custom error (with its arguments for `caller`) that refuses everyone but the timelock. */
type GovernedCall = {
  name: string;
  contract: (dao: Dao) => BaseContract;
  call: (dao: Dao, as: HardhatEthersSigner) => Promise<unknown>;
  error: string;
  args: (caller: string) => unknown[];
  /** The timelock's proposer and canceller roles are the governor's by design: it queues and cancels proposals. */
  governorHoldsIt?: true;
};

const role = (name: string) => ethers.id(name);
const DEFAULT_ADMIN = ethers.ZeroHash;
const ID = ethers.id("hf:stemma/any");

/** How a governed call refuses `caller`: the custom error and its arguments. */
type Refusal = Pick<GovernedCall, "error" | "args">;

const unauthorized = (roleId: string): Refusal => ({
  error: "AccessControlUnauthorizedAccount",
  args: (caller: string) => [caller, roleId],
});
/** A custom error whose only argument is the caller. */
const refusedWith = (error: string): Refusal => ({ error, args: (caller) => [caller] });

const ADMIN = unauthorized(DEFAULT_ADMIN);
const DISPUTE_MANAGER = unauthorized(role("DISPUTE_MANAGER_ROLE"));
const PLACEHOLDER_ASSIGNER = unauthorized(role("PLACEHOLDER_ASSIGNER_ROLE"));
const IDENTITY_MANAGER = unauthorized(role("IDENTITY_MANAGER_ROLE"));
const FEE_MANAGER = unauthorized(role("FEE_MANAGER_ROLE"));
const TOKEN_MANAGER = unauthorized(role("TOKEN_MANAGER_ROLE"));

type Governed = "registry" | "router" | "timelock";

/** The governed calls of one contract, from `[function, call, refusal]` rows. */
function callsOn(
  contract: Governed,
  rows: [fn: string, call: GovernedCall["call"], refusal: Refusal, governorHoldsIt?: true][],
): GovernedCall[] {
  return rows.map(([fn, call, refusal, governorHoldsIt]) => ({
    name: `${contract}.${fn}`,
    contract: (d) => d[contract],
    call,
    ...refusal,
    ...(governorHoldsIt ? { governorHoldsIt } : {}),
  }));
}

const GOVERNED: GovernedCall[] = [
  ...callsOn("registry", [
    ["setDisputeBond", (d, as) => d.registry.connect(as).setDisputeBond(1n), DISPUTE_MANAGER],
    ["resolveDispute", (d, as) => d.registry.connect(as).resolveDispute(1n, true, as.address), DISPUTE_MANAGER],
    // The guardian role is the timelock's to grant; no one holds it at deployment.
    ["dismissDispute", (d, as) => d.registry.connect(as).dismissDispute(1n), unauthorized(role("GUARDIAN_ROLE"))],
    [
      "reassign",
      (d, as) => d.registry.connect(as).reassign(ID, as.address, contributors([as, 1_000_000])),
      DISPUTE_MANAGER,
    ],
    ["replaceBeneficiary", (d, as) => d.registry.connect(as).replaceBeneficiary(ID, as.address), DISPUTE_MANAGER],
    [
      "assignPlaceholder",
      (d, as) => d.registry.connect(as).assignPlaceholder(ID, as.address, contributors([as, 1_000_000])),
      PLACEHOLDER_ASSIGNER,
    ],
    ["registerPlaceholder", (d, as) => d.registry.connect(as).registerPlaceholder("hf:any/one"), PLACEHOLDER_ASSIGNER],
    ["setAttester", (d, as) => d.registry.connect(as).setAttester(as.address, true), IDENTITY_MANAGER],
    ["setAttesterThreshold", (d, as) => d.registry.connect(as).setAttesterThreshold(1), IDENTITY_MANAGER],
    [
      "setTrustPeriods",
      (d, as) => d.registry.connect(as).setTrustPeriods({ provisional: 0, disputeCooldown: 0, epochRenewal: 0 }),
      IDENTITY_MANAGER,
    ],
    ["grantRole", (d, as) => d.registry.connect(as).grantRole(role("DISPUTE_MANAGER_ROLE"), as.address), ADMIN],
    [
      "revokeRole",
      async (d, as) => d.registry.connect(as).revokeRole(DEFAULT_ADMIN, await d.timelock.getAddress()),
      ADMIN,
    ],
  ]),
  ...callsOn("router", [
    ["setFee", (d, as) => d.router.connect(as).setFee(0), FEE_MANAGER],
    ["setTreasury", (d, as) => d.router.connect(as).setTreasury(as.address), FEE_MANAGER],
    ["setTokenBlocked", (d, as) => d.router.connect(as).setTokenBlocked(d.usd, true), TOKEN_MANAGER],
    ["setTokensAllowed", (d, as) => d.router.connect(as).setTokensAllowed([d.usd], true), TOKEN_MANAGER],
    ["setAllowlistOnly", (d, as) => d.router.connect(as).setAllowlistOnly(true), TOKEN_MANAGER],
    ["bindRegistry", (d, as) => d.router.connect(as).bindRegistry(as.address), ADMIN],
    ["grantRole", (d, as) => d.router.connect(as).grantRole(role("FEE_MANAGER_ROLE"), as.address), ADMIN],
    [
      "withdrawFees",
      (d, as) => d.router.connect(as).withdrawFees(NATIVE_TOKEN, as.address, 0n),
      refusedWith("RevenueRouterNotTreasury"),
    ],
  ]),
  ...callsOn("timelock", [
    [
      "schedule",
      (d, as) => d.timelock.connect(as).schedule(as.address, 0n, "0x", ethers.ZeroHash, ethers.ZeroHash, 60n),
      unauthorized(role("PROPOSER_ROLE")),
      true,
    ],
    ["cancel", (d, as) => d.timelock.connect(as).cancel(ethers.ZeroHash), unauthorized(role("CANCELLER_ROLE")), true],
    ["updateDelay", (d, as) => d.timelock.connect(as).updateDelay(0n), refusedWith("TimelockUnauthorizedCaller")],
    ["grantRole", (d, as) => d.timelock.connect(as).grantRole(role("PROPOSER_ROLE"), as.address), ADMIN],
  ]),
  // StemmaGovernor: its settings change only through its own executor, the timelock.
  ...(
    [
      ["setVotingDelay", [0]],
      ["setVotingPeriod", [1]],
      ["setProposalThreshold", [0]],
      ["updateQuorumNumerator", [1]],
      ["setLateQuorumVoteExtension", [0]],
      ["updateTimelock", [ethers.ZeroAddress]],
      ["relay", [ethers.ZeroAddress, 0n, "0x"]],
    ] as const
  ).map(([fn, args]): GovernedCall => ({
    name: `governor.${fn}`,
    contract: (d) => d.governor,
    call: (d, as) =>
      (d.governor.connect(as) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn]!(...args),
    ...refusedWith("GovernorOnlyExecutor"),
  })),
];

describe("Only the timelock governs", function () {
  let dao: Dao;

  beforeEach(async function () {
    dao = await networkHelpers.loadFixture(deployDao);
  });

  for (const governed of GOVERNED) {
    const callers = governed.governorHoldsIt
      ? "the deployer, a token whale and a stranger"
      : "the deployer, a token whale, a stranger and the governor itself";
    it(`${governed.name} refuses ${callers}`, async function () {
      const governorAddress = await dao.governor.getAddress();
      await networkHelpers.impersonateAccount(governorAddress);
      await networkHelpers.setBalance(governorAddress, 10n ** 18n);
      const governorSigner = await ethers.getSigner(governorAddress);
      const outsiders = [dao.deployer, dao.holders[0]!, dao.stranger];
      for (const caller of governed.governorHoldsIt ? outsiders : [...outsiders, governorSigner]) {
        await expect(governed.call(dao, caller))
          .to.be.revertedWithCustomError(governed.contract(dao), governed.error)
          .withArgs(...governed.args(caller.address));
      }
    });
  }
});
