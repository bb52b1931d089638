/** A message the user sent that the chat's log does not show yet; resent (idempotently) until it does. */
export interface OutgoingMessage {
  client_message_id: string;
  text: string;
}

/** What the browser remembers of one chat across reloads. */
export interface ChatRecord {
  chat_id: string;
  app_id: string;
  workflow_name: string;
  /** The highest contiguous seq the user has seen. */
  last_seq: number;
  outbox: OutgoingMessage[];
}

const PREFIX = "mozaiks.chat.";

/**
 * Per-chat records in localStorage. A reload rebuilds the transcript from the server, so what is kept
 * here is only what the server cannot know: which chat this was, how far the user had read, and the
 * messages they sent that may not have reached it.
 */
export class ChatStore {
  constructor(private readonly storage: Storage) {}

  get(chatId: string): ChatRecord | undefined {
    const raw = this.storage.getItem(PREFIX + chatId);
    if (raw === null) {
      return undefined;
    }
    try {
      const record = JSON.parse(raw) as ChatRecord;
      return record.chat_id === chatId && Array.isArray(record.outbox) ? record : undefined;
    } catch {
      // A record this version cannot read is as good as none: the server has the transcript.
      return undefined;
    }
  }

  /** The chat's record, created when the browser has none yet. */
  open(chatId: string, appId: string, workflowName: string): ChatRecord {
    const existing = this.get(chatId);
    if (existing) {
      return existing;
    }
    const record: ChatRecord = { chat_id: chatId, app_id: appId, workflow_name: workflowName, last_seq: 0, outbox: [] };
    this.put(record);
    return record;
  }

  put(record: ChatRecord): void {
    this.storage.setItem(PREFIX + record.chat_id, JSON.stringify(record));
  }

  seen(chatId: string, lastSeq: number): void {
    this.update(chatId, (record) => {
      record.last_seq = Math.max(record.last_seq, lastSeq);
    });
  }

  enqueue(chatId: string, message: OutgoingMessage): void {
    this.update(chatId, (record) => {
      if (!record.outbox.some((m) => m.client_message_id === message.client_message_id)) {
        record.outbox.push(message);
      }
    });
  }

  /** Forgets an outgoing message: the log shows it, or the server refused it. */
  settle(chatId: string, clientMessageId: string): void {
    this.update(chatId, (record) => {
      record.outbox = record.outbox.filter((m) => m.client_message_id !== clientMessageId);
    });
  }

  private update(chatId: string, change: (record: ChatRecord) => void): void {
    const record = this.get(chatId);
    if (record) {
      change(record);
      this.put(record);
    }
  }
}
