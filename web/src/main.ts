import "./style.css";
import { onUnauthorized } from "./api";
import { finishSignIn, session, signOut, type SignedIn } from "./auth";
import { fill, h } from "./dom";
import { CALLBACK_PATH, signInPending } from "./oidc";
import { Router } from "./router";
import { appScreen } from "./screens/app";
import { chatScreen } from "./screens/chat";
import { signInCallbackScreen, signInScreen } from "./screens/signIn";
import { tenantAppsScreen, tenantsScreen } from "./screens/tenants";

const main = document.getElementById("main")!;
const account = document.getElementById("account")!;

const router = new Router(
  [
    { pattern: new RegExp(`^${CALLBACK_PATH}$`), render: () => callback() },
    { pattern: /^\/$/, render: () => signedIn((me) => tenantsScreen(main, me, go)) },
    { pattern: /^\/tenants\/([^/]+)$/, render: ([tenant]) => signedIn((me) => tenantAppsScreen(main, me, go, tenant)) },
    { pattern: /^\/apps\/([^/]+)$/, render: ([app]) => signedIn((me) => appScreen(main, me, go, app)) },
    { pattern: /^\/apps\/([^/]+)\/chats\/([^/]+)$/, render: ([app, chat]) => signedIn((me) => chatScreen(main, me, app, chat)) },
  ],
  () => fill(main, h("section", { class: "card" }, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "/", "data-route": true }, "Back to your tenants")))),
);

function go(path: string): void {
  router.go(path);
}

/** Renders a screen for the signed-in user, or the sign-in screen that comes back to this path. */
function signedIn<T>(screen: (me: SignedIn) => T): T | undefined {
  const me = session();
  showAccount();
  if (!me) {
    signInScreen(main, location.pathname + location.search);
    return undefined;
  }
  return screen(me);
}

/** Back from the identity provider: finish the sign-in and show the screen it began on, in place of this URL. */
function callback(): void {
  showAccount();
  if (!signInPending() && session()) {
    // This page again (a reload, the back button) after the sign-in finished.
    router.go("/", true);
    return;
  }
  signInCallbackScreen(main, () => finishSignIn(location.search), (path) => router.go(path, true));
}

function showAccount(): void {
  const me = session();
  if (!me) {
    account.replaceChildren();
    return;
  }
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", () => {
    signOut();
    router.render();
  });
  fill(account, h("span", {}, `Signed in as ${me.user}`), out);
}

onUnauthorized(() => {
  signOut();
  router.render();
});

router.render();
