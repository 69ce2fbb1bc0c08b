/**
 * GraphiQL at `/graphql`, offline: the page carries its scripts and styles (nothing from a CDN), the standard
 * introspection query and its variants are answered (the docs explorer and code generators need them), and in a real
 * browser (Chromium from npm, see ../shared/TOOLCHAIN.md) that may reach nothing but 127.0.0.1, GraphiQL runs a query
 * and its docs explorer shows the schema's types.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";

import chromium from "@sparticuz/chromium";
import { getIntrospectionQuery } from "graphql";
import puppeteer, { type Browser } from "puppeteer-core";

import { createApiServer } from "../../src/api/createApiServer.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import { closeServer, listenLocally, postGraphQL, type GraphQLResponse } from "../helpers/api.js";
import { freshStore } from "../indexer/scenario.js";

/** How long the browser may take for any one step (the page is 9 MB of inline JavaScript). */
const STEP_TIMEOUT_MS = 60_000;

describe("GraphQL API: GraphiQL, offline", function () {
  let database: Awaited<ReturnType<typeof freshStore>>;
  let server: Server;
  let url: string;
  let browser: Browser;

  before(async function () {
    database = await freshStore("pglite");
    server = createApiServer({ store: database.store, abi: ledgerAbi });
    url = await listenLocally(server);
    browser = await puppeteer.launch({
      args: chromium.args,
      executablePath: await chromium.executablePath(),
      headless: true,
      timeout: STEP_TIMEOUT_MS,
    });
  });

  after(async function () {
    await browser?.close();
    await closeServer(server);
    await database?.dispose();
  });

  it("serves GraphiQL's page with its scripts and styles inline, loading nothing from another host", async function () {
    const response = await fetch(`${url}/graphql`, {
      headers: { accept: "text/html" },
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<title>Stemma GraphQL<\/title>/);
    assert.match(html, /YogaGraphiQL\.renderYogaGraphiQL/);
    // No script, style sheet, font or image from elsewhere (other URLs in the page are text: links, XML namespaces).
    assert.doesNotMatch(html, /<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    assert.doesNotMatch(html, /(?:url\(|@import)\s*["']?(?:https?:)?\/\//i);
    assert.doesNotMatch(html, /unpkg\.com|jsdelivr\.net|cdnjs/i);
  });

  it("answers the standard introspection query and its variants (GraphiQL's asks for descriptions and deprecations)", async function () {
    const variants = [
      getIntrospectionQuery(),
      getIntrospectionQuery({ inputValueDeprecation: true, specifiedByUrl: true }),
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    ];
    for (const query of variants) {
      const response = await postGraphQL(url, JSON.stringify({ query }));
      const json = (await response.json()) as GraphQLResponse;
      assert.equal(response.status, 200);
      assert.equal(json.errors, undefined, JSON.stringify(json.errors));
      const types = (json.data!.__schema as { types: { name: string }[] }).types.map((type) => type.name);
      assert.ok(types.includes("Model") && types.includes("ModelFilter"), types.join(", "));
    }
  });

  it("runs a query in GraphiQL in a browser that reaches nothing beyond 127.0.0.1, and shows the docs", async function () {
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const elsewhere: string[] = [];
    const answers: number[] = [];
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const { protocol, hostname } = new URL(request.url());
      // data: and blob: URLs are the page's own inline fonts and editor workers.
      if (hostname === "127.0.0.1" || protocol === "data:" || protocol === "blob:") void request.continue();
      else {
        elsewhere.push(request.url());
        void request.abort();
      }
    });
    page.on("response", (response) => {
      if (response.request().method() === "POST") answers.push(response.status());
    });

    const query = "{ __typename models(first: 1) { totalCount } }";
    await page.goto(`${url}/graphql?query=${encodeURIComponent(query)}`, { waitUntil: "load" });
    await page.click(".graphiql-execute-button");
    const result = await page.waitForFunction(
      () => {
        const text = document.querySelector(".graphiql-response")?.textContent?.replace(/\s+/g, " ") ?? "";
        return text.includes("totalCount") && text;
      },
      { polling: 100 },
    );
    const shown = (await result.jsonValue()) as string;
    assert.match(shown, /"__typename": "Query"/);
    assert.match(shown, /"totalCount": 0/);

    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector("a.graphiql-doc-explorer-type-name");
    await page.$$eval("a.graphiql-doc-explorer-type-name", (links) =>
      links.find((link) => link.textContent === "Model")?.click(),
    );
    await page.waitForFunction(() => document.querySelector(".graphiql-doc-explorer-title")?.textContent === "Model", {
      polling: 100,
    });
    const docs = await page.$eval(".graphiql-doc-explorer-content", (content) => content.textContent ?? "");
    assert.match(docs, /steward/);
    assert.match(docs, /parents/);

    await page.close();
    assert.deepEqual(elsewhere, []);
    // The schema's introspection and the query, both answered.
    assert.ok(answers.length >= 2, `POST answers: ${answers.join(", ")}`);
    assert.ok(
      answers.every((status) => status === 200),
      `POST answers: ${answers.join(", ")}`,
    );
  });
});
