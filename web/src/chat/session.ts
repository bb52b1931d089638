import { newId } from "../ids";
import type { ChatStore, OutgoingMessage } from "./chatStore";
import { isChatEvent, text, type ChatEvent, type Envelope } from "./envelope";
import { retryNote } from "./retryNote";
import { Sequence } from "./sequence";

/** Sends one client event and answers the server's reply to it (see ChatConnection.request). */
export interface Link {
  request(event: string, data: Record<string, unknown>): Promise<Envelope[]>;
}

/** An app state in which the platform refuses everything in the app's chats (409 naming it). */
export type AppState = "suspended" | "deleted";

const APP_STATES: ReadonlyMap<string, AppState> = new Map([["app_suspended", "suspended"], ["app_deleted", "deleted"]]);

/** The app state a refusal's code names, if any. */
export function appStateOf(code: string | undefined): AppState | undefined {
  return code === undefined ? undefined : APP_STATES.get(code);
}

interface Refusal {
  code: string;
  detail: string;
}

/** What a chat session shows. */
export interface SessionView {
  /** A persisted event: each once, in seq order. */
  apply(event: ChatEvent): void;
  /** A piece of an agent's reply while it streams. */
  delta(agent: string, content: string): void;
  /** What streamed so far belongs to an attempt that will not commit (a retry or redelivery): drop it. */
  resetStream(): void;
  /** A passing note outside the log: a retry the log could not record (its database was away). */
  notice(message: string): void;
  status(status: string): void;
  /** The transcript is complete up to the server's last event (after the first resume). */
  rebuilt(): void;
  /** The server refused a message the user sent. */
  refused(message: OutgoingMessage, detail: string): void;
  /** Something is wrong that the user should know about. */
  problem(message: string): void;
  /** The chat's app refuses everything for now (suspended) or for good (deleted). */
  unavailable(state: AppState): void;
}

/**
 * A resume that does not get past a gap waits and asks again: the log holds a reader back while an
 * append is in flight, and gives an abandoned seq up after a grace period (5 s). Waits double from
 * the first; after this many in a row (about 8 s of waiting) the gap is reported.
 */
const MAX_STALLED_RESUMES = 6;
const FIRST_STALL_WAIT_MS = 250;

/**
 * The protocol of one chat, whatever the transport: puts events in order (resuming from the last
 * contiguous seq after every connect and on every gap), and delivers the user's messages exactly
 * once, across reconnects and reloads, by keeping them in an outbox until the log shows them.
 */
export class ChatSession {
  private readonly sequence = new Sequence();
  private resuming: Promise<void> | undefined;
  private complete = false;
  private readonly inFlight = new Set<string>();
  /** The seq the shown status is as of: a report read before an event applied here must not undo it. */
  private statusSeq = -1;
  /** The status shown now. */
  private shown = "";

  constructor(
    private readonly chatId: string,
    private readonly link: Link,
    private readonly store: ChatStore,
    private readonly view: SessionView,
  ) {}

  /** After every (re)connect: catch up first, then send what the user wrote meanwhile. */
  async ready(): Promise<void> {
    try {
      await this.resume();
    } catch (error) {
      this.failed(error);
      return;
    }
    for (const message of this.store.get(this.chatId)?.outbox ?? []) {
      await this.submit(message);
    }
  }

  /** Everything the server sends: live group messages and replies alike. */
  receive(envelopes: Envelope[], live: boolean): void {
    for (const envelope of envelopes) {
      if (isChatEvent(envelope)) {
        this.sequence.accept([envelope]).forEach((event) => this.apply(event));
      } else if (envelope.type === "chat.resume_boundary") {
        // Everything up to the boundary's seq has come in the reply; a seq that did not holds no event.
        this.sequence.settle(Number(envelope.data.last_seq ?? 0)).forEach((event) => this.apply(event));
        this.status(text(envelope.data, "chat_status"), Number(envelope.data.last_seq ?? 0), false);
      } else {
        this.control(envelope);
      }
    }
    if (live && this.sequence.hasGap) {
      this.resume().catch((error) => this.failed(error));
    }
  }

