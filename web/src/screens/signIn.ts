import { signIn } from "../auth";
import { fill, h, notice } from "../dom";
import { oidcConfig } from "../oidc";
import { describe } from "./common";

/**
 * The sign-in screen: one button to the identity provider, which comes back to `returnTo`. `problem`
 * is why the last sign-in failed, if it did.
 */
export function signInScreen(root: HTMLElement, returnTo: string, problem?: string): void {
  const status = notice();
  status.textContent = problem ?? "";
  const button = h("button", { type: "button" }, "Sign in");
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Going to the identity provider…";
    try {
      await signIn(returnTo);
    } catch (error) {
      status.textContent = describe(error);
      button.disabled = false;
    }
  });
  fill(
    root,
    h(
      "section",
      { class: "card narrow", "aria-labelledby": "signin-title" },
      h("h1", { id: "signin-title" }, "Sign in"),
      h("p", {}, where()),
      button,
      status,
    ),
  );
  button.focus();
}

function where(): string {
  const { authority } = oidcConfig();
  return authority === `${location.origin}/dev`
    ? "Local development: the devhost's identity provider signs in any user id you give it."
    : `You sign in with your account at ${new URL(authority).host}.`;
}

/** The page the identity provider sends the browser back to: finishes the sign-in, then shows where it began. */
export function signInCallbackScreen(root: HTMLElement, finish: () => Promise<string>, go: (path: string) => void): void {
  fill(root, h("section", { class: "card narrow" }, h("h1", {}, "Signing in…"), h("p", { role: "status" }, "Finishing the sign-in.")));
  finish().then(go, (error) => {
    // The code and state have done their part: off the address bar and out of the history.
    history.replaceState(null, "", "/");
    signInScreen(root, "/", describe(error));
  });
}
