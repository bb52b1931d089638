// Proof Key for Code Exchange (RFC 7636, S256 only) and the random values of a sign-in, with WebCrypto:
// a code intercepted on its way back to this page is useless without the verifier this tab keeps.

/** Unpadded base64url (RFC 4648 §5), the encoding of every PKCE and OAuth value here. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `bytes` random bytes as base64url: 32 make a 43-character verifier, the shortest RFC 7636 allows. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 challenge of a verifier: base64url(SHA-256(ASCII(verifier))). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export async function pkcePair(): Promise<PkcePair> {
  const verifier = randomToken();
  return { verifier, challenge: await challengeOf(verifier) };
}
