import { formatUnits, getContract, keccak256, parseEther, parseUnits, toHex } from "viem";
import type { Abi, Account, Address, Chain, ContractFunctionArgs, ContractFunctionName, Hex } from "viem";
import type { PublicClient, TestClient, Transport, WalletClient } from "viem";
import { decodeLedgerLogs } from "../chain/decodeLogs.js";
import type { FunctionCall, WriteMutability } from "../chain/functionCall.js";
import { proposalCall, runProposal } from "../chain/runProposal.js";
import { modelRegistryAbi, revenueRouterAbi, stemmaTokenAbi, testTokenAbi } from "../contracts/abis.js";
import { NATIVE_TOKEN, PPM, Relation, Role } from "../core/constants.js";
import { contributorClaim } from "../core/contributorClaim.js";
import { createLedger } from "../core/ledger.js";
import { modelId } from "../core/modelId.js";
import { planPropagation } from "../core/planPropagation.js";
import type { Contributor, ParentEdge, Terms } from "../core/types.js";

/** Where the deployment (`ignition/modules/Stemma.ts`, local parameters) put the system. */
export type DemoSystem = {
  registry: Address;
  router: Address;
  governor: Address;
  votesToken: Address;
  /** The DAO's timelock: the treasury. */
  timelock: Address;
  /** The block of the first deployment transaction: the ledger is rebuilt from its events from here on. */
  startBlock: bigint;
};

export type RunDemoParameters = {
  publicClient: PublicClient;
  /** Mines blocks and moves time, for the DAO's proposal. */
  testClient: TestClient;
  /**
   * At least 13 funded accounts: two holders of the local votes allocation (40% and 30%), the payer, then
   * contributors.
   */
  wallets: readonly WalletClient<Transport, Chain, Account>[];
  system: DemoSystem;
  /** The test ERC-20's creation code (constructor: name, symbol, decimals), from its artifact. */
  tokenBytecode: Hex;
  log: (line: string) => void;
};

export type DemoReport = {
  /** Per account label and token symbol: what the account can claim after full propagation. */
  owed: { label: string; account: Address; roles: string; amounts: Record<string, bigint> }[];
  /** The tokens the demo paid in: ETH (the ERC-7528 sentinel) and the test stablecoin it deployed. */
  tokens: { symbol: string; address: Address; decimals: number }[];
  /** The demo lineage's model keys, parents first; `placeholder` is the parent registered before its authors came. */
  models: { base: string; finetune: string; adapter: string; quantized: string; merge: string; placeholder: string };
  /** The engine's figures equal the chain's for every account, entry and token. */
  mirrorMatches: boolean;
  /** The router's balance equals everything owed, per token. */
  conserved: boolean;
};

const PEOPLE = [
  "DAO member (40% of votes)",
  "DAO member (30% of votes)",
  "payer",
  "Ada (pre-training compute)",
  "Bo (data curation)",
  "Cy (alignment)",
  "Di (fine-tuning)",
  "Ed (medical data)",
  "Flo (red-teaming)",
  "Gus (quantization)",
  "Hal (maintenance)",
  "Ivy (merging)",
  "Mia (Mistral pre-training)",
] as const;
const MISTRAL_AUTHOR = 12;

const BASE = "hf:meta-llama/llama-3.1-8b";
const PLACEHOLDER = "hf:mistralai/mistral-7b-v0.3";
const FINETUNE = "hf:stemma-demo/llama-3.1-8b-medical";
const QUANTIZED = "hf:stemma-demo/llama-3.1-8b-medical-gguf";
const MERGE = "hf:stemma-demo/medical-mistral-merge-7b";
const ADAPTER = "hf:stemma-demo/llama-3.1-8b-triage-lora";

type DemoModel = {
  key: string;
  steward: number;
  upstreamPpm: number;
  parents: ReturnType<typeof parent>[];
  contributors: ReturnType<typeof share>[];
  terms: Terms;
  license: string;
};

/** A demo model's parent; a single parent gets the whole upstream share. */
const parent = (key: string, relation: number, weightPpm = Number(PPM)) => ({ key, relation, weightPpm });

/** A demo model's contributor: a person (an index into PEOPLE), a role and a weight in ppm. */
const share = (who: number, role: number, weightPpm: number) => ({ who, role, weightPpm });

