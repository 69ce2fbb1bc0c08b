import type { GraphiQLOptions } from "graphql-yoga";

const pages = new Map<string, Promise<string>>();

/**
 * GraphiQL's page with its scripts, styles and editor workers inline (`@graphql-yoga/render-graphiql`), so that it
 * works with no network; yoga's own page loads them from a CDN. The package is 9 MB of JavaScript that takes about
 * 1.5 s to load, so it is loaded on the first request for the page, not when the API starts, and each page is rendered
 * once (yoga asks for it on every request, and rendering takes about 0.1 s).
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions = {}): Promise<string> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    page = import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) => renderGraphiQL(options));
    pages.set(key, page);
  }
  return page;
}
