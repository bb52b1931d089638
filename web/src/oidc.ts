import { pkcePair, randomToken } from "./pkce";

// Sign-in with OpenID Connect: the authorization code flow with PKCE, as a public client (no secret).
// The provider is discovered from its authority, set at build time:
//   VITE_OIDC_AUTHORITY  default <page origin>/dev, the devhost's development identity provider
//                        (in Azure, e.g. https://login.microsoftonline.com/<tenant>/v2.0)
//   VITE_OIDC_CLIENT_ID  default mozaiks-chatui (in Azure, the SPA app registration's client id)
//   VITE_OIDC_SCOPE      default openid (in Azure, e.g. api://<app>/.default for a platform token)
// The provider sends the browser back to CALLBACK_PATH on this origin, which must be registered with it.

export const CALLBACK_PATH = "/auth/callback";
const PENDING_KEY = "mozaiks.oidc.pending";
const DEFAULT_EXPIRES_IN_S = 3600;

export interface OidcConfig {
  authority: string;
  clientId: string;
  scope: string;
}

export function oidcConfig(origin = location.origin): OidcConfig {
  const env = import.meta.env;
  return {
    authority: ((env.VITE_OIDC_AUTHORITY as string | undefined) || `${origin}/dev`).replace(/\/+$/, ""),
    clientId: (env.VITE_OIDC_CLIENT_ID as string | undefined) || "mozaiks-chatui",
    scope: (env.VITE_OIDC_SCOPE as string | undefined) || "openid",
  };
}

/** A failed sign-in, with the OAuth error code when the provider gave one. */
export class SignInError extends Error {
  constructor(
    message: string,
    readonly error?: string,
  ) {
    super(message);
    this.name = "SignInError";
  }
}

/** What this tab keeps between leaving for the provider and coming back. */
interface Pending {
  state: string;
  verifier: string;
  client_id: string;
  redirect_uri: string;
  token_endpoint: string;
  /** The path to show once signed in. */
  return_to: string;
}

export interface Tokens {
  access_token: string;
  expires_in?: number;
  id_token?: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(authority: string): Promise<Discovery> {
  const url = `${authority}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch (error) {
    throw new SignInError(`The identity provider cannot be reached at ${url} (${(error as Error).message}).`);
  }
  const document = (await response.json().catch(() => undefined)) as Partial<Discovery> | undefined;
  if (!response.ok || !document?.authorization_endpoint || !document.token_endpoint) {
    throw new SignInError(`${url} is not an OpenID provider's configuration (HTTP ${response.status}).`);
  }
  return { authorization_endpoint: document.authorization_endpoint, token_endpoint: document.token_endpoint };
}

/** The authorization request's URL (RFC 6749 §4.1.1 with RFC 7636 §4.3). */
export function authorizeUrl(
  endpoint: string,
  request: { clientId: string; redirectUri: string; scope: string; state: string; challenge: string },
): string {
  const url = new URL(endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", request.clientId);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("scope", request.scope);
  url.searchParams.set("state", request.state);
  url.searchParams.set("code_challenge", request.challenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

/** Leaves for the provider's sign-in; the browser comes back to CALLBACK_PATH. */
export async function beginSignIn(returnTo: string, config = oidcConfig()): Promise<never> {
  const provider = await discover(config.authority);
  const { verifier, challenge } = await pkcePair();
  const pending: Pending = {
    state: randomToken(),
    verifier,
    client_id: config.clientId,
    redirect_uri: location.origin + CALLBACK_PATH,
    token_endpoint: provider.token_endpoint,
    return_to: returnTo,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  location.assign(authorizeUrl(provider.authorization_endpoint, {
    clientId: pending.client_id, redirectUri: pending.redirect_uri, scope: config.scope, state: pending.state, challenge,
  }));
  // The page is going away.
  return new Promise<never>(() => {});
}

/** Whether this tab left for the provider and has not come back yet. */
export function signInPending(): boolean {
  return sessionStorage.getItem(PENDING_KEY) !== null;
}

/**
 * Finishes a sign-in from the callback's query: checks the state, exchanges the code with the verifier
 * and answers the tokens with the path to go back to. The pending sign-in is used up either way.
 */
export async function completeSignIn(query: string): Promise<{ tokens: Tokens; returnTo: string }> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const params = new URLSearchParams(query);
  const pending = raw ? (JSON.parse(raw) as Pending) : undefined;
  if (!pending) {
    throw new SignInError("No sign-in was started in this tab; sign in again.");
  }
  // Before anything else: an answer to another request (or a forged one) must not be acted on.
  if (params.get("state") !== pending.state) {
    throw new SignInError("The identity provider's answer does not belong to this sign-in (state mismatch); sign in again.");
  }
  const error = params.get("error");
  if (error) {
    throw new SignInError(`Sign-in failed: ${params.get("error_description") ?? error} (${error}).`, error);
  }
  const code = params.get("code");
  if (!code) {
    throw new SignInError("The identity provider sent no code back; sign in again.");
  }
  return { tokens: await exchange(pending, code), returnTo: safePath(pending.return_to) };
}

async function exchange(pending: Pending, code: string): Promise<Tokens> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: pending.redirect_uri,
    client_id: pending.client_id,
    code_verifier: pending.verifier,
  });
  let response: Response;
  try {
    response = await fetch(pending.token_endpoint, { method: "POST", headers: { Accept: "application/json" }, body });
  } catch (error) {
    throw new SignInError(`The token endpoint cannot be reached (${(error as Error).message}).`);
  }
  const answer = (await response.json().catch(() => ({}))) as Partial<Tokens> & { error?: string; error_description?: string };
  if (!response.ok || !answer.access_token) {
    const error = answer.error ?? `http_${response.status}`;
    throw new SignInError(`Sign-in failed: ${answer.error_description ?? "the token endpoint refused the code"} (${error}).`, error);
  }
  return { access_token: answer.access_token, expires_in: answer.expires_in, id_token: answer.id_token };
}

/** Milliseconds the access token lasts, as the token endpoint says (an hour when it does not). */
export function lifetimeMs(tokens: Tokens): number {
  return (tokens.expires_in && tokens.expires_in > 0 ? tokens.expires_in : DEFAULT_EXPIRES_IN_S) * 1000;
}

/**
 * Who signed in, for display only: from the ID token when there is one, else the access token's
 * claims. Nothing is verified here; the API verifies the access token on every call.
 */
export function displayName(tokens: Tokens): string {
  for (const token of [tokens.id_token, tokens.access_token]) {
    const claims = token ? jwtClaims(token) : undefined;
    const name = claims?.name ?? claims?.preferred_username ?? claims?.email ?? claims?.sub;
    if (typeof name === "string" && name) {
      return name;
    }
  }
  return "signed in";
}

/** The payload of a JWT, or undefined for anything else (an opaque access token). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) {
    return undefined;
  }
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A path on this origin only, so a tampered return path cannot send the browser elsewhere. */
export function safePath(path: string | undefined): string {
  return path && path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") && !path.startsWith(CALLBACK_PATH) ? path : "/";
}
