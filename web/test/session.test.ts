import { beforeEach, describe, expect, it } from "vitest";
import { ChatStore, type OutgoingMessage } from "../src/chat/chatStore";
import type { ChatEvent, Envelope } from "../src/chat/envelope";
import { ChatSession, type AppState, type Link, type SessionView } from "../src/chat/session";
import { MemoryStorage } from "./memoryStorage";

const CHAT = "chat-1";

/**
 * The chat's side of the contract, as the platform keeps it: a log of events by seq, where a seq may
 * hold none (a tombstone), a resume reply of at most `page` events after last_seq framed by chat_meta
 * and chat.resume_boundary, whose last_seq says how far the log is accounted for,
 * and user input recorded as a chat.text that carries its client_message_id. As over Web PubSub, a
 * reply reaches the session as received server messages before the request resolves with it.
 * `down` makes every request fail as a dropped connection does.
 */
class ChatLink implements Link {
  readonly log: ChatEvent[] = [];
  /** The highest seq reserved: seqs up to it that hold no event in the log are tombstones. */
  private reserved = 0;
  readonly requests: [string, Record<string, unknown>][] = [];
  down = false;
  page = 500;
  refuse: string | undefined;
  /** Set when the chat's app is suspended or deleted: every client event is then refused with 409 naming it. */
  appState: "app_suspended" | "app_deleted" | undefined;
  deliver: (reply: Envelope[]) => void = () => {};

  append(type: string, data: Record<string, unknown>): ChatEvent {
    const event = { type, data, seq: ++this.reserved };
    this.log.push(event);
    return event;
  }

  /** A seq the log gives up (an append reserved it and did not use it). */
  tombstone(): void {
    this.reserved++;
  }

  async request(event: string, data: Record<string, unknown>): Promise<Envelope[]> {
    const reply = this.answer(event, data);
    this.deliver(reply);
    return reply;
  }

  private answer(event: string, data: Record<string, unknown>): Envelope[] {
    this.requests.push([event, data]);
    if (this.down) {
      throw new Error("Connection is disconnected before receive ack from the service");
    }
    if (this.appState) {
      return [{ type: "chat.input_error", data: { status: 409, code: this.appState, detail: `The app is ${this.appState.slice(4)}.` } }];
    }
    if (event === "client.resume") {
      const after = this.log.filter((e) => e.seq > Number(data.last_seq));
      const replayed = after.slice(0, this.page);
      const more = after.length > replayed.length;
      const last = more ? replayed[replayed.length - 1].seq : Math.max(this.reserved, Number(data.last_seq));
      return [
        { type: "chat_meta", data: { chat_id: CHAT, status: "awaiting_input", last_seq: this.reserved } },
        ...replayed,
        { type: "chat.resume_boundary", data: { chat_id: CHAT, chat_status: "awaiting_input", replayed: replayed.length, last_seq: last, more } },
      ];
    }
    if (event === "user.input.submit") {
      if (this.refuse) {
        return [{ type: "chat.input_error", data: { status: 409, code: "chat_completed", detail: this.refuse } }];
      }
      const known = this.log.find((e) => e.data.client_message_id === data.client_message_id);
      const recorded = known ?? this.append("chat.text", { agent: "user", content: data.text, client_message_id: data.client_message_id });
      return [{ type: "chat.input_result", data: { accepted: true, seq: recorded.seq, status: "running" } }];
    }
    throw new Error(`unexpected ${event}`);
  }
}

class RecordingView implements SessionView {
  readonly applied: number[] = [];
  readonly deltas: string[] = [];
  readonly statuses: string[] = [];
  readonly refusals: string[] = [];
  readonly problems: string[] = [];
  readonly appStates: AppState[] = [];
  rebuilds = 0;

