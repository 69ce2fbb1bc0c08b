import assert from "node:assert/strict";

import { expect } from "chai";
import { EventLog, type BaseContract } from "ethers";
import { network } from "hardhat";

import { loadStemmaParameters, type StemmaParameters } from "../../scripts/deploy/parameters.js";
import { NATIVE_TOKEN } from "../../src/core/constants.js";
import type { ModelRegistry } from "../../types/ethers-contracts/index.js";
import { deployDao, type Dao } from "../helpers/dao.js";
import { registerModel } from "../helpers/models.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const role = (name: string) => ethers.id(name);
const DEFAULT_ADMIN = ethers.ZeroHash;

/** Every account that holds each role of an AccessControl contract now, rebuilt from all its role events. */
async function roleHolders(contract: BaseContract): Promise<Map<string, Set<string>>> {
  const holders = new Map<string, Set<string>>();
  const events = [
    ...(await contract.queryFilter(contract.filters.RoleGranted!(), 0)),
    ...(await contract.queryFilter(contract.filters.RoleRevoked!(), 0)),
  ].sort((x, y) => x.blockNumber - y.blockNumber || x.index - y.index);
  for (const event of events) {
    if (!(event instanceof EventLog)) throw new Error("undecoded role event");
    const [roleId, account] = event.args as unknown as [string, string];
    const set = holders.get(roleId) ?? new Set<string>();
    if (event.eventName === "RoleGranted") set.add(account);
    else set.delete(account);
    holders.set(roleId, set);
  }
  return holders;
}

/** `IRevenueRouter.TokenPolicy`. */
const TokenPolicy = { NONE: 0n, ALLOWED: 1n, BLOCKED: 2n } as const;

/** The registry's attesters now, rebuilt from its AttesterUpdated events. */
async function attestersOf(registry: ModelRegistry): Promise<string[]> {
  const attesters = new Set<string>();
  for (const event of await registry.queryFilter(registry.filters.AttesterUpdated(), 0)) {
    if (event.args.appointed) attesters.add(event.args.attester);
    else attesters.delete(event.args.attester);
  }
  return [...attesters];
}

