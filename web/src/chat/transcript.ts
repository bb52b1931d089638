import { h } from "../dom";
import type { OutgoingMessage } from "./chatStore";
import { text, type ChatEvent } from "./envelope";
import { retryNote } from "./retryNote";
import { uiPrompt, type Answer, type UiPrompt } from "./uiPrompt";

const USER = "user";

/**
 * The chat as the user reads it. The list holds one item per persisted event, in seq order, each
 * marked with its `data-seq` (bookkeeping kinds such as usage are there but hidden), so the list
 * *is* the log. Below it, outside the log: the reply that is streaming, and the user's messages the
 * log does not show yet.
 */
export class Transcript {
  readonly element: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly streaming = new Map<string, HTMLElement>();
  private readonly outgoing = new Map<string, HTMLElement>();
  private readonly prompts = new Map<string, UiPrompt>();
  /** "Waiting for a free run slot…" notes shown until the chat runs. */
  private readonly queued: HTMLElement[] = [];
  private readonly live: HTMLElement;
  private readonly outbox: HTMLElement;
  private dividerShown = false;
  private note: HTMLElement | undefined;

  /** @param lastSeen the last seq the user saw here before; later events are marked as new. */
  constructor(
    private readonly answer: (callId: string) => Answer,
    private readonly lastSeen: number,
  ) {
    this.log = h("ol", { class: "log", "aria-label": "Transcript", "aria-live": "polite", "aria-busy": "true" });
    this.live = h("div", { class: "streaming-area", "aria-live": "off" });
    this.outbox = h("ol", { class: "outbox", "aria-label": "Messages being sent" });
    this.element = h("div", { class: "transcript", tabindex: 0 }, this.log, this.live, this.outbox);
  }

  /** The log is complete: screen readers may read what arrives from now on. */
  rebuilt(): void {
    this.log.setAttribute("aria-busy", "false");
    this.scroll(true);
  }

  add(event: ChatEvent): void {
    const follow = this.atBottom();
    const item = this.render(event);
    item.dataset.seq = String(event.seq);
    item.dataset.type = event.type;
    // Above the first thing shown that the user has not seen (their own messages they have).
    if (!this.dividerShown && this.lastSeen > 0 && event.seq > this.lastSeen && !item.hidden && !item.classList.contains("from-user")) {
      this.dividerShown = true;
      this.log.append(h("li", { class: "divider", role: "separator" }, "New since you were last here"));
    }
    this.log.append(item);
    this.scroll(follow);
  }

  /** The streaming replies belong to an attempt that will not commit: gone, with any passing note. */
  resetStream(): void {
    this.streaming.forEach((bubble) => bubble.remove());
    this.streaming.clear();
    this.note?.remove();
    this.note = undefined;
  }

  /** A passing note below the log (replaced by the next, gone once a reply streams or is recorded). */
  notice(message: string): void {
    this.note?.remove();
    this.note = h("p", { class: "note passing", role: "status" }, message);
    this.live.append(this.note);
  }

  delta(agent: string, content: string): void {
    this.note?.remove();
    this.note = undefined;
    const follow = this.atBottom();
    let bubble = this.streaming.get(agent);
    if (!bubble) {
      bubble = h("div", { class: "message from-agent streaming", "aria-busy": "true" },
        h("p", { class: "agent" }, agent), h("div", { class: "content" }));
      this.streaming.set(agent, bubble);
      this.live.append(bubble);
    }
    bubble.querySelector(".content")!.append(content);
    this.ranAgain();
    this.scroll(follow);
  }

  pending(message: OutgoingMessage): void {
    const item = h("li", { class: "message from-user pending" },
      h("p", { class: "agent" }, "You"), h("div", { class: "content" }, message.text), h("p", { class: "meta" }, "Sending…"));
    this.outgoing.set(message.client_message_id, item);
    this.outbox.append(item);
    this.scroll(true);
  }

  refused(message: OutgoingMessage, detail: string): void {
    const item = this.outgoing.get(message.client_message_id);
    if (item) {
      item.classList.replace("pending", "refused");
      item.querySelector(".meta")!.textContent = `Not sent: ${detail}`;
      this.outgoing.delete(message.client_message_id);
    }
  }

