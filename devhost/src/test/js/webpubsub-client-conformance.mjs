// The real @azure/web-pubsub-client against the devhost's Web PubSub emulator.
// Usage: node webpubsub-client-conformance.mjs '{"subscriberUrl": "...", "publisherUrl": "..."}'
// The subscriber may join group A (not B) and reaches the emulator through a TCP proxy this script
// can cut; the publisher may send to group A. Prints one JSON line; exits 1 on any failure.
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { reporter, startProxy, waiter } from "./support.mjs";

const config = JSON.parse(process.argv[2]);
const finish = reporter(45_000);
const STEP_MS = 15_000;

async function run() {
  const emulatorUrl = new URL(config.subscriberUrl);
  const proxy = await startProxy({ hostname: "127.0.0.1", port: emulatorUrl.port });

  const noRetries = { messageRetryOptions: { maxRetries: 0 } };
  const subscriber = new WebPubSubClient(proxy.via(config.subscriberUrl), noRetries);
  const publisher = new WebPubSubClient(config.publisherUrl, noRetries);
  const events = [];
  const groupMessages = [];
  const serverMessages = [];
  const connections = [];
  const wait = waiter(STEP_MS);
  subscriber.on("connected", (e) => {
    connections.push(e.connectionId);
    events.push("connected");
    wait.notify();
  });
  subscriber.on("disconnected", () => events.push("disconnected"));
  subscriber.on("group-message", (e) => {
    const data = typeof e.message.data === "string" ? e.message.data : JSON.stringify(e.message.data);
    groupMessages.push(data);
    events.push(`group:${data}`);
    wait.notify();
  });
  subscriber.on("server-message", (e) => {
    serverMessages.push(e.message.data);
    events.push(`server:${e.message.data}`);
    wait.notify();
  });

  await subscriber.start();
  await wait.until("the subscriber's connected event", () => connections.length === 1);
  await publisher.start();
  const result = { ok: true, connectionId: connections[0] };

  // Group membership and permissions: the token allows group A only.
  result.joinA = await subscriber.joinGroup("A");
  try {
    await subscriber.joinGroup("B");
    result.joinB = "accepted";
  } catch (error) {
    result.joinB = error.errorDetail ? error.errorDetail.name : String(error);
  }

  // Group messages and acks, including a resent ackId.
  result.firstSend = await publisher.sendToGroup("A", "m1", "text", { ackId: 1000 });
  result.resend = await publisher.sendToGroup("A", "m1", "text", { ackId: 1000 });
  await publisher.sendToGroup("A", { n: 2 }, "json");
  await wait.until("m1 and the json message", () => groupMessages.length >= 2);

  // Server messages: an event handler's reply, and a REST send the handler makes; both before the ack.
  events.push("send:echo");
  await subscriber.sendEvent("echo", "hi", "text");
  events.push("ack:echo");
  events.push("send:rest");
  await subscriber.sendEvent("rest", "please", "text");
  events.push("ack:rest");

  // Cut the subscriber's socket; what is published meanwhile must arrive once, in order, after recovery.
  proxy.cut();
  const whileCut = ["c1", "c2", "c3", "c4", "c5"];
  for (const text of whileCut) {
    await publisher.sendToGroup("A", text, "text");
  }
  proxy.resume();
  await wait.until("the messages sent while cut", () => whileCut.every((text) => groupMessages.includes(text)));
  await publisher.sendToGroup("A", "after", "text");
  await wait.until("the message after recovery", () => groupMessages.includes("after"));

  result.groupMessages = groupMessages;
  result.serverMessages = serverMessages;
  result.events = events;
  result.connections = connections;
  subscriber.stop();
  publisher.stop();
  proxy.close();
  finish(result);
}

run().catch((error) => finish({ ok: false, error: String(error && error.stack ? error.stack : error) }));