/**
 * The demo lineage, parents first: each model's steward (an index into PEOPLE), upstream share and parents. The
 * Mistral base is an unclaimed placeholder: its share accrues in escrow.
 */
const LINEAGE: Pick<DemoModel, "key" | "steward" | "upstreamPpm" | "parents">[] = [
  { key: BASE, steward: 3, upstreamPpm: 0, parents: [] },
  { key: FINETUNE, steward: 6, upstreamPpm: 200_000, parents: [parent(BASE, Relation.FINETUNE)] },
  { key: ADAPTER, steward: 10, upstreamPpm: 250_000, parents: [parent(BASE, Relation.ADAPTER)] },
  { key: QUANTIZED, steward: 9, upstreamPpm: 500_000, parents: [parent(FINETUNE, Relation.QUANTIZED)] },
  {
    key: MERGE,
    steward: 11,
    upstreamPpm: 300_000,
    parents: [parent(FINETUNE, Relation.MERGE, 600_000), parent(PLACEHOLDER, Relation.MERGE, 400_000)],
  },
];

/** Who shares what each model keeps. */
const CONTRIBUTORS: Record<string, DemoModel["contributors"]> = {
  [BASE]: [
    share(3, Role.PRETRAINING_COMPUTE, 600_000),
    share(4, Role.DATA_CURATION, 250_000),
    share(5, Role.ALIGNMENT, 150_000),
  ],
  [FINETUNE]: [
    share(6, Role.FINETUNING, 700_000),
    share(7, Role.DATA_CURATION, 200_000),
    share(8, Role.EVALUATION_REDTEAM, 100_000),
  ],
  [ADAPTER]: [share(10, Role.FINETUNING, 600_000), share(7, Role.DATA_CURATION, 400_000)],
  [QUANTIZED]: [share(9, Role.QUANTIZATION, 800_000), share(10, Role.MAINTENANCE, 200_000)],
  [MERGE]: [share(11, Role.FINETUNING, Number(PPM))],
};

/** The least share of their revenue the base and the fine-tune ask of derivatives; the others ask nothing. */
const MINIMUM_SHARES: Record<string, number> = { [BASE]: 50_000, [FINETUNE]: 100_000 };

/** The merge is Apache-2.0; the Llama derivatives keep Llama's license. */
const licenseOf = (key: string) => (key === MERGE ? "Apache-2.0" : "LicenseRef-Llama-3.1-Community");

const MODELS: DemoModel[] = LINEAGE.map((model) => ({
  ...model,
  contributors: CONTRIBUTORS[model.key]!,
  terms: { derivativesAllowed: true, minDerivativePpm: MINIMUM_SHARES[model.key] ?? 0 },
  license: licenseOf(model.key),
}));

/** A demo model's parents as the registry and the router take them. */
const edgesOf = (model: DemoModel): ParentEdge[] =>
  model.parents.map((p) => ({ parentId: modelId(p.key), relation: p.relation, weightPpm: p.weightPpm }));

const ROLE_NAMES = Object.fromEntries(Object.entries(Role).map(([name, value]) => [value, name]));

/**
 * On a freshly deployed system, registers a small lineage (a base model, a fine-tune and an adapter of it, a
 * quantized build of the fine-tune, and a merge of the fine-tune with an unclaimed placeholder), pays revenue in ETH and a test
 * stablecoin, propagates it all, has the stewardship DAO hand the placeholder to its authors by proposal, and
 * reports who is owed what, checking the TypeScript engine against the chain.
 *
 * @example
 * import { runDemo } from "./runDemo.js";
 * const report = await runDemo({ publicClient, testClient, wallets, system, tokenBytecode, log: console.log });
 */
