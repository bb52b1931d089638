// The realtime wire format. Every message from the server, live (group) or a reply (server message),
// is a JSON array of envelopes. Persisted events carry the chat's `seq` (1, 2, 3, ...); live-only
// ones (`chat.text_delta`) and replies to the client's own events do not.

export interface Envelope {
  type: string;
  data: Record<string, unknown>;
  seq?: number;
  timestamp?: string;
}

/** A persisted event: one with its place in the chat's log. */
export interface ChatEvent extends Envelope {
  seq: number;
}

/** Statuses after which the chat takes no more input. */
export const FINISHED: ReadonlySet<string> = new Set(["completed", "max_turns_reached", "failed", "cancelled"]);

export function isChatEvent(envelope: Envelope): envelope is ChatEvent {
  return typeof envelope.seq === "number" && Number.isInteger(envelope.seq) && envelope.seq > 0;
}

/**
 * The envelopes of one Web PubSub message. The client library hands JSON messages over parsed; text
 * is parsed here. Anything that is not an array of `{type, data}` objects is refused rather than
 * half-applied.
 */
export function envelopesOf(payload: unknown): Envelope[] {
  const value = typeof payload === "string" ? JSON.parse(payload) : payload;
  if (!Array.isArray(value)) {
    throw new Error("a realtime message must be a JSON array of envelopes");
  }
  return value.map((item) => {
    if (typeof item !== "object" || item === null || typeof item.type !== "string") {
      throw new Error("an envelope needs a string type");
    }
    const data = typeof item.data === "object" && item.data !== null ? item.data : {};
    return { ...item, data } as Envelope;
  });
}

export function text(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  return typeof value === "string" ? value : value == null ? "" : String(value);
}
