import { expect } from "chai";
import { network } from "hardhat";

import { NATIVE_TOKEN } from "../../src/core/constants.js";
import type { BlacklistToken, RedirectingAccount } from "../../types/ethers-contracts/index.js";
import { claimsFor } from "../helpers/claims.js";
import { type Stemma, deployStemma, pay } from "../helpers/fixtures.js";
import { type ContributorInput, contributors, registerModel } from "../helpers/models.js";

const { ethers, networkHelpers } = await network.create();

/** `IRevenueRouter.TokenPolicy`. */
const TokenPolicy = { NONE: 0, ALLOWED: 1, BLOCKED: 2 } as const;

describe("Hostile recipients and tokens", function () {
  let s: Stemma;

  beforeEach(async function () {
    s = await networkHelpers.loadFixture(deployStemma);
  });

  // Audit finding F7: claims could only pay the account, so a contributor contract that refuses ETH, or an address
  // a stablecoin blacklists, lost its entitlement.
  describe("F7: claimTo pays a recipient the account chooses", function () {
    let account: RedirectingAccount;
    let accountAddress: string;
    let set: ContributorInput[];
    let id: string;

    beforeEach(async function () {
      account = await ethers.deployContract("RedirectingAccount");
      accountAddress = await account.getAddress();
      set = contributors([accountAddress, 400_000], [s.actors.alice, 600_000]);
      ({ id } = await registerModel(s.registry, s.actors.steward, { key: "hf:org/redirected", contributors: set }));
    });

    it("pays a contract that refuses ETH through a recipient it names, and only when it calls", async function () {
      const { router, actors } = s;
      await pay(router, actors.payer, id, NATIVE_TOKEN, 1_000_000n);
      const entries = claimsFor(accountAddress, id, 0, set);
      await expect(router.claim(NATIVE_TOKEN, entries)).to.be.revertedWithCustomError(
        account,
        "RedirectingAccountRefused",
      );
      await expect(router.connect(actors.stranger).claimTo(NATIVE_TOKEN, entries, actors.stranger.address))
        .to.be.revertedWithCustomError(router, "RevenueRouterNotAccount")
        .withArgs(accountAddress, actors.stranger.address);

      const recipient = actors.carol.address;
      const tx = account.claimTo(router, NATIVE_TOKEN, entries, recipient);
      await expect(tx).to.emit(router, "Claimed").withArgs(id, NATIVE_TOKEN, accountAddress, 0, 0, 396_000n);
      await expect(tx).to.emit(router, "ClaimRedirected").withArgs(accountAddress, NATIVE_TOKEN, recipient, 396_000n);
      await expect(tx).to.changeEtherBalances(ethers, [actors.carol, router, account], [396_000n, -396_000n, 0n]);
      expect(await router.claimable(NATIVE_TOKEN, entries[0])).to.equal(0n);
      await expect(account.claimTo(router, NATIVE_TOKEN, entries, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        router,
        "RevenueRouterZeroAddress",
      );
    });

    it("pays an account a token blacklists through a recipient it names", async function () {
      const { router, actors } = s;
      const blacklist: BlacklistToken = await ethers.deployContract("BlacklistToken");
      const token = await blacklist.getAddress();
      await blacklist.mint(actors.payer.address, 10n ** 24n);
      await blacklist.connect(actors.payer).approve(router, ethers.MaxUint256);
      await pay(router, actors.payer, id, token, 1_000_000n);
      await blacklist.setBlacklisted(actors.alice.address, true);

      const entries = claimsFor(actors.alice, id, 0, set);
      await expect(router.claim(token, entries))
        .to.be.revertedWithCustomError(blacklist, "BlacklistTokenBlocked")
        .withArgs(actors.alice.address);
      await expect(router.connect(actors.bob).claimTo(token, entries, actors.bob.address))
        .to.be.revertedWithCustomError(router, "RevenueRouterNotAccount")
        .withArgs(actors.alice.address, actors.bob.address);

      const tx = router.connect(actors.alice).claimTo(token, entries, actors.carol.address);
      await expect(tx).to.emit(router, "Claimed").withArgs(id, token, actors.alice.address, 0, 400_000, 594_000n);
      await expect(tx)
        .to.emit(router, "ClaimRedirected")
        .withArgs(actors.alice.address, token, actors.carol.address, 594_000n);
      await expect(tx).to.changeTokenBalances(ethers, blacklist, [actors.carol, router], [594_000n, -594_000n]);
    });
  });

  // Audit finding F9: any ERC-20 was accepted into one pool per token, so a rebasing token could leave the pool
  // insolvent. Allowlist mode accepts only the tokens governance allowed.
  describe("F9: allowlist mode", function () {
    it("refuses a rebasing token while accepting allowed ones, and still refuses blocked ones", async function () {
      const { router, actors } = s;
      const id = (await registerModel(s.registry, actors.steward, { key: "hf:org/allowlisted" })).id;
      const rebasing = await ethers.deployContract("RebasingToken");
      const rebasingAddress = await rebasing.getAddress();
      await rebasing.mint(actors.payer.address, 10n ** 24n);
      await rebasing.connect(actors.payer).approve(router, ethers.MaxUint256);
      const [allowed, blocked] = [await s.token18.getAddress(), await s.token6.getAddress()];

      await expect(router.setAllowlistOnly(true)).to.emit(router, "AllowlistModeUpdated").withArgs(true);
      expect(await router.allowlistOnly()).to.equal(true);
      const tx = router.setTokensAllowed([allowed, NATIVE_TOKEN], true);
      await expect(tx).to.emit(router, "TokenPolicyUpdated").withArgs(allowed, TokenPolicy.ALLOWED);
      await expect(tx).to.emit(router, "TokenPolicyUpdated").withArgs(NATIVE_TOKEN, TokenPolicy.ALLOWED);
      await router.setTokenBlocked(blocked, true);

      await expect(pay(router, actors.payer, id, rebasingAddress, 1_000n))
        .to.be.revertedWithCustomError(router, "RevenueRouterTokenNotAllowed")
        .withArgs(rebasingAddress);
      await expect(pay(router, actors.payer, id, blocked, 1_000n))
        .to.be.revertedWithCustomError(router, "RevenueRouterTokenBlocked")
        .withArgs(blocked);
      for (const token of [allowed, NATIVE_TOKEN]) {
        await expect(pay(router, actors.payer, id, token, 1_000n))
          .to.emit(router, "Paid")
          .withArgs(id, token, actors.payer.address, 1_000n, 10n);
      }

      // Withdrawing an allowance, or blocking an allowed token, refuses it again.
      await expect(router.setTokensAllowed([allowed], false))
        .to.emit(router, "TokenPolicyUpdated")
        .withArgs(allowed, TokenPolicy.NONE);
      await expect(pay(router, actors.payer, id, allowed, 1_000n))
        .to.be.revertedWithCustomError(router, "RevenueRouterTokenNotAllowed")
        .withArgs(allowed);
      await router.setTokenBlocked(NATIVE_TOKEN, true);
      expect(await router.tokenPolicy(NATIVE_TOKEN)).to.equal(TokenPolicy.BLOCKED);
      await expect(pay(router, actors.payer, id, NATIVE_TOKEN, 1_000n))
        .to.be.revertedWithCustomError(router, "RevenueRouterTokenBlocked")
        .withArgs(NATIVE_TOKEN);

      // Out of allowlist mode, tokens that are not blocked are accepted again.
      await expect(router.setAllowlistOnly(false)).to.emit(router, "AllowlistModeUpdated").withArgs(false);
      await expect(pay(router, actors.payer, id, rebasingAddress, 1_000n)).to.emit(router, "Paid");
    });

    it("reverts with AccessControlUnauthorizedAccount without TOKEN_MANAGER_ROLE, and for the zero address", async function () {
      const { router, actors, roles } = s;
      await expect(router.connect(actors.stranger).setAllowlistOnly(true))
        .to.be.revertedWithCustomError(router, "AccessControlUnauthorizedAccount")
        .withArgs(actors.stranger.address, roles.TOKEN_MANAGER);
      await expect(router.connect(actors.stranger).setTokensAllowed([NATIVE_TOKEN], true))
        .to.be.revertedWithCustomError(router, "AccessControlUnauthorizedAccount")
        .withArgs(actors.stranger.address, roles.TOKEN_MANAGER);
      await expect(router.setTokensAllowed([NATIVE_TOKEN, ethers.ZeroAddress], true))
        .to.be.revertedWithCustomError(router, "RevenueRouterInvalidToken")
        .withArgs(ethers.ZeroAddress);
    });
  });
});
