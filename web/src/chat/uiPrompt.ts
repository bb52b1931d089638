import { h } from "../dom";

/** Sends the user's answer; resolves with the server's refusal, if any. */
export type Answer = (response: unknown) => Promise<string | undefined>;

export interface UiPrompt {
  element: HTMLElement;
  /** The chat's log shows the answer (from this tab or another): the prompt takes no more input. */
  answered(response: unknown): void;
}

/**
 * A UI tool the chat waits on. A question with options (`choose_option`'s `{question, options}`)
 * is a row of buttons answering `{selection}`; any other component gets a JSON form, since the
 * ChatUI cannot know every component a workflow pack may declare.
 */
export function uiPrompt(data: Record<string, unknown>, answer: Answer): UiPrompt {
  const args = (typeof data.arguments === "object" && data.arguments !== null ? data.arguments : {}) as Record<string, unknown>;
  const status = h("p", { class: "notice", role: "status" });
  const controls: (HTMLButtonElement | HTMLTextAreaElement)[] = [];
  const settle = (done: boolean) => controls.forEach((control) => (control.disabled = done));
  let done = false;
  const send = async (response: unknown) => {
    settle(true);
    status.textContent = "Sending…";
    let refusal: string | undefined;
    try {
      refusal = await answer(response);
    } catch {
      refusal = "Not sent: the connection dropped. Try again once connected.";
    }
    // The answer's event may have arrived before the reply; then the prompt already says so.
    if (!done) {
      status.textContent = refusal ?? "";
      settle(refusal === undefined);
    }
  };

  let body: HTMLElement;
  if (typeof args.question === "string" && isStringArray(args.options)) {
    const buttons = args.options.map((option) => {
      const button = h("button", { type: "button", class: "option" }, option);
      button.addEventListener("click", () => void send({ selection: option }));
      return button;
    });
    controls.push(...buttons);
    body = h("fieldset", { class: "options" }, h("legend", {}, args.question), ...buttons);
  } else {
    const id = `ui-${String(data.call_id ?? Math.random()).replace(/\W/g, "")}`;
    const input = h("textarea", { id, rows: 4, spellcheck: "false" }, "{}");
    const submit = h("button", { type: "submit" }, "Send response");
    controls.push(input, submit);
    const form = h(
      "form",
      {},
      h("pre", { class: "json" }, JSON.stringify(args, null, 2)),
      h("label", { for: id }, `Response for ${String(data.component_type ?? data.tool_name)} (JSON)`),
      input,
      submit,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      let response: unknown;
      try {
        response = JSON.parse(input.value);
      } catch {
        status.textContent = "That is not valid JSON.";
        return;
      }
      void send(response);
    });
    body = form;
  }
  const element = h("div", { class: "ui-prompt" }, body, status);
  return {
    element,
    answered(response) {
      done = true;
      settle(true);
      element.classList.add("answered");
      const selection = (response as { selection?: unknown } | undefined)?.selection;
      for (const control of controls) {
        if (control instanceof HTMLButtonElement && control.classList.contains("option") && control.textContent === selection) {
          control.classList.add("chosen");
          control.setAttribute("aria-pressed", "true");
        }
      }
      status.textContent = typeof selection === "string" ? `Answered: ${selection}` : "Answered.";
    },
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string");
}
