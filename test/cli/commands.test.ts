/**
 * The `stemma` chain commands against a real `hardhat node` with the whole system deployed by `stemma deploy`: run
 * in-process through their command functions (fast), plus the real launcher (`node bin/stemma.cjs`) for exit codes
 * and stderr. Amounts are checked against the chain and against the exact engine (src/core/ledger.ts), to the wei.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import {
  createPublicClient,
  createWalletClient,
  erc20Abi,
  http,
  parseEther,
  parseUnits,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";

import { readDeploymentRecord, type DeploymentRecord } from "../../src/chain/deploymentRecord.js";
import { decodeLedgerLogs } from "../../src/chain/decodeLogs.js";
import { claim } from "../../src/cli/claim.js";
import { deploy } from "../../src/cli/deploy.js";
import { dispute } from "../../src/cli/dispute.js";
import { pay } from "../../src/cli/pay.js";
import { propagate } from "../../src/cli/propagate.js";
import { register } from "../../src/cli/register.js";
import { CliError } from "../../src/cli/shared.js";
import { show } from "../../src/cli/show.js";
import { update } from "../../src/cli/update.js";
import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { createLedger, type Ledger } from "../../src/core/ledger.js";
import { modelId } from "../../src/core/modelId.js";
import { ledgerAbi, revenueRouterAbi } from "../../src/contracts/abis.js";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhatNode.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

const BASE = "hf:cli-test/base-7b";
const FINETUNE = "hf:cli-test/base-7b-legal";
const QUANTIZED = "hf:cli-test/base-7b-legal-gguf";
const PLACEHOLDER = "hf:unclaimed/other-7b";

/** Hardhat's well-known test account 0 and its key (public knowledge: never use it on a real network). */
const ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

type Command = (argv: string[], say?: (line?: string) => void) => Promise<number>;

/**
 * Command-line flags from an object, in its order: `{ key: "k", contributor: ["a", "b"], placeholders: true }` gives
 * `--key k --contributor a --contributor b --placeholders`.
 */
function flags(values: Record<string, string | readonly string[] | true>): string[] {
  return Object.entries(values).flatMap(([name, value]) =>
    value === true ? [`--${name}`] : [value].flat().flatMap((one) => [`--${name}`, one]),
  );
}

