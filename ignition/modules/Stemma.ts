import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { keccak256, toBytes, zeroAddress, zeroHash } from "viem";

/** Role ids, as the contracts define them: `keccak256("NAME")`, and zero for each contract's default admin. */
const role = (name: string) => keccak256(toBytes(name));
const DEFAULT_ADMIN_ROLE = zeroHash;
const ROUTER_ROLES = {
  DEFAULT_ADMIN_ROLE,
  FEE_MANAGER_ROLE: role("FEE_MANAGER_ROLE"),
  TOKEN_MANAGER_ROLE: role("TOKEN_MANAGER_ROLE"),
};
const PROPOSER_ROLE = role("PROPOSER_ROLE");
const CANCELLER_ROLE = role("CANCELLER_ROLE");

/**
 * The whole Stemma system: the stewardship DAO (votes token, timelock, governor) and the ledger (router, registry),
 * wired together, with every administrative power handed to the timelock. Parameters (all required; see
 * `ignition/parameters/{local,production}.json`):
 *
 * - `allocation`: the votes token's whole supply, as `[{ holder, amount }]` (amounts in wei, 18 decimals).
 * - `votingDelay`, `votingPeriod`, `lateQuorumVoteExtension`: in blocks. `proposalThreshold`: in votes (wei).
 *   `quorumPercent`: percent of the supply. `timelockDelay`: seconds.
 * - `feePpm`: the protocol fee in parts per million (at most 100,000). `disputeBond`: the base bond, in wei.
 * - `attesters`, `attesterThreshold`: who verifies model identities, and how many signatures a verification needs
 *   (an empty list with threshold 0 leaves verification off until governance appoints attesters).
 * - `trustPeriods`: `{ provisional, disputeCooldown, epochRenewal }` in seconds (docs/SECURITY.md).
 * - `allowlistOnly`, `allowedTokens`: the router's token allowlist mode and the tokens it starts with
 *   (`0xEeee...EEeE` is ETH).
 *
 * The deployer holds admin powers only between two steps of this module: it binds the registry to the router and
 * wires the governor into the timelock, then grants the timelock every router role and renounces all of its own.
 * The registry is born with the timelock as its only admin. Afterwards no key but the timelock holds any role.
 */
export default buildModule("Stemma", (m) => {
  const deployer = m.getAccount(0);

  const token = m.contract("StemmaToken", [m.getParameter("allocation")]);
  const timelock = m.contract("StemmaTimelock", [m.getParameter("timelockDelay"), [], [zeroAddress], deployer]);
  const governor = m.contract("StemmaGovernor", [
    token,
    timelock,
    {
      votingDelay: m.getParameter("votingDelay"),
      votingPeriod: m.getParameter("votingPeriod"),
      proposalThreshold: m.getParameter("proposalThreshold"),
      quorumPercent: m.getParameter("quorumPercent"),
      lateQuorumVoteExtension: m.getParameter("lateQuorumVoteExtension"),
    },
  ]);

  const router = m.contract("RevenueRouter", [deployer, timelock, m.getParameter("feePpm")]);
  const registry = m.contract("ModelRegistry", [
    timelock,
    router,
    m.getParameter("disputeBond"),
    m.getParameter("attesters"),
    m.getParameter("attesterThreshold"),
    m.getParameter("trustPeriods"),
  ]);
  const bound = m.call(router, "bindRegistry", [registry]);
  // The token policy is set while the deployer still manages tokens, before it hands the role over.
  const allowedTokens = m.getParameter<string[]>("allowedTokens");
  const allowed = m.call(router, "setTokensAllowed", [allowedTokens, true], { after: [bound] });
  const allowlist = m.call(router, "setAllowlistOnly", [m.getParameter("allowlistOnly")], { after: [allowed] });

  const governorProposes = m.call(timelock, "grantRole", [PROPOSER_ROLE, governor], { id: "timelock_grant_proposer" });
  const governorCancels = m.call(timelock, "grantRole", [CANCELLER_ROLE, governor], { id: "timelock_grant_canceller" });
  m.call(timelock, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], {
    id: "timelock_renounce_admin",
    after: [governorProposes, governorCancels],
  });

  const grants = Object.entries(ROUTER_ROLES).map(([name, id]) =>
    m.call(router, "grantRole", [id, timelock], { id: `router_grant_${name}`, after: [bound] }),
  );
  // Renouncing needs no admin, so the three renounces may run in any order, once the timelock holds every role.
  for (const [name, id] of Object.entries(ROUTER_ROLES)) {
    m.call(router, "renounceRole", [id, deployer], {
      id: `router_renounce_${name}`,
      after: [...grants, bound, allowlist],
    });
  }

  return { token, timelock, governor, router, registry };
});