export async function runDemo({
  publicClient,
  testClient,
  wallets,
  system,
  tokenBytecode,
  log,
}: RunDemoParameters): Promise<DemoReport> {
  if (wallets.length < PEOPLE.length) throw new Error(`the demo needs ${PEOPLE.length} funded accounts`);
  // Checked above: every index below PEOPLE.length exists.
  const wallet = (who: number) => wallets[who]!;
  const [member, payer] = [wallet(0), wallet(2)];
  const address = (who: number): Address => wallet(who).account.address;
  const wait = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  const write = async <const abi extends Abi, functionName extends ContractFunctionName<abi, WriteMutability>>(
    from: WalletClient<Transport, Chain, Account>,
    to: Address,
    abi: abi,
    functionName: functionName,
    args: ContractFunctionArgs<abi, WriteMutability, functionName>,
    value?: bigint,
  ) => {
    const typed: FunctionCall<abi, WriteMutability, functionName> = { abi, functionName, args };
    const call: FunctionCall = typed;
    return wait(await from.writeContract({ address: to, ...call, ...(value ? { value } : {}) }));
  };

  const { registry, router } = system;
  const routerAbi = revenueRouterAbi;
  const registryAbi = modelRegistryAbi;
  const tokenAbi = testTokenAbi;
  const { read: routerView } = getContract({ address: router, abi: routerAbi, client: publicClient });
  const { read: registryView } = getContract({ address: registry, abi: registryAbi, client: publicClient });
  const feePpm = await routerView.feePpm();
  log(`The system is deployed: the DAO's timelock ${system.timelock} holds every admin role and is the treasury.`);
  log("Deploying a test stablecoin (TUSD, 6 decimals)...");
  const { contractAddress: tusd } = await wait(
    await payer.deployContract({ abi: tokenAbi, bytecode: tokenBytecode, args: ["Test USD", "TUSD", 6] }),
  );
  if (!tusd) throw new Error("deployment returned no contract address");
  const { read: tusdView } = getContract({ address: tusd, abi: tokenAbi, client: publicClient });
  await write(payer, tusd, tokenAbi, "mint", [payer.account.address, parseUnits("1000000", 6)]);
  await write(payer, tusd, tokenAbi, "approve", [router, parseUnits("1000000", 6)]);
  const eth = { symbol: "ETH", address: NATIVE_TOKEN, decimals: 18 };
  const usd = { symbol: "TUSD", address: tusd, decimals: 6 };
  const tokens = [eth, usd];

  log(`Registering the lineage (placeholder for ${PLACEHOLDER})...`);
  await write(payer, registry, registryAbi, "registerPlaceholder", [PLACEHOLDER]);
  for (const model of MODELS) {
    const parents = edgesOf(model);
    const expectedParentTerms = await Promise.all(
      parents.map(async (p) => (await registryView.model([p.parentId])).terms),
    );
    const contributors: Contributor[] = model.contributors.map((c) => ({
      account: address(c.who),
      role: c.role,
      weightPpm: c.weightPpm,
    }));
    await write(wallet(model.steward), registry, registryAbi, "register", [
      {
        key: model.key,
        steward: address(model.steward),
        upstreamPpm: model.upstreamPpm,
        parents,
        expectedParentTerms,
        contributors,
        terms: model.terms,
        weightsDigest: keccak256(toHex(`weights of ${model.key}`)),
        metadataURI: `https://huggingface.co/${model.key.slice(3)}`,
        license: model.license,
      },
    ]);
    log(
      `  ${model.key}  upstream ${model.upstreamPpm / 10_000}%${parents.length ? `  <- ${model.parents.map((p) => `${p.key} (${p.weightPpm / 10_000}%)`).join(", ")}` : ""}`,
    );
  }

  const payments = [
    { key: QUANTIZED, token: eth, amount: parseEther("10") },
    { key: FINETUNE, token: eth, amount: parseEther("2") },
    { key: ADAPTER, token: eth, amount: parseEther("1") },
    { key: MERGE, token: usd, amount: parseUnits("5000", 6) },
    { key: QUANTIZED, token: usd, amount: parseUnits("1000", 6) },
  ];
  log(`Paying revenue (${feePpm / 10_000}% protocol fee)...`);
  for (const p of payments) {
    const value = p.token.address === NATIVE_TOKEN ? p.amount : 0n;
    await write(payer, router, routerAbi, "pay", [modelId(p.key), p.token.address, p.amount], value);
    log(`  ${formatUnits(p.amount, p.token.decimals)} ${p.token.symbol} -> ${p.key}`);
  }

  // Rebuilds the whole ledger from the contracts' events alone.
  const ledgerFromEvents = async () => {
    const logs = await publicClient.getLogs({ address: [registry, router], fromBlock: system.startBlock });
    const rebuilt = createLedger();
    rebuilt.applyAll(decodeLedgerLogs([...registryAbi, ...routerAbi], logs));
    return rebuilt;
  };

  log("Propagating upstream, children before parents (one batch per token)...");
  const paid = await ledgerFromEvents();
  for (const token of tokens) {
    const steps = planPropagation(paid, { tokens: [token.address] });
    const batch = steps.map(({ modelId: id, parents }) => ({ modelId: id, token: token.address, parents }));
    await write(payer, router, routerAbi, "propagateBatch", [batch]);
  }

  const mistral = modelId(PLACEHOLDER);
  log(`The DAO hands ${PLACEHOLDER} to its authors by proposal (propose, vote, queue, execute)...`);
  for (const voter of [wallet(0), wallet(1)]) {
    await write(voter, system.votesToken, stemmaTokenAbi, "delegate", [voter.account.address]);
  }
  const authors: Contributor[] = [
    { account: address(MISTRAL_AUTHOR), role: Role.PRETRAINING_COMPUTE, weightPpm: 1_000_000 },
  ];
  await runProposal({
    publicClient,
    testClient,
    governor: system.governor,
    proposer: member,
    voters: [wallet(0), wallet(1)],
    calls: [proposalCall(registry, registryAbi, "assignPlaceholder", [mistral, address(MISTRAL_AUTHOR), authors])],
    description: `Assign ${PLACEHOLDER} to its authors`,
    log: (line) => log(`  ${line}`),
  });

  // The ledger from the events alone, checked against the contracts' views.
  const ledger = await ledgerFromEvents();

  let mirrorMatches = true;
  let conserved = true;
  const owed: DemoReport["owed"] = [];
  for (let who = 3; who < PEOPLE.length; who++) {
    const amounts: Record<string, bigint> = {};
    for (const token of tokens) {
      const entries = ledger.claimableEntries(address(who), token.address);
      let onChain = 0n;
      for (const entry of entries) {
        onChain += await routerView.claimable([token.address, contributorClaim(entry)]);
      }
      amounts[token.symbol] = ledger.claimable(address(who), token.address);
      if (onChain !== amounts[token.symbol]) mirrorMatches = false;
    }
    const roles = MODELS.flatMap((m) => m.contributors.filter((c) => c.who === who).map((c) => ROLE_NAMES[c.role]!));
    owed.push({ label: PEOPLE[who]!, account: address(who), roles: [...new Set(roles)].join(", "), amounts });
  }

  log("");
  log("Who is owed what (claimable now, after full propagation):");
  const header = `  ${"account".padEnd(28)}${tokens.map((t) => t.symbol.padStart(24)).join("")}`;
  log(header);
  log(`  ${"-".repeat(header.length - 2)}`);
  for (const row of owed) {
    log(
      `  ${row.label.padEnd(28)}${tokens.map((t) => formatUnits(row.amounts[t.symbol]!, t.decimals).padStart(24)).join("")}`,
    );
  }
  for (const token of tokens) {
    const breakdown = ledger.owed(token.address);

    const balance =
      token.address === NATIVE_TOKEN
        ? await publicClient.getBalance({ address: router })
        : await tusdView.balanceOf([router]);
    const fees = await routerView.fees([token.address]);
    if (balance !== ledger.totalOwed(token.address) || fees !== breakdown.fees) conserved = false;
    log(
      `  ${token.symbol}: treasury fees ${formatUnits(fees, token.decimals)}, router holds ${formatUnits(balance, token.decimals)} = everything owed: ${balance === ledger.totalOwed(token.address) ? "yes" : "NO"}`,
    );
  }
  log("");
  log(
    `Engine (rebuilt from events) equals the chain's claimable() for every account and token: ${mirrorMatches ? "yes" : "NO"}`,
  );

  const gus = 9;
  const entries = ledger.claimableEntries(address(gus), NATIVE_TOKEN);
  const receipt = await write(wallet(gus), router, routerAbi, "claim", [NATIVE_TOKEN, entries.map(contributorClaim)]);
  log(
    `${PEOPLE[gus]} claims ${formatUnits(ledger.claimable(address(gus), NATIVE_TOKEN), 18)} ETH in one transaction (${receipt.gasUsed} gas, tx ${receipt.transactionHash}).`,
  );
  const models = { base: BASE, finetune: FINETUNE, adapter: ADAPTER, quantized: QUANTIZED, merge: MERGE };
  return { owed, tokens, models: { ...models, placeholder: PLACEHOLDER }, mirrorMatches, conserved };
}
