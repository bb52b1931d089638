// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Envelope } from "../src/chat/envelope";
import { handOver } from "../src/chat/grants";
import { chatScreen } from "../src/screens/chat";
import { fakeApi, problem, type Call } from "./fakeApi";
import { FakeWebPubSubClient } from "./fakeWebPubSub";

vi.mock("@azure/web-pubsub-client", async () => ({ WebPubSubClient: (await import("./fakeWebPubSub")).FakeWebPubSubClient }));

const ME = { user: "ana", token: "t0k", expires_at: Date.now() + 3_600_000 };

/** The platform as far as one chat sees it: its app's state, its log, and the client URLs it grants. */
class Platform {
  app: "active" | "app_suspended" | "app_deleted" = "active";
  readonly log: Envelope[] = [];
  calls: Call[] = [];

  constructor() {
    this.calls = fakeApi(({ method, path }) => {
      if (method === "GET" && path === "/api/apps/app_1/chats/chat_1") {
        return { status: 200, body: { chat_id: "chat_1", app_id: "app_1", workflow_name: "assistant", status: "awaiting_input" } };
      }
      if (method === "POST" && path === "/api/sessions") {
        return this.app === "active"
          ? { status: 201, body: { chat_id: "chat_1", status: "resumed", workflow_name: "assistant", ws_url: "wss://pubsub.test/client", runtime_token: "rt", expires_at: new Date(Date.now() + 3_600_000).toISOString() } }
          : problem(409, this.app, this.app === "app_suspended" ? "The app is suspended." : "The app is deleted.");
      }
      return problem(404, "not_found", "No such route.");
    });
    FakeWebPubSubClient.accepts = () => this.app === "active";
    FakeWebPubSubClient.answer = (event, data) => this.answer(event, data);
  }

  /** Client URLs asked for: each is a request the platform has to serve. */
  get grants(): number {
    return this.calls.filter((call) => call.method === "POST" && call.path === "/api/sessions").length;
  }

  private answer(event: string, data: Record<string, unknown>): Envelope[] {
    if (this.app !== "active") {
      return [{ type: "chat.input_error", data: { status: 409, code: this.app, detail: "The app's state does not allow it." } }];
    }
    if (event === "client.resume") {
      const after = this.log.filter((e) => e.seq! > Number(data.last_seq));
      return [...after, { type: "chat.resume_boundary", data: { chat_status: "awaiting_input", replayed: after.length, last_seq: this.log.length, more: false } }];
    }
    if (event === "user.input.submit") {
      const recorded = { type: "chat.text", seq: this.log.length + 1, data: { agent: "user", content: data.text, client_message_id: data.client_message_id } };
      this.log.push(recorded);
      return [{ type: "chat.input_result", data: { accepted: true, seq: recorded.seq, status: "running" } }, recorded];
    }
    throw new Error(`unexpected ${event}`);
  }
}

function client(): FakeWebPubSubClient {
  expect(FakeWebPubSubClient.instances).toHaveLength(1);
  return FakeWebPubSubClient.instances[0];
}