describe("stemma chain commands (deploy, register, update, pay, propagate, claim, dispute, show)", function () {
  let node: HardhatNode;
  let folder: string;
  let record: DeploymentRecord;
  let recordPath: string;
  let accounts: Address[];
  let token: Address;
  let routerAbi: Abi;
  let both: Abi;
  const client = () =>
    createPublicClient({
      chain: { ...hardhat, rpcUrls: { default: { http: [node.url] } } },
      transport: http(node.url),
    });

  /** Runs a command in-process with the test chain's flags; resolves with its output lines. */
  async function stemma(command: Command, ...argv: string[]): Promise<string[]> {
    const lines: string[] = [];
    const code = await command(["--rpc", node.url, "--deployment", recordPath, ...argv], (line = "") =>
      lines.push(line),
    );
    assert.equal(code, 0, lines.join("\n"));
    return lines;
  }

  /** Runs a command that must fail with a one-line CliError matching `pattern`, and checks that no block was mined. */
  async function refused(pattern: RegExp, command: Command, ...argv: string[]): Promise<string> {
    const before = await client().getBlockNumber();
    const error = await command(["--rpc", node.url, "--deployment", recordPath, ...argv], () => undefined).then(
      () => assert.fail(`expected ${pattern} from ${argv.join(" ")}`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CliError, `not a CliError: ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), `more than one line: ${error.message}`);
    assert.equal(await client().getBlockNumber(), before, "a refused command changed the chain");
    return error.message;
  }

  /** The exact engine over every ledger event so far. */
  async function engine(): Promise<Ledger> {
    const logs = await client().getLogs({
      address: [record.contracts.ModelRegistry.address, record.contracts.RevenueRouter.address],
      fromBlock: BigInt(record.startBlock),
    });
    const ledger = createLedger();
    ledger.applyAll(decodeLedgerLogs(both, logs));
    return ledger;
  }

  const balanceOf = async (account: Address, tokenAddress: Address) =>
    tokenAddress === NATIVE_TOKEN
      ? client().getBalance({ address: account })
      : client().readContract({ address: tokenAddress, abi: erc20Abi, functionName: "balanceOf", args: [account] });

  before(async function () {
    node = await startHardhatNode();
    folder = await mkdtemp(join(tmpdir(), "stemma-cli-"));
    recordPath = join(folder, "deployment.json");
    const lines: string[] = [];
    assert.equal(await deploy(["--rpc", node.url, "--out", recordPath], (line = "") => lines.push(line)), 0);
    assert.match(lines.at(-1)!, /Deployed; the record is/);
    record = await readDeploymentRecord(recordPath);
    [routerAbi, both] = [revenueRouterAbi, ledgerAbi];
    accounts = await createWalletClient({ transport: http(node.url) }).getAddresses();

    // A test stablecoin with 6 decimals, minted to account 0.
    const artifact = JSON.parse(
      await readFile(join(ROOT, "artifacts/contracts/mocks/TestToken.sol/TestToken.json"), "utf8"),
    ) as { abi: Abi; bytecode: Hex };
    const wallet = createWalletClient({ account: accounts[0]!, chain: hardhat, transport: http(node.url) });
    const hash = await wallet.deployContract({ ...artifact, args: ["Test USD", "TUSD", 6] });
    token = (await client().waitForTransactionReceipt({ hash })).contractAddress!;
    await client().waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: token,
        abi: artifact.abi,
        functionName: "mint",
        args: [accounts[0]!, parseUnits("10000", 6)],
      }),
    });
  });

  after(async function () {
    await node?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
    // Ignition's journal of this chain's deployment: the chain is gone, so is any use of it.
    if (record)
      await rm(join(ROOT, "ignition", "deployments", record.ignitionDeploymentId), { recursive: true, force: true });
  });

  it("registers models from flags, a missing parent as a placeholder, and shows them back in human units", async function () {
    const [, ada, bo, cy, di] = accounts;
    await stemma(
      register,
      ...flags({ key: BASE, contributor: `${ada}:pretraining_compute:100%`, "min-derivative": "5%", license: "MIT" }),
    );
    const lines = await stemma(
      register,
      ...flags({
        key: FINETUNE,
        parent: [`${BASE}:finetune:60%`, `${PLACEHOLDER}:merge:40%`],
        upstream: "20%",
        contributor: [`${bo}:finetuning:70%`, `${cy}:data_curation:30%`],
        license: "Apache-2.0",
        placeholders: true,
      }),
    );
    assert.ok(lines.some((l) => l.includes(`Registering ${PLACEHOLDER} as an unclaimed placeholder parent`)));
    assert.ok(lines.some((l) => /^ {2}estimated gas \d+$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}transaction 0x[0-9a-f]{64}$/.test(l)));
    assert.ok(lines.some((l) => /^ {2}mined in block \d+, gas used \d+$/.test(l)));
    await stemma(
      register,
      ...flags({ key: QUANTIZED, parent: `${FINETUNE}:quantized`, upstream: "10%", contributor: `${di}:quantization` }),
    );

    const stored = (await client().readContract({
      address: record.contracts.ModelRegistry.address,
      abi: both,
      functionName: "model",
      args: [modelId(FINETUNE)],
    })) as { steward: Address; upstreamPpm: number };
    assert.equal(stored.upstreamPpm, 200_000);
    assert.equal(stored.steward, accounts[0]);

    const shown = (await stemma(show, FINETUNE)).join("\n");
    assert.match(shown, /upstream {4}20% of its revenue flows to its parents/);
    assert.match(shown, /license {5}Apache-2.0/);
    assert.match(shown, new RegExp(`${BASE} +finetune +60% +12%`));
    assert.match(shown, new RegExp(`${PLACEHOLDER} +merge +40% +8%`));
    assert.match(shown, new RegExp(`${bo} +finetuning +70%`));
    assert.match(shown, new RegExp(`${cy} +data_curation +30%`));
    assert.match(shown, /Revenue: none yet/);
  });

  it("registers from a manifest file and from a Hugging Face model card, flags overriding their values", async function () {
    const [, , , , di, ed] = accounts;
    const manifest = join(folder, "merge.yaml");
    await writeFile(
      manifest,
      [
        "key: hf:cli-test/legal-base-merge",
        "upstream: 30%",
        "parents:",
        `  - { key: "${BASE}", relation: merge, weight: 50% }`,
        `  - { key: "${FINETUNE}", relation: merge, weight: 50% }`,
        "contributors:",
        `  - { account: "${ed}", role: finetuning, weight: 100% }`,
        "license: MIT",
        "",
      ].join("\n"),
    );
    await stemma(register, "--manifest", manifest, "--license", "Apache-2.0");
    let shown = (await stemma(show, "hf:cli-test/legal-base-merge")).join("\n");
    assert.match(shown, /license {5}Apache-2\.0/);
    assert.match(shown, new RegExp(`${BASE} +merge +50% +15%`));
    assert.match(shown, new RegExp(`${ed} +finetuning +100%`));

    const card = join(folder, "README.md");
    await writeFile(
      card,
      `---\nlicense: apache-2.0\nbase_model: ${FINETUNE.slice(3)}\ntags:\n- gguf\n---\n\n# Base-7B-Legal GGUF\n`,
    );
    const lines = await stemma(
      register,
      ...flags({
        "from-model-card": card,
        key: "hf:cli-test/legal-q4-gguf",
        upstream: "10%",
        contributor: `${di}:quantization:100%`,
      }),
    );
    assert.ok(lines.some((l) => l.startsWith("note: ")));
    shown = (await stemma(show, "hf:cli-test/legal-q4-gguf")).join("\n");
    assert.match(shown, new RegExp(`${FINETUNE} +quantized +100% +10%`));
    assert.match(shown, /license {5}Apache-2\.0/);
    await refused(/manifest/, register, "--manifest", join(folder, "missing.yaml"));
  });

  it("pays in ETH and in an ERC-20 by address and by symbol, in the tokens' own units, approving when short", async function () {
    const [fee] = (await client().readContract({
      address: record.contracts.RevenueRouter.address,
      abi: routerAbi,
      functionName: "previewPay",
      args: [parseEther("1.5")],
    })) as [bigint, bigint];
    const eth = await stemma(pay, FINETUNE, "1.5", "ETH");
    assert.match(
      eth.at(-1)!,
      /^Paid 1.5 ETH to hf:cli-test\/base-7b-legal: 0.015 ETH protocol fee, 1.485 ETH to the model.$/,
    );
    assert.ok(fee > 0n);

    const byAddress = await stemma(pay, QUANTIZED, `250 ${token}`);
    assert.ok(
      byAddress.some((l) => l.startsWith("Approving the router to take 250 TUSD (its allowance, 0 TUSD, is short)")),
    );
    const bySymbol = await stemma(pay, FINETUNE, "100.25", "TUSD");
    assert.ok(bySymbol.some((l) => l.startsWith("Approving the router to take 100.25 TUSD")));
    await stemma(pay, QUANTIZED, "0.5 eth");

    const received = async (key: string, tokenAddress: Address) =>
      (
        (await client().readContract({
          address: record.contracts.RevenueRouter.address,
          abi: routerAbi,
          functionName: "modelBalance",
          args: [modelId(key), tokenAddress],
        })) as { received: bigint }
      ).received;
    const net = async (amount: bigint) =>
      (
        (await client().readContract({
          address: record.contracts.RevenueRouter.address,
          abi: routerAbi,
          functionName: "previewPay",
          args: [amount],
        })) as [bigint, bigint]
      )[1];
    assert.equal(await received(FINETUNE, NATIVE_TOKEN), await net(parseEther("1.5")));
    assert.equal(await received(QUANTIZED, token), await net(parseUnits("250", 6)));
    assert.equal(await received(FINETUNE, token), await net(parseUnits("100.25", 6)));
    assert.equal(await received(QUANTIZED, NATIVE_TOKEN), await net(parseEther("0.5")));

    const shown = (await stemma(show, QUANTIZED)).join("\n");
    assert.match(shown, /TUSD +247\.5 TUSD +24\.75 TUSD +24\.75 TUSD +222\.75 TUSD/);
  });

  it("propagate --all pushes everything as far as it goes in one run; claim pays what the engine computes, to the wei", async function () {
    const before = await engine();
    const tokens = [NATIVE_TOKEN, token];
    const [, ada, bo, cy, di] = accounts as [Address, Address, Address, Address, Address];
    const expected = new Map(
      tokens.flatMap((t) => {
        const owed = before.owedAfterFullPropagation(t).accounts;
        return [ada, bo, cy, di].map((a) => [`${a}/${t}`, owed.get(a) ?? 0n] as const);
      }),
    );
    // The base model's pre-training compute is only reached through two hops (quantized -> fine-tune -> base).
    assert.ok(expected.get(`${ada}/${token}`)! > before.claimable(ada, token));

    const lines = await stemma(propagate, "--all", "--batch", "2");
    // Quantized (ETH, TUSD), then the fine-tune (ETH, TUSD) with what the quantized build pushed into it: 4 pushes.
    assert.ok(lines.some((l) => l.startsWith("Propagating pushes 1-2 of 4")));
    assert.equal(lines.at(-1), "Done: 4 pushes moved revenue up the lineage.");
    assert.ok(lines.some((l) => l.includes(`from ${QUANTIZED} to ${FINETUNE}`)));
    assert.ok(lines.some((l) => l.includes(`from ${FINETUNE} to ${BASE}, ${PLACEHOLDER}`)));
    const after = await engine();
    for (const id of after.models()) for (const t of tokens) assert.equal(after.pendingUpstream(id, t), 0n);
    assert.deepEqual(await stemma(propagate, "--all"), [
      "Nothing to propagate: no active model has upstream pending (disputed and revoked models hold theirs).",
    ]);

    const account = (await stemma(show, ada)).join("\n");
    assert.match(account, /ETH +0\.\d+ ETH +0\.\d+ ETH/);
    assert.match(account, new RegExp(`${BASE} +pretraining_compute +100% +0`));

    // Account 0 sends the claims (and pays their gas): each contributor's balance grows by exactly the engine's amount.
    for (const contributor of [ada, bo, cy, di]) {
      const balances = await Promise.all(tokens.map((t) => balanceOf(contributor, t)));
      await stemma(claim, "--for", contributor);
      for (const [i, t] of tokens.entries()) {
        assert.equal(
          (await balanceOf(contributor, t)) - balances[i]!,
          expected.get(`${contributor}/${t}`),
          `${contributor} ${t}`,
        );
      }
    }
    assert.deepEqual(await stemma(claim, "--for", ada), [`Nothing to claim for ${ada}.`]);
    assert.match((await stemma(show, ada)).join("\n"), /Owed: nothing, now or after full propagation/);
  });

  it("update changes contributors, terms and metadata of a model the signer stewards, and hands stewardship on", async function () {
    const [, ada, bo] = accounts;
    await stemma(
      update,
      BASE,
      ...flags({
        contributor: [`${ada}:pretraining_compute:90%`, `${bo}:maintenance:10%`],
        "min-derivative": "2.5%",
        license: "Apache-2.0",
      }),
    );
    let shown = (await stemma(show, BASE)).join("\n");
    assert.match(shown, /at least 2\.5% of its revenue/);
    assert.match(shown, /license {5}Apache-2\.0/);
    assert.match(shown, /epoch {7}1 /);
    assert.match(shown, new RegExp(`${bo} +maintenance +10%`));

    await stemma(update, BASE, "--transfer-to", ada!);
    await stemma(update, BASE, "--accept", "--account", "1");
    shown = (await stemma(show, BASE)).join("\n");
    assert.match(shown, new RegExp(`steward {5}${ada}`));
    await refused(
      /is not the steward of hf:cli-test\/base-7b .*sign with the steward's key\.$/,
      update,
      BASE,
      "--license",
      "MIT",
    );
  });

  it("signs with a key from STEMMA_PRIVATE_KEY or from Hardhat's keystore", async function () {
    process.env.STEMMA_PRIVATE_KEY = ACCOUNT_0_KEY;
    try {
      const lines = await stemma(pay, BASE, "0.01 ETH", "--account", "3");
      assert.ok(lines.some((l) => l.includes(`from ${accounts[0]} (STEMMA_PRIVATE_KEY)`)));
    } finally {
      delete process.env.STEMMA_PRIVATE_KEY;
    }
    // Hardhat's development keystore (no password) in a private config folder, filled the documented way.
    const previous = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = join(folder, "config");
    try {
      const child = execFile(
        process.execPath,
        [join(ROOT, "node_modules/hardhat/dist/src/cli.js"), "keystore", "set", "--dev", "STEMMA_TEST_KEY"],
        {
          cwd: ROOT,
          env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_"))),
        },
      );
      child.stdin!.end(`${ACCOUNT_0_KEY}\n`);
      const code = await new Promise((resolve) => child.once("exit", resolve));
      assert.equal(code, 0);
      const lines = await stemma(pay, BASE, "0.01 ETH", "--keystore", "STEMMA_TEST_KEY", "--keystore-dev");
      assert.ok(lines.some((l) => l.includes(`from ${accounts[0]} (keystore STEMMA_TEST_KEY)`)));
      assert.ok(!lines.join("\n").includes(ACCOUNT_0_KEY.slice(2)), "the key was printed");
      await refused(
        /cannot read the private key "NOPE" from Hardhat's development keystore/,
        pay,
        BASE,
        "1 ETH",
        "--keystore",
        "NOPE",
        "--keystore-dev",
      );
    } finally {
      if (previous === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = previous;
    }
  });

  it("refuses with one line, a fix and no change on chain: network, record, model, flags, funds, reverts", async function () {
    const otherChain = join(folder, "other-chain.json");
    await writeFile(otherChain, JSON.stringify({ ...record, chainId: 1 }));
    const wrong = await refused(
      /^wrong network: .* is a deployment on chain 1, but .* is chain 31337: pass the --rpc URL of chain 1/,
      show,
      BASE,
      "--deployment",
      otherChain,
    );
    assert.ok(wrong.includes(otherChain));
    await refused(
      /^No deployment record at .*nowhere\.json: deploy first/,
      show,
      BASE,
      "--deployment",
      join(folder, "nowhere.json"),
    );
    await refused(
      /^unknown model hf:nobody\/nothing \(id 0x[0-9a-f]{64}\): check the key/,
      pay,
      "hf:nobody/nothing",
      "1 ETH",
    );
    const other = `${accounts[1]}:other`;
    for (const [pattern, values] of [
      [/^--upstream 120% is over 100%\.$/, { parent: `${BASE}:finetune`, upstream: "120%", contributor: other }],
      [/^unknown relation "tuned": use one of finetune, adapter/, { parent: `${BASE}:tuned:100%`, contributor: other }],
      [
        /^the contributor shares add up to 90%, not 100%/,
        { contributor: [`${accounts[1]}:other:50%`, `${accounts[2]}:other:40%`] },
      ],
      [
        /^unknown parent hf:nobody\/base: register it first, or pass --placeholders/,
        { parent: "hf:nobody/base:finetune", upstream: "10%", contributor: other },
      ],
      [
        /^parent hf:cli-test\/base-7b asks for at least 2\.5% .* gives it 1%: raise --upstream/,
        { parent: `${BASE}:finetune`, upstream: "1%", contributor: other },
      ],
    ] as const) {
      await refused(pattern, register, ...flags({ key: "hf:x/y", ...values }));
    }
    await refused(/^hf:cli-test\/base-7b is already registered/, register, ...flags({ key: BASE, contributor: other }));
    await refused(
      /^1\.5 TUSD has more decimals|^1\.1234567 TUSD has more decimals than TUSD's 6/,
      pay,
      BASE,
      "1.1234567 TUSD",
    );
    await refused(/^unknown token "USDX": name it by its address/, pay, BASE, "1 USDX");
    await refused(/^--batch must be a whole number/, propagate, "--all", "--batch", "0");
    await refused(
      /^insufficient funds: 0x[0-9a-fA-F]{40} has \d+(\.\d+)? ETH but needs 20000 ETH/,
      pay,
      BASE,
      "20000 ETH",
      "--account",
      "5",
    );
    await refused(
      new RegExp(`^insufficient funds: ${accounts[6]} has 0 TUSD but the payment needs 5 TUSD`),
      pay,
      BASE,
      "5 TUSD",
      "--account",
      "6",
    );

    // A dispute freezes the fine-tune; pushing its upstream then reverts, and the revert is decoded by name.
    await stemma(pay, FINETUNE, "1 ETH");
    const evidence = join(folder, "evidence.txt");
    await writeFile(evidence, "the weights are a copy of another model\n");
    const raised = await stemma(dispute, FINETUNE, "--evidence", evidence, "--account", "7");
    assert.match(
      raised.at(-1)!,
      /^Dispute 1 is open: hf:cli-test\/base-7b-legal is frozen until the DAO resolves it\.$/,
    );
    await refused(
      /^RevenueRouterModelFrozen\(hf:cli-test\/base-7b-legal\): the model is disputed: nothing leaves it until the DAO resolves the dispute\.$/,
      propagate,
      FINETUNE,
    );
    await refused(
      /^ModelRegistryModelNotActive\(hf:cli-test\/base-7b-legal, 2\): the model is disputed/,
      dispute,
      FINETUNE,
      "--evidence",
      evidence,
    );
  });

  it("the stemma launcher exits 1 with the one-line error on stderr and no stack trace, 0 on success", async function () {
    const flags = ["--rpc", node.url, "--deployment", recordPath];
    const failed = await run(
      process.execPath,
      [join(ROOT, "bin/stemma.cjs"), "pay", "hf:nobody/nothing", "1", "ETH", ...flags],
      { cwd: ROOT },
    ).then(
      () => assert.fail("stemma pay to an unknown model succeeded"),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^error: unknown model hf:nobody\/nothing \(id 0x[0-9a-f]{64}\): check the key.*\n$/);
    assert.equal(failed.stderr.split("\n").length, 2);
    assert.equal(failed.stdout, "");

    const badFlag = await run(process.execPath, [join(ROOT, "bin/stemma.cjs"), "claim", "--bogus", ...flags], {
      cwd: ROOT,
    }).then(
      () => assert.fail("a bad flag was accepted"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(badFlag.code, 1);
    assert.match(badFlag.stderr, /^error: Unknown option '--bogus'.*\(stemma claim --help lists the flags\)\n$/);

    const shown = await run(process.execPath, [join(ROOT, "bin/stemma.cjs"), "show", QUANTIZED, ...flags], {
      cwd: ROOT,
    });
    assert.match(shown.stdout, /^hf:cli-test\/base-7b-legal-gguf\n/);
    assert.equal(shown.stderr, "");
  });

  it("makes every key a user types canonical (F14): HF:CLI-Test/Typed-7B is hf:cli-test/typed-7b", async function () {
    const canonical = "hf:cli-test/typed-7b";
    const lines = await stemma(
      register,
      ...flags({
        key: " HF:CLI-Test/Typed-7B ",
        parent: "HF:CLI-Test/Base-7B:finetune",
        upstream: "10%",
        contributor: `${accounts[8]}:finetuning`,
      }),
    );
    assert.ok(lines.includes(canonical), lines.join("\n"));
    assert.ok(!lines.some((line) => line.includes("placeholder")), "the parent was taken for another model");
    const registered = (await engine()).model(modelId(canonical));
    assert.equal(registered.key, canonical);
    assert.deepEqual(
      registered.parents.map((edge) => edge.parentId),
      [modelId(BASE)],
    );
    const shown = (await stemma(show, "Hf:Cli-Test/TYPED-7b")).join("\n");
    assert.match(shown, new RegExp(`^${canonical}\n`));
    assert.match(shown, new RegExp(`${BASE} +finetune +100% +10%`));

    // A model card names its base as the hub writes it; the parent is the canonical key.
    const card = join(folder, "typed-card.md");
    await writeFile(card, "---\nlicense: mit\nbase_model: CLI-Test/Typed-7B\ntags:\n- gguf\n---\n\n# Typed 7B GGUF\n");
    await stemma(
      register,
      ...flags({
        "from-model-card": card,
        key: "hf:CLI-Test/Typed-7B-GGUF",
        upstream: "10%",
        contributor: `${accounts[8]}:quantization`,
      }),
    );
    const quantized = (await stemma(show, "hf:cli-test/typed-7b-gguf")).join("\n");
    assert.match(quantized, new RegExp(`${canonical} +quantized +100% +10%`));
  });
});
