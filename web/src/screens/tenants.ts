import { request, type App, type Page, type Tenant } from "../api";
import type { SignedIn } from "../auth";
import { fill, h, notice } from "../dom";
import { newId } from "../ids";
import { breadcrumbs, describe, pagedList, query } from "./common";

type Go = (path: string) => void;

/** The platform's tiers, lowest first (shared/src/main/resources/ai/mozaiks/tenancy/tiers.json). */
const TIERS = ["free", "pro", "business", "enterprise"];

/**
 * The tiers an app of a tenant entitled up to `maxTier` may be created on. A tier this list does not
 * know cannot be placed in it: all known tiers are offered and the platform has the last word.
 */
export function entitledTiers(maxTier: string): string[] {
  const position = TIERS.indexOf(maxTier);
  return position < 0 ? [...TIERS] : TIERS.slice(0, position + 1);
}

/** The caller's tenants, and a form to create one (its creator owns it). */
export function tenantsScreen(root: HTMLElement, me: SignedIn, go: Go): void {
  const list = pagedList<Tenant>(
    "Your tenants",
    (cursor) => request<Page<Tenant>>("GET", `/api/tenants?${query(cursor, 50)}`, { token: me.token }),
    (tenant) => h("li", {}, h("a", { href: `/tenants/${encodeURIComponent(tenant.id)}`, "data-route": true }, tenant.name),
      tenant.role ? h("span", { class: "meta" }, tenant.role) : null),
    "No tenant yet: create one below.",
  );
  const form = createForm("Create a tenant", "Create tenant", "Tenant name", "tenant-name", [], async (name) => {
    const tenant = await request<Tenant>("POST", "/api/tenants", {
      token: me.token, body: { name }, headers: { "Idempotency-Key": newId("tenant") },
    });
    go(`/tenants/${encodeURIComponent(tenant.id)}`);
  });
  fill(root, h("section", { class: "card" }, h("h1", {}, "Tenants"), list), form);
}

/** A tenant's apps, and a form to create one. */
export function tenantAppsScreen(root: HTMLElement, me: SignedIn, go: Go, tenantId: string): void {
  const heading = h("h1", {}, "Apps");
  const trail = breadcrumbs(["Tenants", "/"], ["Tenant"]);
  // Until the tenant's entitlement is known, only the tier every tenant has is offered.
  const tier = h("select", { id: "app-tier", name: "tier" }, h("option", { value: TIERS[0] }, TIERS[0]));
  request<Tenant>("GET", `/api/tenants/${encodeURIComponent(tenantId)}`, { token: me.token })
    .then((tenant) => {
      heading.textContent = `Apps of ${tenant.name}`;
      trail.querySelector("[aria-current]")!.textContent = tenant.name;
      fill(tier, ...entitledTiers(tenant.max_tier).map((t) => h("option", { value: t }, t)));
    })
    .catch(() => {
      // The list below reports the failure.
    });
  const list = pagedList<App>(
    "Apps",
    (cursor) => request<Page<App>>("GET", `/api/tenants/${encodeURIComponent(tenantId)}/apps?${query(cursor, 50)}`, { token: me.token }),
    (app) => h("li", {}, h("a", { href: `/apps/${encodeURIComponent(app.id)}`, "data-route": true }, app.name),
      h("span", { class: "meta" }, `${app.tier} · ${app.status}`)),
    "No app yet: create one below.",
  );
  const form = createForm("Create an app", "Create app", "App name", "app-name", [h("label", { for: "app-tier" }, "Tier"), tier], async (name) => {
    const app = await request<App>("POST", `/api/tenants/${encodeURIComponent(tenantId)}/apps`, {
      token: me.token, body: { name, tier: tier.value }, headers: { "Idempotency-Key": newId("app") },
    });
    go(`/apps/${encodeURIComponent(app.id)}`);
  });
  fill(root, trail, h("section", { class: "card" }, heading, list), form);
}

function createForm(title: string, action: string, label: string, id: string, extra: HTMLElement[], create: (name: string) => Promise<void>): HTMLElement {
  const status = notice();
  const name = h("input", { id, name: "name", required: true, maxlength: 100 });
  const button = h("button", { type: "submit" }, action);
  const form = h("form", { "aria-label": title }, h("label", { for: id }, label), name, ...extra, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "";
    try {
      await create(name.value.trim());
    } catch (error) {
      status.textContent = describe(error);
      button.disabled = false;
    }
  });
  return h("section", { class: "card" }, h("h2", {}, title), form, status);
}
