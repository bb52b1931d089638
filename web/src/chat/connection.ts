import { WebPubSubClient } from "@azure/web-pubsub-client";
import { ApiError } from "../api";
import { envelopesOf, type Envelope } from "./envelope";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

export interface ConnectionEvents {
  state(state: ConnectionState): void;
  /** Envelopes from the server: `live` ones to the chat's group, the others replies to this client. */
  envelopes(envelopes: Envelope[], live: boolean): void;
  /** The link is (again) usable: the caller resumes before anything else. */
  ready(): void;
  /** The chat cannot be connected to at all (not yours, or the sign-in expired). */
  refused(error: ApiError): void;
}

/** Until the first connection, tries again after 1, 2, 4, ... seconds, at most this long apart. */
const MAX_START_DELAY_MS = 30_000;

/**
 * One chat's Web PubSub connection (`@azure/web-pubsub-client`, reliable JSON subprotocol, against the
 * emulator locally and the service in Azure). The library recovers a dropped connection itself and
 * reconnects when it cannot, asking for a client URL each time, so an expired one is renewed.
 *
 * The platform answers a client event with a server message sent before the event's ack, so
 * {@link request} sends one event at a time and hands back the envelopes that arrived until its ack.
 */
export class ChatConnection {
  private readonly client: WebPubSubClient;
  private current: ConnectionState = "connecting";
  private queue: Promise<unknown> = Promise.resolve();
  private reply: Envelope[] | undefined;
  private stopped = false;

  constructor(
    url: () => Promise<string>,
    private readonly on: ConnectionEvents,
  ) {
    this.client = new WebPubSubClient(
      { getClientAccessUrl: () => url() },
      // Ping every 15 s and give a silent link up after 45 s (the defaults wait 2 minutes), so the
      // connection state a user sees is not long wrong after a network drop.
      { keepAliveIntervalInMs: 15_000, keepAliveTimeoutInMs: 45_000 },
    );
    this.client.on("connected", () => {
      this.set("connected");
      this.on.ready();
    });
    this.client.on("disconnected", () => this.set(navigator.onLine ? "reconnecting" : "offline"));
    this.client.on("stopped", () => this.set("offline"));
    this.client.on("group-message", (event) => this.receive(event.message.data, true));
    this.client.on("server-message", (event) => this.receive(event.message.data, false));
    window.addEventListener("offline", this.wentOffline);
    window.addEventListener("online", this.cameOnline);
  }

  /** Connects, retrying until it does, the chat is refused, or {@link stop}. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.client.start();
        return;
      } catch (error) {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          this.on.refused(error);
          return;
        }
        this.set(navigator.onLine ? "reconnecting" : "offline");
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_START_DELAY_MS, 1000 * 2 ** attempt)));
      }
    }
  }

  /**
   * Sends a client event (`user.input.submit`, `client.resume`, ...) once the ones before it are
   * acked, and resolves with the reply: the server's envelopes that arrived before the ack.
   */
  request(event: string, data: Record<string, unknown>): Promise<Envelope[]> {
    const send = async () => {
      const reply: Envelope[] = [];
      this.reply = reply;
      try {
        await this.client.sendEvent(event, data, "json");
        this.alive();
        return reply;
      } finally {
        this.reply = undefined;
      }
    };
    const result = this.queue.then(send, send);
    this.queue = result.catch(() => undefined);
    return result;
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("offline", this.wentOffline);
    window.removeEventListener("online", this.cameOnline);
    this.client.stop();
  }

  private receive(payload: unknown, live: boolean): void {
    let envelopes: Envelope[];
    try {
      envelopes = envelopesOf(payload);
    } catch (error) {
      console.warn("ChatUI: ignored a malformed realtime message", error);
      return;
    }
    this.alive();
    if (!live) {
      this.reply?.push(...envelopes);
    }
    this.on.envelopes(envelopes, live);
  }

  /** Something came through: a connection the library recovered silently is usable again. */
  private alive(): void {
    if (this.current === "reconnecting" || this.current === "offline") {
      this.set("connected");
    }
  }

  private set(state: ConnectionState): void {
    if (!this.stopped && state !== this.current) {
      this.current = state;
      this.on.state(state);
    }
  }

  private readonly wentOffline = () => this.set("offline");

  /**
   * Back online. The library may recover the old connection without telling (no "connected" event),
   * so the caller resumes now: if that gets through, the link is up and nothing was missed.
   */
  private readonly cameOnline = () => {
    this.set("reconnecting");
    this.on.ready();
  };
}
