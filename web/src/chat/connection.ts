import { WebPubSubClient } from "@azure/web-pubsub-client";
import { ApiError } from "../api";
import { envelopesOf, type Envelope } from "./envelope";

/** `closed`: refused or {@link ChatConnection.halt}ed; it stays so until {@link ChatConnection.start}. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

export interface ConnectionEvents {
  state(state: ConnectionState): void;
  /** Envelopes from the server: `live` ones to the chat's group, the others replies to this client. */
  envelopes(envelopes: Envelope[], live: boolean): void;
  /** The link is (again) usable: the caller resumes before anything else. */
  ready(): void;
  /** The chat cannot be connected to (not yours, the sign-in expired, its app suspended or deleted): no retry follows. */
  refused(error: ApiError): void;
}

/** Until a connection opens, tries again after 1, 2, 4, ... seconds, at most this long apart. */
const MAX_START_DELAY_MS = 30_000;

/**
 * One chat's Web PubSub connection (`@azure/web-pubsub-client`, reliable JSON subprotocol, against the
 * emulator locally and the service in Azure). The library recovers a dropped connection itself; when
 * it cannot (the service closed it, or it stayed down too long), {@link start} opens a new one, asking
 * for a client URL each time. The library's own reconnect loop is off: it retries every second for
 * ever, a refused chat included, so a 4xx for the URL would never reach {@link ConnectionEvents.refused}.
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
  /** Refused or halted: nothing reconnects until {@link start} is called again. */
  private halted = false;
  private starting: Promise<void> | undefined;
  /** Ends the wait before the next connection attempt (the browser is back online). */
  private wake: (() => void) | undefined;

  constructor(
    url: () => Promise<string>,
    private readonly on: ConnectionEvents,
  ) {
    this.client = new WebPubSubClient(
      { getClientAccessUrl: () => url() },
      // Ping every 15 s and give a silent link up after 45 s (the defaults wait 2 minutes), so the
      // connection state a user sees is not long wrong after a network drop.
      { autoReconnect: false, keepAliveIntervalInMs: 15_000, keepAliveTimeoutInMs: 45_000 },
    );
    this.client.on("connected", () => {
      this.set("connected");
      this.on.ready();
    });
    this.client.on("disconnected", () => this.set(navigator.onLine ? "reconnecting" : "offline"));
    // A connection the library could not recover: open a new one (unless it was ended on purpose).
    this.client.on("stopped", () => {
      if (!this.stopped && !this.halted) {
        void this.start();
      }
    });
    this.client.on("group-message", (event) => this.receive(event.message.data, true));
    this.client.on("server-message", (event) => this.receive(event.message.data, false));
    window.addEventListener("offline", this.wentOffline);
    window.addEventListener("online", this.cameOnline);
  }

  /** Connects, retrying until it does, the chat is refused, or {@link halt} / {@link stop}; one attempt loop at a time. */
  start(): Promise<void> {
    this.halted = false;
    this.starting ??= this.connect().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Ends the connection and does not reconnect until {@link start} (the chat's app refuses it for now). */
  halt(): void {
    this.halted = true;
    this.set("closed");
    this.client.stop();
  }

  private async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped && !this.halted; attempt++) {
      try {
        await this.client.start();
        return;
      } catch (error) {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          this.halt();
          this.on.refused(error);
          return;
        }
        this.set(navigator.onLine ? "reconnecting" : "offline");
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, Math.min(MAX_START_DELAY_MS, 1000 * 2 ** attempt));
        });
        this.wake = undefined;
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
    if (!this.stopped && (!this.halted || state === "closed") && state !== this.current) {
      this.current = state;
      this.on.state(state);
    }
  }

  private readonly wentOffline = () => this.set("offline");

  /**
   * Back online. A new connection waiting for its next attempt tries now. The library may recover
   * the old connection without telling (no "connected" event), so the caller resumes now: if that
   * gets through, the link is up and nothing was missed.
   */
  private readonly cameOnline = () => {
    if (this.halted) {
      return;
    }
    this.wake?.();
    this.set("reconnecting");
    this.on.ready();
  };
}
