import { request } from "./api";

// Who is signed in. The rest of the app needs only `session().token`, a platform bearer token.
//
// Locally the token comes from the devhost's development identity provider (POST /dev/token, which
// mints one for any user id). A deployment in Azure signs in with the platform's OIDC provider instead
// (the issuer in AUTH_PLATFORM_ISSUER: authorization code flow with PKCE, for example MSAL.js against
// Entra ID) and keeps its access token here the same way; nothing else in the app changes.

export interface SignedIn {
  user: string;
  token: string;
  /** Epoch milliseconds. */
  expires_at: number;
}

const KEY = "mozaiks.session";
/** Sign in again a little before the token runs out rather than fail a request with it. */
const EXPIRY_MARGIN_MS = 60_000;

/** The signed-in user, kept per tab (sessionStorage survives a reload, not the browser). */
export function session(): SignedIn | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) {
    return undefined;
  }
  const signedIn = JSON.parse(raw) as SignedIn;
  if (signedIn.expires_at - EXPIRY_MARGIN_MS < Date.now()) {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
  return signedIn;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** Signs in with the development identity provider (devhost only). */
export async function devSignIn(user: string): Promise<SignedIn> {
  const answer = await request<{ access_token: string; expires_in: number }>("POST", "/dev/token", { body: { sub: user } });
  const signedIn: SignedIn = { user, token: answer.access_token, expires_at: Date.now() + answer.expires_in * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(signedIn));
  return signedIn;
}