  apply(event: ChatEvent): void {
    this.applied.push(event.seq);
  }
  delta(agent: string, content: string): void {
    this.deltas.push(`${agent}:${content}`);
  }
  resetStream(): void {
    this.deltas.push("reset");
  }
  notice(message: string): void {
    this.deltas.push(`notice:${message}`);
  }
  status(status: string): void {
    this.statuses.push(status);
  }
  rebuilt(): void {
    this.rebuilds++;
  }
  refused(message: OutgoingMessage, detail: string): void {
    this.refusals.push(`${message.text}: ${detail}`);
  }
  problem(message: string): void {
    this.problems.push(message);
  }
  unavailable(state: AppState): void {
    this.appStates.push(state);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("ChatSession", () => {
  let link: ChatLink;
  let view: RecordingView;
  let store: ChatStore;
  let session: ChatSession;

  beforeEach(() => {
    link = new ChatLink();
    view = new RecordingView();
    store = new ChatStore(new MemoryStorage());
    store.open(CHAT, "app-1", "assistant");
    session = connect();
  });

  function connect(): ChatSession {
    const opened = new ChatSession(CHAT, link, store, view);
    link.deliver = (reply) => opened.receive(reply, false);
    return opened;
  }

  it("rebuilds the transcript from the resume reply, page after page, each event once", async () => {
    range(7).forEach((i) => link.append("chat.text", { agent: "Assistant", content: `#${i}` }));
    link.page = 3;
    await session.ready();
    expect(view.applied).toEqual(range(7));
    expect(link.requests.map(([, data]) => data.last_seq)).toEqual([0, 3, 6]);
    expect(view.rebuilds).toBe(1);
    expect(store.get(CHAT)?.last_seq).toBe(7);
  });

  it("resumes from the last contiguous seq when a live event skips ahead", async () => {
    link.append("chat.run_start", {});
    await session.ready();
    link.append("chat.select_speaker", { agent: "Assistant" });
    const third = link.append("chat.text", { agent: "Assistant", content: "hi" });
    session.receive([third], true);
    await until(() => view.applied.length === 3);
    expect(view.applied).toEqual([1, 2, 3]);
    expect(link.requests.map(([event, data]) => `${event}@${data.last_seq}`)).toEqual(["client.resume@0", "client.resume@1"]);
    // The same events again, live, change nothing.
    session.receive(link.log, true);
    expect(view.applied).toEqual([1, 2, 3]);
  });

  it("steps over a seq the log gave up once a resume accounts for it", async () => {
    link.append("chat.run_start", {});
    await session.ready();
    link.tombstone();
    const third = link.append("chat.input_ack", { client_message_id: "m1" });
    session.receive([third], true);
    await until(() => view.applied.length === 2);
    expect(view.applied).toEqual([1, 3]);
    expect(view.problems).toEqual([]);
    const fourth = link.append("chat.input_request", { agent: "user" });
    session.receive([fourth], true);
    expect(view.applied).toEqual([1, 3, 4]);
  });

  it("streams deltas only once the transcript is there", async () => {
    session.receive([{ type: "chat.text_delta", data: { agent: "Assistant", content: "early" } }], true);
    await session.ready();
    session.receive([{ type: "chat.text_delta", data: { agent: "Assistant", content: "Hel" } }], true);
    expect(view.deltas).toEqual(["Assistant:Hel"]);
  });

  it("drops a void attempt's streamed text and shows a retry sent live only", async () => {
    await session.ready();
    session.receive([{ type: "chat.text_delta", data: { agent: "Assistant", content: "Hel" } }], true);
    session.receive([{ type: "chat.retrying", data: { step_seq: 2, attempt: 1, retry_at: "2026-03-01T10:00:05Z", reason: "database_unavailable" } }], true);
    session.receive([{ type: "chat.text_reset", data: { step_seq: 2, reason: "retry" } }], true);
    session.receive([{ type: "chat.text_delta", data: { agent: "Assistant", content: "Hello" } }], true);
    expect(view.deltas[0]).toBe("Assistant:Hel");
    expect(view.deltas[1]).toBe("reset");
    expect(view.deltas[2]).toMatch(/^notice:The database is unavailable; retrying at .+ \(attempt 1\)\.$/);
    expect(view.deltas.slice(3)).toEqual(["reset", "Assistant:Hello"]);
  });

  it("keeps a message that could not be sent and sends it once after the next connect", async () => {
    link.down = true;
    const message = session.send("hello");
    await until(() => link.requests.length === 1);
    expect(store.get(CHAT)?.outbox).toEqual([message]);

    // A reload: a new session on the same storage, connected again.
    link.down = false;
    const again = connect();
    await again.ready();
    expect(link.log.filter((e) => e.data.client_message_id === message.client_message_id)).toHaveLength(1);
    // The recorded text arrives live and settles the outbox.
    again.receive([link.log[link.log.length - 1]], true);
    expect(store.get(CHAT)?.outbox).toEqual([]);
    // Connected once more: nothing is left to send.
    await again.ready();
    expect(link.requests.filter(([event]) => event === "user.input.submit")).toHaveLength(2);
  });

  it("shows a chat queued for a run slot as queued, and as running once it runs", async () => {
    link.append("chat.input_request", { agent: "user", reason: "user_turn" });
    await session.ready();
    const taken = [link.append("chat.text", { agent: "user", content: "hi", client_message_id: "m-1" }),
      link.append("chat.input_ack", { client_message_id: "m-1", queued: true })];
    session.receive(taken, true);
    expect(view.statuses.at(-1)).toBe("queued");
    session.receive([{ type: "chat.text_delta", data: { agent: "Assistant", content: "Hel" } }], true);
    expect(view.statuses.at(-1)).toBe("running");
    session.receive([link.append("chat.select_speaker", { agent: "Assistant" })], true);
    expect(view.statuses.at(-1)).toBe("running");
  });

  it("keeps the status of the newest event over a report read before it", async () => {
    link.append("chat.run_start", {});
    link.append("chat.input_request", { agent: "user", reason: "user_turn" });
    await session.ready();
    expect(view.statuses.at(-1)).toBe("awaiting_input");
    const reply = [link.append("chat.text", { agent: "user", content: "hi" }), link.append("chat.text", { agent: "Assistant", content: "hello" }),
      link.append("chat.input_request", { agent: "Assistant", reason: "user_turn" })];
    session.receive(reply, true);
    expect(view.statuses.at(-1)).toBe("awaiting_input");
    // A resume reply read while the turn still ran, delivered after the turn's events.
    session.receive([{ type: "chat.resume_boundary", data: { chat_status: "running", last_seq: 3, more: false } }], false);
    expect(view.statuses.at(-1)).toBe("awaiting_input");
  });

  it("waits for its sub-workflows from the batch until the resume", async () => {
    link.append("chat.run_start", {});
    await session.ready();
    session.receive([link.append("chat.workflow_batch_started", { count: 2, workflows: [] })], true);
    expect(view.statuses.at(-1)).toBe("awaiting_children");
    session.receive([link.append("chat.workflow_child_completed", { status: "completed", completed_count: 1, total: 2 })], true);
    expect(view.statuses.at(-1)).toBe("awaiting_children");
    session.receive([link.append("chat.workflow_resumed", { succeeded_count: 2, failed_count: 0 })], true);
    expect(view.statuses.at(-1)).toBe("running");
  });

  it("shows a refused message as refused and forgets it", async () => {
    await session.ready();
    link.refuse = "The chat is completed.";
    session.send("too late");
    await until(() => view.refusals.length === 1);
    expect(view.refusals).toEqual(["too late: The chat is completed."]);
    expect(store.get(CHAT)?.outbox).toEqual([]);
  });

  it("keeps a message refused for a suspended app and sends it once, after the suspension is lifted", async () => {
    await session.ready();
    link.appState = "app_suspended";
    const message = session.send("still there?");
    await until(() => view.appStates.length === 1);
    expect(view.appStates).toEqual(["suspended"]);
    expect(view.refusals).toEqual([]);
    expect(store.get(CHAT)?.outbox).toEqual([message]);

    // Lifted: the next connect resumes and sends it.
    link.appState = undefined;
    await session.ready();
    expect(link.log.filter((e) => e.data.client_message_id === message.client_message_id)).toHaveLength(1);
    expect(view.problems).toEqual([]);
  });

  it("reports a resume refused for a deleted app as the app's state, not as a fault, and sends nothing", async () => {
    link.appState = "app_deleted";
    const message = session.send("hello");
    await until(() => view.appStates.length === 1);
    await session.ready();
    expect(view.appStates).toEqual(["deleted", "deleted"]);
    expect(view.problems).toEqual([]);
    expect(view.rebuilds).toBe(0);
    expect(link.requests.map(([event]) => event)).toEqual(["user.input.submit", "client.resume"]);
    expect(store.get(CHAT)?.outbox).toEqual([message]);
  });

  it("answers a UI tool refused for a suspended app with the platform's reason", async () => {
    await session.ready();
    link.appState = "app_suspended";
    expect(await session.answer("call-1", { selection: "yes" })).toBe("The app is suspended.");
    expect(view.appStates).toEqual(["suspended"]);
  });
});

/** Waits for the session's background work (a resume it started itself) without a fixed sleep. */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error("condition not met in time");
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
