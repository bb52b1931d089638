import { describe, expect, it } from "vitest";
import { ChatStore } from "../src/chat/chatStore";
import { MemoryStorage } from "./memoryStorage";

describe("ChatStore", () => {
  it("keeps a chat's last seen seq and outbox across instances (a reload)", () => {
    const storage = new MemoryStorage();
    const before = new ChatStore(storage);
    before.open("chat-1", "app-1", "assistant");
    before.seen("chat-1", 7);
    before.seen("chat-1", 5);
    before.enqueue("chat-1", { client_message_id: "m1", text: "hello" });
    before.enqueue("chat-1", { client_message_id: "m1", text: "hello" });

    const after = new ChatStore(storage).open("chat-1", "other-app", "other-workflow");
    expect(after).toEqual({ chat_id: "chat-1", app_id: "app-1", workflow_name: "assistant", last_seq: 7,
      outbox: [{ client_message_id: "m1", text: "hello" }] });
  });

  it("forgets a settled message and treats an unreadable record as none", () => {
    const storage = new MemoryStorage();
    const store = new ChatStore(storage);
    store.open("chat-1", "app-1", "assistant");
    store.enqueue("chat-1", { client_message_id: "m1", text: "a" });
    store.enqueue("chat-1", { client_message_id: "m2", text: "b" });
    store.settle("chat-1", "m1");
    expect(store.get("chat-1")?.outbox.map((m) => m.client_message_id)).toEqual(["m2"]);

    storage.setItem("mozaiks.chat.chat-2", "{not json");
    expect(store.get("chat-2")).toBeUndefined();
    expect(store.open("chat-2", "app-1", "assistant").last_seq).toBe(0);
  });
});
