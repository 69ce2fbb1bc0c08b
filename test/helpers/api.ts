import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { createApi } from "../../src/api/createApi.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Store } from "../../src/store/types.js";
import { freshStore, indexAll, type Scenario, type StoreKind, type StoreOptions } from "../indexer/scenario.js";

/** The in-process API (`createApi`): answers `fetch` without a socket. */
export type Api = ReturnType<typeof createApi>;

/** A GraphQL answer, as JSON. */
export type GraphQLResponse = {
  data?: Record<string, unknown>;
  errors?: { message: string; extensions?: { code?: string } }[];
};

/** Posts `text` with `variables` to an in-process API and returns its answer. */
export async function queryApi(
  api: Api,
  text: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse> {
  const response = await api.fetch("http://api.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

/** A fresh store of `kind` holding everything the indexer reads from the scenario's chain up to its head. */
export type IndexedStore = { store: Store; options: StoreOptions; dispose(): Promise<void> };

export async function indexedStore(scenario: Scenario, kind: StoreKind = "pglite"): Promise<IndexedStore> {
  const fresh = await freshStore(kind);
  await indexAll(scenario, fresh.store);
  return fresh;
}

/** {indexedStore} with an in-process API over it. */
export async function indexedApi(scenario: Scenario, kind: StoreKind = "pglite"): Promise<IndexedStore & { api: Api }> {
  const indexed = await indexedStore(scenario, kind);
  return { ...indexed, api: createApi({ store: indexed.store, abi: ledgerAbi }) };
}

/** Starts `server` on a free port of 127.0.0.1; returns its base URL. */
export async function listenLocally(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes `server`, if the test got as far as creating it. */
export async function closeServer(server: Server | undefined): Promise<void> {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
}

/** POSTs a JSON `body` to the GraphQL endpoint of the server at `url`, giving up after 15 s. */
export function postGraphQL(url: string, body: string): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(15_000),
  });
}
