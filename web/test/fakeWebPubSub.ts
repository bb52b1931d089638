import type { Envelope } from "../src/chat/envelope";

type Handler = (event: any) => void;

/** The chat's side of the realtime link, as the platform answers a client event. */
export type Answer = (event: string, data: Record<string, unknown>) => Envelope[];

/**
 * Stands in for `@azure/web-pubsub-client`'s WebPubSubClient and the service behind it (outside the
 * browser), keeping the library's behaviour the ChatUI depends on: `start` asks for a client URL
 * (its error is thrown as is) and connects unless the service refuses the connection; a connection
 * the service closes is not recovered, and then, unless `autoReconnect: false`, the library starts
 * anew every second for ever (`_autoReconnect`), or else ends with `stopped`.
 */
export class FakeWebPubSubClient {
  static readonly instances: FakeWebPubSubClient[] = [];
  /** What the platform answers client events with; set by the test. */
  static answer: Answer = () => [];
  /** Whether the service's connect handler accepts a connection (the platform refuses a halted app's). */
  static accepts: () => boolean = () => true;

  private readonly handlers = new Map<string, Handler[]>();
  state: "stopped" | "connecting" | "connected" | "disconnected" = "stopped";

  constructor(
    private readonly credential: { getClientAccessUrl: () => Promise<string> },
    private readonly options: { autoReconnect?: boolean } = {},
  ) {
    FakeWebPubSubClient.instances.push(this);
  }

  on(event: string, handler: Handler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  async start(): Promise<void> {
    if (this.state !== "stopped") {
      throw new Error("Client can be only started when it's Stopped");
    }
    try {
      await this.connect();
    } catch (error) {
      this.state = "stopped";
      throw error;
    }
  }

  stop(): void {
    if (this.state === "connected") {
      this.state = "stopped";
      this.emit("disconnected", {});
      this.emit("stopped", {});
    }
  }

  async sendEvent(event: string, data: Record<string, unknown>): Promise<{ ackId: number }> {
    if (this.state !== "connected") {
      throw new Error("The connection is not connected.");
    }
    const reply = FakeWebPubSubClient.answer(event, data);
    if (reply.length > 0) {
      this.emit("server-message", { message: { dataType: "json", data: reply } });
    }
    return { ackId: 1 };
  }

  /** The service closes the connection, as the platform has it do for a suspended or deleted app. */
  serverClose(): void {
    this.state = "disconnected";
    this.emit("disconnected", {});
    if (this.options.autoReconnect === false) {
      this.state = "stopped";
      this.emit("stopped", {});
      return;
    }
    void (async () => {
      for (;;) {
        try {
          await this.connect();
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
  }

  private async connect(): Promise<void> {
    this.state = "connecting";
    await this.credential.getClientAccessUrl();
    if (!FakeWebPubSubClient.accepts()) {
      throw new Error("Failed to start WebSocket: 1006");
    }
    this.state = "connected";
    this.emit("connected", { connectionId: `conn-${FakeWebPubSubClient.instances.length}` });
  }

  private emit(event: string, data: unknown): void {
    (this.handlers.get(event) ?? []).forEach((handler) => handler(data));
  }
}