  private render(event: ChatEvent): HTMLElement {
    const data = event.data;
    if (RUNS.has(event.type) && !(event.type === "chat.text" && data.agent === USER)) {
      this.ranAgain();
    }
    switch (event.type) {
      case "chat.text":
        return this.message(data);
      case "chat.tool_call":
        return this.toolCall(data);
      case "chat.tool_response": {
        this.prompts.get(text(data, "call_id"))?.answered(data.ui_response);
        const item = h("li", { class: "tool" }, h("details", {},
          h("summary", {}, `${text(data, "tool_name")} answered`), h("pre", { class: "json" }, show(data.content))));
        if (data.queued === true) {
          item.append(this.queuedNote("p"));
        }
        return item;
      }
      case "chat.input_ack":
        return data.queued === true ? this.queuedNote("li") : h("li", { hidden: true });
      case "chat.input_request":
        return h("li", { class: "note" }, data.agent && data.agent !== USER ? `${text(data, "agent")} is waiting for your reply` : "Your turn");
      case "chat.run_start":
        return h("li", { class: "note" }, "Run started");
      case "chat.run_complete":
        return h("li", { class: `note status-${text(data, "status")}` },
          `Run ${text(data, "status")}` + (data.reason ? ` (${text(data, "reason")})` : ""));
      case "chat.workflow_batch_started":
        return h("li", { class: "note" }, `Started ${text(data, "count")} sub-workflows: ${names(data.workflows)}`
          + (data.note ? `. ${text(data, "note")}` : ""));
      case "chat.workflow_child_completed":
        return h("li", { class: "note" },
          `${text(data, "workflow_name")} ${text(data, "status")} (${text(data, "completed_count")} of ${text(data, "total")})`);
      case "chat.workflow_resumed":
        return h("li", { class: "note" }, `Resumed with the results: ${text(data, "succeeded_count")} completed`
          + (Number(data.failed_count) > 0 ? `, ${text(data, "failed_count")} did not` : ""));
      case "chat.retrying":
        this.resetStream();
        return h("li", { class: "note retrying" }, retryNote(data));
      case "chat.error":
        return h("li", { class: "error" }, `Error: ${text(data, "message")}` + (data.error_code ? ` [${text(data, "error_code")}]` : ""));
      default:
        // select_speaker, usage_delta, an input_ack not queued and kinds this version does not know: in the log, not shown.
        return h("li", { hidden: true });
    }
  }

  /** Says the input is taken and the chat waits for a free run slot; {@link ranAgain} takes it away. */
  private queuedNote(tag: "li" | "p"): HTMLElement {
    const note = h(tag, { class: "note queued", role: "status" }, "Waiting for a free run slot…");
    this.queued.push(note);
    return note;
  }

  /** The chat runs: the queued notes go (a log item stays in place, hidden, so the list is still the log). */
  private ranAgain(): void {
    for (const note of this.queued.splice(0)) {
      if (note.tagName === "LI") {
        note.hidden = true;
        note.textContent = "";
      } else {
        note.remove();
      }
    }
  }

  private message(data: Record<string, unknown>): HTMLElement {
    const agent = text(data, "agent");
    if (agent === USER) {
      const id = data.client_message_id;
      if (typeof id === "string") {
        this.outgoing.get(id)?.remove();
        this.outgoing.delete(id);
      }
    } else {
      this.streaming.get(agent)?.remove();
      this.streaming.delete(agent);
    }
    if (data.hidden === true) {
      return h("li", { hidden: true });
    }
    const item = h("li", { class: `message ${agent === USER ? "from-user" : "from-agent"}${data.ui_visibility === "trace" ? " trace" : ""}` },
      h("p", { class: "agent" }, agent === USER ? "You" : agent),
      h("div", { class: "content" }, text(data, "content")));
    if (data.structured_output !== undefined) {
      item.append(h("details", {}, h("summary", {}, "Structured output"), h("pre", { class: "json" }, show(data.structured_output))));
    }
    return item;
  }

  private toolCall(data: Record<string, unknown>): HTMLElement {
    const agent = text(data, "agent");
    const callId = text(data, "call_id");
    if (data.awaiting_response === true) {
      const prompt = uiPrompt(data, this.answer(callId));
      this.prompts.set(callId, prompt);
      return h("li", { class: "message from-agent tool-prompt", "data-call-id": callId },
        h("p", { class: "agent" }, agent), prompt.element);
    }
    return h("li", { class: "tool", "data-call-id": callId }, h("details", {},
      h("summary", {}, `${agent} called ${text(data, "tool_name")}`), h("pre", { class: "json" }, show(data.arguments))));
  }

  private atBottom(): boolean {
    return this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < 80;
  }

  /** Keeps the newest in view, unless the user scrolled up to read. */
  private scroll(follow: boolean): void {
    if (follow) {
      this.element.scrollTop = this.element.scrollHeight;
    }
  }
}

/** Events that show the chat is running (or has ended): a queued chat's wait is over. */
const RUNS = new Set(["chat.select_speaker", "chat.text", "chat.tool_call", "chat.run_start", "chat.run_complete", "chat.error",
  "chat.input_request"]);

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** The workflow names of a batch's children, in order. */
function names(workflows: unknown): string {
  return Array.isArray(workflows)
    ? workflows.map((child) => (child && typeof child === "object" ? String((child as Record<string, unknown>).workflow_name) : "?")).join(", ")
    : "";
}
