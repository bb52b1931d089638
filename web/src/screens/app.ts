import { request, type App, type Chat, type Page, type SessionGrant, type Workflow } from "../api";
import type { SignedIn } from "../auth";
import { handOver } from "../chat/grants";
import { fill, h, notice } from "../dom";
import { newId } from "../ids";
import { breadcrumbs, describe, pagedList, query } from "./common";

/** One app: the workflows it offers (start a chat) and the caller's recent chats in it (resume one). */
export function appScreen(root: HTMLElement, me: SignedIn, go: (path: string) => void, appId: string): void {
  const app = encodeURIComponent(appId);
  const heading = h("h1", {}, "App");
  const trail = breadcrumbs(["Tenants", "/"], ["App"]);
  request<App>("GET", `/api/apps/${app}`, { token: me.token })
    .then((found) => {
      heading.textContent = found.name;
      trail.replaceWith(breadcrumbs(["Tenants", "/"], ["Tenant", `/tenants/${encodeURIComponent(found.tenant_id)}`], [found.name]));
    })
    .catch(() => {
      // The lists below report the failure.
    });

  const status = notice();
  const workflows = h("ul", { class: "list", "aria-label": "Workflows", "aria-busy": "true" });
  request<{ items: Workflow[] }>("GET", `/api/apps/${app}/workflows`, { token: me.token })
    .then((list) => {
      for (const workflow of list.items) {
        workflows.append(workflowItem(workflow, async (button) => {
          button.disabled = true;
          status.textContent = `Starting ${workflow.name}…`;
          try {
            const grant = await request<SessionGrant>("POST", "/api/sessions", {
              token: me.token, body: { app_id: appId, workflow_name: workflow.name, client_request_id: newId("start") },
            });
            handOver(grant);
            go(`/apps/${app}/chats/${encodeURIComponent(grant.chat_id)}`);
          } catch (error) {
            status.textContent = describe(error);
            button.disabled = false;
          }
        }));
      }
    })
    .catch((error) => {
      status.textContent = describe(error);
    })
    .finally(() => workflows.setAttribute("aria-busy", "false"));

  const chats = pagedList<Chat>(
    "Recent chats",
    (cursor) => request<Page<Chat>>("GET", `/api/apps/${app}/chats?${query(cursor, 20)}`, { token: me.token }),
    (chat) => h("li", {},
      h("a", { href: `/apps/${app}/chats/${encodeURIComponent(chat.chat_id)}`, "data-route": true }, `${chat.workflow_name} · ${chat.chat_id}`),
      h("span", { class: `meta status-${chat.status}` }, chat.status + (chat.updated_at ? ` · ${new Date(chat.updated_at).toLocaleString()}` : ""))),
    "No chat yet: start one above.",
  );

  fill(root, trail,
    h("section", { class: "card" }, heading, h("h2", {}, "Workflows"), workflows, status),
    h("section", { class: "card" }, h("h2", {}, "Recent chats"), chats));
}

function workflowItem(workflow: Workflow, start: (button: HTMLButtonElement) => void): HTMLElement {
  const button = h("button", { type: "button", "aria-label": `Start ${workflow.name}`, disabled: !workflow.available }, "Start chat");
  button.addEventListener("click", () => start(button));
  return h("li", {},
    h("span", { class: "name" }, workflow.name),
    h("span", { class: "meta" }, workflow.available ? workflow.pack : `unavailable: ${workflow.detail ?? workflow.reason ?? "unknown"}`),
    button);
}
