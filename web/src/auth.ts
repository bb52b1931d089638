import { beginSignIn, completeSignIn, displayName, lifetimeMs } from "./oidc";

// Who is signed in. The rest of the app needs only `session().token`, a platform bearer token, which
// comes from the OpenID provider the build names (./oidc.ts): locally the devhost's development
// identity provider, in Azure the platform's (e.g. Entra ID). There is one sign-in path for both.

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

/** Leaves for the identity provider's sign-in; `returnTo` is shown once the browser is back. */
export function signIn(returnTo: string): Promise<never> {
  return beginSignIn(returnTo);
}

/** Finishes the sign-in the provider sent the browser back from; answers the path to show. */
export async function finishSignIn(query: string): Promise<string> {
  const { tokens, returnTo } = await completeSignIn(query);
  const signedIn: SignedIn = { user: displayName(tokens), token: tokens.access_token, expires_at: Date.now() + lifetimeMs(tokens) };
  sessionStorage.setItem(KEY, JSON.stringify(signedIn));
  return returnTo;
}
