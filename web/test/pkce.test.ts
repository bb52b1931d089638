import { describe, expect, it } from "vitest";
import { authorizeUrl, displayName, jwtClaims, safePath } from "../src/oidc";
import { base64url, challengeOf, pkcePair, randomToken } from "../src/pkce";

describe("PKCE", () => {
  it("makes the S256 challenge of RFC 7636's example verifier", async () => {
    // RFC 7636 Appendix B.
    expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("encodes base64url without padding", () => {
    const octets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88,
      5, 88, 83, 132, 141, 121];
    expect(base64url(new Uint8Array(octets))).toBe("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(base64url(new Uint8Array([]))).toBe("");
  });

  it("makes random verifiers of the length and alphabet RFC 7636 allows", () => {
    const tokens = new Set(Array.from({ length: 100 }, () => randomToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(randomToken(96)).toMatch(/^[A-Za-z0-9_-]{128}$/);
  });

  it("pairs a verifier with its challenge", async () => {
    const pair = await pkcePair();
    expect(pair.challenge).toBe(await challengeOf(pair.verifier));
    expect(pair.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("the authorization request", () => {
  it("asks for a code with an S256 challenge, keeping the endpoint's own query", () => {
    const url = new URL(authorizeUrl("https://login.example.com/tenant/oauth2/v2.0/authorize?p=flow", {
      clientId: "mozaiks-chatui", redirectUri: "http://localhost:7071/auth/callback", scope: "api://mozaiks/.default openid",
      state: "s-1", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    }));
    expect(url.origin + url.pathname).toBe("https://login.example.com/tenant/oauth2/v2.0/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      p: "flow",
      response_type: "code",
      client_id: "mozaiks-chatui",
      redirect_uri: "http://localhost:7071/auth/callback",
      scope: "api://mozaiks/.default openid",
      state: "s-1",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
  });

  it("goes back only to a path on this origin", () => {
    expect(safePath("/apps/a1/chats/c1?x=1")).toBe("/apps/a1/chats/c1?x=1");
    for (const unsafe of ["//evil.example.com/", "/\\evil.example.com", "https://evil.example.com/", "", undefined, "/auth/callback?code=x"]) {
      expect(safePath(unsafe)).toBe("/");
    }
  });
});

describe("who signed in", () => {
  const jwt = (claims: object) => `e30.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}.sig`;

  it("reads a JWT's claims, and nothing from an opaque token", () => {
    expect(jwtClaims(jwt({ sub: "alice", name: "Ålice" }))).toEqual({ sub: "alice", name: "Ålice" });
    expect(jwtClaims("opaque-token")).toBeUndefined();
    expect(jwtClaims("a.!!!.c")).toBeUndefined();
  });

  it("prefers the ID token's name, then the access token's subject", () => {
    expect(displayName({ access_token: jwt({ sub: "alice" }) })).toBe("alice");
    expect(displayName({ access_token: jwt({ sub: "x" }), id_token: jwt({ sub: "x", preferred_username: "alice@example.com" }) }))
      .toBe("alice@example.com");
    expect(displayName({ access_token: "opaque" })).toBe("signed in");
  });
});
