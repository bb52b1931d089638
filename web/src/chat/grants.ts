import { request, type SessionGrant } from "../api";

// Session grants carry a chat's Web PubSub client URL, which is short-lived. The screen that starts a
// chat hands its grant to the chat screen for its first connection; every later one (a reload, a
// reconnect after the service closed the connection) asks POST /api/sessions with the chat id for a
// fresh one. That request is where the platform says why a chat cannot be connected to (409
// `app_suspended` / `app_deleted`); the service would refuse an old URL's connection without a reason.

/** A URL this close to its expiry is renewed first: the connection may take that long to open. */
const RENEW_MARGIN_MS = 30_000;

const handedOver = new Map<string, SessionGrant>();

export function handOver(grant: SessionGrant): void {
  handedOver.set(grant.chat_id, grant);
}

export class Grants {
  private handedOver: SessionGrant | undefined;

  constructor(
    private readonly token: () => string,
    private readonly appId: string,
    private readonly workflowName: string,
    private readonly chatId: string,
  ) {
    this.handedOver = handedOver.get(chatId);
    handedOver.delete(chatId);
  }

  /** A client URL for a new connection to the chat, good for at least a little while. */
  async url(): Promise<string> {
    const grant = this.handedOver;
    this.handedOver = undefined;
    if (grant && Date.parse(grant.expires_at) - RENEW_MARGIN_MS >= Date.now()) {
      return grant.ws_url;
    }
    const fresh = await request<SessionGrant>("POST", "/api/sessions", {
      token: this.token(),
      body: { app_id: this.appId, workflow_name: this.workflowName, chat_id: this.chatId },
    });
    return fresh.ws_url;
  }
}
