// A chat over Web PubSub end to end, as a browser would hold it: @azure/web-pubsub-client with client URLs
// from POST /api/sessions, user events for input, resume by seq. The socket goes through a TCP proxy that
// this script cuts for longer than the service's recovery window while the chat goes on without it.
// Usage: node chat-realtime.mjs '{"base": "http://127.0.0.1:port", "userToken": "...", "appId": "...", "awayMs": 4500}'
// Prints one JSON line; exits 1 on any failure.
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { api, reporter, startProxy, waiter } from "./support.mjs";

const config = JSON.parse(process.argv[2]);
const finish = reporter(120_000);
const wait = waiter(30_000);

const call = api(config.base);

const session = (chatId) =>
  call("POST", "/api/sessions", config.userToken, { app_id: config.appId, workflow_name: "assistant", ...(chatId ? { chat_id: chatId } : {}) });

/** The client's view of the chat: stored events by seq, live deltas, and the answers to its own events. */
const events = new Map();
const deltas = [];
const answers = [];
let overlaps = 0;
function take(envelopes) {
  for (const envelope of Array.isArray(envelopes) ? envelopes : []) {
    if (typeof envelope.seq !== "number") {
      (envelope.type === "chat.text_delta" ? deltas : answers).push(envelope);
    } else if (events.has(envelope.seq)) {
      overlaps++; // a live event the resume also returned: the seq tells it apart
    } else {
      events.set(envelope.seq, envelope);
    }
  }
  wait.notify();
}
function contiguous() {
  let seq = 0;
  while (events.has(seq + 1)) seq++;
  return seq;
}
const transcript = () => [...events.values()].sort((a, b) => a.seq - b.seq);
const answered = (messageId) => {
  const ordered = transcript();
  const asked = ordered.findIndex((e) => e.type === "chat.text" && e.data.agent === "user" && e.data.client_message_id === messageId);
  return asked >= 0 && ordered.slice(asked + 1).some((e) => e.type === "chat.text" && e.data.agent === "Assistant");
};

async function run() {
  const first = await session();
  const proxy = await startProxy({ hostname: "127.0.0.1", port: new URL(first.ws_url).port });
  let urls = 0;
  const connections = [];
  const client = new WebPubSubClient(
    { getClientAccessUrl: async () => proxy.via((urls++ === 0 ? first : await session(first.chat_id)).ws_url) },
    { reconnectRetryOptions: { retryDelayInMs: 250, maxRetries: 200 } },
  );
  client.on("group-message", (e) => take(e.message.data));
  client.on("server-message", (e) => take(e.message.data));
  client.on("connected", (e) => {
    connections.push(e.connectionId);
    // On every (re)connect: everything after the last seq held, page by page.
    (async () => {
      for (;;) {
        await client.sendEvent("client.resume", { last_seq: contiguous() }, "json");
        const boundary = answers.filter((a) => a.type === "chat.resume_boundary").at(-1);
        if (!boundary || !boundary.data.more) break;
      }
      wait.notify();
    })().catch((error) => finish({ ok: false, error: `resume failed: ${error}` }));
  });

  await client.start();
  await wait.until("chat_meta and the first input request", () =>
    answers.some((a) => a.type === "chat_meta") && transcript().some((e) => e.type === "chat.input_request"));

  await client.sendEvent("user.input.submit", { client_message_id: "m-1", text: "Hello over Web PubSub" }, "json");
  const accepted = answers.find((a) => a.type === "chat.input_result");
  if (!accepted || !accepted.data.accepted) throw new Error(`message not accepted: ${JSON.stringify(answers)}`);
  await wait.until("the assistant's live answer to m-1", () => answered("m-1"));
  const liveDeltas = deltas.length;

  // Away for longer than the recovery window; the chat goes on over HTTP meanwhile.
  proxy.cut();
  await call("POST", `/api/chats/${first.chat_id}/messages`, first.runtime_token, { client_message_id: "m-2", text: "Sent while away" });
  for (let i = 0; i < 100; i++) {
    const page = await call("GET", `/api/chats/${first.chat_id}/events?after_seq=0&limit=500`, first.runtime_token);
    if (page.items.filter((e) => e.type === "chat.input_request").length >= 3) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, config.awayMs));
  proxy.resume();

  await wait.until("a new connection and the answer to m-2", () => connections.length >= 2 && answered("m-2"));
  const stored = await call("GET", `/api/chats/${first.chat_id}/events?after_seq=0&limit=500`, first.runtime_token);
  await wait.until("every stored event", () => contiguous() >= stored.items.at(-1).seq);
  client.stop();
  proxy.close();
  finish({
    ok: true,
    chatId: first.chat_id,
    seqs: transcript().map((e) => e.seq),
    storedSeqs: stored.items.map((e) => e.seq),
    types: transcript().map((e) => e.type),
    agents: transcript().filter((e) => e.type === "chat.text").map((e) => e.data.agent),
    connections: connections.length,
    urls,
    liveDeltas,
    overlaps,
  });
}

run().catch((error) => finish({ ok: false, error: String(error && error.stack ? error.stack : error) }));