  /** Queues a message and sends it when the link allows; it stays queued (in localStorage) until the log shows it. */
  send(text: string): OutgoingMessage {
    const message = { client_message_id: newId("msg"), text };
    this.store.enqueue(this.chatId, message);
    void this.submit(message);
    return message;
  }

  /** Answers a UI tool; resolves with the server's refusal, if any; rejects when the answer may not have arrived. */
  async answer(toolCallId: string, response: unknown): Promise<string | undefined> {
    return (await this.input("ui_tool_response", { tool_call_id: toolCallId, response }))?.detail;
  }

  async cancel(): Promise<string | undefined> {
    const reply = await this.link.request("chat.cancel", {});
    const result = reply.find((envelope) => envelope.type === "chat.cancel_result");
    if (result) {
      this.status(text(result.data, "status"), this.sequence.last, true);
      return undefined;
    }
    return this.refusal(reply)?.detail ?? "The platform did not answer the cancel.";
  }

  /** Resumes from the last contiguous seq until the server has nothing more and no gap is left; one at a time. */
  private resume(): Promise<void> {
    this.resuming ??= this.resumeUntilComplete().finally(() => {
      this.resuming = undefined;
    });
    return this.resuming;
  }

  private async resumeUntilComplete(): Promise<void> {
    let stalled = 0;
    for (;;) {
      const from = this.sequence.last;
      const reply = await this.link.request("client.resume", { last_seq: from });
      const boundary = reply.find((envelope) => envelope.type === "chat.resume_boundary");
      if (!boundary) {
        const refusal = this.refusal(reply);
        // A refusal for the app's state is shown as such (see refusal); anything else is a fault.
        throw appStateOf(refusal?.code) !== undefined
          ? new Error(refusal!.detail)
          : new ProtocolError("The platform answered a resume without chat.resume_boundary.");
      }
      if (!this.complete) {
        this.complete = true;
        this.view.rebuilt();
      }
      if (boundary.data.more !== true && !this.sequence.hasGap) {
        return;
      }
      stalled = this.sequence.last === from ? stalled + 1 : 0;
      if (stalled >= MAX_STALLED_RESUMES) {
        throw new ProtocolError(`The chat's events after ${from} could not be fetched; reload to try again.`);
      }
      if (stalled > 0) {
        await new Promise((resolve) => setTimeout(resolve, FIRST_STALL_WAIT_MS * 2 ** (stalled - 1)));
      }
    }
  }

  private async submit(message: OutgoingMessage): Promise<void> {
    if (this.inFlight.has(message.client_message_id)) {
      return;
    }
    this.inFlight.add(message.client_message_id);
    try {
      const refusal = await this.input("user.input.submit", { client_message_id: message.client_message_id, text: message.text });
      // A message refused for its app's state stays in the outbox: it goes once the app is back.
      if (refusal !== undefined && appStateOf(refusal.code) === undefined) {
        this.store.settle(this.chatId, message.client_message_id);
        this.view.refused(message, refusal.detail);
      }
    } catch (error) {
      // Not sent: it stays in the outbox and goes again after the next connect.
      console.debug("ChatUI: message not sent yet", error);
    } finally {
      this.inFlight.delete(message.client_message_id);
    }
  }

  /** Sends user input; resolves with the refusal, or undefined when it was taken. */
  private async input(event: string, data: Record<string, unknown>): Promise<Refusal | undefined> {
    const reply = await this.link.request(event, data);
    const result = reply.find((envelope) => envelope.type === "chat.input_result");
    if (!result) {
      const refusal = this.refusal(reply);
      if (refusal === undefined) {
        // Acked without a reply: whether it was taken is unknown, so the caller keeps it to send again.
        throw new Error(`no reply to ${event}`);
      }
      return refusal;
    }
    const seq = Number(result.data.seq);
    this.status(text(result.data, "status"), seq, false);
    // The event that records the input normally arrives live; if it was missed, fetch it.
    if (seq > this.sequence.last && !this.sequence.hasGap) {
      this.resume().catch((error) => this.failed(error));
    }
    return undefined;
  }

