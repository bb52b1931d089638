import { request, type SessionGrant } from "../api";

// Session grants carry a chat's Web PubSub client URL, which is short-lived. The screen that starts a
// chat hands its grant to the chat screen; any later connection (a reload, a reconnect after the URL
// expired) asks POST /api/sessions with the chat id for a fresh one.

/** A URL this close to its expiry is renewed first: the connection may take that long to open. */
const RENEW_MARGIN_MS = 30_000;

const handedOver = new Map<string, SessionGrant>();

export function handOver(grant: SessionGrant): void {
  handedOver.set(grant.chat_id, grant);
}

export class Grants {
  private current: SessionGrant | undefined;

  constructor(
    private readonly token: () => string,
    private readonly appId: string,
    private readonly workflowName: string,
    private readonly chatId: string,
  ) {
    this.current = handedOver.get(chatId);
    handedOver.delete(chatId);
  }

  /** A client URL for the chat that is good for at least a little while. */
  async url(): Promise<string> {
    if (!this.current || Date.parse(this.current.expires_at) - RENEW_MARGIN_MS < Date.now()) {
      this.current = await request<SessionGrant>("POST", "/api/sessions", {
        token: this.token(),
        body: { app_id: this.appId, workflow_name: this.workflowName, chat_id: this.chatId },
      });
    }
    return this.current.ws_url;
  }
}
