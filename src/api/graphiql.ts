import type { GraphiQLOptions } from "graphql-yoga";

const pages = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/**
 * GraphiQL's page with its scripts, styles and editor workers inline (`@graphql-yoga/render-graphiql`), so that it
 * works with no network; yoga's own page loads them from a CDN. The package is 9 MB of JavaScript that takes about
 * 1.5 s to load, so it is loaded on the first request for the page, not when the API starts, and each page is rendered
 * and encoded once (yoga asks for it on every request; rendering takes about 0.1 s, and encoding 9 MB of text tens
 * of milliseconds).
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    page = import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) =>
      new TextEncoder().encode(renderGraphiQL(options)),
    );
    pages.set(key, page);
  }
  return page;
}
