// The platform's HTTP API (functions/src/main/resources/openapi.yaml). Locally the devhost serves it on
// the page's own origin; a deployment whose static site lives elsewhere names it at build time with
// VITE_API_BASE (for example https://mozaiks-func.azurewebsites.net).

const API_BASE = (import.meta.env.VITE_API_BASE ?? "").replace(/\/+$/, "");

/** An RFC 9457 problem answered by the API, or a failure to reach it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let unauthorized: () => void = () => {};

/** What to do when a token is refused (401): sign in again. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface Tenant {
  id: string;
  name: string;
  role?: string;
  /** The highest tier the tenant's apps may have (granted by a platform administrator; `free` until then). */
  max_tier: string;
}

export interface App {
  id: string;
  tenant_id: string;
  name: string;
  tier: string;
  status: string;
}

export interface Workflow {
  name: string;
  pack: string;
  available: boolean;
  reason?: string;
  detail?: string;
}

export interface Chat {
  chat_id: string;
  app_id: string;
  workflow_name: string;
  status: string;
  created_at?: string;
  updated_at?: string;
}

export interface SessionGrant {
  chat_id: string;
  status: "created" | "resumed";
  workflow_name: string;
  ws_url: string;
  runtime_token: string;
  expires_at: string;
}

interface Options {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function request<T>(method: string, path: string, options: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.token) {
    headers.Authorization = `Bearer ${options.token}`;
  }
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(API_BASE + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(0, "unreachable", `The platform cannot be reached (${(error as Error).message}).`);
  }
  if (response.status === 204) {
    return undefined as T;
  }
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 401 && options.token) {
      unauthorized();
    }
    const problem = (body ?? {}) as { code?: string; detail?: string; title?: string };
    throw new ApiError(response.status, problem.code, problem.detail ?? problem.title ?? `HTTP ${response.status}`);
  }
  return body as T;
}
