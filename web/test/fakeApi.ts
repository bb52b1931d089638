import { vi } from "vitest";

/** A request the page made to the platform's API. */
export interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Route = (call: Call) => { status: number; body?: unknown };

/**
 * Stands in for the platform's HTTP API (the one thing outside the browser): `fetch` answers each
 * request with what `route` says, as JSON, or problem+json for an error status; every call is kept.
 */
export function fakeApi(route: Route): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const call = { method: init.method ?? "GET", path: url, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const { status, body } = route(call);
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(status === 204 ? null : JSON.stringify(body ?? {}), { status, headers: { "Content-Type": type } });
  });
  return calls;
}

export function problem(status: number, code: string, detail: string): { status: number; body: unknown } {
  return { status, body: { type: `https://mozaiks.ai/problems/${code}`, title: "Refused", status, code, detail } };
}

/** Lets pending promise callbacks (answered fetches, their `.then`s) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
