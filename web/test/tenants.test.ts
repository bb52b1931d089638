// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import { entitledTiers, tenantAppsScreen } from "../src/screens/tenants";
import { fakeApi, problem, settle } from "./fakeApi";

const ME = { user: "ana", token: "t0k", expires_at: Date.now() + 3_600_000 };

/** The tenant as the platform holds it; `entitlement.max_tier` may change while the page is open. */
function tenantApi(maxTier: string) {
  const entitlement = { max_tier: maxTier };
  const calls = fakeApi(({ method, path, body }) => {
    const maxTier = entitlement.max_tier;
    if (method === "GET" && path === "/api/tenants/ten_1") {
      return { status: 200, body: { id: "ten_1", name: "Acme", role: "builder", max_tier: maxTier, created_at: "2026-01-01T00:00:00Z" } };
    }
    if (method === "GET" && path.startsWith("/api/tenants/ten_1/apps?")) {
      return { status: 200, body: { items: [] } };
    }
    if (method === "POST" && path === "/api/tenants/ten_1/apps") {
      const tier = (body as { tier: string }).tier;
      return tier === "free" || tier === maxTier
        ? { status: 201, body: { id: "app_1", tenant_id: "ten_1", name: "Shop", tier, status: "active" } }
        : problem(403, "tier_not_entitled", `The tenant is entitled to ${maxTier} at most, not ${tier}.`);
    }
    return problem(404, "not_found", "No such route.");
  });
  return { calls, entitlement };
}

function options(root: HTMLElement): string[] {
  return [...root.querySelectorAll<HTMLOptionElement>("#app-tier option")].map((option) => option.value);
}

async function create(root: HTMLElement, name: string, tier: string): Promise<void> {
  root.querySelector<HTMLInputElement>("#app-name")!.value = name;
  const select = root.querySelector<HTMLSelectElement>("#app-tier")!;
  expect(options(root)).toContain(tier);
  select.value = tier;
  root.querySelector<HTMLFormElement>("form[aria-label='Create an app']")!.requestSubmit();
  await settle();
}

describe("the tenant's app form", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("offers the tiers up to the tenant's entitlement, lowest first", async () => {
    tenantApi("business");
    const root = document.createElement("main");
    tenantAppsScreen(root, ME, () => {}, "ten_1");
    expect(options(root)).toEqual(["free"]);
    await settle();
    expect(options(root)).toEqual(["free", "pro", "business"]);
  });

  it("offers only free to a tenant without a grant", async () => {
    tenantApi("free");
    const root = document.createElement("main");
    tenantAppsScreen(root, ME, () => {}, "ten_1");
    await settle();
    expect(options(root)).toEqual(["free"]);
  });

  it("shows the platform's reason next to the form when the tier is not entitled", async () => {
    const { calls, entitlement } = tenantApi("enterprise");
    const root = document.createElement("main");
    const went: string[] = [];
    tenantAppsScreen(root, ME, (path) => went.push(path), "ten_1");
    await settle();
    // A platform administrator lowers the grant while the page is open.
    entitlement.max_tier = "pro";
    await create(root, "Shop", "enterprise");
    const form = root.querySelector("form[aria-label='Create an app']")!;
    expect(form.parentElement!.querySelector("[role=status]")!.textContent).toBe("The tenant is entitled to pro at most, not enterprise.");
    expect(form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled).toBe(false);
    expect(went).toEqual([]);
    expect(calls.filter((call) => call.method === "POST").map((call) => call.body)).toEqual([{ name: "Shop", tier: "enterprise" }]);

    await create(root, "Shop", "pro");
    expect(went).toEqual(["/apps/app_1"]);
  });

  it("places a tier the page does not know nowhere: all known tiers stay offered", () => {
    expect(entitledTiers("enterprise")).toEqual(["free", "pro", "business", "enterprise"]);
    expect(entitledTiers("platinum")).toEqual(["free", "pro", "business", "enterprise"]);
  });
});
