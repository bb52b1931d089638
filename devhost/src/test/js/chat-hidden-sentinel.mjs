// A chat over Web PubSub as the ChatUI holds it (@azure/web-pubsub-client, the client URL from POST /api/sessions),
// recording every live chat.text_delta that reaches the browser while interview_research_summary runs to its end:
// the Interviewer's second reply is the ui_hidden sentinel READY_FOR_RESEARCH.
// Usage: node chat-hidden-sentinel.mjs '{"base": "http://127.0.0.1:port", "userToken": "...", "appId": "..."}'
// Prints one JSON line; exits 1 on any failure.
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { api, reporter, waiter } from "./support.mjs";

const config = JSON.parse(process.argv[2]);
const finish = reporter(120_000);
const wait = waiter(60_000);

const call = api(config.base);

const events = new Map();
const deltas = [];
const answers = [];
function take(envelopes) {
  for (const envelope of Array.isArray(envelopes) ? envelopes : []) {
    if (envelope.type === "chat.text_delta") deltas.push(envelope.data);
    else if (typeof envelope.seq === "number") events.set(envelope.seq, envelope);
    else answers.push(envelope);
  }
  wait.notify();
}
const transcript = () => [...events.values()].sort((a, b) => a.seq - b.seq);
const has = (type) => transcript().some((e) => e.type === type);

async function run() {
  const session = await call("POST", "/api/sessions", config.userToken, { app_id: config.appId, workflow_name: "interview_research_summary" });
  const client = new WebPubSubClient({ getClientAccessUrl: async () => session.ws_url });
  client.on("group-message", (e) => take(e.message.data));
  client.on("server-message", (e) => take(e.message.data));
  client.on("connected", () => {
    client.sendEvent("client.resume", { last_seq: 0 }, "json").catch((error) => finish({ ok: false, error: `resume failed: ${error}` }));
  });
  await client.start();
  await wait.until("the interviewer's question", () => has("chat.input_request"));

  await client.sendEvent("user.input.submit", { client_message_id: "m-1", text: "How do tides work? A short overview." }, "json");
  await wait.until("the run to complete", () => has("chat.run_complete"));
  client.stop();
  finish({
    ok: true,
    chatId: session.chat_id,
    deltas,
    texts: transcript().filter((e) => e.type === "chat.text").map((e) => ({ agent: e.data.agent, content: e.data.content, hidden: !!e.data.hidden })),
  });
}

run().catch((error) => finish({ ok: false, error: String(error && error.stack ? error.stack : error) }));
