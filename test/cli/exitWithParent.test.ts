/**
 * A process the CLI starts does not outlive its parent, even one killed with SIGKILL (which it cannot pass on): the
 * launcher's child (src/cli/main.ts, a server under `stemma serve`) and `stemma dev`'s Hardhat children
 * (EXIT_WITH_PARENT_FLAGS) stop instead of running on as orphans.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { EXIT_WITH_PARENT_FLAGS } from "../../src/cli/childProcesses.js";
import { sleep } from "../../src/internal/sleep.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** How long an orphan may take to notice and stop (it polls every 0.5 s; the machine may be busy). */
const GONE_MS = 20_000;

/** The state letter of `/proc/<pid>/stat` (Z: exited, not yet reaped), or undefined when there is no such process. */
async function processState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
}

const isRunning = async (pid: number) => ![undefined, "Z", "X"].includes(await processState(pid));

/** Pids whose parent is `parent`. */
async function childrenOf(parent: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent) found.push(Number(entry));
  }
  return found;
}

async function waitUntil(what: string, check: () => Promise<boolean>, ms = GONE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

describe("processes stop with their parent", function () {
  this.timeout(120_000);
  const leftovers: number[] = [];
  let dir = "";

  after(async function () {
    for (const pid of leftovers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone, as it should be
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("stemma serve stops, freeing its port, when its launcher is killed with SIGKILL", async function () {
    dir = await mkdtemp(join(tmpdir(), "stemma-orphan-"));
    const launcher = spawn(
      process.execPath,
      [join(ROOT, "bin", "stemma.cjs"), "serve", "--port", "0", "--data-dir", join(dir, "pglite")],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
    );
    leftovers.push(launcher.pid!);
    let stderr = "";
    launcher.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitUntil("the listening line", async () => /GraphQL API at /.test(stderr), 90_000);
    const port = Number(/GraphQL API at http:\/\/127\.0\.0\.1:(\d+)\/graphql/.exec(stderr)![1]);
    const [server] = await childrenOf(launcher.pid!);
    assert.ok(server, "the launcher started a child");
    leftovers.push(server);
    assert.equal(await answers(port), true);

    launcher.kill("SIGKILL");
    await once(launcher, "exit");
    await waitUntil(`the server (pid ${server}) gone after its launcher`, async () => !(await isRunning(server)));
    assert.equal(await answers(port), false, "nothing listens on the server's port any more");
  });

  it("a child started with EXIT_WITH_PARENT_FLAGS (stemma dev's hardhat node) stops when its parent is killed", async function () {
    // A parent that starts the child with the flags and prints its pid, then lives until killed.
    const parentCode = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, [...JSON.parse(process.argv[1]), "-e", "setInterval(() => {}, 1000)"], {
        stdio: "ignore",
      });
      console.log(child.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", parentCode, JSON.stringify(EXIT_WITH_PARENT_FLAGS)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    leftovers.push(parent.pid!);
    const [line] = (await once(parent.stdout!, "data")) as [Buffer];
    const child = Number(line.toString().trim());
    leftovers.push(child);
    await sleep(1_500);
    assert.equal(await isRunning(child), true, "the child runs while its parent lives");

    parent.kill("SIGKILL");
    await once(parent, "exit");
    await waitUntil(`the child (pid ${child}) gone after its parent`, async () => !(await isRunning(child)));
  });
});
