// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import type { ChatEvent } from "../src/chat/envelope";
import { Transcript } from "../src/chat/transcript";

const WAITING = "Waiting for a free run slot…";

function transcript(): Transcript {
  return new Transcript(() => async () => undefined, 0);
}

function shownNotes(view: Transcript): string[] {
  return [...view.element.querySelectorAll(".queued")].filter((note) => !(note as HTMLElement).hidden)
    .map((note) => note.textContent ?? "");
}

let seq = 0;
function event(type: string, data: Record<string, unknown>): ChatEvent {
  return { type, data, seq: ++seq };
}

describe("Transcript, a chat waiting for a run slot", () => {
  it("shows a queued message as waiting for a free run slot until the chat runs", () => {
    const view = transcript();
    view.add(event("chat.text", { agent: "user", content: "Question?", client_message_id: "m-1" }));
    view.add(event("chat.input_ack", { client_message_id: "m-1", queued: true }));
    expect(shownNotes(view)).toEqual([WAITING]);

    view.add(event("chat.select_speaker", { agent: "Assistant" }));
    expect(shownNotes(view)).toEqual([]);
    // The log keeps one item per event, in seq order.
    expect([...view.element.querySelectorAll("ol.log > li")].map((item) => (item as HTMLElement).dataset.type))
      .toEqual(["chat.text", "chat.input_ack", "chat.select_speaker"]);
  });

  it("clears the note as soon as the reply streams", () => {
    const view = transcript();
    view.add(event("chat.input_ack", { client_message_id: "m-2", queued: true }));
    view.delta("Assistant", "Hel");
    expect(shownNotes(view)).toEqual([]);
  });

  it("shows a queued UI answer as waiting, and an acknowledgement that is not queued shows nothing", () => {
    const view = transcript();
    view.add(event("chat.input_ack", { client_message_id: "m-3" }));
    expect(shownNotes(view)).toEqual([]);
    view.add(event("chat.tool_response", { call_id: "call_1", tool_name: "choose_option", content: "{}", queued: true }));
    expect(shownNotes(view)).toEqual([WAITING]);
    view.add(event("chat.text", { agent: "Assistant", content: "Blue it is." }));
    expect(shownNotes(view)).toEqual([]);
  });
});

const noAnswer = () => async () => undefined;

function streamed(transcript: Transcript): string[] {
  return [...transcript.element.querySelectorAll(".streaming .content")].map((bubble) => bubble.textContent ?? "");
}

describe("Transcript", () => {
  it("drops what a void attempt streamed, so the retry's text is not joined to it", () => {
    const transcript = new Transcript(noAnswer, 0);
    transcript.delta("Assistant", "The answer is");
    transcript.delta("Assistant", " forty");
    expect(streamed(transcript)).toEqual(["The answer is forty"]);

    transcript.resetStream();
    expect(streamed(transcript)).toEqual([]);
    transcript.delta("Assistant", "The answer is 42.");
    expect(streamed(transcript)).toEqual(["The answer is 42."]);
  });

  it("shows a recorded retry in the log and drops the failed attempt's text", () => {
    const transcript = new Transcript(noAnswer, 0);
    transcript.delta("Assistant", "Half a rep");
    transcript.add({ type: "chat.retrying", seq: 4, timestamp: "2026-03-01T10:00:00Z",
      data: { step_seq: 1, attempt: 2, retry_at: "2026-03-01T10:00:09Z", reason: "model_rate_limited" } });
    const note = transcript.element.querySelector<HTMLElement>('[data-seq="4"]')!;
    expect(note.hidden).toBe(false);
    expect(note.textContent).toMatch(/^The model is busy; retrying at .+ \(attempt 2\)\.$/);
    expect(streamed(transcript)).toEqual([]);
  });

  it("shows a live-only retry below the log until the reply streams again", () => {
    const transcript = new Transcript(noAnswer, 0);
    transcript.notice("The database is unavailable; retrying shortly (attempt 1).");
    expect(transcript.element.querySelector(".streaming-area .passing")?.textContent).toContain("retrying");
    transcript.delta("Assistant", "Back");
    expect(transcript.element.querySelector(".streaming-area .passing")).toBeNull();
    expect(streamed(transcript)).toEqual(["Back"]);
  });
});