  /** The server's refusal in a reply, if any; one for the app's state is reported to the view as well. */
  private refusal(reply: Envelope[]): Refusal | undefined {
    const error = reply.find((envelope) => envelope.type === "chat.input_error" || envelope.type === "chat.error");
    if (!error) {
      return undefined;
    }
    const code = text(error.data, "code");
    const state = appStateOf(code);
    if (state) {
      this.view.unavailable(state);
    }
    return { code, detail: text(error.data, "detail") || text(error.data, "message") || code };
  }

  private apply(event: ChatEvent): void {
    this.view.apply(event);
    this.store.seen(this.chatId, event.seq);
    const data = event.data;
    switch (event.type) {
      case "chat.text":
        if (data.agent === "user") {
          this.status("running", event.seq, true);
          if (typeof data.client_message_id === "string") {
            this.store.settle(this.chatId, data.client_message_id);
          }
        }
        break;
      case "chat.run_start":
        this.status("running", event.seq, true);
        break;
      case "chat.input_ack":
      case "chat.tool_response":
        // The input is taken, but the chat waits for a free run slot (the user's or the app's runs are all busy).
        if (data.queued === true) {
          this.status("queued", event.seq, true);
        }
        break;
      case "chat.select_speaker":
        // An agent took a turn: a queued chat got its slot.
        this.status("running", event.seq, true);
        break;
      case "chat.input_request":
        this.status("awaiting_input", event.seq, true);
        break;
      case "chat.tool_call":
        if (data.awaiting_response === true) {
          this.status("awaiting_input", event.seq, true);
        }
        break;
      case "chat.run_complete":
        this.status(text(data, "status"), event.seq, true);
        break;
      case "chat.workflow_batch_started":
        this.status("awaiting_children", event.seq, true);
        break;
      case "chat.workflow_resumed":
        this.status("running", event.seq, true);
        break;
    }
  }

  /**
   * Shows a status as of a seq, unless one as of a later seq is shown. On a tie an event wins over a
   * report (chat_meta, resume boundary, input result): the report may have been read just before it.
   */
  private status(status: string, asOf: number, fromEvent: boolean): void {
    if (status && (asOf > this.statusSeq || (fromEvent && asOf === this.statusSeq))) {
      this.statusSeq = asOf;
      this.shown = status;
      this.view.status(status);
    }
  }

  /**
   * Envelopes without a seq: streaming text (and its reset when a step's attempt is void), a retry sent live only, and
   * the chat's state as the server reports it.
   */
  private control(envelope: Envelope): void {
    switch (envelope.type) {
      case "chat.text_delta":
        // Before the first resume the transcript is not there yet to stream into.
        if (this.complete) {
          this.view.delta(text(envelope.data, "agent"), text(envelope.data, "content"));
          // A reply streams: a queued chat runs now (its step's events follow when the turn is stored).
          if (this.shown === "queued") {
            this.status("running", this.statusSeq, true);
          }
        }
        break;
      case "chat.text_reset":
        this.view.resetStream();
        break;
      case "chat.retrying":
        this.view.resetStream();
        this.view.notice(retryNote(envelope.data));
        break;
      case "chat_meta":
        this.status(text(envelope.data, "status"), Number(envelope.data.last_seq ?? 0), false);
        break;
    }
  }

  private failed(error: unknown): void {
    if (error instanceof ProtocolError) {
      this.view.problem(error.message);
    } else {
      // The link dropped mid-request; the next connect resumes.
      console.debug("ChatUI: resume interrupted", error);
    }
  }
}

class ProtocolError extends Error {}
