// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { Transcript } from "../src/chat/transcript";

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