describe("Deployment (ignition/modules/Stemma.ts)", function () {
  let dao: Dao;

  beforeEach(async function () {
    dao = await networkHelpers.loadFixture(deployDao);
  });

  describe("with the local parameters", function () {
    it("configures the governor, the timelock and the token as the parameter set says", async function () {
      const { governor, timelock, token, parameters } = dao;
      expect(await governor.votingDelay()).to.equal(1n);
      expect(await governor.votingPeriod()).to.equal(10n);
      expect(await governor.lateQuorumVoteExtension()).to.equal(5n);
      expect(await governor.proposalThreshold()).to.equal(0n);
      expect(await governor["quorumNumerator()"]()).to.equal(4n);
      expect(await governor.token()).to.equal(await token.getAddress());
      expect(await governor.timelock()).to.equal(await timelock.getAddress());
      expect(await timelock.getMinDelay()).to.equal(60n);
      expect(await token.totalSupply()).to.equal(10n ** 24n);
      for (const { holder, amount } of parameters.allocation) {
        expect(await token.balanceOf(holder)).to.equal(amount);
      }
      // Quorum is 4% of the supply at the snapshot block.
      const block = (await ethers.provider.getBlockNumber()) - 1;
      expect(await governor.quorum(block)).to.equal(4n * 10n ** 22n);
    });

    it("wires the ledger to the DAO: the timelock is the treasury, the registry is bound", async function () {
      const { router, registry, timelock } = dao;
      expect(await router.treasury()).to.equal(await timelock.getAddress());
      expect(await router.registry()).to.equal(await registry.getAddress());
      expect(await registry.router()).to.equal(await router.getAddress());
      expect(await router.feePpm()).to.equal(10_000n);
      expect(await registry.disputeBond()).to.equal(10n ** 17n);
    });

    it("deploys contracts that fit EIP-170's 24,576 bytes (the registry is built for size)", async function () {
      for (const contract of [dao.registry, dao.router]) {
        const code = await ethers.provider.getCode(await contract.getAddress());
        expect((code.length - 2) / 2).to.be.below(24_576);
      }
    });

    it("appoints the attesters, sets the threshold, the time windows and the token policy", async function () {
      const { registry, router, parameters, attester } = dao;
      expect(parameters.attesters).to.deep.equal([attester.address]);
      expect(await attestersOf(registry)).to.deep.equal([attester.address]);
      expect(await registry.isAttester(attester)).to.equal(true);
      expect(await registry.attesterThreshold()).to.equal(1n);
      expect([...(await registry.trustPeriods())]).to.deep.equal([0n, 86_400n, 2_592_000n]);
      expect(await router.allowlistOnly()).to.equal(false);
      expect(await router.tokenPolicy(NATIVE_TOKEN)).to.equal(TokenPolicy.ALLOWED);
      // Not provisional locally, and any token that is not blocked is accepted.
      const { id, tx } = await registerModel(registry, dao.steward, { key: "hf:stemma/deployed" });
      await expect(tx).not.to.emit(registry, "ModelProvisional");
      await expect(router.connect(dao.payer).pay(id, dao.usd, 1_000n)).to.emit(router, "Paid");
    });
  });

  describe("leaves no backdoor", function () {
    it("appoints no guardian: the DAO grants that role later", async function () {
      const holders = await roleHolders(dao.registry);
      expect(holders.has(role("GUARDIAN_ROLE"))).to.equal(false);
      expect(await dao.registry.hasRole(role("GUARDIAN_ROLE"), dao.timelock)).to.equal(false);
    });

    it("gives every registry and router role to the timelock alone", async function () {
      const timelock = await dao.timelock.getAddress();
      const routerRoles = [DEFAULT_ADMIN, role("FEE_MANAGER_ROLE"), role("TOKEN_MANAGER_ROLE")];
      const registryRoles = [
        DEFAULT_ADMIN,
        role("DISPUTE_MANAGER_ROLE"),
        role("PLACEHOLDER_ASSIGNER_ROLE"),
        role("IDENTITY_MANAGER_ROLE"),
      ];
      for (const [contract, roles] of [
        [dao.router, routerRoles],
        [dao.registry, registryRoles],
      ] as const) {
        const holders = await roleHolders(contract);
        expect([...holders.keys()].sort()).to.deep.equal([...roles].sort());
        for (const roleId of roles) expect([...holders.get(roleId)!]).to.deep.equal([timelock]);
      }
    });

    it("makes the governor the timelock's only proposer and canceller, and the timelock its own admin", async function () {
      const holders = await roleHolders(dao.timelock);
      const governor = await dao.governor.getAddress();
      expect([...holders.get(DEFAULT_ADMIN)!]).to.deep.equal([await dao.timelock.getAddress()]);
      expect([...holders.get(role("PROPOSER_ROLE"))!]).to.deep.equal([governor]);
      expect([...holders.get(role("CANCELLER_ROLE"))!]).to.deep.equal([governor]);
      // Execution is open to anyone: a passed proposal cannot be blocked by withholding the execute call.
      expect([...holders.get(role("EXECUTOR_ROLE"))!]).to.deep.equal([ethers.ZeroAddress]);
    });

    it("leaves the deployer no role anywhere and no way to mint votes", async function () {
      const { deployer, router, registry, timelock, token } = dao;
      for (const contract of [router, registry, timelock]) {
        for (const roleId of (await roleHolders(contract)).keys()) {
          expect(await contract.hasRole(roleId, deployer)).to.equal(false);
        }
      }
      // Named too, so that a role granted without an event or never granted is covered.
      for (const name of [
        "IDENTITY_MANAGER_ROLE",
        "GUARDIAN_ROLE",
        "DISPUTE_MANAGER_ROLE",
        "PLACEHOLDER_ASSIGNER_ROLE",
      ]) {
        for (const account of [deployer, dao.attester]) {
          expect(await registry.hasRole(role(name), account)).to.equal(false);
        }
      }
      for (const name of ["FEE_MANAGER_ROLE", "TOKEN_MANAGER_ROLE"]) {
        expect(await router.hasRole(role(name), deployer)).to.equal(false);
      }
      const functions = token.interface.fragments.flatMap((f) =>
        f.type === "function" && "name" in f ? [f.name] : [],
      );
      expect(functions).to.include("transfer").and.not.include("mint");
      const supply = await token.totalSupply();
      await token.connect(deployer).transfer(dao.stranger, 1n);
      expect(await token.totalSupply()).to.equal(supply);
    });

    it("refuses the deployer's attempts to grant itself a role back", async function () {
      const { deployer, router, registry, timelock } = dao;
      for (const contract of [router, registry, timelock]) {
        await expect(contract.connect(deployer).grantRole(DEFAULT_ADMIN, deployer))
          .to.be.revertedWithCustomError(contract, "AccessControlUnauthorizedAccount")
          .withArgs(deployer.address, DEFAULT_ADMIN);
      }
      await expect(router.connect(deployer).bindRegistry(deployer))
        .to.be.revertedWithCustomError(router, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, DEFAULT_ADMIN);
    });
  });

  describe("with the production parameters", function () {
    it("uses the governance values of Compound, Uniswap and ENS", async function () {
      const allocation = [{ holder: dao.alice.address, amount: 10n ** 27n }];
      const production = await deployDao(connection, { parameterSet: "production", overrides: { allocation } });
      const { governor, timelock } = production;
      expect(await governor.votingDelay()).to.equal(14_400n); // about 2 days of 12-second blocks
      expect(await governor.votingPeriod()).to.equal(50_400n); // about 7 days
      expect(await governor.lateQuorumVoteExtension()).to.equal(14_400n); // about 2 days
      expect(await governor["quorumNumerator()"]()).to.equal(4n);
      expect(await governor.proposalThreshold()).to.equal(10n ** 24n); // 0.1% of a 1e9 supply
      expect(await timelock.getMinDelay()).to.equal(172_800n); // 2 days
    });

    it("starts with no attester, 30-day provisional registrations and the allowlist on, with ETH only", async function () {
      const allocation = [{ holder: dao.alice.address, amount: 10n ** 27n }];
      const production = await deployDao(connection, { parameterSet: "production", overrides: { allocation } });
      const { registry, router } = production;
      expect(await attestersOf(registry)).to.deep.equal([]);
      expect(await registry.attesterThreshold()).to.equal(0n);
      expect([...(await registry.trustPeriods())]).to.deep.equal([2_592_000n, 604_800n, 31_536_000n]);
      expect(await router.allowlistOnly()).to.equal(true);
      expect(await router.tokenPolicy(NATIVE_TOKEN)).to.equal(TokenPolicy.ALLOWED);
      expect(await router.tokenPolicy(production.usd)).to.equal(TokenPolicy.NONE);

      const { id, tx } = await registerModel(registry, production.steward, { key: "hf:stemma/deployed" });
      await expect(tx).to.emit(registry, "ModelProvisional");
      await expect(router.connect(production.payer).pay(id, production.usd, 1_000n))
        .to.be.revertedWithCustomError(router, "RevenueRouterTokenNotAllowed")
        .withArgs(await production.usd.getAddress());
      await expect(router.connect(production.payer).pay(id, NATIVE_TOKEN, 1_000n, { value: 1_000n })).to.emit(
        router,
        "Paid",
      );
    });

    it("refuses to deploy without an allocation, naming the file and the field, before any transaction", async function () {
      const before = await ethers.provider.getBlockNumber();
      await assert.rejects(
        deployDao(connection, { parameterSet: "production" }),
        /production\.json: Stemma\.allocation is missing: list who receives the votes token/,
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(before);
    });
  });

  describe("parameter checks", function () {
    it("rejects an empty allocation, a bad holder and a zero amount", async function () {
      await assert.rejects(loadStemmaParameters("local", { allocation: [] }), /allocation is empty/);
      await assert.rejects(
        loadStemmaParameters("local", { allocation: [{ holder: "0x1234", amount: 1n }] }),
        /allocation\[0\]\.holder is not an address \(0x1234\)/,
      );
      await assert.rejects(
        loadStemmaParameters("local", { allocation: [{ holder: dao.alice.address, amount: 0n }] }),
        /allocation\[0\]\.amount must be a positive amount/,
      );
    });

    it("rejects attesters, a threshold, windows and tokens the contracts would refuse, naming the field", async function () {
      const cases: [Partial<StemmaParameters>, RegExp][] = [
        [{ attesters: ["0x1234"] }, /attesters\[0\] is not an address \(0x1234\)/],
        [{ attesterThreshold: 2 }, /attesterThreshold must be between 1 and the number of attesters \(1\)/],
        [{ attesterThreshold: 0 }, /attesterThreshold must be between 1 and the number of attesters \(1\)/],
        [{ attesters: [], attesterThreshold: 1 }, /attesterThreshold must be 0 when no attester is listed/],
        [
          { trustPeriods: { provisional: -1, disputeCooldown: 0, epochRenewal: 0 } },
          /trustPeriods\.provisional must be a whole number of seconds/,
        ],
        [{ allowedTokens: ["ETH"] }, /allowedTokens\[0\] is not an address \(ETH\)/],
        [{ allowlistOnly: true, allowedTokens: [] }, /allowedTokens is empty while allowlistOnly is on/],
      ];
      for (const [overrides, message] of cases) {
        await assert.rejects(loadStemmaParameters("local", overrides), message);
      }
      // The production set, with no attester and threshold 0, is valid.
      const allocation = [{ holder: dao.alice.address, amount: 1n }];
      const production = await loadStemmaParameters("production", { allocation });
      expect([production.attesters, production.attesterThreshold]).to.deep.equal([[], 0]);
    });

    it("names an unknown parameter set and the ones that exist", async function () {
      await assert.rejects(
        loadStemmaParameters("staging"),
        /No parameter set at .*staging\.json: use "local", "production" or the path of a JSON file/,
      );
    });

    it("rejects an empty allocation on chain too, with StemmaTokenEmptyAllocation", async function () {
      const factory = await ethers.getContractFactory("StemmaToken");
      await expect(factory.deploy([])).to.be.revertedWithCustomError(factory, "StemmaTokenEmptyAllocation");
      await expect(factory.deploy([{ holder: dao.alice.address, amount: 0n }]))
        .to.be.revertedWithCustomError(factory, "StemmaTokenZeroAllocation")
        .withArgs(0n);
    });
  });
});
