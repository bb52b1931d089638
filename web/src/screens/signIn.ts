import { ApiError } from "../api";
import { devSignIn } from "../auth";
import { fill, h, notice } from "../dom";

/** The sign-in form of the development identity provider: any user id gets a token. */
export function signInScreen(root: HTMLElement, signedIn: () => void): void {
  const status = notice();
  const user = h("input", { id: "user-id", name: "user", required: true, maxlength: 256, pattern: "\\S+", autocomplete: "username" });
  const form = h(
    "form",
    { "aria-labelledby": "signin-title" },
    h("label", { for: "user-id" }, "User id"),
    user,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button")!;
    button.disabled = true;
    status.textContent = "Signing in…";
    try {
      await devSignIn(user.value.trim());
      signedIn();
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : String(error);
      button.disabled = false;
    }
  });
  fill(
    root,
    h(
      "section",
      { class: "card narrow" },
      h("h1", { id: "signin-title" }, "Sign in"),
      h("p", {}, "Local development: the devhost's identity provider signs in any user id."),
      form,
      status,
    ),
  );
  user.focus();
}