describe("the chat screen when the chat's app is suspended or deleted", () => {
  let platform: Platform;
  let root: HTMLElement;
  let teardown: () => void;
  const banner = () => root.querySelector<HTMLElement>("[role=alert]")!;
  const tryAgain = () => [...root.querySelectorAll("button")].find((button) => button.textContent === "Try again")!;
  const composer = () => root.querySelector<HTMLTextAreaElement>("#message")!;
  const connection = () => root.querySelector<HTMLElement>(".connection")!.textContent;

  beforeEach(async () => {
    vi.useFakeTimers();
    localStorage.clear();
    FakeWebPubSubClient.instances.length = 0;
    platform = new Platform();
    root = document.createElement("main");
    document.body.append(root);
    teardown = chatScreen(root, ME, "app_1", "chat_1");
    await vi.advanceTimersByTimeAsync(10);
    expect(connection()).toBe("Connected");
    expect(composer().disabled).toBe(false);
    expect(banner().hidden).toBe(true);
  });

  afterEach(() => {
    teardown();
    root.remove();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("stops reconnecting when the platform closes the connection and refuses the reconnect, and tries again once on request", async () => {
    expect(platform.grants).toBe(1);
    platform.app = "app_suspended";
    client().serverClose();
    await vi.advanceTimersByTimeAsync(120_000);

    // One refused request for a new client URL, then nothing: no loop against the platform.
    expect(platform.grants).toBe(2);
    expect(banner().hidden).toBe(false);
    expect(banner().textContent).toContain("This app is suspended — the conversation will continue once it is lifted.");
    expect(composer().disabled).toBe(true);
    expect(connection()).toBe("Not connected");

    tryAgain().click();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(platform.grants).toBe(3);
    expect(banner().hidden).toBe(false);
    expect(tryAgain().disabled).toBe(false);

    platform.app = "active";
    tryAgain().click();
    await vi.advanceTimersByTimeAsync(10);
    expect(platform.grants).toBe(4);
    expect(connection()).toBe("Connected");
    expect(banner().hidden).toBe(true);
    expect(composer().disabled).toBe(false);
  });

  it("keeps a message the suspended app refused and sends it once the suspension is lifted", async () => {
    platform.app = "app_suspended";
    composer().value = "are you there?";
    root.querySelector<HTMLFormElement>("form.composer")!.requestSubmit();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(banner().hidden).toBe(false);
    expect(composer().disabled).toBe(true);
    // The refusal ended the connection; nothing reconnects by itself.
    expect(client().state).toBe("stopped");
    expect(platform.grants).toBe(1);
    expect(platform.log).toEqual([]);

    platform.app = "active";
    tryAgain().click();
    await vi.advanceTimersByTimeAsync(10);
    expect(platform.log.map((event) => event.data.content)).toEqual(["are you there?"]);
    expect(banner().hidden).toBe(true);
  });

  it("says a deleted app's chat cannot continue, without a Try again", async () => {
    platform.app = "app_deleted";
    client().serverClose();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(platform.grants).toBe(2);
    expect(banner().textContent).toContain("This app was deleted.");
    expect(tryAgain().hidden).toBe(true);
    expect(composer().disabled).toBe(true);
    expect(root.querySelector<HTMLButtonElement>("form.composer button[type=submit]")!.disabled).toBe(true);
  });
});

describe("the chat screen after an outage", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("reconnects as soon as the browser is back online, not after the back-off", async () => {
    vi.useFakeTimers();
    localStorage.clear();
    FakeWebPubSubClient.instances.length = 0;
    new Platform();
    const root = document.createElement("main");
    const teardown = chatScreen(root, ME, "app_1", "chat_1");
    await vi.advanceTimersByTimeAsync(10);
    FakeWebPubSubClient.accepts = () => false;
    client().serverClose();
    // Long enough for the wait between attempts to reach its 30 s cap.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(root.querySelector(".connection")!.textContent).not.toBe("Connected");
    FakeWebPubSubClient.accepts = () => true;
    window.dispatchEvent(new Event("online"));
    await vi.advanceTimersByTimeAsync(10);
    expect(root.querySelector(".connection")!.textContent).toBe("Connected");
    teardown();
  });
});

describe("opening a chat of a suspended app", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("does not reuse a client URL the service refused: it asks the platform, which says why", async () => {
    vi.useFakeTimers();
    localStorage.clear();
    FakeWebPubSubClient.instances.length = 0;
    const platform = new Platform();
    platform.app = "app_suspended";
    // The grant the app screen got just before the suspension.
    handOver({ chat_id: "chat_1", status: "created", workflow_name: "assistant", ws_url: "wss://pubsub.test/client", runtime_token: "rt", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    const root = document.createElement("main");
    const teardown = chatScreen(root, ME, "app_1", "chat_1");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(platform.grants).toBe(1);
    expect(root.querySelector("[role=alert]")!.textContent).toContain("This app is suspended");
    expect(root.querySelector<HTMLTextAreaElement>("#message")!.disabled).toBe(true);
    teardown();
  });
});
