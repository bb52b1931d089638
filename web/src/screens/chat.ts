import { ApiError, request, type Chat } from "../api";
import type { SignedIn } from "../auth";
import { ChatStore } from "../chat/chatStore";
import { ChatConnection, type ConnectionState } from "../chat/connection";
import { FINISHED } from "../chat/envelope";
import { Grants } from "../chat/grants";
import { appStateOf, ChatSession, type AppState } from "../chat/session";
import { Transcript } from "../chat/transcript";
import { fill, h, notice } from "../dom";
import type { Teardown } from "../router";
import { breadcrumbs, describe } from "./common";

const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  closed: "Not connected",
};

const APP_STATE_LABELS: Record<AppState, string> = {
  suspended: "This app is suspended — the conversation will continue once it is lifted.",
  deleted: "This app was deleted. Its conversations cannot continue.",
};

const STATUS_LABELS: Record<string, string> = {
  running: "Running",
  queued: "Waiting for a free run slot…",
  awaiting_input: "Waiting for you",
  awaiting_children: "Waiting for its sub-workflows",
  completed: "Completed",
  max_turns_reached: "Ended: it reached its turn limit",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** One chat: its transcript, live, and what the user can do in it (write, answer prompts, cancel). */
export function chatScreen(root: HTMLElement, me: SignedIn, appId: string, chatId: string): Teardown {
  const app = encodeURIComponent(appId);
  const title = h("h1", { id: "chat-title" }, "Chat");
  const chatStatus = h("span", { class: "badge", "data-status": "" }, "…");
  const connection = h("p", { class: "connection", role: "status", "data-state": "connecting" }, CONNECTION_LABELS.connecting);
  const cancel = h("button", { type: "button", class: "secondary", disabled: true }, "Cancel run");
  const problems = notice();
  const tryAgain = h("button", { type: "button", class: "secondary", hidden: true }, "Try again");
  const appStateText = h("span");
  const appState = h("div", { class: "app-state", role: "alert", hidden: true }, appStateText, tryAgain);
  const message = h("textarea", { id: "message", name: "message", rows: 2, required: true, maxlength: 16000, disabled: true });
  const send = h("button", { type: "submit", disabled: true }, "Send");
  const composer = h("form", { class: "composer", "aria-label": "Send a message" },
    h("label", { for: "message" }, "Message"), message, send);
  const body = h("div", { class: "chat-body" }, h("p", { class: "notice" }, "Opening the chat…"));
  fill(root,
    breadcrumbs(["Tenants", "/"], ["App", `/apps/${app}`], ["Chat"]),
    h("section", { class: "chat", "aria-labelledby": "chat-title" },
      h("header", { class: "chat-header" },
        h("div", {}, title, h("p", { class: "meta" }, chatId)),
        h("p", { class: "chat-status" }, "Status: ", chatStatus),
        connection,
        cancel),
      appState, body, composer, problems));

  let stopped = false;
  let stop: Teardown = () => {};
  void (async () => {
    const store = new ChatStore(localStorage);
    let workflowName = store.get(chatId)?.workflow_name;
    try {
      workflowName ??= (await request<Chat>("GET", `/api/apps/${app}/chats/${encodeURIComponent(chatId)}`, { token: me.token })).workflow_name;
    } catch (error) {
      fill(body, h("p", { class: "error" }, describe(error)));
      return;
    }
    if (stopped) {
      return;
    }
    title.textContent = workflowName;
    const record = store.open(chatId, appId, workflowName);
    let status = "";
    /** Set while the app refuses the chat: nothing can be sent then. */
    let unavailable: AppState | undefined;
    const updateControls = () => {
      const closed = FINISHED.has(status) || unavailable !== undefined;
      cancel.disabled = closed || status === "";
      message.disabled = closed;
      send.disabled = closed;
    };
    const setStatus = (value: string) => {
      if (!value) {
        return;
      }
      status = value;
      chatStatus.textContent = STATUS_LABELS[value] ?? value;
      chatStatus.dataset.status = value;
      updateControls();
    };
    // The app refuses the chat: stop connecting (the platform would refuse every attempt) and say why.
    const halt = (state: AppState) => {
      link.halt();
      unavailable = state;
      appStateText.textContent = APP_STATE_LABELS[state];
      appState.dataset.state = state;
      appState.hidden = false;
      tryAgain.hidden = state !== "suspended";
      tryAgain.disabled = false;
      updateControls();
    };

    let session: ChatSession | undefined;
    const transcript = new Transcript((callId) => (response) => session!.answer(callId, response), record.last_seq);
    fill(body, transcript.element);
    record.outbox.forEach((pending) => transcript.pending(pending));

    session = new ChatSession(chatId, { request: (event, data) => link.request(event, data) }, store, {
      apply: (event) => transcript.add(event),
      delta: (agent, content) => transcript.delta(agent, content),
      resetStream: () => transcript.resetStream(),
      notice: (message) => transcript.notice(message),
      status: setStatus,
      rebuilt: () => transcript.rebuilt(),
      refused: (outgoing, detail) => transcript.refused(outgoing, detail),
      problem: (text) => (problems.textContent = text),
      unavailable: halt,
    });
    const grants = new Grants(() => me.token, appId, workflowName, chatId);
    const link = new ChatConnection(() => grants.url(), {
      state: (state) => {
        connection.dataset.state = state;
        connection.textContent = CONNECTION_LABELS[state];
        if (state === "connected" && unavailable !== undefined) {
          // Lifted: the resume that follows shows what happened meanwhile, and the outbox goes.
          unavailable = undefined;
          appState.hidden = true;
          updateControls();
        }
      },
      envelopes: (envelopes, live) => session!.receive(envelopes, live),
      ready: () => void session!.ready(),
      refused: (error: ApiError) => {
        const state = appStateOf(error.code);
        if (state) {
          halt(state);
        } else {
          problems.textContent = `This chat cannot be opened: ${error.message}`;
        }
      },
    });
    stop = () => link.stop();
    tryAgain.addEventListener("click", () => {
      tryAgain.disabled = true;
      void link.start();
    });

    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = message.value.trim();
      if (!text || FINISHED.has(status)) {
        return;
      }
      transcript.pending(session!.send(text));
      message.value = "";
      message.focus();
    });
    message.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter starts a new line.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try {
        const refusal = await session!.cancel();
        problems.textContent = refusal ?? "";
      } catch {
        problems.textContent = "Not cancelled: the connection dropped. Try again once connected.";
      }
      cancel.disabled = FINISHED.has(status);
    });
    updateControls();
    message.focus();
    await link.start();
  })();

  return () => {
    stopped = true;
    stop();
  };
}
